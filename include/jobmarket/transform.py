"""Parse, tag and publish steps: raw responses to the curated postings table.

Each step reads the previous step's hand-off from the lake and writes its own,
so any step can be rerun alone for any date (from Airflow or the CLI).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import date
from typing import Any

from jobmarket.config import Settings, SourcesFile, load_sources
from jobmarket.lake import Lake
from jobmarket.schema import NORMALIZED, POSTINGS, QUARANTINE, SOURCE_HEALTH, TAG_COLUMNS
from jobmarket.scrape import is_stale
from jobmarket.sources import BoardContext, ParseError, get_adapter
from jobmarket.sources.base import to_utc

log = logging.getLogger(__name__)

NORMALIZED_STEP = "normalized"
HEALTH_STEP = "health"
VALIDATED_STEP = "validated"
QUARANTINE_STEP = "quarantine"
TAGGED_STEP = "tagged"


class PipelineError(RuntimeError):
    """A step cannot proceed (missing input, systemic breakage)."""


def _health_row(dt: date, source, board: str, manifest: dict | None, run_id: str) -> dict[str, Any]:
    m = manifest or {}
    counts = m.get("status_counts") or {}
    return {
        "scraped_date": dt,
        "source": source.name,
        "family": source.family,
        "board": board,
        "status": m.get("status", "failed"),
        "http_status": ",".join(f"{k}:{v}" for k, v in sorted(counts.items())) or None,
        "requests": int(m.get("requests", 0)),
        "retries": int(m.get("retries", 0)),
        "bytes": int(m.get("bytes", 0)),
        "duration_s": float(m.get("duration_s", 0.0)),
        "postings_found": None,
        "error": m.get("error"),
        "run_id": run_id,
    }


def parse_board_dir(lake: Lake, source, board: str, d, manifest: dict) -> list[dict[str, Any]]:
    """All postings of one landed board. Raises ParseError if any response is bad:
    a board is published whole or not at all."""
    adapter = get_adapter(source.family)
    company = manifest.get("company")
    rows: list[dict[str, Any]] = []
    for f in manifest.get("files", []):
        if f["name"] not in manifest.get("landed", []) or not adapter.parse_kind(f.get("kind", "list")):
            continue
        ctx = BoardContext(
            family=source.family,
            board=board,
            company=company,
            url=f.get("final_url") or f.get("url"),
            fetched_at=to_utc(f.get("fetched_at")),
        )
        rows.extend(adapter.parse(lake.read_raw(d, f["name"]), ctx))
    return rows


def parse_date(
    dt: date,
    *,
    settings: Settings | None = None,
    sources: SourcesFile | None = None,
    run_id: str = "cli",
) -> dict[str, Any]:
    """Parse every configured board's raw for ``dt`` into the normalized table."""
    import pyarrow as pa

    settings = settings or Settings.from_env()
    sources = sources or load_sources()
    lake = Lake(settings.lake)
    rows: list[dict[str, Any]] = []
    health: list[dict[str, Any]] = []
    for source in sources.sources:
        landed = dict(lake.raw_boards(source.family, dt))
        for board in source.boards:
            d = landed.get(board.token)
            if d is None:
                row = _health_row(dt, source, board.token, None, run_id)
                if is_stale(dt, settings, source):
                    row["status"], row["error"] = "skipped_stale", f"no raw for past date {dt}; not scraped"
                else:
                    row["error"] = "no raw landed for this date (scrape did not run or crashed)"
                health.append(row)
                continue
            manifest = lake.read_manifest(d) or {}
            row = _health_row(dt, source, board.token, manifest, run_id)
            if row["status"] in ("ok", "not_modified"):
                try:
                    board_rows = parse_board_dir(lake, source, board.token, d, manifest)
                except ParseError as exc:
                    row["status"], row["error"] = "failed", f"parse: {exc}"[:2000]
                    log.error("%s/%s: %s", source.name, board.token, exc)
                else:
                    row["postings_found"] = len(board_rows)
                    if not board_rows and row["status"] == "ok":
                        row["status"] = "empty"
                    rows.extend(board_rows)
            health.append(row)
    for r in rows:
        r["scraped_date"] = dt
        r["run_id"] = run_id
    table = pa.Table.from_pylist(rows, schema=NORMALIZED.arrow_schema())
    lake.write_partition(f"work/{NORMALIZED_STEP}", dt, table)
    lake.write_partition(f"work/{HEALTH_STEP}", dt, pa.Table.from_pylist(health, schema=SOURCE_HEALTH.arrow_schema()))
    statuses = Counter(h["status"] for h in health)
    per_source = Counter(r["source"] for r in rows)
    return {"dt": str(dt), "postings": len(rows), "per_source": dict(per_source), "board_status": dict(statuses)}


