"""Paths inside an object-store lake, and the commit protocol that replaces
renames there.

S3 has no rename: "moving" a folder is a copy of every object plus deletes,
and a reader listing the prefix meanwhile sees a mix of old and new files.
What S3 does give is an atomic PUT: an object is invisible until its upload
completes (multipart included), then visible whole. So a folder is replaced
in three steps:

1. every data file goes to a fresh attempt folder,
   ``<dir>/_attempts/<utc-time>-<random>/`` (unique, so two writers, or a
   retry after a crash, never touch the same objects);
2. then, last, one small object ``<dir>/_COMMIT.json`` names the attempt and
   its files: the commit point, a single atomic PUT;
3. attempts other than the committed one are deleted once older than a grace
   period (a reader that read the previous pointer a moment ago still finds
   its files).

A reader reads ``_COMMIT.json`` first and then only the files it names, so
it sees one attempt whole, never a mix; a crash before step 2 leaves the
previous pointer, so the previous partition stays readable; names starting
with ``_`` are skipped by pyarrow's, DuckDB's and Spark's partition
discovery, so a naive reader of the dataset folder sees no attempt at all
rather than several.

:class:`ObjectPath` is a ``PurePosixPath`` bound to a ``pyarrow.fs``
filesystem with the few ``Path`` methods the steps use (``exists``,
``is_file``, ``glob``, ``read_bytes``, ``write_text``, ...). Inside a
committed folder a file name resolves to the committed attempt's copy, so
``lake.partition_dir(t, dt) / "part-0.parquet"`` names the same table on
both lakes. It refuses ``os.fspath``: code that would open it with local file
IO (``open``, ``shutil``, ``pq.read_table(path)``) fails loudly instead of
writing a local folder named ``s3:``.
"""

from __future__ import annotations

import calendar
import fnmatch
import io
import json
import os
import time
import uuid
from pathlib import PurePosixPath

from jobmarket.core.store import LakeURIError

COMMIT = "_COMMIT.json"
ATTEMPTS = "_attempts"
# Readers that read a pointer just before a newer commit still need its files.
GC_GRACE_S = float(os.environ.get("JOBMARKET_LAKE_GC_GRACE_S", "3600"))


