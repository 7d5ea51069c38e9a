"""The data lake layout and its two write disciplines.

Layout under the lake root (``$JOBMARKET_LAKE``, default ``data/``)::

    raw/source=<family>/board=<board>/dt=<date>/   immutable landed responses (+ _manifest.json)
    work/<step>/dt=<date>/                          hand-offs between tasks (re-derivable)
    curated/<table>/dt=<date>/part-0.parquet        what analysts read
    gx_project/                                     Great Expectations project + Data Docs
    reports/                                        HTML market reports (job_market_report)
    cache/tags/                                     tag results by content hash, per tagger version

* Raw is immutable: a board's raw folder is assembled in ``_staging`` and
  renamed into place once complete; an existing complete folder is never
  rewritten.
* Every other partition is replaced atomically: written in full to
  ``_staging`` (outside the dataset folder, so readers never see it), then
  swapped in with renames, so a crash never leaves half a partition.

On an object-store lake (``s3://bucket/prefix``, see ``core/store.py``)
there is no rename: the same two disciplines hold through the commit
protocol of ``core/objpath.py`` (data files to a unique attempt folder, then
one atomic ``_COMMIT.json`` PUT naming it). The path methods below return
``ObjectPath`` objects there, which resolve names through that pointer, and
the read helpers (:func:`read_parquet`, :func:`parquet_file`) open either
kind of path, so a step reads ``partition_dir(t, dt) / "part-0.parquet"`` the
same way on both lakes.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from jobmarket.core import objpath
from jobmarket.core.objpath import ObjectPath
from jobmarket.core.store import LakeLocation, parse_lake

MANIFEST = "_manifest.json"


def board_folder(token: str) -> str:
    return token.replace("%", "%25").replace("/", "%2F")


def board_token(folder: str) -> str:
    return folder.replace("%2F", "/").replace("%25", "%")


class Lake:
    def __init__(self, root: str | os.PathLike[str] | LakeLocation):
        self.location = parse_lake(root)
        if self.location.is_local:
            self.root: Path | ObjectPath = Path(root) if isinstance(root, os.PathLike) else Path(self.location.path)
            self.fs = None
        else:
            self.fs = self.location.filesystem()
            self.root = ObjectPath.bind(self.fs, self.location.scheme, self.location.path)

    @classmethod
    def of(cls, lake: Lake | str | os.PathLike[str]) -> Lake:
        """``lake`` itself when it is a Lake, else the Lake it names (for
        functions that take either)."""
        return lake if isinstance(lake, Lake) else cls(lake)

    @property
    def is_local(self) -> bool:
        return self.location.is_local

    # -- paths ----------------------------------------------------------------
    def raw_dir(self, family: str, board: str, dt: date | str) -> Path:
        return self.board_dir(family, board) / f"dt={dt}"

    def board_dir(self, family: str, board: str) -> Path:
        """A board's raw folder. Tokens naming a site within a tenant
        (Workday ``nvidia.wd5/NVIDIAExternalCareerSite``) carry a ``/``: it is
        percent-encoded so the board stays one folder (other tokens unchanged)."""
        return self.root / "raw" / f"source={family}" / f"board={board_folder(board)}"

    def raw_boards(self, family: str, dt: date | str) -> list[tuple[str, Path]]:
        base = self.root / "raw" / f"source={family}"
        out = []
        if base.is_dir():
            for board_dir in sorted(base.glob("board=*")):
                d = board_dir / f"dt={dt}"
                if (d / MANIFEST).is_file():
                    out.append((board_token(board_dir.name.split("=", 1)[1]), d))
        return out

    def work_dir(self, step: str, dt: date | str) -> Path:
        return self.root / "work" / step / f"dt={dt}"

    def table_dir(self, table_path: str) -> Path:
        return self.root / table_path

    def partition_dir(self, table_path: str, dt: date | str) -> Path:
        return self.root / table_path / f"dt={dt}"

    def local_dir(self, name: str) -> Path:
        """``<lake>/<name>`` on a local lake. On an object-store lake, a
        folder on this machine for what does not live on the store yet (the GX
        project and its Data Docs): ``$JOBMARKET_LOCAL_DIR`` (default
        ``<tmp>/jobmarket``) ``/<bucket__prefix>/<name>``."""
        if self.is_local:
            return self.root / name
        base = Path(os.environ.get("JOBMARKET_LOCAL_DIR") or Path(tempfile.gettempdir()) / "jobmarket")
        return base / self.location.path.replace("/", "__") / name

    @property
    def staging(self) -> Path:
        return self.root / "_staging"

    def new_staging_dir(self, label: str) -> Path:
        """A private scratch folder. Beside the lake on a local lake (so the
        final rename stays on one filesystem); a local temporary folder for an
        object-store lake, whose partitions are committed by pointer instead."""
        name = f"{label.replace('/', '_')}.{uuid.uuid4().hex[:12]}"
        if not self.is_local:
            return Path(tempfile.mkdtemp(prefix=f"jobmarket-{name}."))
        d = self.staging / name
        d.mkdir(parents=True)
        return d

    # -- raw ----------------------------------------------------------------
    def read_manifest(self, d: Path) -> dict[str, Any] | None:
        try:
            return json.loads((d / MANIFEST).read_text())
        except (OSError, ValueError):
            return None

    def land_raw(self, target: Path, responses: list[tuple[str, bytes]], manifest: dict[str, Any]) -> Path:
        """Land one board's responses (name, body) plus manifest, atomically.

        A complete folder that already exists is kept as it is (raw is
        immutable); a folder left by a failed fetch holds no response bodies and
        may be replaced by a later attempt.
        """
        existing = self.read_manifest(target)
        if existing is not None and existing.get("status") != "failed":
            return target
        stage = self.new_staging_dir("raw")
        for name, body in responses:
            with gzip.open(stage / f"{name}.gz", "wb", compresslevel=6) as fh:
                fh.write(body)
        # A digest of each body, so the parse can tell a board whose responses
        # are byte-identical to an earlier night's without reading them
        # (jobmarket.incremental.board_reuse).
        manifest = {**manifest, "digests": {name: hashlib.sha1(body).hexdigest() for name, body in responses}}
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True, default=str))
        self.publish_dir(stage, target)
        return target

    @staticmethod
    def read_raw(d: Path | ObjectPath, name: str) -> bytes:
        return gzip.decompress((d / f"{name}.gz").read_bytes())

    # -- partitions -----------------------------------------------------------
    def write_partition(self, table_path: str, dt: date | str, table, *, filename: str = "part-0.parquet") -> Path:
        """Replace ``table_path/dt=<dt>/`` with ``table`` (a pyarrow Table)."""
        import pyarrow.parquet as pq

        stage = self.new_staging_dir(f"{table_path}.dt={dt}")
        pq.write_table(table, stage / filename, compression="zstd", use_dictionary=True)
        target = self.partition_dir(table_path, dt)
        self.publish_dir(stage, target)
        return target

    @contextlib.contextmanager
    def partition_writer(self, table_path: str, dt: date | str, schema, *, filename: str = "part-0.parquet"):
        """A ParquetWriter for ``table_path/dt=<dt>/``, written in batches and
        swapped in only when the block ends without an error (so a failed
        step never leaves half a partition)."""
        import pyarrow.parquet as pq

        stage = self.new_staging_dir(f"{table_path}.dt={dt}")
        try:
            with pq.ParquetWriter(stage / filename, schema, compression="zstd", use_dictionary=True) as writer:
                yield writer
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        self.publish_dir(stage, self.partition_dir(table_path, dt))

    def publish_dir(self, stage: Path, target: Path | ObjectPath) -> None:
        """Make the finished local folder ``stage`` the content of ``target``:
        renames on a local lake, upload + commit pointer on an object store."""
        if self.is_local:
            _swap_into_place(stage, target)
            return
        try:
            attempt, key = objpath.new_attempt(target.key)
            # relative names: a report folder holds figures/<chart>.csv
            files = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
            for name in files:
                with open(stage / name, "rb") as src, self.fs.open_output_stream(f"{key}/{name}") as dst:
                    shutil.copyfileobj(src, dst, 8 << 20)
            self._commit(target.key, attempt, files)
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _commit(self, dir_key: str, attempt: str, files: list[str]) -> None:
        objpath.commit(self.fs, dir_key, attempt, files)

    # -- readers that see one committed version ----------------------------------
    def pinned(self, d: Path | ObjectPath) -> Path | ObjectPath | None:
        """``d`` fixed to its current content, for a reader that reads several
        files of one folder: on an object store the committed attempt's folder
        (a later commit cannot slip in between two reads); ``d`` itself on a
        local lake, whose swap is a rename. None when nothing is committed."""
        if not isinstance(d, ObjectPath):
            return d if d.is_dir() else None
        commit = objpath.read_commit(self.fs, d.key)
        return None if commit is None else d / objpath.ATTEMPTS / commit["attempt"]

    def partition_dates(self, table_path: str) -> list[str]:
        """The dates with a committed (local: swapped-in) partition, sorted."""
        base = self.table_dir(table_path)
        if not base.is_dir():
            return []
        return sorted(p.name.split("=", 1)[1] for p in base.glob("dt=*")
                      if not isinstance(p, ObjectPath) or objpath.read_commit(self.fs, p.key) is not None)

    def committed_files(self, table_path: str, dates: list[str] | None = None) -> list[Path | ObjectPath]:
        """The Parquet files a reader of ``table_path`` should read, one
        committed version per date (the list DuckDB views and datasets use)."""
        out = []
        for dt in self.partition_dates(table_path) if dates is None else dates:
            d = self.pinned(self.partition_dir(table_path, dt))
            if d is not None:
                out.extend(sorted(p for p in d.glob("*.parquet")))
        return out

    def dataset(self, table_path: str, dates: list[str] | None = None):
        """A pyarrow dataset of ``table_path``'s committed files, with the
        ``dt`` partition column (for pyarrow, pandas, Polars or DuckDB)."""
        import pyarrow as pa
        import pyarrow.dataset as ds

        files = self.committed_files(table_path, dates)
        base = self.table_dir(table_path)
        # dt typed as a date: several curated tables also carry it as a column.
        part = ds.partitioning(pa.schema([("dt", pa.date32())]), flavor="hive")
        if isinstance(base, ObjectPath):
            return ds.dataset([f.key for f in files], filesystem=self.fs, format="parquet",
                              partitioning=part, partition_base_dir=base.key)
        return ds.dataset([str(f) for f in files], format="parquet", partitioning=part,
                          partition_base_dir=str(base))

    def write_without(self, source: Path, table_path: str, dt: date | str, schema, drop: set[int] | dict,
                      quarantined: int, batch_size: int = 5_000) -> int:
        """Copy the Parquet file ``source`` into ``table_path/dt=<dt>/`` a batch
        at a time, without the rows at positions ``drop``; returns the rows
        written. Raises (and swaps nothing in) unless written + ``quarantined``
        equals the rows read: a validate step never drops a row silently."""
        import pyarrow as pa

        written = start = 0
        with self.partition_writer(table_path, dt, schema) as writer:
            for batch in parquet_file(source).iter_batches(batch_size=batch_size):
                part = pa.Table.from_batches([batch])
                if drop:
                    keep = [start + i not in drop for i in range(batch.num_rows)]
                    part = part.filter(pa.array(keep, type=pa.bool_()))
                start += batch.num_rows
                writer.write_table(part.cast(schema))
                written += part.num_rows
            if written + quarantined != start:
                raise AssertionError(f"{table_path} {dt}: {written} kept + {quarantined} quarantined != {start} read")
        return written

    @staticmethod
    def take_rows(path: Path, rows: list[int], batch_size: int = 5_000, columns: list[str] | None = None):
        """Rows ``rows`` (positions, in the order given) of one Parquet file,
        read a batch at a time so that picking a few rows never loads the
        whole file."""
        import pyarrow as pa

        pf = parquet_file(path)
        wanted = sorted(set(rows))
        parts, start, k = [], 0, 0
        for batch in pf.iter_batches(batch_size=batch_size, columns=columns):
            end = start + batch.num_rows
            here = []
            while k < len(wanted) and wanted[k] < end:
                here.append(wanted[k] - start)
                k += 1
            if here:
                parts.append(pa.Table.from_batches([batch]).take(pa.array(here, type=pa.int64())))
            start = end
            if k == len(wanted):
                break
        if not parts:
            schema = pf.schema_arrow
            return (pa.schema([schema.field(c) for c in columns]) if columns else schema).empty_table()
        table = pa.concat_tables(parts)
        if k != len(wanted):
            raise IndexError(f"{path} has {start} rows; asked for row {wanted[k]}")
        where = {r: i for i, r in enumerate(wanted)}
        return table.take(pa.array([where[r] for r in rows], type=pa.int64()))

    def write_json(self, path: Path | ObjectPath, obj: Any) -> None:
        if isinstance(path, ObjectPath):  # one PUT is atomic on an object store
            path.write_text(json.dumps(obj, indent=1, sort_keys=True, default=str))
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_text(json.dumps(obj, indent=1, sort_keys=True, default=str))
        os.replace(tmp, path)


def parquet_file(path: Path | ObjectPath):
    """``pq.ParquetFile`` of a lake file on either kind of lake."""
    import pyarrow.parquet as pq

    if isinstance(path, ObjectPath):
        return pq.ParquetFile(path.fs.open_input_file(path.resolved()))
    return pq.ParquetFile(path)


def read_parquet(path: Path | ObjectPath, **kwargs):
    """``pq.read_table`` of a lake file on either kind of lake."""
    import pyarrow.parquet as pq

    if isinstance(path, ObjectPath):
        return pq.read_table(path.resolved(), filesystem=path.fs, **kwargs)
    return pq.read_table(path, **kwargs)


def write_parquet_file(path: Path | ObjectPath, table, **kwargs) -> None:
    """Write a new Parquet file whole or not at all: one PUT on an object
    store (an object appears only when its upload completes), a temporary
    file renamed into place on a local lake."""
    import pyarrow.parquet as pq

    kwargs.setdefault("compression", "zstd")
    if isinstance(path, ObjectPath):
        pq.write_table(table, path.key, filesystem=path.fs, **kwargs)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(table, tmp, **kwargs)
    os.replace(tmp, path)


def file_stamp(path: Path | ObjectPath) -> tuple:
    """What changes when a lake file is replaced: inode, size and mtime on
    a local lake; the committed object's key (unique per write) and size on
    an object store."""
    if isinstance(path, ObjectPath):
        key = path.resolved()
        return (key, path.fs.get_file_info(key).size)
    st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def read_parquet_schema(path: Path | ObjectPath):
    return parquet_file(path).schema_arrow


def _swap_into_place(stage: Path, target: Path) -> None:
    """Move a finished staging folder to ``target``, replacing what is there.

    Two renames: the old partition moves aside, the new one moves in. Readers
    see the old partition or the new one, never a mix; the aside copy is
    deleted afterwards.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    trash = None
    if target.exists():
        trash = stage.parent / f"{stage.name}.old"
        os.replace(target, trash)
    os.replace(stage, target)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def release_memory() -> None:
    """Hand memory freed by a step back to the operating system.

    Arrow's allocator (mimalloc) and glibc's malloc keep freed pages for
    reuse, so a process that runs several steps (``jobmarket run``, a
    backfill) would carry each step's high-water mark into the next one: at
    200,000 postings that is over a gigabyte. Called at the end of each step.
    """
    import ctypes
    import gc

    # The young generations only: a step's large buffers go by reference
    # count, and a full collection walks every long-lived object (GX, pandas,
    # the gazetteer): 0.7 CPU s per incremental night for nothing (make
    # bench: peak RSS at 200,000 postings 1,879 MB, as with full collections).
    gc.collect(1)
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pass
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        pass


def releases_memory(fn):
    """Decorator for a step function: :func:`release_memory` when it returns or raises."""
    import functools

    @functools.wraps(fn)
    def step(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            release_memory()

    return step
