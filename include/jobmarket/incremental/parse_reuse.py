"""Reuse of an earlier night's parsed rows for raw objects that did not change.

A board answers with the same JSON object for a posting night after night
until the posting is edited. Parsing that object again (HTML to text, pay,
places, company key) would give the same row, so the parse step keys every
raw object by a hash of its bytes and of what else the parser reads (family,
board, configured company name), and takes the row of the latest earlier
date whose parse has the same key from that date's ``work/normalized``
partition. Only new or edited objects go through the adapter and the
normalizers: a night costs in proportion to what changed.

The keys are kept beside the rows in ``work/parse_keys/dt=D`` (row-aligned
with ``work/normalized/dt=D``), with the parser version in the file's
metadata. The version (``jobmarket.incremental.version``) hashes the code of
the parse step alone (the step module, the adapters, the normalizers, the
text cleaner, the record schema and this module), the company alias table
and the versions of the reference-data packages: any change to them starts
from a cold parse, a change to another step does not.

What is not reused, because it depends on the date, not on the object:

* ``scraped_date``, ``run_id`` and ``fetched_at`` are set again;
* a row whose pay was converted at the scrape date's rate (no ``posted_at``)
  is parsed again (``reusable`` is false);
* ``dup_cluster_id`` depends on every row of the date and is recomputed;
  only the MinHash signatures behind it are carried over.

Families whose responses are not a list of independent objects (HN
threads, career pages, list + detail) are keyed by the whole response.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from datetime import date
from typing import Any

from jobmarket.core.handoffs import KEYS_STEP, NORMALIZED_STEP
from jobmarket.core.lake import Lake, parquet_file, read_parquet, read_parquet_schema
from jobmarket.incremental.version import (
    ALIASES_FILE,
    REFERENCE_PACKAGES,
    package_files,
    version_of,
)

log = logging.getLogger(__name__)

VERSION_KEY = b"jobmarket.parser_version"
# The code a parsed row depends on: the parse step and the libraries it calls.
PARSE_CODE = (
    "steps/parse.py", "incremental/parse_reuse.py", "incremental/board_reuse.py", "incremental/normalize_cache.py",
    "sources/*.py",
    "normalize/*.py", "text.py", "hygiene.py", "core/schema.py", "core/currencies.py", "core/iso4217.txt",
    "quality/rejects.py",
)


@functools.cache
def parser_version() -> str:
    """A hash of everything a parsed row depends on besides its raw object."""
    return version_of(package_files(*PARSE_CODE), data=[ALIASES_FILE], packages=REFERENCE_PACKAGES)


def decode_body(body: bytes) -> tuple[Any, bool]:
    """A response body decoded as ``json.loads`` decodes it, and whether its
    objects may be keyed by :func:`encoded_payload`; ``(None, False)`` when
    ``json.loads`` cannot decode it either.

    msgspec decodes the same documents to the same values (tested on every
    recorded response). It refuses the few that ``json.loads`` accepts but
    that would make its encoding ambiguous or fail: NaN and Infinity (which
    it would write as null), numbers beyond the float range, lone surrogates,
    and a byte order mark. Those are decoded by ``json.loads`` and keyed by
    :func:`object_payload`, as before."""
    import msgspec

    try:
        return _decoder(msgspec).decode(body), True
    except (msgspec.DecodeError, ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        pass
    try:
        return json.loads(body), False
    except (ValueError, RecursionError):  # nested too deeply: load_json names the board
        return None, False


@functools.cache
def _decoder(msgspec):
    return msgspec.json.Decoder()


@functools.cache
def _encoder():
    import msgspec

    return msgspec.json.Encoder()


def encoded_payload(obj: Any) -> bytes:
    """A posting object decoded by :func:`decode_body` (``exact``), as
    compact UTF-8 JSON in the board's key order (a reordered object is merely
    parsed again): six times faster than ``json.dumps``, and what
    ``hygiene.encoded_is_clean`` reads."""
    return _encoder().encode(obj)


def object_payload(obj: Any) -> str:
    """The object as the board sent it (key order kept: a reordered object is
    merely parsed again); ASCII escapes are the encoder's fastest path, and
    what ``hygiene.dumped_is_clean`` reads. For objects ``json.loads`` had
    to decode (see :func:`decode_body`)."""
    return json.dumps(obj, separators=(",", ":"), default=str)


def object_key(family: str, board: str, company: str | None, obj: Any, payload: bytes | str | None = None) -> str:
    """Key of one posting object of a response (``payload``: its
    :func:`encoded_payload` or :func:`object_payload`, when the caller has
    it; else the latter)."""
    if payload is None:
        payload = object_payload(obj)
    return _key(family, board, company, payload if isinstance(payload, bytes) else payload.encode())


def response_key(family: str, board: str, company: str | None, kind: str, url: str | None, body: bytes) -> str:
    """Key of a whole response (families parsed a response at a time)."""
    return _key(family, board, company, f"{kind}\x1f{url or ''}".encode() + b"\x1e" + body)


def _key(family: str, board: str, company: str | None, payload: bytes) -> str:
    h = hashlib.sha1(f"{family}\x1f{board}\x1f{company or ''}\x1e".encode())
    h.update(payload)
    return h.hexdigest()


def keys_schema():
    import pyarrow as pa

    return pa.schema([
        pa.field("posting_id", pa.string()),
        pa.field("unit_key", pa.string(), nullable=False),
        pa.field("unit_row", pa.int32(), nullable=False),
        pa.field("reusable", pa.bool_(), nullable=False),
        pa.field("reused", pa.bool_(), nullable=False),
        pa.field("minhash", pa.binary()),
    ], metadata={VERSION_KEY: parser_version().encode()})


REUSED_FROM_KEY = b"jobmarket.reused_from"
PAIR_KEY = b"jobmarket.parse_pair"  # the same token in a date's rows and keys


def reused_rows(lake: Lake, dt: date):
    """(earlier date, per-row flag) of the rows of ``dt`` taken from an
    earlier parse, or (None, None) when nothing was reused."""

    path = lake.partition_dir(f"work/{KEYS_STEP}", dt) / "part-0.parquet"
    if not path.is_file():
        return None, None
    keys = read_parquet(path, columns=["posting_id", "reused"])
    source = (keys.schema.metadata or {}).get(REUSED_FROM_KEY)
    if not source:
        return None, None
    return date.fromisoformat(source.decode()), keys


def reused_ids(lake: Lake, dt: date) -> tuple[date | None, set[str]]:
    """(earlier date, posting ids) of the rows of ``dt`` the parse step took
    unchanged from that date, leaving out ids parsed more than once on
    ``dt`` (a repeated id cannot be matched to one earlier row)."""
    from collections import Counter

    source_dt, keys = reused_rows(lake, dt)
    if source_dt is None:
        return None, set()
    ids = keys.column("posting_id").to_pylist()
    seen = Counter(ids)
    return source_dt, {p for p, r in zip(ids, keys.column("reused").to_pylist(), strict=True) if r and seen[p] == 1}


class Reuse:
    """The latest earlier parse of the same parser version, indexed by key."""

    def __init__(self, lake: Lake, dt: date, *, max_lookback: int = 7):

        self.lake = lake
        self.source_dt: date | None = None
        self.index: dict[str, list[int]] = {}
        self.minhash: list[bytes | None] = []
        self.unit_keys: list[str] = []  # per earlier row, as in its keys file
        self.unit_rows: list[int] = []
        self.pair: bytes | None = None  # the earlier parse's pair token
        self._path = None
        self._pf = None
        self._starts: list[int] = []
        self._cached = None
        self._cached_group: int | None = None
        base = lake.table_dir(f"work/{KEYS_STEP}")
        earlier = sorted(
            (date.fromisoformat(d.name.split("=", 1)[1]) for d in base.glob("dt=*") if d.is_dir()),
            reverse=True,
        ) if base.is_dir() else []
        for d in [d for d in earlier if d < dt][:max_lookback]:
            keys_path = lake.partition_dir(f"work/{KEYS_STEP}", d) / "part-0.parquet"
            rows_path = lake.partition_dir(f"work/{NORMALIZED_STEP}", d) / "part-0.parquet"
            if not (keys_path.is_file() and rows_path.is_file()):
                continue
            meta = read_parquet_schema(keys_path).metadata or {}
            if meta.get(VERSION_KEY, b"").decode() != parser_version():
                continue
            rows_file = parquet_file(rows_path)  # opened now: a rerun of that date cannot swap it under us
            pair = (rows_file.schema_arrow.metadata or {}).get(PAIR_KEY)
            if pair is None or meta.get(PAIR_KEY) != pair:
                log.warning("work/%s of %s was not written with the rows beside it; not reused", KEYS_STEP, d)
                continue
            keys = read_parquet(keys_path)
            if not keys.column("posting_id").equals(rows_file.read(columns=["posting_id"]).column("posting_id")):
                log.warning("work/%s of %s does not match its rows; not reused", KEYS_STEP, d)
                continue
            self._index(keys)
            self.source_dt, self._path, self._pf, self.pair = d, rows_path, rows_file, pair
            break

    def _index(self, keys) -> None:
        units = self.unit_keys = keys.column("unit_key").to_pylist()
        pos = self.unit_rows = keys.column("unit_row").to_pylist()
        ok = keys.column("reusable").to_pylist()
        self.minhash = keys.column("minhash").to_pylist()
        for j, (k, r, good) in enumerate(zip(units, pos, ok, strict=True)):
            if not good:
                continue
            rows = self.index.setdefault(k, [])
            if r == len(rows):  # a repeat of the same object later in a response is not a new unit row
                rows.append(j)

    def read_columns(self, columns: list[str]):
        """Columns of every row of the earlier parse, in its row order."""
        return self._pf.read(columns=columns)

    def lookup(self, key: str) -> list[int] | None:
        return self.index.get(key)

    def take(self, rows: list[int]):
        """Rows of the earlier parse by position, in the order asked.

        The earlier file is read a row group at a time (the parse step writes
        one per batch), keeping the last group read: a night asks for rows in
        nearly the earlier order, so each group is read about once.
        """
        import bisect

        import pyarrow as pa

        if not self._starts:
            md = self._pf.metadata
            self._starts = []
            start = 0
            for g in range(md.num_row_groups):
                self._starts.append(start)
                start += md.row_group(g).num_rows
        parts, run, group = [], [], None
        for j in rows:
            g = bisect.bisect_right(self._starts, j) - 1
            if g != group and run:
                parts.append(self._group(group).take(pa.array(run, type=pa.int64())))
                run = []
            group = g
            run.append(j - self._starts[g])
        if run:
            parts.append(self._group(group).take(pa.array(run, type=pa.int64())))
        return pa.concat_tables(parts) if parts else self._pf.schema_arrow.empty_table()

    def _group(self, g: int):
        if self._cached_group != g:
            self._cached = self._pf.read_row_group(g)
            self._cached_group = g
        return self._cached
