"""Quarantine rows for the rows a suite failed: the failed expectations, the
offending values and the whole record, in the ``quarantine`` table's shape."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from jobmarket.quality.suites import ROW


def _str_or_none(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def quarantine_rows(df, reasons: dict[int, list[str]], offending: dict[int, dict[str, Any]],
                    dt: date, run_id: str | None = None, records=None) -> list[dict[str, Any]]:
    """QUARANTINE rows for the rows of ``df`` (by ``_row``) named in ``reasons``;
    ``records(rows)`` gives the whole records when ``df`` does not hold them all."""
    bad = sorted(reasons)
    if not bad:
        return []
    records = records(bad) if records is not None else df.loc[bad].drop(columns=[ROW]).to_dict(orient="records")
    out = []
    for i, rec in zip(bad, records, strict=True):
        out.append({
            "scraped_date": dt,
            "posting_id": _str_or_none(rec.get("posting_id")),
            "source": _str_or_none(rec.get("source")),
            "board": _str_or_none(rec.get("board")),
            "failed_expectations": reasons[i],
            "offending_values_json": json.dumps(offending.get(i, {}), default=str, sort_keys=True),
            "record_json": json.dumps(rec, default=str, sort_keys=True, ensure_ascii=False),
            "run_id": run_id or str(rec.get("run_id")),
        })
    return out
