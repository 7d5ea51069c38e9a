"""What a date's run wrote, for people: partitions, counts, where to look."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from jobmarket.core.lake import Lake, read_parquet
from jobmarket.core.schema import MARKET_DAILY, OBSERVATIONS, SOURCE_HEALTH, TABLES
from jobmarket.core.settings import Settings


def summarize(dt: date, settings: Settings) -> dict[str, Any]:

    from jobmarket.quality.runner import data_docs_index

    lake = Lake(settings.lake)
    out: dict[str, Any] = {"dt": str(dt), "lake": str(lake.root), "partitions": {}}
    for table in TABLES:
        path = lake.partition_dir(table.path, dt)
        if not (path / "part-0.parquet").is_file():
            out["partitions"][table.name] = None
            continue
        t = read_parquet(path / "part-0.parquet")
        out["partitions"][table.name] = {"path": str(path), "rows": t.num_rows}
        if table is OBSERVATIONS:
            out["postings_per_source"] = dict(sorted(Counter(t.column("source").to_pylist()).items()))
            out["archetypes"] = dict(Counter(t.column("archetype").to_pylist()).most_common())
            flags = Counter(f for fl in t.column("tag_flags").to_pylist() for f in (fl or []))
            out["title_only"] = flags.get("title_only", 0)
        if table is SOURCE_HEALTH:
            out["board_status"] = dict(sorted(Counter(t.column("status").to_pylist()).items()))
            bad = [r for r in t.to_pylist() if r["status"] not in ("ok", "empty", "not_modified")]
            out["board_problems"] = [f"{r['source']}/{r['board']}: {r['status']}: {r['error']}" for r in bad][:20]
        if table is MARKET_DAILY:
            rows = [r for r in t.to_pylist() if r["dimension"] == "all"]
            if rows:
                out["market"] = {k: rows[0][k] for k in ("open", "new", "closed", "open_unique")}
    out["data_docs"] = str(data_docs_index(lake))
    return out


def print_summary(dt: date, settings: Settings) -> dict[str, Any]:
    s = summarize(dt, settings)
    lines = [f"== job_market_nightly {s['dt']} ==", f"lake: {s['lake']}"]
    for name, p in s["partitions"].items():
        lines.append(f"  {name:18s} " + (f"{p['rows']:>7,d} rows  {p['path']}" if p else "(not written)"))
    if "market" in s:
        m = s["market"]
        lines.append(f"open {m['open']:,} (unique jobs {m['open_unique']:,}), new {m['new']:,}, closed {m['closed']:,}")
    if "postings_per_source" in s:
        lines.append("postings per source: " + ", ".join(f"{k}={v:,}" for k, v in s["postings_per_source"].items()))
        lines.append("archetypes: " + ", ".join(f"{k}={v:,}" for k, v in s["archetypes"].items()))
        lines.append(f"tagged from title only (no description in the response): {s['title_only']:,}")
    if "board_status" in s:
        lines.append("boards by status: " + ", ".join(f"{k}={v}" for k, v in s["board_status"].items()))
        for p in s["board_problems"]:
            lines.append(f"  ! {p}")
    lines.append(f"Data Docs: {s['data_docs']}")
    print("\n".join(lines), flush=True)
    return s
