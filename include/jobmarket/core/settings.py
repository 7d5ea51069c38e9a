"""Runtime settings from the environment, and where the package and repo are."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

# ConfigError lives with the lake URI parser (the bottom of core) and is
# re-exported here, where every config reader imports it from.
from jobmarket.core.store import ConfigError, LakeLocation, LakeURIError, parse_lake, require_local

__all__ = ["ConfigError", "LakeLocation", "LakeURIError", "Settings", "parse_lake", "read_yaml"]

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent.parent


def read_yaml(path: Path, what: str, error: type[ConfigError] = ConfigError) -> Any:
    """A config file's YAML, or ``error`` naming the file and what went wrong."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from exc


@dataclass(frozen=True)
class Settings:
    """Runtime settings from the environment, so Airflow and the CLI agree."""

    # A Path for a local lake (as before); the URI string (s3://bucket/prefix)
    # for an object-store lake. ``location`` is the parsed form of either.
    lake: Path | str
    # Scraping a date older than this many days would label today's boards as
    # the past; such runs reprocess raw instead (replay sources are exempt).
    freshness_days: int = 2

    @classmethod
    def from_env(cls) -> Settings:
        # Parsed here, at load, so a lake URI nobody can serve stops the run
        # before any step writes anything.
        loc = parse_lake(os.environ.get("JOBMARKET_LAKE") or str(REPO_DIR / "data"))
        return cls(lake=_lake_value(loc), freshness_days=int(os.environ.get("JOBMARKET_FRESHNESS_DAYS", "2")))

    def with_lake(self, lake: str | os.PathLike[str]) -> Settings:
        return replace(self, lake=_lake_value(parse_lake(lake, var="--lake")))

    @property
    def location(self) -> LakeLocation:
        return parse_lake(self.lake)

    def local_lake(self, what: str) -> Path:
        """The lake folder, for code that still reads and writes it with local
        file IO; a clear error naming ``what`` when the lake is an object store."""
        return require_local(self.lake, what)


def _lake_value(loc: LakeLocation) -> Path | str:
    return Path(loc.path) if loc.is_local else loc.uri
