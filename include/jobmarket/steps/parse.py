"""Task ``parse``: every configured board's raw for a date to the normalized
posting table (``work/normalized``) and one outcome row per board
(``work/health``).

Only what changed is parsed: raw units unchanged since the latest earlier
parse take that parse's row (``jobmarket.incremental.parse_reuse``), and
postings whose normalizer inputs are unchanged take their cached normalization
(``jobmarket.incremental.normalize_cache``). The parse also records the JSON
keys of each board's raw records for the schema drift gate
(``jobmarket.incremental.raw_keys``).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import date
from typing import Any

from jobmarket.boards.crawl import expand
from jobmarket.core.handoffs import BATCH_ROWS, BOARDS_STEP, HEALTH_STEP, KEYS_STEP, NORMALIZED_STEP
from jobmarket.core.lake import Lake, parquet_file, read_parquet, release_memory, releases_memory
from jobmarket.core.runctx import is_stale
from jobmarket.core.schema import NORMALIZED, SOURCE_HEALTH
from jobmarket.core.settings import Settings
from jobmarket.hygiene import dumped_is_clean, encoded_is_clean
from jobmarket.incremental.board_reuse import Ledger, board_key, ledger_schema
from jobmarket.incremental.normalize_cache import NormalizeCache, normalize_new
from jobmarket.incremental.parse_reuse import (
    PAIR_KEY,
    REUSED_FROM_KEY,
    Reuse,
    decode_body,
    encoded_payload,
    keys_schema,
    object_key,
    object_payload,
    response_key,
)
from jobmarket.incremental.raw_keys import raw_keys
from jobmarket.incremental.raw_keys import record_keys as keys_of
from jobmarket.quality.rejects import quarantine_row, write_rejected
from jobmarket.sources.base import (
    BoardContext,
    Parsed,
    ParseError,
    RecordRejected,
    Rejected,
    _rejected,
    load_json,
    schema_changed,
    to_utc,
)
from jobmarket.sources.config import SourcesFile, load_sources
from jobmarket.sources.registry import get_adapter

log = logging.getLogger(__name__)


class _Ctx:
    """The family and board of an already built record (for a rejected one)."""

    def __init__(self, row: dict[str, Any]):
        self.family, self.board = row.get("source") or "", row.get("board") or ""


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
            meta=f.get("meta") or None,
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
                      record_keys: set[str] | None = None, files=None):
    """The postings of one landed board as units: ``(key, ctx, rows, rejected)``
    where ``rows`` is either the parsed records of the unit or, when ``reuse``
    has the unit's key, the list of row numbers to take from the earlier
    parse, and ``rejected`` the unit's posting objects that became no record
    (``jobmarket.sources.base.Rejected``; they go to the quarantine).

    A unit is one posting object of a response, or a whole response for
    families parsed a response at a time. Raises ParseError if any response
    is bad: a board is published whole or not at all. ``record_keys``
    collects the JSON keys of the raw records (for the schema drift gate),
    before anything can fail. ``files`` is the board's ``_board_files`` when
    the caller has them already.
    """
    adapter = get_adapter(source.family)
    out = []
    parsed = set()
    for f, ctx in files if files is not None else _board_files(source, board, manifest):
        parsed.add(f["name"])
        body = lake.read_raw(d, f["name"])
        data, exact = None, False
        if adapter.splits or record_keys is not None:
            data, exact = decode_body(body)
            if record_keys is not None and data is not None:
                record_keys |= keys_of(data) or set()
        if adapter.splits:
            if data is None:
                data = load_json(body, ctx)  # raises the ParseError naming the board, or decodes bad bytes
            items = adapter.items(data, ctx)
            seen = Parsed()
            for obj in items:
                payload = encoded_payload(obj) if exact else object_payload(obj)
                key = object_key(ctx.family, board, ctx.company, obj, payload)
                hit = reuse.lookup(key) if reuse is not None else None
                clean = hit is None and (encoded_is_clean(payload) if exact else dumped_is_clean(payload))
                one = Parsed(rows=[{}]) if hit is not None else adapter.one(obj, ctx, clean=clean)
                seen.extend(one)
                out.append((key, ctx, hit, []) if hit is not None else (key, ctx, one.rows, one.rejected))
            schema_changed(seen, len(items), ctx)
        else:
            kind = f.get("kind", "list")
            if (ctx.meta or {}).get("without_detail") is not None:  # what the list page yields depends on it
                kind += "\x1f" + json.dumps(sorted(ctx.meta["without_detail"]))
            key = response_key(ctx.family, board, ctx.company, kind, ctx.url, body)
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
                except (OSError, ValueError, EOFError, RecursionError):
                    pass
    return out


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
        self.carried_boards = 0
        self.rejected: list[dict[str, Any]] = []  # quarantine rows (jobmarket.quality.rejects)

    def add_board(self, units, ctxs: list | None = None) -> tuple[int, int, list[int]]:
        """Add a board's units; returns (records, rejected posting objects,
        records per response of ``ctxs``, the contexts the units were made with)."""
        n = n_rejected = 0
        per_ctx: Counter = Counter()
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
            per_ctx[id(ctx)] += len(rows)
        if len(self.pending) >= BATCH_ROWS:
            self.flush()
        return n, n_rejected, [per_ctx[id(c)] for c in ctxs or ()]

    def add_carried(self, entry: dict[str, Any], ctxs: list) -> int:
        """Add a board whose raw is unchanged since the earlier parse
        (``board_reuse``): its rows there, with their keys and signatures,
        and each response's ``fetched_at`` of tonight. Returns the rows."""
        reuse, j = self.reuse, entry["first_row"]
        for ctx, n in zip(ctxs, entry["file_rows"], strict=True):
            for _ in range(n):
                self.pending.append((j, None))
                self._key(reuse.unit_keys[j], reuse.unit_rows[j], True, ctx, j)
                j += 1
        n = j - entry["first_row"]
        self.reused_rows += n
        self.carried_boards += 1
        if len(self.pending) >= BATCH_ROWS:
            self.flush()
        return n

    def _enforce(self, rows: list[dict[str, Any]], rejected: list) -> tuple[list[dict[str, Any]], list]:
        """Normalize each record and hold it to the Parquet schema here, where
        a bad row is one quarantined posting, not a failed write of the night."""
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
    from jobmarket.normalize import assign_dup_clusters

    cols = ["posting_id", "source", "board", "company", "title", "location", "remote", "workplace_type",
            "company_key", "title_norm", "locations_json"]  # group_key and _places read these
    pf = parquet_file(path)
    rows = pf.read(columns=cols).to_pylist()
    has_text = []
    for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=["description"]):
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
        path, idx, columns=["description"]).column("description").to_pylist(),
        unchanged=_earlier_groups(rows, out, reuse))
    return clusters, [signatures.get(i) for i in range(len(rows))]


