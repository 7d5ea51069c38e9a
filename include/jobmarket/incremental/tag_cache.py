"""The tag cache: tag results by hash of (title, description), per tagger version.

Tagging is a pure function of (title, description, tagger version), so a
night re-tags only postings whose text changed, and any date can be rebuilt in
any order with the same result. The cache's version is the tagger's declared
``TAGGER_VERSION`` (``cache/tags/tagger=<version>/``): the tagger bumps it
whenever its output may change, and a new version starts an empty cache, so
retagging history is a rebuild of the dates.
"""

from __future__ import annotations

import hashlib
import logging
import re

from jobmarket.core.lake import Lake, read_parquet, write_parquet_file
from jobmarket.core.schema import TAG_COLUMNS, TAGGED

log = logging.getLogger(__name__)


def tag_key(title: str | None, description: str | None) -> str:
    return hashlib.sha1(f"{title or ''}\x1e{description or ''}".encode()).hexdigest()


class TagCache:
    """Tag results by content hash, per tagger version (see the module doc).

    Entries stay in Arrow (one table per cache file) and are taken by row
    number: a night's hits never become Python objects.
    """

    def __init__(self, lake: Lake, version: str):

        self.dir = lake.root / "cache" / "tags" / f"tagger={re.sub(r'[^A-Za-z0-9._+-]', '_', version)}"
        self.schema = tag_cache_schema()
        self.tables: list = []
        self.index: dict[str, tuple[int, int]] = {}
        self.new: list = []
        for f in sorted(self.dir.glob("*.parquet")):
            try:
                t = read_parquet(f).select(self.schema.names).cast(self.schema)
            except (KeyError, ValueError, NotImplementedError) as exc:  # another layout: tag those again
                log.warning("tag cache file %s not used: %s", f, exc)
                continue
            self.add(t, new=False)
        self.preexisting = len(self.tables)

    def add(self, table, *, new: bool = True) -> None:
        ti = len(self.tables)
        self.tables.append(table)
        for r, key in enumerate(table.column("key").to_pylist()):
            self.index.setdefault(key, (ti, r))
        if new:
            self.new.append(table)

    def columns(self, refs: list[tuple[int, int]]):
        """The cached tag columns of ``refs`` ((table, row) pairs), in order."""
        import pyarrow as pa

        by_table: dict[int, list[int]] = {}
        for ti, r in refs:
            by_table.setdefault(ti, []).append(r)
        parts, offset, where = [], 0, {}
        for ti, rows in by_table.items():
            parts.append(self.tables[ti].take(pa.array(rows, type=pa.int64())))
            where[ti] = offset
            offset += len(rows)
        seen = dict.fromkeys(by_table, 0)
        perm = []
        for ti, _ in refs:
            perm.append(where[ti] + seen[ti])
            seen[ti] += 1
        table = pa.concat_tables(parts) if parts else self.schema.empty_table()
        return table.take(pa.array(perm, type=pa.int64()))

    def save(self) -> None:
        import uuid

        import pyarrow as pa

        if not self.new:
            return
        write_parquet_file(self.dir / f"part-{uuid.uuid4().hex}.parquet", pa.concat_tables(self.new))
        self.new = []


def tag_cache_schema():
    import pyarrow as pa

    tagged = TAGGED.arrow_schema()
    return pa.schema([pa.field("key", pa.string())] + [tagged.field(n) for n in tag_names()])


def tag_names() -> list[str]:
    return [c.name for c in TAG_COLUMNS] + ["skill_categories"]
