"""Typed configuration of the sources file (one entry per source).

The sources file is validated when it is loaded. A mistake raises
:class:`ConfigError` whose message names the file, the entry and the field, so
an operator can fix it without reading code. Adding a board is one line under
its source's ``boards:`` list.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jobmarket.core.settings import REPO_DIR, ConfigError, read_yaml
from jobmarket.sources.registry import get_adapter

DEFAULT_SOURCES_FILE = REPO_DIR / "include" / "config" / "sources.yaml"

# Families the pipeline knows how to scrape. The adapter registry in
# jobmarket.sources must have one module per name listed here.
KNOWN_FAMILIES = (
    "greenhouse",
    "lever",
    "ashby",
    "smartrecruiters",
    "workable",
    "recruitee",
    "remoteok",
    "remotive",
    "arbeitnow",
    "himalayas",
    "hn",
    "jsonld",
    "workday",
    "teamtailor",
    "personio",
    "bamboohr",
    "pinpoint",
    "rippling",
    "eightfold",
)

# A slug, or ``<tenant>/<site>`` for families whose boards are sites within a
# tenant (Workday ``nvidia.wd5/NVIDIAExternalCareerSite``, Eightfold
# ``fcx/fcx.com``): one ``/`` at most, see docs/sources.md.
_BOARD_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9][A-Za-z0-9._\-]*)?$")


@dataclass(frozen=True)
class BoardConfig:
    token: str
    company: str | None = None  # display name; defaults to the board token


@dataclass(frozen=True)
class RegistrySelection:
    """Which boards of the board registry (``jobmarket.boards``) a source
    crawls besides its own ``boards:`` list: every board of its family
    (``all``), those carrying one of ``tags``, or the tokens in ``boards``;
    only those whose status is in ``statuses`` (empty: every status but the
    retired ones, ``dead`` and ``moved``)."""

    all: bool = False
    tags: tuple[str, ...] = ()
    boards: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


REGISTRY_STATUSES = ("new", "live", "empty", "failing", "dead", "moved")


@dataclass(frozen=True)
class SourceConfig:
    """One source entry: a board family, where to reach it and how politely."""

    name: str
    family: str
    base_url: str
    boards: tuple[BoardConfig, ...]
    # Politeness. Defaults are conservative; each entry in sources.yaml can
    # tighten them to what the source's published terms ask for.
    rate_per_second: float = 1.0
    burst: int = 1
    max_concurrency: int = 2
    robots: str = "obey"  # "obey", or "exempt" for APIs whose terms allow automated use
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_bytes: int = 20 * 1024 * 1024
    max_retries: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 120.0
    redirect_hosts: tuple[str, ...] = ()
    # Greenhouse only: ask for descriptions (content=true). Off by default in
    # replay of the crawl, which was recorded without it.
    content: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    # Registry boards to crawl besides ``boards`` (None: none, as before).
    registry: RegistrySelection | None = None
    # Boards per scrape task instance (the DAG maps over shards of this size).
    shard_size: int = 500

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    @property
    def pool(self) -> str:
        """Airflow pool shared by every run that talks to this family's hosts."""
        return f"jobmarket_{self.family}"


@dataclass(frozen=True)
class HttpSettings:
    user_agent: str
    contact: str


@dataclass(frozen=True)
class SourcesFile:
    path: Path
    http: HttpSettings
    sources: tuple[SourceConfig, ...]

    def get(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(f"{self.path}: no source named {name!r} (have: {', '.join(self.names)})")

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sources]

    def names_by_family(self, only: list[str] | None = None) -> dict[str, list[str]]:
        """Source names per known family (every family present, maybe empty),
        restricted to ``only`` when given; unknown names are an error."""
        if only:
            unknown = sorted(set(only) - set(self.names))
            if unknown:
                raise ConfigError(f"{self.path}: unknown source(s) {unknown}; configured: {self.names}")
        out: dict[str, list[str]] = {f: [] for f in KNOWN_FAMILIES}
        for s in self.sources:
            if not only or s.name in only:
                out[s.family].append(s.name)
        return out


_SOURCE_NUMERIC = {
    "rate_per_second": float,
    "burst": int,
    "max_concurrency": int,
    "connect_timeout": float,
    "read_timeout": float,
    "max_bytes": int,
    "max_retries": int,
    "backoff_base": float,
    "backoff_max": float,
    "max_retry_after": float,
    "shard_size": int,
}
_SOURCE_KEYS = set(_SOURCE_NUMERIC) | {
    "family",
    "base_url",
    "boards",
    "robots",
    "redirect_hosts",
    "content",
    "options",
    "registry",
}


def _err(path: Path, where: str, msg: str) -> ConfigError:
    return ConfigError(f"{path}: {where}: {msg}")


def _parse_board(path: Path, where: str, raw: Any) -> BoardConfig:
    if isinstance(raw, str):
        token, company = raw, None
    elif isinstance(raw, dict):
        unknown = set(raw) - {"token", "company"}
        if unknown:
            raise _err(path, where, f"unknown field(s) {sorted(unknown)}")
        token, company = raw.get("token"), raw.get("company")
    else:
        raise _err(path, where, f"a board is a token string or {{token, company}}, got {raw!r}")
    if not token or not isinstance(token, str):
        raise _err(path, where + ".token", "missing board token")
    if not _BOARD_TOKEN.match(token):
        raise _err(path, where + ".token", f"invalid board token {token!r}")
    return BoardConfig(token=token, company=company)


