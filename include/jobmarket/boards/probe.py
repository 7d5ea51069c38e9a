"""Probe registry boards: does the board answer, and with how many postings?

A probe is one polite fetch of the board through the adapter and the shared
:class:`~jobmarket.sources.http.PoliteClient` (robots.txt, per-host rate and
concurrency, retries), parsed in memory and never landed. Its outcome is
folded into the registry like a night's crawl (:func:`jobmarket.boards.crawl.fold`):

* postings > 0: ``live``; a clean answer with none: ``empty`` (not dead);
* 404 (or 410): ``failing``, then ``dead`` after K probes or nights in a row;
* a redirect to the same family's endpoint for another token: ``moved``
  (the new token is added to the registry);
* a family without an adapter yet is not probed: the outcome says so.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from jobmarket.boards.crawl import Outcome
from jobmarket.sources.base import BoardContext, ParseError
from jobmarket.sources.config import BoardConfig, SourceConfig, SourcesFile
from jobmarket.sources.registry import REGISTRY as ADAPTERS
from jobmarket.sources.registry import get_adapter

_MARK = "JOBMARKETTOKEN"


@dataclass(frozen=True)
class Skipped:
    family: str
    token: str
    reason: str


def source_for(sources: SourcesFile, family: str) -> SourceConfig | None:
    """The politeness and endpoint a family's boards are probed with: its
    first source in the sources file, else the adapter's production endpoint
    at the client's default limits; None for a family without an adapter."""
    if family not in ADAPTERS:
        return None
    for s in sources.sources:
        if s.family == family:
            return replace(s, boards=())
    return SourceConfig(name=family, family=family, base_url=get_adapter(family).default_base_url, boards=())


def _moved_to(adapter, source: SourceConfig, token: str, final_url: str | None) -> str | None:
    """The token a redirect points at, when it lands on the same endpoint
    pattern with another token (single-request families only)."""
    if not final_url:
        return None
    try:
        template = adapter.board_url(source, BoardConfig(token=_MARK))
    except (NotImplementedError, TypeError):
        return None
    prefix, _, suffix = template.partition(_MARK)
    path_only = suffix.split("?", 1)[0]
    if not final_url.startswith(prefix):
        return None
    rest = final_url[len(prefix):].split("?", 1)[0]
    if path_only and not rest.endswith(path_only):
        return None
    new = rest[: len(rest) - len(path_only)] if path_only else rest
    return new if new and "/" not in new and new.lower() != token.lower() else None


def probe_board(client, source: SourceConfig, board: BoardConfig) -> Outcome:
    """Fetch and count one board's postings (never raises for the board's trouble)."""
    adapter = get_adapter(source.family)
    try:
        plans = adapter.fetch(client, source, board, conditional={})
    except Exception as exc:  # noqa: BLE001 - a probe reports, one board's crash stops nothing
        return Outcome(source.family, board.token, False, None, None, f"probe crashed: {type(exc).__name__}: {exc}")
    if not plans:
        return Outcome(source.family, board.token, False, None, None, "adapter fetched nothing")
    first = plans[0].result
    moved = _moved_to(adapter, source, board.token, first.final_url if first.final_url != first.url else None)
    bad = [p.result for p in plans if not p.result.ok]
    if bad:
        r = bad[0]
        return Outcome(source.family, board.token, False, r.status, None, r.error or f"HTTP {r.status}: {r.url}")
    if moved:
        return Outcome(source.family, board.token, True, first.status, None, None, moved_to=moved)
    n = 0
    for p in plans:
        if not adapter.parse_kind(p.kind):
            continue
        ctx = BoardContext(family=source.family, board=board.token, company=board.company, url=p.result.url)
        try:
            parsed = adapter.parse_records(p.result.body, ctx)
        except ParseError as exc:
            return Outcome(source.family, board.token, False, p.result.status, None, f"parse: {exc}"[:500])
        n += len(parsed.rows) + len(parsed.rejected)
    return Outcome(source.family, board.token, True, first.status, n)


def probe(boards: list[tuple[str, str]], sources: SourcesFile, *, client=None,
          workers: int = 16) -> tuple[list[Outcome], list[Skipped]]:
    """Probe ``(family, token)`` boards politely; families without an adapter
    (or a usable endpoint) come back as :class:`Skipped` with the reason."""
    from jobmarket.sources.http import PoliteClient

    todo: list[tuple[SourceConfig, BoardConfig]] = []
    skipped: list[Skipped] = []
    cache: dict[str, Any] = {}
    for family, token in boards:
        if family not in cache:
            cache[family] = source_for(sources, family)
        src = cache[family]
        if src is None:
            skipped.append(Skipped(family, token, f"no adapter for family {family!r} yet: listed, not probed"))
        else:
            todo.append((src, BoardConfig(token=token)))
    own = client is None
    client = client or PoliteClient(sources.http.user_agent)
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo) or 1)), thread_name_prefix="probe") as pool:
            outcomes = list(pool.map(lambda sb: probe_board(client, *sb), todo))
    finally:
        if own:
            client.close()
    return outcomes, skipped
