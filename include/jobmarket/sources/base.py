"""The interface every board family implements.

Fetching is separate from parsing (style.md): ``fetch`` decides which URLs to
request for a board and hands back the raw responses unchanged; ``parse`` is a
pure function from one recorded response body to normalized posting dicts, so
it is tested on real recordings without any network.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from jobmarket.sources.config import BoardConfig, SourceConfig
    from jobmarket.sources.http import FetchResult, PoliteClient


class ParseError(ValueError):
    """A recorded response cannot be parsed (malformed body or changed schema)."""


class RecordRejected(ValueError):
    """One posting object cannot become a record; the board's others still can.

    ``reason`` is a short stable name (``title:missing``,
    ``posting:not_an_object``) that ends up in the quarantine's
    ``failed_expectations``; ``detail`` the offending values."""

    def __init__(self, reason: str, detail: dict[str, Any] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or {}


@dataclass
class Rejected:
    """A posting object handed on instead of a record: why, and what it held."""

    family: str
    board: str
    native_id: str | None
    reasons: list[str]
    detail: dict[str, Any]
    raw: Any
    record: dict[str, Any] | None = None  # the record built, when a schema check refused it

    @property
    def posting_id(self) -> str | None:
        return f"{self.family}:{self.board}:{self.native_id}" if self.native_id else None


@dataclass
class Parsed:
    """What one response (or one posting object) gave: records and rejected objects."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def extend(self, other: Parsed) -> None:
        self.rows.extend(other.rows)
        self.rejected.extend(other.rejected)


@dataclass(frozen=True)
class BoardContext:
    """What a parser knows besides the body: which board, which run."""

    family: str
    board: str
    company: str | None = None
    url: str | None = None
    fetched_at: datetime | None = None
    # The landed file's ``meta`` (list+detail families read which listed
    # postings have no detail from it); None outside a scrape (``jobmarket parse FILE``).
    meta: dict[str, Any] | None = None


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
    id_field: ClassVar[str] = "id"  # the posting object's own id, named on a rejected object

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
        """The records of one response (rejected posting objects left out:
        the parse step and ``jobmarket parse`` use :meth:`parse_records`)."""
        return self.parse_records(body, ctx).rows

    def parse_records(self, body: bytes | str, ctx: BoardContext) -> Parsed:
        """Every posting of one response, as records or rejected objects.
        Raises ParseError for a response-level problem. Families whose
        responses are a list of independent posting objects implement
        ``items`` and ``_one``; the others (HN threads, career pages,
        list+detail) override this, building each record with :meth:`one`."""
        out = Parsed()
        items = self.split(body, ctx)
        for item in items:
            out.extend(self.one(item, ctx))
        schema_changed(out, len(items), ctx)
        return out

    def one(self, item: Any, ctx: BoardContext, build=None, *, clean: bool = False) -> Parsed:
        """One posting object (scrubbed first, see jobmarket.hygiene) to its
        record, or to a rejected object saying why. ``build(item, ctx)``
        makes the record (default ``_one``). ``clean``: the caller has shown
        that scrubbing would change nothing (``hygiene.dumped_is_clean``)."""
        from jobmarket.hygiene import scrub_posting

        try:
            item, notes = (item, []) if clean else scrub_posting(item)
        except RecursionError:  # nested deeper than Python recurses: nothing in it can be read
            return _rejected(ctx, item, RecordRejected("posting:nested_too_deeply", {}), self.id_field)
        if not isinstance(item, dict):
            return _rejected(ctx, item, RecordRejected("posting:not_an_object", {"type": type(item).__name__}),
                             self.id_field)
        try:
            built = (build or self._one)(item, ctx)
        except RecordRejected as exc:
            return _rejected(ctx, item, exc, self.id_field)
        except RecursionError:  # a parser walking a value nested deeper than Python recurses
            return _rejected(ctx, item, RecordRejected("posting:nested_too_deeply", {}), self.id_field)
        except Exception as exc:  # noqa: BLE001 - one posting's content must not cost the board its others
            error = RecordRejected("parser_error", {"error": f"{type(exc).__name__}: {exc}"[:500]})
            return _rejected(ctx, item, error, self.id_field)
        out = Parsed()
        for row in built if isinstance(built, list) else [built]:
            row["text_flags"] = notes or None
            bad = record_violations(row)
            if bad:
                out.rejected.append(Rejected(ctx.family, ctx.board, row.get("native_id"), sorted(bad), bad, item, row))
            else:
                out.rows.append(row)
        return out

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


