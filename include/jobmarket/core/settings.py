"""Runtime settings from the environment, and where the package and repo are."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent.parent


class ConfigError(ValueError):
    """A configuration file is wrong; the message says where and how."""


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

    lake: Path
    # Scraping a date older than this many days would label today's boards as
    # the past; such runs reprocess raw instead (replay sources are exempt).
    freshness_days: int = 2

    @classmethod
    def from_env(cls) -> Settings:
        lake = Path(os.environ.get("JOBMARKET_LAKE") or (REPO_DIR / "data")).resolve()
        return cls(lake=lake, freshness_days=int(os.environ.get("JOBMARKET_FRESHNESS_DAYS", "2")))

    def with_lake(self, lake: str | os.PathLike[str]) -> Settings:
        return replace(self, lake=Path(lake).resolve())
