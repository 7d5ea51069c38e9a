"""The normalization cache: normalized columns by hash of their inputs.

Normalizing (pay parsed from text, places, company key) is a pure function of
a posting's fields and its rate date, so a night only normalizes the postings
whose content changed. Entries live under ``cache/normalize/v=<version>/``;
the version (``jobmarket.incremental.version``) hashes the normalizers' code,
the company alias table and the reference-data packages: editing any of them
starts an empty cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import date
from typing import Any

from jobmarket.core.lake import Lake, read_parquet, write_parquet_file
from jobmarket.incremental.version import (
    ALIASES_FILE,
    REFERENCE_PACKAGES,
    package_files,
    version_of,
)


@functools.cache
def normalize_version() -> str:
    return version_of(package_files("normalize/*.py", "incremental/normalize_cache.py"), data=[ALIASES_FILE],
                      packages=REFERENCE_PACKAGES)


# What normalize_posting reads: a posting whose values here are unchanged gets
# the cached result (the rate date is part of the key: pay is converted at it).
_NORMALIZE_INPUTS = (
    "source", "board", "company", "title", "location", "remote", "workplace_type", "salary_min",
    "salary_max", "salary_currency", "salary_period", "salary_text", "description",
)


class NormalizeCache:
    """Normalized columns by hash of their inputs, per normalization version.

    Normalizing (pay parsed from text, places, company key) is a pure function
    of a posting's fields and its rate date, so a night only normalizes the
    postings whose content changed. The version hashes the normalizer's code
    and the company alias table: editing either starts an empty cache.
    """

    def __init__(self, lake: Lake | None):
        self.version = normalize_version()
        self.dir = lake.root / "cache" / "normalize" / f"v={self.version}" if lake else None
        self.entries: dict[str, str] = {}
        self.new: dict[str, str] = {}
        if self.dir is not None and self.dir.is_dir():

            for f in sorted(self.dir.glob("*.parquet")):
                t = read_parquet(f)
                self.entries.update(zip(t.column("key").to_pylist(), t.column("value").to_pylist(), strict=True))

    @staticmethod
    def key(row: dict[str, Any]) -> str:
        from jobmarket.normalize.columns import rate_date

        values = [row.get(k) for k in _NORMALIZE_INPUTS] + [rate_date(row)]
        return hashlib.sha1(json.dumps(values, default=str, separators=(",", ":")).encode()).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        raw = self.entries.get(key) or self.new.get(key)
        if raw is None:
            return None
        value = json.loads(raw)
        if value.get("salary_fx_date"):
            value["salary_fx_date"] = date.fromisoformat(value["salary_fx_date"])
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.new[key] = json.dumps(value, default=str, ensure_ascii=False)

    def save(self) -> None:
        import uuid

        import pyarrow as pa

        if self.dir is None or not self.new:
            return
        table = pa.table({"key": list(self.new), "value": list(self.new.values())})
        write_parquet_file(self.dir / f"part-{uuid.uuid4().hex}.parquet", table)
        self.entries.update(self.new)
        self.new = {}


def normalize_rows(
    rows: list[dict[str, Any]], dt: date, run_id: str, lake: Lake | None = None
) -> list[dict[str, Any]]:
    """Add the normalized columns (company key, places, pay, duplicate cluster).

    With a lake, unchanged postings reuse their cached normalization.
    """
    from jobmarket.normalize.dedup import assign_dup_clusters

    cache = NormalizeCache(lake)
    normalize_new(rows, dt, run_id, cache)
    cache.save()
    for r, cluster in zip(rows, assign_dup_clusters(rows), strict=True):
        r["dup_cluster_id"] = cluster
    return rows


def normalize_new(rows: list[dict[str, Any]], dt: date, run_id: str, cache: NormalizeCache) -> None:
    """Add the normalized columns except ``dup_cluster_id`` to ``rows``, in place."""
    from jobmarket.normalize.columns import normalize_posting

    for r in rows:
        r["scraped_date"] = dt
        r["run_id"] = run_id
        key = cache.key(r)
        norm = cache.get(key)
        if norm is None:
            norm = normalize_posting(r)
            cache.put(key, norm)
        if r.get("salary_min") is not None or r.get("salary_max") is not None:
            # The source's structured pay stays as the source gave it, so the
            # validation suite sees (and quarantines) swapped bounds, bad
            # currency codes or implausible values instead of a silent repair.
            for key in ("salary_min", "salary_max", "salary_currency", "salary_period"):
                norm.pop(key)
        r.update(norm)