def _rejected(ctx: BoardContext, item: Any, exc: RecordRejected, id_field: str) -> Parsed:
    nid = item.get(id_field) if isinstance(item, dict) else None
    nid = clean(nid) if isinstance(nid, str | int) and not isinstance(nid, bool) else None
    return Parsed(rejected=[Rejected(ctx.family, ctx.board, nid, [exc.reason], exc.detail, item)])


def record_violations(row: dict[str, Any]) -> dict[str, Any]:
    """The schema constraints a fresh record breaks (the step's own columns aside)."""
    from jobmarket.core.schema import RECORD_TABLE

    return RECORD_TABLE.violations(row, skip=("scraped_date", "run_id"))


def schema_changed(out: Parsed, n_items: int, ctx: BoardContext) -> None:
    """Every posting of a response missing the same required field is the
    board's format changing, not bad postings: fail the board, naming it."""
    if not n_items or out.rows or len(out.rejected) != n_items:
        return
    reasons = {tuple(r.reasons) for r in out.rejected}
    if len(reasons) == 1:
        (reason,) = reasons
        if len(reason) == 1 and reason[0].endswith(":missing"):
            key = reason[0].rsplit(":", 1)[0]
            keys = sorted(k for k in out.rejected[0].raw if isinstance(k, str))[:20]
            raise ParseError(f"{ctx.family}/{ctx.board}: every posting lacks required field {key!r} "
                             f"(schema changed?); has {keys}")


def load_json(body: bytes | str, ctx: BoardContext) -> Any:
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        pass  # one posting's bad bytes: decoded with U+FFFD below, the others are fine
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"{ctx.family}/{ctx.board}: response is not valid JSON: {_one_line(exc)}") from exc
    try:
        return json.loads(body.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"{ctx.family}/{ctx.board}: response is not valid JSON: {_one_line(exc)}") from exc


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def require(obj: Any, key: str, ctx: BoardContext, where: str = "posting") -> Any:
    """Fetch a field the parser cannot do without. Missing from the response
    itself, the board changed its format: ParseError fails the board. Missing
    from one posting, that posting is rejected (every posting lacking it is
    again a format change, see :func:`schema_changed`)."""
    if not isinstance(obj, dict) or key not in obj:
        if where != "response":
            raise RecordRejected(f"{key}:missing", {"where": where})
        keys = sorted(k for k in obj if isinstance(k, str))[:20] if isinstance(obj, dict) else type(obj).__name__
        raise ParseError(
            f"{ctx.family}/{ctx.board}: {where} lacks required field {key!r} (schema changed?); has {keys}"
        )
    return obj[key]


def mapping(value: Any) -> dict[str, Any]:
    """A nested object the parser reads from, or an empty one when the board
    sent something else there."""
    return value if isinstance(value, dict) else {}


def listing(value: Any) -> list[Any]:
    """A nested array the parser reads from, or an empty one when the board
    sent something else there."""
    return value if isinstance(value, list) else []


def to_utc(value: Any) -> datetime | None:
    """ISO-8601 strings (``20260115`` included) or epoch seconds, milliseconds
    or microseconds (numbers or digit strings) to an aware UTC datetime."""
    try:
        return _to_utc(value)
    except (OverflowError, ValueError, OSError):  # epochs and dates no calendar holds
        return None


def number(value: Any) -> float | None:
    """A JSON number as a float; None for anything else (booleans are ints in Python)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


_EPOCH_FRACTION = re.compile(r"[0-9]{9,13}\.[0-9]+")  # "1736935200.5": seconds or milliseconds with a fraction


def _to_utc(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        # seconds until 5138, milliseconds until 5138, then microseconds
        seconds = value / 1e6 if value > 10**14 else value / 1000.0 if value > 10**11 else float(value)
        return datetime.fromtimestamp(seconds, tz=UTC)
    if isinstance(value, str):
        text = value.strip()
        # ASCII digits only: str.isdigit() is true of "٢٠٢٦" too. Eight digits
        # are a basic ISO date (20260115), not seconds of 1970.
        if text.isascii() and text.isdigit() and len(text) < 20 and len(text) != 8:
            return _to_utc(int(text))
        if _EPOCH_FRACTION.fullmatch(text):
            return _to_utc(float(text))
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC)
    return None


def clean(value: Any) -> str | None:
    """A text field: whitespace collapsed; numbers as text; anything else
    (objects, arrays, booleans) is not text and gives None."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
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
    """Build one normalized posting dict (the shape in jobmarket.core.schema.NORMALIZED)."""
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
        "apply_url": None,
        "description": None,
        "salary_min": None,
        "salary_max": None,
        "salary_currency": None,
        "salary_period": None,
        "salary_text": None,
        "text_flags": None,
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
