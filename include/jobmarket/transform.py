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
from jobmarket.lake import Lake, release_memory, releases_memory
from jobmarket.rejects import quarantine_row, write_rejected
from jobmarket.schema import NORMALIZED, QUARANTINE, SOURCE_HEALTH, TAG_COLUMNS
from jobmarket.scrape import is_stale
from jobmarket.sources import BoardContext, ParseError, get_adapter
from jobmarket.sources.base import to_utc

log = logging.getLogger(__name__)

NORMALIZED_STEP = "normalized"
HEALTH_STEP = "health"
VALIDATED_STEP = "validated"
QUARANTINE_STEP = "quarantine"
TAGGED_STEP = "tagged"


class _Ctx:
    """The family and board of an already built record (for a rejected one)."""

    def __init__(self, row: dict[str, Any]):
        self.family, self.board = row.get("source") or "", row.get("board") or ""


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


def _board_files(source, board: str, manifest: dict):
    """(file entry, context) of every landed response of a board that carries postings."""
    adapter = get_adapter(source.family)
    for f in manifest.get("files", []):
        if f["name"] not in manifest.get("landed", []) or not adapter.parse_kind(f.get("kind", "list")):
            continue
        yield f, BoardContext(
            family=source.family,
            board=board,
            company=manifest.get("company"),
            url=f.get("final_url") or f.get("url"),
            fetched_at=to_utc(f.get("fetched_at")),
        )


def parse_board_dir(lake: Lake, source, board: str, d, manifest: dict) -> list[dict[str, Any]]:
    """All postings of one landed board. Raises ParseError if any response is bad:
    a board is published whole or not at all."""
    adapter = get_adapter(source.family)
    rows: list[dict[str, Any]] = []
    for f, ctx in _board_files(source, board, manifest):
        rows.extend(adapter.parse(lake.read_raw(d, f["name"]), ctx))
    return rows


def parse_board_units(lake: Lake, source, board: str, d, manifest: dict, reuse=None,
                      record_keys: set[str] | None = None):
    """The postings of one landed board as units: ``(key, ctx, rows, rejected)``
    where ``rows`` is either the parsed records of the unit or, when ``reuse``
    has the unit's key, the list of row numbers to take from the earlier
    parse, and ``rejected`` the unit's posting objects that became no record
    (``jobmarket.sources.base.Rejected``; they go to the quarantine).

    A unit is one posting object of a response, or a whole response for
    families parsed a response at a time. Raises ParseError if any response
    is bad: a board is published whole or not at all. ``record_keys``
    collects the JSON keys of the raw records (for the schema drift gate),
    before anything can fail.
    """
    from jobmarket.quality.history import record_keys as keys_of
    from jobmarket.reuse import object_key, response_key
    from jobmarket.sources.base import Parsed, load_json, schema_changed

    adapter = get_adapter(source.family)
    out = []
    parsed = set()
    for f, ctx in _board_files(source, board, manifest):
        parsed.add(f["name"])
        body = lake.read_raw(d, f["name"])
        data = None
        if adapter.splits or record_keys is not None:
            try:
                data = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                data = None
            if record_keys is not None and data is not None:
                record_keys |= keys_of(data) or set()
        if adapter.splits:
            if data is None:
                data = load_json(body, ctx)  # raises the ParseError naming the board, or decodes bad bytes
            items = adapter.items(data, ctx)
            seen = Parsed()
            for obj in items:
                key = object_key(ctx.family, board, ctx.company, obj)
                hit = reuse.lookup(key) if reuse is not None else None
                one = Parsed(rows=[{}]) if hit is not None else adapter.one(obj, ctx)
                seen.extend(one)
                out.append((key, ctx, hit, []) if hit is not None else (key, ctx, one.rows, one.rejected))
            schema_changed(seen, len(items), ctx)
        else:
            key = response_key(ctx.family, board, ctx.company, f.get("kind", "list"), ctx.url, body)
            hit = reuse.lookup(key) if reuse is not None else None
            if hit is not None:
                out.append((key, ctx, hit, []))
            else:
                parsed_unit = adapter.parse_records(body, ctx)
                out.append((key, ctx, parsed_unit.rows, parsed_unit.rejected))
    if record_keys is not None:  # responses that carry no postings still show the format
        for name in manifest.get("landed", []):
            if name not in parsed:
                try:
                    record_keys |= keys_of(json.loads(lake.read_raw(d, name))) or set()
                except (OSError, ValueError, EOFError):
                    pass
    return out


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
        import hashlib

        from jobmarket.config import PACKAGE_DIR, REPO_DIR

        h = hashlib.sha1()
        for f in sorted((PACKAGE_DIR / "normalize").glob("*.py")):
            h.update(f.read_bytes())
        aliases = REPO_DIR / "include" / "config" / "company_aliases.yaml"
        if aliases.is_file():
            h.update(aliases.read_bytes())
        self.version = h.hexdigest()[:12]
        self.dir = lake.root / "cache" / "normalize" / f"v={self.version}" if lake else None
        self.entries: dict[str, str] = {}
        self.new: dict[str, str] = {}
        if self.dir is not None and self.dir.is_dir():
            import pyarrow.parquet as pq

            for f in sorted(self.dir.glob("*.parquet")):
                t = pq.read_table(f)
                self.entries.update(zip(t.column("key").to_pylist(), t.column("value").to_pylist(), strict=True))

    @staticmethod
    def key(row: dict[str, Any]) -> str:
        import hashlib

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
        import pyarrow.parquet as pq

        if self.dir is None or not self.new:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        table = pa.table({"key": list(self.new), "value": list(self.new.values())})
        tmp = self.dir / f".part-{uuid.uuid4().hex}.tmp"
        pq.write_table(table, tmp, compression="zstd")
        tmp.rename(self.dir / f"part-{uuid.uuid4().hex}.parquet")
        self.entries.update(self.new)
        self.new = {}


