"""Scrape step: fetch every board of one source and land raw responses.

One call handles one shard of a source: a bounded list of its boards (the
DAG maps over the shards of each family, see jobmarket.boards.crawl; a
source with few boards is one shard). Boards are fetched in parallel; the
shared client enforces per-host limits, so boards on the same host queue
politely while other hosts proceed. Shard tasks of one family share the
Airflow pool ``jobmarket_<family>``: with N slots, each shard gets 1/N of the
family's per-host rate and concurrency, so the host's limits hold however
many shards (of however many runs and backfills) run at once.

Every board lands a manifest, whatever happened: ``ok``, ``not_modified``
(a 304: the previous raw is landed again, byte for byte), ``failed`` or
``skipped_robots``. A failed or skipped board lands no response bodies, so
nothing partial is ever parsed as if it were the whole board. One board's
failure, even a crash, never stops the others; a source whose boards all
failed raises :class:`SourceFailed` after every board was attempted.
"""

from __future__ import annotations

import gzip
import logging
import time
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from jobmarket.boards.crawl import Shard, expand, shard_boards, shards
from jobmarket.core.lake import Lake
from jobmarket.core.runctx import is_stale
from jobmarket.core.settings import REPO_DIR, Settings
from jobmarket.sources.base import FetchPlan
from jobmarket.sources.config import BoardConfig, SourceConfig, SourcesFile, load_sources
from jobmarket.sources.http import PoliteClient
from jobmarket.sources.registry import get_adapter

log = logging.getLogger(__name__)
POOLS_FILE = REPO_DIR / "include" / "config" / "pools.json"


class SourceFailed(RuntimeError):
    """Every board of a source failed: the mapped task must fail loudly."""


def _previous_manifest(lake: Lake, family: str, board: str, dt: date) -> tuple[Path, dict] | None:
    base = lake.board_dir(family, board)
    if not base.is_dir():
        return None
    for d in sorted(base.glob("dt=*"), reverse=True):
        if d.name.split("=", 1)[1] >= str(dt):
            continue
        m = lake.read_manifest(d)
        if m and m.get("status") in ("ok", "not_modified"):
            return d, m
    return None


