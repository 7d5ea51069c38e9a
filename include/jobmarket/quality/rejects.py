"""Posting objects the parse step could not make into records, on their way
to the quarantine.

An adapter hands on a rejected object (``jobmarket.sources.base.Rejected``)
for a record-level problem, and the parse step rejects a record that breaks
the Parquet schema (``<column>:not_null``, ``<column>:type``) instead of
letting the writer fail the night. They are written, already in the
quarantine's shape, to ``work/rejected/dt=D``; the validate step adds them to
the date's quarantine, so published + quarantined = the postings the boards'
valid responses hold.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jobmarket.core.lake import read_parquet
from jobmarket.hygiene import json_text

REJECTED_STEP = "rejected"
# What the quarantine keeps of an object too deeply nested to write as JSON
# (the raw response it came from stays in the lake).
NESTED_TOO_DEEPLY = "<nested too deeply to write as JSON: see the raw response>"


def quarantine_row(rejected, dt: date | None, run_id: str) -> dict[str, Any]:
    """One QUARANTINE row for a rejected object: its reasons, what was wrong,
    and the raw object (with the record built from it, when there was one)."""
    record = {"raw_object": rejected.raw}
    if rejected.record is not None:
        record["record"] = rejected.record
    try:
        record_json = json_text(record, default=str, sort_keys=True)
    except RecursionError:  # nested deeper than any JSON encoder recurses
        record["raw_object"] = NESTED_TOO_DEEPLY
        record_json = json_text(record, default=str, sort_keys=True)
    return {
        "scraped_date": dt,
        "posting_id": rejected.posting_id,
        "source": rejected.family,
        "board": rejected.board,
        "failed_expectations": list(rejected.reasons),
        "offending_values_json": json_text(rejected.detail, default=str, sort_keys=True),
        "record_json": record_json,
        "run_id": run_id,
    }


def write_rejected(lake, dt: date, rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa

    from jobmarket.core.schema import QUARANTINE

    lake.write_partition(f"work/{REJECTED_STEP}", dt, pa.Table.from_pylist(rows, schema=QUARANTINE.arrow_schema()))


def read_rejected(lake, dt: date):
    """The date's rejected rows as a QUARANTINE table (empty when the parse
    step wrote none, e.g. a lake parsed before rejects existed)."""

    from jobmarket.core.schema import QUARANTINE

    path = lake.partition_dir(f"work/{REJECTED_STEP}", dt) / "part-0.parquet"
    if not path.is_file():
        return QUARANTINE.arrow_schema().empty_table()
    return read_parquet(path).cast(QUARANTINE.arrow_schema())