def normalize_rows(
    rows: list[dict[str, Any]], dt: date, run_id: str, lake: Lake | None = None
) -> list[dict[str, Any]]:
    """Add the normalized columns (company key, places, pay, duplicate cluster).

    With a lake, unchanged postings reuse their cached normalization.
    """
    from jobmarket.normalize import assign_dup_clusters

    cache = NormalizeCache(lake)
    normalize_new(rows, dt, run_id, cache)
    cache.save()
    for r, cluster in zip(rows, assign_dup_clusters(rows), strict=True):
        r["dup_cluster_id"] = cluster
    return rows


def normalize_new(rows: list[dict[str, Any]], dt: date, run_id: str, cache: NormalizeCache) -> None:
    """Add the normalized columns except ``dup_cluster_id`` to ``rows``, in place."""
    from jobmarket.normalize import normalize_posting

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


_BATCH_ROWS = 5_000  # new rows are moved into Arrow in batches: bounded Python memory


def _has_pay(row: dict[str, Any]) -> bool:
    return any(row.get(k) for k in ("salary_min", "salary_max", "salary_text", "salary_source", "salary_flags",
                                     "salary_currency", "salary_period"))


class _ParseOutput:
    """The rows of one date, written in output order to a staging Parquet file
    a batch at a time: each row taken from an earlier parse (``Reuse``) or
    parsed now, with the key of the unit it came from. Nothing but the keys
    and a batch of rows is held in memory."""

    def __init__(self, dt: date, run_id: str, cache: NormalizeCache, reuse, path):
        import pyarrow.parquet as pq

        self.dt, self.run_id, self.cache, self.reuse = dt, run_id, cache, reuse
        schema = NORMALIZED.arrow_schema()
        i = schema.get_field_index("dup_cluster_id")  # set once every row is known
        self.schema = schema.set(i, schema.field(i).with_nullable(True))
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd", use_dictionary=True)
        self.unit_key: list[str] = []
        self.unit_row: list[int] = []
        self.reusable: list[bool] = []
        self.reused: list[bool] = []
        self.prev_row: list[int] = []  # row of the earlier parse, or -1
        self.pending: list = []  # (earlier row, None) or (-1, new record), in output order
        self.pending_fetched: list = []
        self.new_rows = 0
        self.reused_rows = 0
        self.rejected: list[dict[str, Any]] = []  # quarantine rows (jobmarket.rejects)

    def add_board(self, units) -> tuple[int, int]:
        """Add a board's units; returns (records, rejected posting objects)."""
        n = n_rejected = 0
        for key, ctx, rows, rejected in units:
            if rows and isinstance(rows[0], int):
                for r, j in enumerate(rows):
                    self.pending.append((j, None))
                    self._key(key, r, True, ctx, j)
                self.reused_rows += len(rows)
            else:
                rows, rejected = self._enforce(rows, list(rejected))
                # Without posted_at, pay is judged at the scrape date's rates (conversion,
                # and the period and plausibility checks): such a row depends on the date.
                # A unit with a rejected object is parsed again: reuse would lose the object.
                ok = not rejected and not any(r.get("posted_at") is None and _has_pay(r) for r in rows)
                for r, row in enumerate(rows):
                    self.pending.append((-1, row))
                    self._key(key, r, ok, ctx, -1)
                self.new_rows += len(rows)
                self.rejected.extend(quarantine_row(x, self.dt, self.run_id) for x in rejected)
                n_rejected += len(rejected)
            n += len(rows)
        if len(self.pending) >= _BATCH_ROWS:
            self.flush()
        return n, n_rejected

    def _enforce(self, rows: list[dict[str, Any]], rejected: list) -> tuple[list[dict[str, Any]], list]:
        """Normalize each record and hold it to the Parquet schema here, where
        a bad row is one quarantined posting, not a failed write of the night."""
        from jobmarket.sources.base import RecordRejected, Rejected, _rejected

        kept = []
        for row in rows:
            try:
                normalize_new([row], self.dt, self.run_id, self.cache)
            except Exception as exc:  # noqa: BLE001 - one posting's values must not stop the night
                error = RecordRejected("normalize_error", {"error": f"{type(exc).__name__}: {exc}"[:500]})
                bad = _rejected(_Ctx(row), row, error, "native_id").rejected[0]
                bad.record = row
                rejected.append(bad)
                continue
            bad = NORMALIZED.violations(row, skip=("dup_cluster_id", "fetched_at"))
            if bad:
                rejected.append(Rejected(row.get("source") or "", row.get("board") or "", row.get("native_id"),
                                         sorted(bad), bad, None, row))
            else:
                kept.append(row)
        return kept, rejected

    def _key(self, key: str, r: int, ok: bool, ctx, prev: int) -> None:
        self.unit_key.append(key)
        self.unit_row.append(r)
        self.reusable.append(ok)
        self.reused.append(prev >= 0)
        self.prev_row.append(prev)
        self.pending_fetched.append(ctx.fetched_at)

    def flush(self) -> None:
        """Write the pending rows, in order, with the date's own columns set."""
        import pyarrow as pa

        if not self.pending:
            return
        old = [j for j, _ in self.pending if j >= 0]
        new = [row for j, row in self.pending if j < 0]
        parts = []
        if old:
            parts.append(self.reuse.take(old).cast(self.schema))
        if new:
            parts.append(pa.Table.from_pylist(new, schema=self.schema))
        table = pa.concat_tables(parts)
        if old and new:
            perm, i_old, i_new = [], 0, len(old)
            for j, _ in self.pending:
                if j >= 0:
                    perm.append(i_old)
                    i_old += 1
                else:
                    perm.append(i_new)
                    i_new += 1
            table = table.take(pa.array(perm, type=pa.int64()))
        n = table.num_rows
        for name, values in (
            ("scraped_date", [self.dt] * n),
            ("run_id", [self.run_id] * n),
            ("fetched_at", self.pending_fetched),
        ):
            i = self.schema.get_field_index(name)
            table = table.set_column(i, self.schema.field(i), pa.array(values, type=self.schema.field(i).type))
        self.writer.write_table(table)
        self.pending, self.pending_fetched = [], []

    def close(self) -> None:
        self.flush()
        self.writer.close()