def _read(lake: Lake, step: str, dt: date):
    import pyarrow.parquet as pq

    path = lake.partition_dir(f"work/{step}", dt) / "part-0.parquet"
    if not path.is_file():
        raise PipelineError(f"missing input {path}: run the previous step for {dt} first")
    return pq.read_table(path)


def tag_date(dt: date, *, settings: Settings | None = None) -> dict[str, Any]:
    """Tag every validated posting of ``dt`` with its archetype."""
    import pyarrow as pa

    from jobmarket.tagger import tag_many

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    table = _read(lake, VALIDATED_STEP, dt)
    titles = table.column("title").to_pylist()
    descriptions = table.column("description").to_pylist()
    results = tag_many(zip(titles, descriptions, strict=True))
    cols: dict[str, list] = {c.name: [] for c in TAG_COLUMNS}
    for res in results:
        cols["archetype"].append(res["archetype"])
        cols["secondary"].append(res.get("secondary"))
        cols["confidence"].append(float(res["confidence"]))
        cols["title_archetype"].append(res.get("title_archetype"))
        cols["title_mismatch"].append(bool(res.get("title_mismatch")))
        cols["seniority"].append(res.get("seniority"))
        cols["min_years_experience"].append(res.get("min_years_experience"))
        cols["degree"].append(res.get("degree"))
        cols["skills"].append([s["name"] for s in res.get("skills") or []])
        cols["scores_json"].append(json.dumps(res.get("scores") or {}, sort_keys=True))
        cols["evidence_json"].append(json.dumps(res.get("evidence") or {}, sort_keys=True, ensure_ascii=False))
        cols["tag_flags"].append(list(res.get("flags") or []))
        cols["tagger_version"].append(res["tagger_version"])
    schema = POSTINGS.arrow_schema()
    for c in TAG_COLUMNS:
        table = table.append_column(schema.field(c.name), pa.array(cols[c.name], type=schema.field(c.name).type))
    lake.write_partition(f"work/{TAGGED_STEP}", dt, table)
    return {"dt": str(dt), "tagged": table.num_rows, "archetypes": dict(Counter(cols["archetype"]))}


def publish_date(dt: date, *, settings: Settings | None = None) -> dict[str, Any]:
    """Publish the curated partitions of ``dt``: postings, quarantine, source_health.

    Rows are sorted by posting_id so a rerun of the same date writes the same
    table; each partition is swapped in atomically.
    """
    import pyarrow.compute as pc

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    tagged = _read(lake, TAGGED_STEP, dt)
    tagged = tagged.take(pc.sort_indices(tagged, sort_keys=[("posting_id", "ascending")]))
    tagged = tagged.select(POSTINGS.column_names).cast(POSTINGS.arrow_schema())
    quarantine = _read(lake, QUARANTINE_STEP, dt).cast(QUARANTINE.arrow_schema())
    health = _read(lake, HEALTH_STEP, dt).cast(SOURCE_HEALTH.arrow_schema())
    out = {}
    for tbl, data in ((POSTINGS, tagged), (QUARANTINE, quarantine), (SOURCE_HEALTH, health)):
        out[tbl.name] = str(lake.write_partition(tbl.path, dt, data))
    return {
        "dt": str(dt),
        "published": tagged.num_rows,
        "quarantined": quarantine.num_rows,
        "partitions": out,
    }


def check_source_health(dt: date, *, settings: Settings | None = None) -> dict[str, Any]:
    """Raise if any source had every one of its boards fail on ``dt``."""
    import pyarrow.parquet as pq

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    path = lake.partition_dir(SOURCE_HEALTH.path, dt) / "part-0.parquet"
    if not path.is_file():
        raise PipelineError(f"no source_health partition for {dt}: the run did not publish")
    by_source: dict[str, Counter] = {}
    for row in pq.read_table(path, columns=["source", "status"]).to_pylist():
        by_source.setdefault(row["source"], Counter())[row["status"]] += 1
    dead = [s for s, c in by_source.items() if c.get("failed", 0) == sum(c.values())]
    if dead:
        raise PipelineError(f"{dt}: every board failed for source(s) {sorted(dead)}; see curated/source_health")
    return {s: dict(c) for s, c in by_source.items()}