def _earlier_groups(rows: list[dict[str, Any]], out: _ParseOutput, reuse):
    """The ``unchanged`` test of ``assign_dup_clusters``: a (company key,
    title) group whose rows were all taken unchanged from the earlier parse
    and are exactly the postings that had that key there keeps the earlier
    cluster ids (a cluster never spans two groups). None: no earlier parse."""
    if reuse is None or reuse.source_dt is None:
        return None
    # The stored company_key and title_norm are what dedup.group_key computes
    # for these rows: the same parser version wrote them (parse_reuse).
    t = reuse.read_columns(["posting_id", "company_key", "title_norm", "dup_cluster_id"])
    ids, cluster = t.column("posting_id").to_pylist(), t.column("dup_cluster_id").to_pylist()
    before: dict[tuple[str, str], Counter] = {}
    for p, c, k in zip(ids, t.column("company_key").to_pylist(), t.column("title_norm").to_pylist(), strict=True):
        if c and k:
            before.setdefault((c, k), Counter())[p] += 1

    def unchanged(key: tuple[str, str], members: list[int]) -> dict[int, str] | None:
        prev = [out.prev_row[i] for i in members]
        if min(prev) < 0 or before.get(key) != Counter(rows[i]["posting_id"] for i in members):
            return None
        return {i: cluster[j] for i, j in zip(members, prev, strict=True)}

    return unchanged