def _dup_clusters(path, out: _ParseOutput, reuse):
    """``dup_cluster_id`` for every row of the staged file and the MinHash
    signature per row (carried over from the earlier parse for reused rows).
    Reads the few columns it compares, and the descriptions only of rows that
    need a new signature."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from jobmarket.normalize import assign_dup_clusters

    cols = ["posting_id", "source", "board", "company", "title", "location", "remote", "workplace_type",
            "company_key", "title_norm", "locations_json"]
    pf = pq.ParquetFile(path)
    rows = pf.read(columns=cols).to_pylist()
    has_text = []
    for batch in pf.iter_batches(batch_size=_BATCH_ROWS, columns=["description"]):
        desc = batch.column(0)
        has_text += pc.fill_null(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(desc)), 0), False).to_pylist()
    for r, t in zip(rows, has_text, strict=True):
        r["has_text"] = t
    signatures: dict[int, bytes] = {}
    if reuse is not None and reuse.minhash:
        for i, j in enumerate(out.prev_row):
            if j >= 0 and reuse.minhash[j] is not None:
                signatures[i] = reuse.minhash[j]
    # texts(idx) must answer in the order asked: the clustering pairs each
    # index with the text at the same position.
    clusters = assign_dup_clusters(rows, signatures=signatures, texts=lambda idx: Lake.take_rows(
        path, idx, columns=["description"]).column("description").to_pylist())
    return clusters, [signatures.get(i) for i in range(len(rows))]


@releases_memory
def parse_date(
    dt: date,
    *,
    settings: Settings | None = None,
    sources: SourcesFile | None = None,
    run_id: str = "cli",
    reuse: bool = True,
) -> dict[str, Any]:
    """Parse every configured board's raw for ``dt`` into the normalized table.

    Objects unchanged since the latest earlier parse are taken from it
    (``jobmarket.reuse``); ``reuse=False`` parses everything.
    """
    import shutil
    import uuid

    import pyarrow as pa
    import pyarrow.parquet as pq

    from jobmarket.quality.history import raw_keys
    from jobmarket.reuse import KEYS_STEP, PAIR_KEY, REUSED_FROM_KEY, Reuse, keys_schema

    settings = settings or Settings.from_env()
    sources = sources or load_sources()
    lake = Lake(settings.lake)
    earlier = Reuse(lake, dt) if reuse else None
    stage = lake.new_staging_dir(f"work/{NORMALIZED_STEP}.rows")
    try:
        out = _ParseOutput(dt, run_id, NormalizeCache(lake), earlier, stage / "rows.parquet")
        health: list[dict[str, Any]] = []
        seen_keys: dict[str, dict[str, set[str]]] = {}
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
                    keys = seen_keys.setdefault(source.family, {}).setdefault(board.token, set())
                    try:
                        units = parse_board_units(lake, source, board.token, d, manifest, earlier, keys)
                    except ParseError as exc:
                        row["status"], row["error"] = "failed", f"parse: {exc}"[:2000]
                        log.error("%s/%s: %s", source.name, board.token, exc)
                        del seen_keys[source.family][board.token]  # partly seen: raw_keys reads it all
                    else:
                        records, rejected = out.add_board(units)
                        row["postings_found"] = records + rejected
                        if rejected:
                            row["error"] = f"{rejected} posting(s) rejected at parse: see quarantine"
                        if not row["postings_found"] and row["status"] == "ok":
                            row["status"] = "empty"
                health.append(row)
        out.close()
        out.cache.save()
        write_rejected(lake, dt, out.rejected)
        release_memory()  # the boards' Python objects, before the duplicate pass
        for family in {s.family for s in sources.sources}:
            raw_keys(lake, family, dt, use_cache=False, known=seen_keys.get(family, {}))
        clusters, minhash = _dup_clusters(stage / "rows.parquet", out, earlier)
        keys = pa.table({
            "posting_id": pq.read_table(stage / "rows.parquet", columns=["posting_id"]).column(0),
            "unit_key": out.unit_key,
            "unit_row": pa.array(out.unit_row, type=pa.int32()),
            "reusable": out.reusable,
            "reused": out.reused,
            "minhash": pa.array(minhash, type=pa.binary()),
        }, schema=keys_schema())
        if out.reused_rows:
            keys = keys.replace_schema_metadata({**keys.schema.metadata,
                                                 REUSED_FROM_KEY: str(earlier.source_dt).encode()})
        # Rows and keys carry the same token: keys are only used beside the rows
        # they were written with (a crash between the two writes, or a rerun
        # of that date, leaves a pair that does not match).
        token = uuid.uuid4().hex.encode()
        keys = keys.replace_schema_metadata({**keys.schema.metadata, PAIR_KEY: token})
        schema = NORMALIZED.arrow_schema()
        schema = schema.with_metadata({**(schema.metadata or {}), PAIR_KEY: token})
        i = schema.get_field_index("dup_cluster_id")
        per_source: Counter = Counter()
        n, start = 0, 0
        with lake.partition_writer(f"work/{NORMALIZED_STEP}", dt, schema) as writer:
            for batch in pq.ParquetFile(stage / "rows.parquet").iter_batches(batch_size=_BATCH_ROWS):
                table = pa.Table.from_batches([batch])
                ids = pa.array(clusters[start: start + table.num_rows], type=pa.string())
                start += table.num_rows
                writer.write_table(table.set_column(i, schema.field(i), ids).cast(schema))
                per_source.update(table.column("source").to_pylist())
                n += table.num_rows
        lake.write_partition(f"work/{KEYS_STEP}", dt, keys)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    lake.write_partition(f"work/{HEALTH_STEP}", dt, pa.Table.from_pylist(health, schema=SOURCE_HEALTH.arrow_schema()))
    statuses = Counter(h["status"] for h in health)
    return {
        "dt": str(dt),
        "postings": n,
        "reused": out.reused_rows,
        "rejected": len(out.rejected),
        "parsed": out.new_rows,
        "reused_from": str(earlier.source_dt) if earlier is not None and earlier.source_dt else None,
        "per_source": dict(per_source),
        "board_status": dict(statuses),
    }


def _read(lake: Lake, step: str, dt: date, columns: list[str] | None = None):
    import pyarrow.parquet as pq

    path = lake.partition_dir(f"work/{step}", dt) / "part-0.parquet"
    if not path.is_file():
        raise PipelineError(f"missing input {path}: run the previous step for {dt} first")
    return pq.read_table(path, columns=columns)


_VERSION_FIELDS = (
    "posting_id", "title", "description", "location", "workplace_type", "remote", "department",
    "employment_type", "url", "salary_min", "salary_max", "salary_currency", "salary_period", "salary_text",
)


def version_ids(table) -> list[str]:
    """Content hash per row: a posting gets a new version when what it says
    changes, not when the board merely touches ``updated_at``."""
    import hashlib

    cols = [table.column(c).to_pylist() for c in _VERSION_FIELDS]
    out = []
    for values in zip(*cols, strict=True):
        h = hashlib.sha1("\x1f".join("" if v is None else str(v) for v in values).encode("utf-8"))
        out.append(h.hexdigest()[:20])
    return out


def _tag_key(title: str | None, description: str | None) -> str:
    import hashlib

    return hashlib.sha1(f"{title or ''}\x1e{description or ''}".encode()).hexdigest()


class TagCache:
    """Tag results by content hash, per tagger version.

    Tagging is a pure function of (title, description, tagger version), so a
    night re-tags only postings whose text changed, and any date can be
    rebuilt in any order with the same result. A new tagger version starts an
    empty cache: retagging history is a rebuild of the dates.

    Entries stay in Arrow (one table per cache file) and are taken by row
    number: a night's hits never become Python objects.
    """

    def __init__(self, lake: Lake, version: str):
        import re

        import pyarrow.parquet as pq

        self.dir = lake.root / "cache" / "tags" / f"tagger={re.sub(r'[^A-Za-z0-9._+-]', '_', version)}"
        self.schema = _tag_cache_schema()
        self.tables: list = []
        self.index: dict[str, tuple[int, int]] = {}
        self.new: list = []
        for f in sorted(self.dir.glob("*.parquet")):
            try:
                t = pq.read_table(f).select(self.schema.names).cast(self.schema)
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
        import pyarrow.parquet as pq

        if not self.new:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".part-{uuid.uuid4().hex}.tmp"
        pq.write_table(pa.concat_tables(self.new), tmp, compression="zstd")
        tmp.rename(self.dir / f"part-{uuid.uuid4().hex}.parquet")
        self.new = []


def _tag_cache_schema():
    import pyarrow as pa

    from jobmarket.schema import TAGGED

    tagged = TAGGED.arrow_schema()
    return pa.schema([pa.field("key", pa.string())] + [tagged.field(n) for n in _tag_names()])


def _tag_names() -> list[str]:
    return [c.name for c in TAG_COLUMNS] + ["skill_categories"]


def _tag_record(res: dict) -> dict[str, Any]:
    skills = res.get("skills") or []
    return {
        "archetype": res["archetype"],
        "secondary": res.get("secondary"),
        "confidence": float(res["confidence"]),
        "title_archetype": res.get("title_archetype"),
        "title_mismatch": bool(res.get("title_mismatch")),
        "seniority": res.get("seniority"),
        "min_years_experience": res.get("min_years_experience"),
        "degree": res.get("degree"),
        "skills": [sk["name"] for sk in skills],
        "skill_categories": [sk["category"] for sk in skills],
        "scores_json": json.dumps(res.get("scores") or {}, sort_keys=True),
        "evidence_json": json.dumps(res.get("evidence") or {}, sort_keys=True, ensure_ascii=False),
        "tag_flags": list(res.get("flags") or []),
        "tagger_version": res["tagger_version"],
    }


@releases_memory
def tag_date(dt: date, *, settings: Settings | None = None) -> dict[str, Any]:
    """Tag every validated posting of ``dt`` (only new text is actually tagged).

    Reads and writes in batches of rows, so the descriptions of a large night
    are never all in memory as Python strings.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jobmarket.schema import TAGGED
    from jobmarket.tagger import TAGGER_VERSION, tag

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    path = lake.partition_dir(f"work/{VALIDATED_STEP}", dt) / "part-0.parquet"
    if not path.is_file():
        raise PipelineError(f"missing input {path}: run the previous step for {dt} first")
    cache = TagCache(lake, TAGGER_VERSION)
    schema = TAGGED.arrow_schema()
    names = _tag_names()
    rows = hits = newly = 0
    archetypes: Counter = Counter()
    with lake.partition_writer(f"work/{TAGGED_STEP}", dt, schema) as writer:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=_BATCH_ROWS):
            table = pa.Table.from_batches([batch])
            refs: list[tuple[int, int]] = []
            fresh: list[dict[str, Any]] = []
            fresh_at: dict[str, int] = {}
            for title, description in zip(
                table.column("title").to_pylist(), table.column("description").to_pylist(), strict=True
            ):
                key = _tag_key(title, description)
                ref = cache.index.get(key)
                if ref is None:
                    j = fresh_at.get(key)
                    if j is None:
                        j = fresh_at[key] = len(fresh)
                        fresh.append({"key": key, **_tag_record(tag(title, description))})
                    ref = (-1, j)
                elif ref[0] < cache.preexisting:
                    hits += 1
                refs.append(ref)
            if fresh:
                cache.add(pa.Table.from_pylist(fresh, schema=cache.schema))
                newly += len(fresh)
                last = len(cache.tables) - 1
                refs = [(last, j) if ti < 0 else (ti, j) for ti, j in refs]
            tags = cache.columns(refs)
            for name in names:
                table = table.append_column(schema.field(name), tags.column(name))
            table = table.append_column(schema.field("version_id"), pa.array(version_ids(table), type=pa.string()))
            writer.write_table(table.select(TAGGED.column_names).cast(schema))
            archetypes.update(tags.column("archetype").to_pylist())
            rows += table.num_rows
    cache.save()
    return {
        "dt": str(dt),
        "tagged": rows,
        "newly_tagged": newly,
        "from_cache": hits,
        "archetypes": dict(archetypes),
    }


