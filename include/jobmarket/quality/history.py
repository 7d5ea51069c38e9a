"""What the lake says about previous dates: the trailing history the batch
gates compare a run with.

* counts per source and board: ``curated/source_health`` (``postings_found``,
  the parse count, so rows quarantined or held back on a past date still count);
* null rates of key fields: the ``null_rate_jump`` rows of previous dates'
  ``curated/gate_results`` (each run records the rates it saw), else the
  columns of ``curated/observations`` or ``curated/postings`` that exist;
* JSON keys of the raw records: the raw responses themselves, summarised once
  per date and family into ``work/raw_keys/dt=<date>/<family>.json`` (raw is
  immutable, so the summary never goes stale).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jobmarket.lake import Lake
from jobmarket.schema import POSTINGS, SOURCE_HEALTH

log = logging.getLogger(__name__)

# Statuses of a board whose postings were parsed: its count means something.
PARSED_STATUSES = frozenset({"ok", "empty", "not_modified"})
RAW_KEYS_STEP = "raw_keys"


@dataclass
class DateHistory:
    dt: date
    # (source, board) -> postings_found, for boards whose postings were parsed
    board_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    # source -> {column: null rate} over the published rows of that date
    null_rates: dict[str, dict[str, float]] = field(default_factory=dict)


def previous_dates(lake: Lake, dt: date, n: int) -> list[date]:
    """The ``n`` latest dates before ``dt`` with a published source_health partition."""
    base = lake.table_dir(SOURCE_HEALTH.path)
    found = []
    if base.is_dir():
        for d in base.glob("dt=*"):
            try:
                day = date.fromisoformat(d.name.split("=", 1)[1])
            except ValueError:
                continue
            if day < dt and (d / "part-0.parquet").is_file():
                found.append(day)
    return sorted(found, reverse=True)[:n]


def board_counts_from_health(rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """(family, board) -> postings parsed, for the boards that parsed."""
    out: dict[tuple[str, str], int] = {}
    for r in rows:
        if r["status"] in PARSED_STATUSES and r.get("postings_found") is not None:
            key = (r["family"], r["board"])
            out[key] = out.get(key, 0) + int(r["postings_found"])
    return out


def null_rates(table, columns: tuple[str, ...], source_col: str = "source") -> dict[str, dict[str, float]]:
    """source -> {column: share of nulls} of a pyarrow table."""
    import pyarrow.compute as pc

    out: dict[str, dict[str, float]] = {}
    if table.num_rows == 0:
        return out
    sources = table.column(source_col)
    for src in pc.unique(sources).to_pylist():
        mask = pc.equal(sources, src)
        part = table.filter(mask)
        n = part.num_rows
        out[src] = {c: part.column(c).null_count / n for c in columns if c in part.column_names}
    return out


def load_history(lake: Lake, dt: date, n: int, columns: tuple[str, ...]) -> list[DateHistory]:
    import pyarrow.parquet as pq

    out = []
    for day in previous_dates(lake, dt, n):
        h = DateHistory(dt=day)
        health = pq.read_table(
            lake.partition_dir(SOURCE_HEALTH.path, day) / "part-0.parquet",
            columns=["family", "board", "status", "postings_found"],
        ).to_pylist()
        h.board_counts = board_counts_from_health(health)
        gpath = lake.partition_dir("curated/gate_results", day) / "part-0.parquet"
        if gpath.is_file():
            for g in pq.read_table(gpath, columns=["source", "board", "gate", "field", "observed"]).to_pylist():
                if g["gate"] == "null_rate_jump" and g["board"] is None and g["observed"] is not None:
                    h.null_rates.setdefault(g["source"], {})[g["field"]] = g["observed"]
        for table in ("curated/observations", POSTINGS.path):
            ppath = lake.partition_dir(table, day) / "part-0.parquet"
            if h.null_rates or not ppath.is_file():
                continue
            have = set(pq.read_schema(ppath).names)
            cols = ["source", *[c for c in columns if c in have]]
            h.null_rates = null_rates(pq.read_table(ppath, columns=cols), tuple(cols[1:]))
        out.append(h)
    return out


# -- raw JSON keys ----------------------------------------------------------


def record_keys(doc: Any) -> set[str] | None:
    """Top-level keys of the posting records of one JSON response.

    The records are the largest list of objects in the response (``jobs``
    for Greenhouse and Ashby, the top-level list for Lever); a single object
    with no such list is one record. None when the body holds no objects.
    """
    if isinstance(doc, list):
        recs = [r for r in doc if isinstance(r, dict)]
    elif isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list) and any(isinstance(x, dict) for x in v)]
        recs = [r for r in max(lists, key=len) if isinstance(r, dict)] if lists else [doc]
    else:
        return None
    if not recs:
        return None
    keys: set[str] = set()
    for r in recs:
        keys.update(r)
    return keys


def raw_keys(lake: Lake, family: str, dt: date, *, use_cache: bool = True,
             known: dict[str, set[str]] | None = None) -> dict[str, list[str]]:
    """board -> sorted JSON keys of its raw records on ``dt`` (boards whose raw
    is JSON with records). Cached per date and family under work/raw_keys.
    The parse step writes the cache for its date with ``known`` (the keys it
    saw while parsing, so the raw is not read twice), and any rerun of parse
    rewrites it: a board that failed and landed later is parsed again."""
    cache = lake.work_dir(RAW_KEYS_STEP, dt) / f"{family}.json"
    if use_cache:
        try:
            return json.loads(cache.read_text())
        except (OSError, ValueError):
            pass
    out: dict[str, list[str]] = {}
    for board, d in lake.raw_boards(family, dt):
        manifest = lake.read_manifest(d) or {}
        if manifest.get("status") not in PARSED_STATUSES:
            continue
        if known is not None and board in known:
            if known[board]:
                out[board] = sorted(known[board])
            continue
        keys: set[str] = set()
        for name in manifest.get("landed", []):
            try:
                doc = json.loads(lake.read_raw(d, name))
            except (OSError, ValueError, EOFError) as exc:
                log.debug("%s/%s %s: not JSON (%s)", family, board, name, exc)
                continue
            keys |= record_keys(doc) or set()
        if keys:
            out[board] = sorted(keys)
    lake.write_json(cache, out)
    return out
