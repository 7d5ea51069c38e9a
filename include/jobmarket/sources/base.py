"""The interface every board family implements.

Fetching is separate from parsing (style.md): ``fetch`` decides which URLs to
request for a board and hands back the raw responses unchanged; ``parse`` is a
pure function from one recorded response body to normalized posting dicts, so
it is tested on real recordings without any network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from jobmarket.config import BoardConfig, SourceConfig
    from jobmarket.http import FetchResult, PoliteClient


class ParseError(ValueError):
    """A recorded response cannot be parsed (malformed body or changed schema)."""


@dataclass(frozen=True)
class BoardContext:
    """What a parser knows besides the body: which board, which run."""

    family: str
    board: str
    company: str | None = None
    url: str | None = None
    fetched_at: datetime | None = None


@dataclass
class FetchPlan:
    """One raw response to land: the request that produced it and its role."""

    name: str  # file stem in the raw partition, e.g. "page-0001"
    result: FetchResult
    kind: str = "list"  # list | detail | other
    meta: dict[str, Any] = field(default_factory=dict)


class Adapter:
    """Base class for a board family. Subclasses set the class attributes and
    implement ``board_url`` (single-request boards) and ``parse``."""

    family: ClassVar[str]
    default_base_url: ClassVar[str]

    def board_url(self, source: SourceConfig, board: BoardConfig) -> str:
        raise NotImplementedError

    def fetch(
        self,
        client: PoliteClient,
        source: SourceConfig,
        board: BoardConfig,
        conditional: dict[str, tuple[str | None, str | None, str]] | None = None,
    ) -> list[FetchPlan]:
        """Fetch everything this board publishes. The default is one request;
        families with paging or detail pages override it.

        ``conditional`` maps a URL to the (ETag, Last-Modified, raw name) of the
        previous successful fetch, for conditional requests.
        """
        url = self.board_url(source, board)
        etag, last_modified, _ = (conditional or {}).get(url, (None, None, None))
        result = client.get(url, source=source, etag=etag, last_modified=last_modified)
        return [FetchPlan(name="page-0001", result=result)]

    def parse(self, body: bytes | str, ctx: BoardContext) -> list[dict[str, Any]]:
        """Every posting of one response. Families whose responses are a list
        of independent posting objects implement ``items`` and ``_one``;
        the others (HN threads, career pages, list+detail) override this."""
        return [self._one(item, ctx) for item in self.split(body, ctx)]

    def split(self, body: bytes | str, ctx: BoardContext) -> list[Any]:
        """The response's posting objects, checked as a whole (count fields,
        wrappers); each is then parsed alone by ``_one``. That is what lets the
        parse step reuse yesterday's row for an object whose JSON is unchanged."""
        if not self.splits:
            raise NotImplementedError(f"{self.family} responses are parsed whole")
        return self.items(load_json(body, ctx), ctx)

    @property
    def splits(self) -> bool:
        return type(self).items is not Adapter.items

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        raise NotImplementedError

    def _one(self, item: Any, ctx: BoardContext) -> dict[str, Any]:
        raise NotImplementedError

    def parse_kind(self, kind: str) -> bool:
        """Whether responses of this kind carry postings (details may replace lists)."""
        return kind in ("list", "detail")


def load_json(body: bytes | str, ctx: BoardContext) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"{ctx.family}/{ctx.board}: response is not valid JSON: {exc}") from exc


def require(obj: Any, key: str, ctx: BoardContext, where: str = "posting") -> Any:
    """Fetch a field the parser cannot do without; a missing one means the
    board changed its format, which must fail loudly rather than yield blanks."""
    if not isinstance(obj, dict) or key not in obj:
        keys = sorted(obj)[:20] if isinstance(obj, dict) else type(obj).__name__
        raise ParseError(
            f"{ctx.family}/{ctx.board}: {where} lacks required field {key!r} (schema changed?); has {keys}"
        )
    return obj[key]


def to_utc(value: Any) -> datetime | None:
    """ISO-8601 strings or epoch milliseconds to an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000.0 if value > 10**11 else float(value)
        return datetime.fromtimestamp(seconds, tz=UTC)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return to_utc(int(text))
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC)
    return None


def clean(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def posting(
    ctx: BoardContext,
    native_id: Any,
    *,
    title: Any,
    url: Any,
    company: Any = None,
    **fields: Any,
) -> dict[str, Any]:
    """Build one normalized posting dict (the shape in jobmarket.schema.NORMALIZED)."""
    nid = clean(native_id)
    record: dict[str, Any] = {
        "posting_id": f"{ctx.family}:{ctx.board}:{nid}" if nid else None,
        "source": ctx.family,
        "board": ctx.board,
        "native_id": nid,
        "company": clean(company) or ctx.company or ctx.board,
        "title": clean(title),
        "location": None,
        "remote": None,
        "workplace_type": None,
        "department": None,
        "employment_type": None,
        "posted_at": None,
        "updated_at": None,
        "url": clean(url),
        "description": None,
        "salary_min": None,
        "salary_max": None,
        "salary_currency": None,
        "salary_period": None,
        "salary_text": None,
        "fetched_at": ctx.fetched_at,
    }
    unknown = set(fields) - set(record)
    if unknown:
        raise TypeError(f"not normalized posting fields: {sorted(unknown)}")
    record.update(fields)
    return record


_WORKPLACE = {
    "remote": "remote",
    "hybrid": "hybrid",
    "onsite": "onsite",
    "on-site": "onsite",
    "on site": "onsite",
    "in office": "onsite",
    "inoffice": "onsite",
}


def workplace(value: Any) -> tuple[str | None, bool | None]:
    """Normalize a source's workplace flag to (workplace_type, remote)."""
    text = clean(value)
    if not text:
        return None, None
    kind = _WORKPLACE.get(text.lower())
    if kind is None:
        return None, None
    return kind, kind == "remote"


_PERIODS = {
    "year": "year", "yearly": "year", "annual": "year", "per-year-salary": "year", "peryear": "year",
    "month": "month", "monthly": "month", "per-month-salary": "month",
    "week": "week", "weekly": "week", "per-week-salary": "week",
    "day": "day", "daily": "day", "per-day-salary": "day",
    "hour": "hour", "hourly": "hour", "per-hour-wage": "hour", "per-hour-salary": "hour",
}


def pay_period(value: Any) -> str | None:
    text = clean(value)
    if not text:
        return None
    key = text.lower().replace("_", "-")
    return _PERIODS.get(key) or _PERIODS.get(key.replace("-", ""))


def feed_params(source: SourceConfig, board: BoardConfig, other: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Query parameters of an aggregator feed named by the board token.

    ``all`` is the whole feed; other tokens must be declared in
    ``options.feeds`` (None, i.e. an unknown feed, otherwise), unless the
    family maps them itself through ``other``.
    """
    feeds = source.options.get("feeds") or {}
    if board.token in feeds:
        return dict(feeds[board.token] or {})
    return {} if board.token == "all" else other


def positive_option(source: SourceConfig, key: str, default: int) -> int | None:
    """A positive integer option of the source (None when misconfigured: the
    caller fails the board with a clear error rather than guessing)."""
    value = source.options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value
