"""Scrape step: fetch every board of one source and land raw responses.

One call handles one source (the DAG maps it over the configured sources).
Boards are fetched in parallel; the shared client enforces per-host limits,
so boards on the same host queue politely while other hosts proceed.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from jobmarket.config import BoardConfig, Settings, SourceConfig, SourcesFile, load_sources
from jobmarket.http import PoliteClient
from jobmarket.lake import Lake
from jobmarket.sources import get_adapter

log = logging.getLogger(__name__)


class SourceFailed(RuntimeError):
    """Every board of a source failed: the mapped task must fail loudly."""


def is_stale(dt: date, settings: Settings, source: SourceConfig, today: date | None = None) -> bool:
    """A past date must never be labelled with what the boards show today."""
    if source.options.get("replay"):
        return False  # replaying recordings made on that date is exempt
    today = today or datetime.now(UTC).date()
    return dt < today - timedelta(days=settings.freshness_days)


def _previous_manifest(lake: Lake, family: str, board: str, dt: date) -> tuple[Path, dict] | None:
    base = lake.root / "raw" / f"source={family}" / f"board={board}"
    if not base.is_dir():
        return None
    for d in sorted(base.glob("dt=*"), reverse=True):
        if d.name.split("=", 1)[1] >= str(dt):
            continue
        m = lake.read_manifest(d)
        if m and m.get("status") in ("ok", "not_modified"):
            return d, m
    return None


def scrape_board(
    client: PoliteClient, lake: Lake, source: SourceConfig, board: BoardConfig, dt: date, run_id: str
) -> dict[str, Any]:
    """Fetch one board and land it. Returns the board's manifest."""
    target = lake.raw_dir(source.family, board.token, dt)
    existing = lake.read_manifest(target)
    if existing is not None and existing.get("status") != "failed":
        # Raw is immutable: a rerun of the date reuses what was landed.
        return {**existing, "reused": True}

    adapter = get_adapter(source.family)
    started = time.monotonic()
    previous = _previous_manifest(lake, source.family, board.token, dt)
    conditional = {}
    if previous:
        for f in previous[1].get("files", []):
            if f.get("etag") or f.get("last_modified"):
                conditional[f["url"]] = (f.get("etag"), f.get("last_modified"), f["name"])
    plans = adapter.fetch(client, source, board, conditional=conditional)

    files, bodies, errors = [], [], []
    status_counts: Counter = Counter()
    status = "ok"
    for plan in plans:
        r = plan.result
        status_counts.update(r.status_counts)
        entry = {"name": plan.name, "kind": plan.kind, "meta": plan.meta, **r.manifest()}
        if r.robots_blocked:
            status = "skipped_robots"
            errors.append(f"{r.url}: {r.error}")
        elif r.not_modified and previous and r.url in conditional:
            # 304: this date's raw is the previous response, byte for byte.
            prev_dir, _ = previous
            bodies.append((plan.name, lake.read_raw(prev_dir, conditional[r.url][2])))
            entry["reused_from"] = str(prev_dir.relative_to(lake.root))
            if status == "ok":
                status = "not_modified"
        elif not r.ok:
            errors.append(f"{r.url}: {r.error}")
            if status != "skipped_robots":
                status = "failed"
        else:
            bodies.append((plan.name, r.body))
        files.append(entry)
    if status in ("failed", "skipped_robots"):
        bodies = []  # never land part of a board as if it were the whole board
    manifest = {
        "source": source.name,
        "family": source.family,
        "board": board.token,
        "company": board.company,
        "dt": str(dt),
        "run_id": run_id,
        "status": status,
        "files": files if status not in ("failed", "skipped_robots") else files,
        "landed": [name for name, _ in bodies],
        "requests": sum(f["attempts"] for f in files),
        "retries": sum(max(0, f["attempts"] - 1) for f in files),
        "bytes": sum(f["bytes"] for f in files),
        "status_counts": {str(k): v for k, v in sorted(status_counts.items())},
        "duration_s": round(time.monotonic() - started, 4),
        "error": "; ".join(errors)[:2000] or None,
    }
    lake.land_raw(target, bodies, manifest)
    return manifest


def scrape_source(
    source_name: str,
    dt: date,
    *,
    settings: Settings | None = None,
    sources: SourcesFile | None = None,
    run_id: str = "cli",
    client: PoliteClient | None = None,
) -> dict[str, Any]:
    """Scrape every board of ``source_name`` for partition ``dt``.

    Returns a JSON-able summary (boards by status). Raises SourceFailed after
    all boards were attempted when every one of them failed.
    """
    settings = settings or Settings.from_env()
    sources = sources or load_sources()
    source = sources.get(source_name)
    lake = Lake(settings.lake)
    summary: dict[str, Any] = {"source": source.name, "dt": str(dt), "boards": {}}
    if is_stale(dt, settings, source):
        # Past date: never scrape live data into it. Reprocessing downstream
        # reads whatever raw exists; boards without raw are recorded by parse.
        have = {b for b, _ in lake.raw_boards(source.family, dt)}
        summary["stale"] = True
        summary["boards"] = {b.token: ("reused" if b.token in have else "skipped_stale") for b in source.boards}
        log.warning("%s: %s is older than the freshness window; not scraping, reprocessing raw only", source.name, dt)
        return summary

    client = client or PoliteClient(sources.http.user_agent)
    workers = max(1, min(len(source.boards), source.max_concurrency * 2, 32))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"scrape-{source.name}") as pool:
        manifests = list(pool.map(lambda b: scrape_board(client, lake, source, b, dt, run_id), source.boards))
    counts = Counter(m["status"] for m in manifests)
    summary["boards"] = {m["board"]: m["status"] for m in manifests}
    summary["counts"] = dict(counts)
    summary["requests_per_host"] = dict(client.requests_per_host)
    failed = [m for m in manifests if m["status"] == "failed"]
    for m in failed:
        log.error("%s/%s failed: %s", source.name, m["board"], m["error"])
    if manifests and len(failed) == len(manifests):
        raise SourceFailed(
            f"source {source.name!r}: all {len(failed)} boards failed for {dt}; first error: {failed[0]['error']}"
        )
    return summary