class ObjectPath(PurePosixPath):
    _fs = None
    _scheme = "s3"

    @classmethod
    def bind(cls, fs, scheme: str, key: str) -> ObjectPath:
        """``key`` (``bucket/prefix``) as a path on ``fs``; children keep ``fs``."""
        bound = type("ObjectPath", (cls,), {"_fs": fs, "_scheme": scheme})
        return bound(key)

    @property
    def fs(self):
        return self._fs

    @property
    def key(self) -> str:
        return PurePosixPath.__str__(self)

    def __str__(self) -> str:
        return f"{self._scheme}://{self.key}"

    def __repr__(self) -> str:
        return f"ObjectPath({str(self)!r})"

    def __fspath__(self) -> str:
        raise LakeURIError(f"{self}: this code opens the lake with local file IO and does not support an "
                           f"object-store lake yet (read through jobmarket.core.lake instead)")

    # -- resolution through the commit pointer ---------------------------------
    def resolved(self) -> str:
        """The key of the object this logical path names (the committed
        attempt's copy inside a committed folder)."""
        commit = read_commit(self._fs, self.parent.key)
        if commit is not None:
            return f"{self.parent.key}/{ATTEMPTS}/{commit['attempt']}/{self.name}"
        return self.key

    def _info(self, key: str):
        return self._fs.get_file_info(key)

    # -- the Path methods the steps use -------------------------------------------
    def exists(self) -> bool:
        import pyarrow.fs as pafs

        return self.is_dir() or self._info(self.resolved()).type == pafs.FileType.File

    def is_file(self) -> bool:
        import pyarrow.fs as pafs

        return self._info(self.resolved()).type == pafs.FileType.File

    def is_dir(self) -> bool:
        import pyarrow.fs as pafs

        return self._info(self.key).type == pafs.FileType.Directory

    def iterdir(self):
        import pyarrow.fs as pafs

        sel = pafs.FileSelector(self.key, allow_not_found=True)
        names = {i.path.rsplit("/", 1)[-1] for i in self._fs.get_file_info(sel)}
        commit = read_commit(self._fs, self.key)
        if commit is not None:
            names |= {f.split("/", 1)[0] for f in commit["files"]}  # a subfolder's files name the subfolder
        for name in sorted(names - {COMMIT, ATTEMPTS}):
            yield self / name

    def glob(self, pattern: str):
        if "**" in pattern:
            raise ValueError(f"{self}: recursive glob patterns are not supported, not {pattern!r}")
        level = [self]
        for part in pattern.split("/"):
            level = [p for d in level for p in d.iterdir() if fnmatch.fnmatchcase(p.name, part)]
        return iter(level)

    def mkdir(self, parents: bool = False, exist_ok: bool = False) -> None:
        """Folders do not exist on an object store; nothing to create."""

    def read_bytes(self) -> bytes:
        with self._fs.open_input_stream(self.resolved()) as fh:
            return fh.read()

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)

    def write_bytes(self, data: bytes) -> int:
        # One PUT: the object appears whole or not at all.
        with self._fs.open_output_stream(self.key) as fh:
            fh.write(data)
        return len(data)

    def write_text(self, text: str, encoding: str = "utf-8") -> int:
        return self.write_bytes(text.encode(encoding))

    def open(self, mode: str = "r", encoding: str | None = None):
        if mode in ("rb", "r"):
            raw = self._fs.open_input_file(self.resolved())
            return raw if mode == "rb" else io.TextIOWrapper(raw, encoding=encoding or "utf-8")
        if mode in ("wb", "w"):
            raw = self._fs.open_output_stream(self.key)
            return raw if mode == "wb" else io.TextIOWrapper(raw, encoding=encoding or "utf-8")
        raise ValueError(f"{self}: mode {mode!r} is not supported on an object store")

    def unlink(self, missing_ok: bool = False) -> None:
        try:
            self._fs.delete_file(self.key)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def stat(self):
        info = self._info(self.resolved())
        if info.type.name == "NotFound":
            raise FileNotFoundError(str(self))
        return os.stat_result((0, 0, 0, 0, 0, 0, info.size or 0, 0, int(info.mtime_ns or 0) // 10**9, 0))


# -- the commit protocol ----------------------------------------------------------
def read_commit(fs, dir_key: str) -> dict | None:
    try:
        with fs.open_input_stream(f"{dir_key}/{COMMIT}") as fh:
            return json.loads(fh.read())
    except (FileNotFoundError, ValueError):
        return None
    except OSError as exc:  # pyarrow reports some missing keys as plain OSError
        if "NOT_FOUND" in str(exc).upper() or "NoSuchKey" in str(exc):
            return None
        raise


def new_attempt(dir_key: str) -> tuple[str, str]:
    """A fresh attempt id and the key of its folder under ``dir_key``."""
    attempt = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex[:12]}"
    return attempt, f"{dir_key}/{ATTEMPTS}/{attempt}"


def commit(fs, dir_key: str, attempt: str, files: list[str], *, grace_s: float | None = None) -> None:
    """Make ``attempt`` the content of ``dir_key`` (one atomic PUT), then
    collect attempts older than the grace period."""
    body = json.dumps({"attempt": attempt, "files": sorted(files)}, sort_keys=True).encode()
    with fs.open_output_stream(f"{dir_key}/{COMMIT}") as fh:
        fh.write(body)
    collect_attempts(fs, dir_key, keep=attempt, grace_s=GC_GRACE_S if grace_s is None else grace_s)


def collect_attempts(fs, dir_key: str, *, keep: str | None = None, grace_s: float = GC_GRACE_S) -> list[str]:
    """Delete attempt folders of ``dir_key`` that are neither committed nor
    younger than ``grace_s`` seconds (a crashed or superseded write)."""
    import pyarrow.fs as pafs

    current = (read_commit(fs, dir_key) or {}).get("attempt")
    cutoff = time.time() - grace_s
    gone = []
    for info in fs.get_file_info(pafs.FileSelector(f"{dir_key}/{ATTEMPTS}", allow_not_found=True)):
        name = info.path.rsplit("/", 1)[-1]
        if name in (keep, current):
            continue
        try:
            born = calendar.timegm(time.strptime(name.split("-", 1)[0], "%Y%m%dT%H%M%SZ"))
        except ValueError:
            continue
        if born <= cutoff:
            fs.delete_dir(info.path)
            gone.append(name)
    return gone