def _parse_registry(path: Path, where: str, raw: Any) -> RegistrySelection | None:
    """``registry: all`` | ``{all: true}`` | ``{tags: [..]}`` | ``{boards: [..]}``, each
    with optional ``statuses: [..]``; absent or ``none``: no registry boards."""
    if raw is None or raw == "none":
        return None
    if raw == "all":
        return RegistrySelection(all=True)
    if not isinstance(raw, dict):
        raise _err(path, where, f"expected 'all', 'none' or a mapping with all/tags/boards, got {raw!r}")
    unknown = set(raw) - {"all", "tags", "boards", "statuses"}
    if unknown:
        raise _err(path, where, f"unknown field(s) {sorted(unknown)}")
    lists = {}
    for key in ("tags", "boards", "statuses"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise _err(path, f"{where}.{key}", f"expected a list of strings, got {value!r}")
        lists[key] = tuple(value)
    bad = sorted(set(lists["statuses"]) - set(REGISTRY_STATUSES))
    if bad:
        raise _err(path, f"{where}.statuses", f"unknown status(es) {bad} (known: {', '.join(REGISTRY_STATUSES)})")
    sel = RegistrySelection(all=bool(raw.get("all", False)), **lists)
    if not (sel.all or sel.tags or sel.boards):
        raise _err(path, where, "select boards with all: true, tags: [..] or boards: [..]")
    return sel


def parse_sources(data: Any, path: Path) -> SourcesFile:
    if not isinstance(data, dict):
        raise _err(path, "top level", "expected a mapping with 'http' and 'sources'")
    unknown = set(data) - {"http", "sources"}
    if unknown:
        raise _err(path, "top level", f"unknown key(s) {sorted(unknown)}")
    http_raw = data.get("http") or {}
    contact = http_raw.get("contact")
    if not contact or not isinstance(contact, str):
        raise _err(path, "http.contact", "a contact address is required so boards can reach us")
    ua = http_raw.get("user_agent") or "jobmarket/{version} (+{contact})"
    from jobmarket import __version__

    http = HttpSettings(user_agent=ua.format(version=__version__, contact=contact), contact=contact)

    sources_raw = data.get("sources")
    if not isinstance(sources_raw, dict) or not sources_raw:
        raise _err(path, "sources", "expected a non-empty mapping of source name to entry")
    sources = []
    for name, entry in sources_raw.items():
        where = f"sources.{name}"
        if not isinstance(entry, dict):
            raise _err(path, where, "expected a mapping")
        unknown = set(entry) - _SOURCE_KEYS
        if unknown:
            raise _err(path, where, f"unknown field(s) {sorted(unknown)}")
        family = entry.get("family", name)
        if family not in KNOWN_FAMILIES:
            raise _err(
                path, where + ".family", f"unknown family {family!r} (known: {', '.join(KNOWN_FAMILIES)})"
            )
        base_url = entry.get("base_url") or get_adapter(family).default_base_url
        parts = urlsplit(str(base_url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _err(path, where + ".base_url", f"bad URL {base_url!r} (need http(s)://host[/prefix])")
        kwargs: dict[str, Any] = {}
        for key, typ in _SOURCE_NUMERIC.items():
            if key in entry:
                value = entry[key]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise _err(path, f"{where}.{key}", f"expected a number, got {value!r}")
                if value < 0 or (key in ("rate_per_second", "burst", "max_concurrency", "shard_size") and value == 0):
                    raise _err(path, f"{where}.{key}", f"must be positive, got {value!r}")
                kwargs[key] = typ(value)
        robots = entry.get("robots", "obey")
        if robots not in ("obey", "exempt"):
            raise _err(path, where + ".robots", f"expected 'obey' or 'exempt', got {robots!r}")
        registry = _parse_registry(path, where + ".registry", entry.get("registry"))
        boards_raw = entry.get("boards", [] if registry else None)
        if not isinstance(boards_raw, list) or not (boards_raw or registry):
            raise _err(path, where + ".boards", "expected a non-empty list of board tokens (or a registry: selection)")
        boards = tuple(
            _parse_board(path, f"{where}.boards[{i}]", b) for i, b in enumerate(boards_raw)
        )
        seen: set[str] = set()
        for i, b in enumerate(boards):
            if b.token in seen:
                raise _err(path, f"{where}.boards[{i}]", f"duplicate board {b.token!r}")
            seen.add(b.token)
        redirect_hosts = entry.get("redirect_hosts", [])
        if not isinstance(redirect_hosts, list) or not all(isinstance(h, str) for h in redirect_hosts):
            raise _err(path, where + ".redirect_hosts", "expected a list of host names")
        options = entry.get("options", {}) or {}
        if not isinstance(options, dict):
            raise _err(path, where + ".options", "expected a mapping")
        sources.append(
            SourceConfig(
                name=str(name),
                family=family,
                base_url=str(base_url).rstrip("/"),
                boards=boards,
                robots=robots,
                redirect_hosts=tuple(redirect_hosts),
                content=bool(entry.get("content", True)),
                options=options,
                registry=registry,
                **kwargs,
            )
        )
    return SourcesFile(path=path, http=http, sources=tuple(sources))


def load_sources(path: str | os.PathLike[str] | None = None) -> SourcesFile:
    """Load and validate the sources file (``$JOBMARKET_SOURCES`` or the default)."""
    p = Path(path or os.environ.get("JOBMARKET_SOURCES") or DEFAULT_SOURCES_FILE)
    return parse_sources(read_yaml(p, "sources file"), p)
