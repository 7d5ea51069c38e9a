"""Where the lake lives: a local folder or an object store, and the one
filesystem layer (``pyarrow.fs``) every lake read and write goes through.

``JOBMARKET_LAKE`` is parsed once, when settings load. A local path (the
default, ``data/``) or ``file://`` URI is a folder; ``s3://bucket/prefix``
is an S3 (or S3-compatible: MinIO, Ceph, moto) bucket, reached with
``pyarrow.fs.S3FileSystem``. Anything else is refused before a step runs,
because a value such as ``gs://x`` or ``s3:/x`` is also a legal relative
path: accepted silently it would build a folder named ``gs:`` in the working
directory and report success.

S3 connection settings come from the standard AWS environment, never from
the repo: ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` /
``AWS_SESSION_TOKEN`` (or a profile / instance role, through the AWS SDK's
default chain), ``AWS_REGION`` or ``AWS_DEFAULT_REGION``, and
``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL`` for an S3-compatible server
(pyarrow does not read the endpoint variables itself, so this module does).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


class ConfigError(ValueError):
    """A configuration file or variable is wrong; the message says where and how."""


class LakeURIError(ConfigError):
    """``JOBMARKET_LAKE`` names a place this installation cannot serve."""

ENV = "JOBMARKET_LAKE"
SUPPORTED = "a local path (the default, data/), file:///abs/path, or s3://bucket/prefix"
# A scheme needs two characters or more, so a Windows drive (C:\lake) stays a path.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def s3_available() -> bool:
    """True when this pyarrow was built with S3 support (the PyPI wheels are)."""
    try:
        from pyarrow.fs import S3FileSystem  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class LakeLocation:
    """A parsed lake root: ``scheme`` is ``file`` or ``s3``; ``path`` is what
    the filesystem layer takes (``/abs/dir`` or ``bucket/prefix``)."""

    scheme: str
    path: str

    @property
    def is_local(self) -> bool:
        return self.scheme == "file"

    @property
    def uri(self) -> str:
        return self.path if self.is_local else f"{self.scheme}://{self.path}"

    def __str__(self) -> str:
        return self.uri

    def filesystem(self):
        import pyarrow.fs as pafs

        if self.is_local:
            return pafs.LocalFileSystem()
        return s3_filesystem()


def parse_lake(value: str | os.PathLike[str], var: str = ENV) -> LakeLocation:
    """``value`` as a lake root, or LakeURIError naming ``var``, the value and
    what is supported."""
    if isinstance(value, LakeLocation):
        return value
    if hasattr(value, "_scheme") and hasattr(value, "key"):  # an ObjectPath (core.objpath): its own root
        return LakeLocation(value._scheme, value.key)
    text = os.fspath(value)
    m = _SCHEME.match(text) if isinstance(value, str) else None
    if m is None:
        return LakeLocation("file", str(Path(text).resolve()))
    scheme = m.group(1).lower()
    if scheme == "file":
        rest = text[len("file://"):] if text.lower().startswith("file://") else ""
        if not rest.startswith("/"):
            raise LakeURIError(f"{var}={text!r}: a file URI needs an absolute path (file:///abs/path); "
                               f"supported: {SUPPORTED}")
        return LakeLocation("file", str(Path(rest).resolve()))
    if scheme != "s3":
        raise LakeURIError(f"{var}={text!r}: the {scheme!r} scheme is not supported; supported: {SUPPORTED}")
    if not text.lower().startswith("s3://"):
        raise LakeURIError(f"{var}={text!r}: write an S3 lake as s3://bucket/prefix; supported: {SUPPORTED}")
    path = text[len("s3://"):].strip("/")
    bucket = path.split("/", 1)[0]
    if not bucket or "//" in path:
        raise LakeURIError(f"{var}={text!r}: an S3 lake needs a bucket and an optional prefix "
                           f"(s3://bucket/prefix); supported: {SUPPORTED}")
    if not s3_available():
        raise LakeURIError(f"{var}={text!r}: this installation has no S3 support (pyarrow.fs.S3FileSystem "
                           f"is missing: install a pyarrow wheel built with S3); supported here: a local path")
    return LakeLocation("s3", path)


def require_local(value: str | os.PathLike[str], what: str) -> Path:
    """The local folder ``value`` names, for code that still needs local file
    IO; LakeURIError naming ``what`` when it is an object-store lake."""
    loc = parse_lake(value)
    if loc.is_local:
        return Path(loc.path)
    raise LakeURIError(f"{ENV}={loc.uri!r}: {what} still needs a local lake folder "
                       f"(see docs/architecture.md, 'The lake on object storage')")


def s3_filesystem():
    """An S3FileSystem configured from the standard AWS environment variables."""
    from pyarrow.fs import S3FileSystem

    kwargs = {}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        kwargs["endpoint_override"] = endpoint
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        kwargs["region"] = region
    # Credentials are left to the AWS SDK's default chain (env vars, profile,
    # instance role) so that a rotated session token is picked up.
    return S3FileSystem(**kwargs)
