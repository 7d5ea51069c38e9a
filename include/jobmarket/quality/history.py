"""What the lake says about previous dates: the trailing history the batch
gates compare a run with.

* counts per source and board: ``curated/source_health`` (``postings_found``,
  the parse count, so rows quarantined or held back on a past date still count);
* null rates of key fields: the ``null_rate_jump`` rows of previous dates'
  ``curated/gate_results`` (each run records the rates it saw), else the
  columns of ``curated/observations`` or ``curated/postings`` that exist;
* JSON keys of the raw records: ``jobmarket.incremental.raw_keys`` (the
  caller passes them to the gates).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jobmarket.core.lake import Lake, read_parquet, read_parquet_schema
from jobmarket.core.schema import POSTINGS, SOURCE_HEALTH

log = logging.getLogger(__name__)

# Statuses of a board whose postings were parsed: its count means something.
PARSED_STATUSES = frozenset({"ok", "empty", "not_modified"})


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

    out = []
    for day in previous_dates(lake, dt, n):
        h = DateHistory(dt=day)
        health = read_parquet(
            lake.partition_dir(SOURCE_HEALTH.path, day) / "part-0.parquet",
            columns=["family", "board", "status", "postings_found"],
        ).to_pylist()
        h.board_counts = board_counts_from_health(health)
        gpath = lake.partition_dir("curated/gate_results", day) / "part-0.parquet"
        if gpath.is_file():
            for g in read_parquet(gpath, columns=["source", "board", "gate", "field", "observed"]).to_pylist():
                if g["gate"] == "null_rate_jump" and g["board"] is None and g["observed"] is not None:
                    h.null_rates.setdefault(g["source"], {})[g["field"]] = g["observed"]
        for table in ("curated/observations", POSTINGS.path):
            ppath = lake.partition_dir(table, day) / "part-0.parquet"
            if h.null_rates or not ppath.is_file():
                continue
            have = set(read_parquet_schema(ppath).names)
            cols = ["source", *[c for c in columns if c in have]]
            h.null_rates = null_rates(read_parquet(ppath, columns=cols), tuple(cols[1:]))
        out.append(h)
    return out