def _add_board(lake: Lake, out: _ParseOutput, ledger: Ledger, source, board: str, d, manifest: dict,
               keys: set[str]) -> tuple[int, int, dict[str, Any]]:
    """Add one landed board to ``out``: carried whole from the earlier parse
    when its raw is byte-identical (``board_reuse``), else parsed (objects
    unchanged since then still take their earlier rows). Returns (records,
    rejected posting objects, the board's ledger row); raises ParseError."""
    files = list(_board_files(source, board, manifest))
    ctxs = [ctx for _, ctx in files]
    key = board_key(source.family, board, manifest, [f for f, _ in files])
    carried = ledger.lookup(source.family, board, key)
    first = len(out.unit_key)
    if carried is not None and len(carried["file_rows"]) == len(ctxs):
        records, rejected, per_file = out.add_carried(carried, ctxs), 0, carried["file_rows"]
        keys |= set(carried["record_keys"] or ())
    else:
        try:
            units = parse_board_units(lake, source, board, d, manifest, out.reuse, keys, files)
        except (ParseError, OSError, MemoryError):
            raise  # a bad response is already a ParseError; the lake or the machine failing fails the task (retried)
        except Exception as exc:  # noqa: BLE001 - a parser bug costs its board, not the night; nothing was added
            log.exception("%s/%s: the parser crashed", source.family, board)
            raise ParseError(f"{source.family}/{board}: parser crashed: {type(exc).__name__}: {exc}") from exc
        records, rejected, per_file = out.add_board(units, ctxs)
    entry = {"family": source.family, "board": board, "board_key": key, "first_row": first, "file_rows": per_file,
             "record_keys": sorted(keys), "skippable": not rejected and all(out.reusable[first:])}
    return records, rejected, entry


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
    (``jobmarket.incremental.parse_reuse``); ``reuse=False`` parses everything.
    """
    import shutil
    import uuid

    import pyarrow as pa

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    # The same boards the scrape of dt crawled: the registry version of dt.
    sources = expand(sources or load_sources(), lake, dt)
    earlier = Reuse(lake, dt) if reuse else None
    ledger = Ledger(lake, earlier)
    stage = lake.new_staging_dir(f"work/{NORMALIZED_STEP}.rows")
    try:
        out = _ParseOutput(dt, run_id, NormalizeCache(lake), earlier, stage / "rows.parquet")
        health: list[dict[str, Any]] = []
        boards: list[dict[str, Any]] = []  # the board ledger (work/parse_boards)
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
                        records, rejected, entry = _add_board(lake, out, ledger, source, board.token, d, manifest,
                                                              keys)
                    except ParseError as exc:
                        row["status"], row["error"] = "failed", f"parse: {exc}"[:2000]
                        log.error("%s/%s: %s", source.name, board.token, exc)
                        del seen_keys[source.family][board.token]  # partly seen: raw_keys reads it all
                    else:
                        boards.append(entry)
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
            "posting_id": read_parquet(stage / "rows.parquet", columns=["posting_id"]).column(0),
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
            for batch in parquet_file(stage / "rows.parquet").iter_batches(batch_size=BATCH_ROWS):
                table = pa.Table.from_batches([batch])
                ids = pa.array(clusters[start: start + table.num_rows], type=pa.string())
                start += table.num_rows
                writer.write_table(table.set_column(i, schema.field(i), ids).cast(schema))
                per_source.update(table.column("source").to_pylist())
                n += table.num_rows
        lake.write_partition(f"work/{KEYS_STEP}", dt, keys)
        ledger_table = pa.Table.from_pylist(boards, schema=ledger_schema().with_metadata({PAIR_KEY: token}))
        lake.write_partition(f"work/{BOARDS_STEP}", dt, ledger_table)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    lake.write_partition(f"work/{HEALTH_STEP}", dt, pa.Table.from_pylist(health, schema=SOURCE_HEALTH.arrow_schema()))
    statuses = Counter(h["status"] for h in health)
    return {
        "dt": str(dt),
        "postings": n,
        "reused": out.reused_rows,
        "boards_carried": out.carried_boards,
        "rejected": len(out.rejected),
        "parsed": out.new_rows,
        "reused_from": str(earlier.source_dt) if earlier is not None and earlier.source_dt else None,
        "per_source": dict(per_source),
        "board_status": dict(statuses),
    }