@dataclass
class _Outcome:
    status: str = "ok"
    files: list[dict] = field(default_factory=list)
    bodies: list[tuple[str, bytes]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stale_304: bool = False  # a 304 whose previous body cannot be reused


def _assemble(
    lake: Lake, plans: list[FetchPlan], previous: tuple[Path, dict] | None, conditional: dict
) -> _Outcome:
    out = _Outcome()
    robots = failed = False
    not_modified = 0
    for plan in plans:
        r = plan.result
        entry = {"name": plan.name, "kind": plan.kind, "meta": plan.meta, **r.manifest()}
        if r.robots_blocked:
            robots = True
            out.errors.append(f"{r.url}: {r.error}")
        elif r.not_modified:
            prev_etag, prev_lm, prev_name = conditional.get(r.url, (None, None, None))
            body = None
            if previous and prev_name:
                try:
                    body = lake.read_raw(previous[0], prev_name)
                except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
                    log.warning("%s: previous raw %s/%s unreadable: %s", r.url, previous[0], prev_name, exc)
            if body is None:
                out.stale_304 = True
                failed = True
                sent = "a conditional request" if prev_name else "a request without validators"
                out.errors.append(f"{r.url}: HTTP 304 Not Modified to {sent}, and no previous raw to reuse")
            else:
                # 304: this date's raw is the previous response, byte for byte;
                # the validators carry forward when the 304 omits them.
                out.bodies.append((plan.name, body))
                entry["reused_from"] = str(previous[0].relative_to(lake.root))
                entry["etag"] = entry["etag"] or prev_etag
                entry["last_modified"] = entry["last_modified"] or prev_lm
                not_modified += 1
        elif not r.ok and plan.meta.get("optional"):
            # A detail the adapter can do without (its list row stands in):
            # recorded in the manifest and the board's error, the board still lands.
            out.errors.append(f"{r.url}: {r.error or f'HTTP {r.status}'} (kept the list row)")
        elif not r.ok:
            failed = True
            out.errors.append(f"{r.url}: {r.error or f'HTTP {r.status}'}")
        else:
            out.bodies.append((plan.name, r.body))
        out.files.append(entry)
    if robots:
        out.status = "skipped_robots"
    elif failed or not plans:
        out.status = "failed"
        if not plans:
            out.errors.append("adapter fetched nothing")
    elif not_modified and not_modified == len(plans):
        out.status = "not_modified"
    if out.status in ("failed", "skipped_robots"):
        out.bodies = []  # never land part of a board as if it were the whole board
    return out


def scrape_board(
    client: PoliteClient, lake: Lake, source: SourceConfig, board: BoardConfig, dt: date, run_id: str
) -> dict[str, Any]:
    """Fetch one board and land it. Returns the board's manifest.

    Never raises for trouble with the board itself (network, HTTP, a crash in
    the adapter): the trouble is recorded as a ``failed`` manifest.
    """
    target = lake.raw_dir(source.family, board.token, dt)
    existing = lake.read_manifest(target)
    if existing is not None and existing.get("status") != "failed":
        # Raw is immutable: a rerun of the date reuses what was landed.
        return {**existing, "reused": True}

    started = time.monotonic()
    plans: list[FetchPlan] = []
    try:
        adapter = get_adapter(source.family)
        previous = _previous_manifest(lake, source.family, board.token, dt)
        conditional = {}
        if previous:
            for f in previous[1].get("files", []):
                if (f.get("etag") or f.get("last_modified")) and f["name"] in previous[1].get("landed", []):
                    conditional[f["url"]] = (f.get("etag"), f.get("last_modified"), f["name"])
        plans = adapter.fetch(client, source, board, conditional=conditional)
        out = _assemble(lake, plans, previous, conditional)
        if out.stale_304 and conditional:
            # The previous raw is gone or damaged: ask again without validators.
            log.warning("%s/%s: 304 but previous raw unusable; refetching unconditionally", source.name, board.token)
            first = plans
            plans = adapter.fetch(client, source, board, conditional={})
            out = _assemble(lake, plans, None, {})
            plans = first + plans
    except Exception as exc:  # noqa: BLE001 - one board's crash must not stop the others
        log.exception("%s/%s: scrape crashed", source.name, board.token)
        out = _Outcome(status="failed", errors=[f"scrape crashed: {type(exc).__name__}: {exc}"])

    status_counts: Counter = Counter()
    for plan in plans:
        status_counts.update(plan.result.status_counts)
    manifest = {
        "source": source.name,
        "family": source.family,
        "board": board.token,
        "company": board.company,
        "dt": str(dt),
        "run_id": run_id,
        "status": out.status,
        "files": out.files,
        "landed": [name for name, _ in out.bodies],
        "requests": sum(p.result.requests for p in plans),
        "retries": sum(p.result.retries for p in plans),
        "bytes": sum(p.result.bytes for p in plans),
        "status_counts": {str(k): v for k, v in sorted(status_counts.items())},
        "duration_s": round(time.monotonic() - started, 4),
        "error": "; ".join(out.errors)[:2000] or None,
    }
    lake.land_raw(target, out.bodies, manifest)
    return manifest


_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8  # glibc mallopt parameters


def _large_buffers_to_mmap(threshold: int = 128 * 1024, arenas: int = 2) -> None:
    """Keep response bodies out of the malloc heap.

    glibc raises its mmap threshold each time an mmapped block is freed (up
    to 32 MB), so after the first large response every later body of a few
    hundred KB is carved from the thread arenas (one per fetch thread, up to
    8 per core), which fragment: a process crawling thousands of boards grew
    by ~10 MB per thousand boards (bench/bench_boards.py). A fixed threshold
    sends each large body to its own mapping, returned to the system when
    freed, and two arenas bound what fragmentation can hold; the fetch
    threads wait on the network, not on malloc."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, threshold)
        libc.mallopt(_M_ARENA_MAX, arenas)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def pool_slots(family: str, path=POOLS_FILE) -> int:
    """Slots of the family's Airflow pool (1 when the file or entry is missing)."""
    import json

    try:
        return max(1, int(json.loads(path.read_text())[f"jobmarket_{family}"]["slots"]))
    except (OSError, ValueError, KeyError, TypeError):
        return 1


def share_of_limits(source: SourceConfig, slots: int) -> SourceConfig:
    """The per-host limits one of ``slots`` concurrent shard tasks may use:
    their sum is the source's configured limits."""
    if slots <= 1:
        return source
    from dataclasses import replace

    return replace(source, rate_per_second=source.rate_per_second / slots,
                   burst=max(1, source.burst // slots), max_concurrency=max(1, source.max_concurrency // slots))


def plan_shards(dt: date, *, family: str | None = None, only: list[str] | None = None,
                settings: Settings | None = None, sources: SourcesFile | None = None) -> list[dict[str, Any]]:
    """The shards a run of ``dt`` scrapes (JSON, for the DAG's mapped tasks)."""
    settings = settings or Settings.from_env()
    sources = expand(sources or load_sources(), Lake(settings.lake), dt)
    if only:
        sources.names_by_family(only)  # unknown names are a ConfigError
    return [s.to_json() for s in shards(sources, family, only)]


def scrape_shard(shard: dict[str, Any], dt: date, **kwargs: Any) -> dict[str, Any]:
    """Scrape one shard (see :func:`plan_shards`) of a source."""
    return scrape_source(shard["source"], dt, shard=Shard.from_json(shard), **kwargs)


def scrape_source(
    source_name: str,
    dt: date,
    *,
    settings: Settings | None = None,
    sources: SourcesFile | None = None,
    run_id: str = "cli",
    client: PoliteClient | None = None,
    shard: Shard | None = None,
    slots: int | None = None,
) -> dict[str, Any]:
    """Scrape every board of ``source_name`` (of one ``shard`` of it) for partition ``dt``.

    Returns a JSON-able summary (boards by status). Raises SourceFailed after
    all boards were attempted when every one of them failed. ``slots``: how
    many scrape tasks of the family may run at once (default: its pool's
    slots); each uses that share of the per-host limits.
    """
    _large_buffers_to_mmap()
    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    sources = expand(sources or load_sources(), lake, dt)
    source = sources.get(source_name)
    if shard is not None:
        from dataclasses import replace

        source = replace(source, boards=shard_boards(source, shard))
    source = share_of_limits(source, slots if slots is not None else pool_slots(source.family))
    summary: dict[str, Any] = {"source": source.name, "dt": str(dt), "boards": {},
                               "shard": shard.label if shard else source.name}
    if is_stale(dt, settings, source):
        # Past date: never scrape live data into it. Reprocessing downstream
        # reads whatever raw exists; boards without raw are recorded by parse.
        have = {b for b, _ in lake.raw_boards(source.family, dt)}
        summary["stale"] = True
        summary["boards"] = {b.token: ("reused" if b.token in have else "skipped_stale") for b in source.boards}
        log.warning("%s: %s is older than the freshness window; not scraping, reprocessing raw only", source.name, dt)
        return summary

    own_client = client is None
    client = client or PoliteClient(sources.http.user_agent)
    workers = max(1, min(len(source.boards), source.max_concurrency * 2, 32))
    manifests: list[dict[str, Any]] = []
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"scrape-{source.name}") as pool:
            futures = [
                (b, pool.submit(scrape_board, client, lake, source, b, dt, run_id)) for b in source.boards
            ]
            for b, fut in futures:
                try:
                    manifests.append(fut.result())
                except Exception as exc:  # noqa: BLE001 - e.g. landing failed; parse records "no raw"
                    log.exception("%s/%s: could not land the board", source.name, b.token)
                    manifests.append(
                        {"board": b.token, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                    )
    finally:
        if own_client:
            client.close()
    counts = Counter(m["status"] for m in manifests)
    summary["boards"] = {m["board"]: m["status"] for m in manifests}
    summary["counts"] = dict(counts)
    summary["requests_per_host"] = dict(client.requests_per_host)
    failed = [m for m in manifests if m["status"] == "failed"]
    summary["errors"] = {m["board"]: m["error"] for m in failed}
    for m in failed:
        log.error("%s/%s failed: %s", source.name, m["board"], m["error"])
    if manifests and len(failed) == len(manifests):
        raise SourceFailed(
            f"source {source.name!r}: all {len(failed)} boards failed for {dt}; first error: {failed[0]['error']}"
        )
    return summary