@releases_memory
def publish_date(dt: date, *, settings: Settings | None = None) -> dict[str, Any]:
    """Publish what depends on ``dt`` alone: observations, quarantine, source_health.

    Rows are sorted by posting_id so a rerun of the same date writes the same
    table; each partition is swapped in atomically.
    """
    import pyarrow.compute as pc

    from jobmarket.quality.curated import quality_partitions
    from jobmarket.quality.tables import GATE_RESULTS, TAGGED_VALID_STEP, VALIDATION_RUNS
    from jobmarket.schema import OBSERVATIONS

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    tagged = _read(lake, TAGGED_VALID_STEP, dt, columns=OBSERVATIONS.column_names)  # no texts
    tagged = tagged.take(pc.sort_indices(tagged, sort_keys=[("posting_id", "ascending")]))
    observations = tagged.select(OBSERVATIONS.column_names).cast(OBSERVATIONS.arrow_schema())
    q = quality_partitions(lake, dt)
    quarantine = q[QUARANTINE.name]
    health = _read(lake, HEALTH_STEP, dt).cast(SOURCE_HEALTH.arrow_schema())
    out = {}
    for tbl, data in (
        (OBSERVATIONS, observations),
        (QUARANTINE, quarantine),
        (SOURCE_HEALTH, health),
        (VALIDATION_RUNS, q[VALIDATION_RUNS.name]),
        (GATE_RESULTS, q[GATE_RESULTS.name]),
    ):
        out[tbl.name] = str(lake.write_partition(tbl.path, dt, data))
    return {
        "dt": str(dt),
        "published": observations.num_rows,
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
