"""Any career site that marks its postings up as schema.org ``JobPosting``.

A source is one site (``base_url``); each board is one listing page on it:

* ``listing_path``: path of the listing page (default ``/<board token>``);
* ``detail_link_selector``: CSS selector of the links to posting pages
  (default ``a[href*='job']``); only links on the listing's own host are
  followed;
* ``max_details`` (default 200): more links than this fails the board rather
  than landing part of it.

Set them in ``options`` for the whole source, or per board under
``options.boards.<token>``. A listing page that itself carries JobPosting
markup yields those postings and no detail page is fetched; otherwise the
listing is landed as kind ``other`` (links only) and every linked page is
fetched as a ``detail``, which must carry a JobPosting.

Markup read: ``<script type="application/ld+json">`` (single objects, lists,
``@graph``, nested values) and microdata (``itemtype=".../JobPosting"``).
Values are taken as published; a salary that is not a number (e.g.
``"2.3-5年"``) is kept as ``salary_text`` only; a plain-string address is used
as the location; ``jobLocationType: TELECOMMUTE`` means remote.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    FetchPlan,
    Parsed,
    ParseError,
    RecordRejected,
    clean,
    pay_period,
    posting,
    to_utc,
)
from jobmarket.text import html_to_text

DEFAULT_SELECTOR = "a[href*='job']"
DEFAULT_MAX_DETAILS = 200
_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
_UNITS = {"HOUR": "hour", "DAY": "day", "WEEK": "week", "MONTH": "month", "YEAR": "year", "ANNUAL": "year"}


def _is_jobposting(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1] == "JobPosting" for k in kinds)


def _walk(obj: Any):
    """Every JobPosting anywhere in a JSON-LD document (lists, @graph, nesting)."""
    if isinstance(obj, list):
        for item in obj:
            yield from _walk(item)
    elif isinstance(obj, dict):
        if _is_jobposting(obj):
            yield obj
            return
        for value in obj.values():
            if isinstance(value, list | dict):
                yield from _walk(value)


def _microdata(el) -> dict[str, Any]:
    """An ``itemscope`` element as a JSON-LD-like dict."""
    item: dict[str, Any] = {"@type": (el.get("itemtype") or "").split()[-1:] or None}
    if isinstance(item["@type"], list):
        item["@type"] = item["@type"][0] if item["@type"] else None
    for prop in el.find_all(attrs={"itemprop": True}):
        owner = prop.find_parent(attrs={"itemscope": True})
        if owner is not el:
            continue
        if prop.has_attr("itemscope"):
            value: Any = _microdata(prop)
        elif prop.has_attr("content"):
            value = prop["content"]
        elif prop.name in ("a", "link") and prop.has_attr("href"):
            value = prop["href"]
        elif prop.name == "time" and prop.has_attr("datetime"):
            value = prop["datetime"]
        elif prop.name == "meta":
            value = prop.get("content")
        elif prop.get("itemprop") == "description":
            value = prop.decode_contents()
        else:
            value = prop.get_text(" ", strip=True)
        for name in prop["itemprop"].split():
            item.setdefault(name, value)
    return item


def find_jobpostings(html: bytes | str, ctx: BoardContext) -> list[dict[str, Any]]:
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(html, "lxml")
    except Exception as exc:  # lxml refuses some byte soups outright
        raise ParseError(f"{ctx.family}/{ctx.board}: page is not parseable HTML: {exc}") from exc
    found: list[dict[str, Any]] = []
    bad: list[str] = []
    for script in soup.find_all("script", attrs={"type": re.compile(r"^\s*application/ld\+json", re.I)}):
        text = script.string or script.get_text() or ""
        if not text.strip():
            continue
        try:
            postings = list(_walk(json.loads(text)))  # a whole block or none of it
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than Python recurses
            bad.append(str(exc))
        else:
            found.extend(postings)
    for el in soup.find_all(attrs={"itemscope": True, "itemtype": re.compile(r"schema\.org/JobPosting", re.I)}):
        if el.find_parent(attrs={"itemscope": True, "itemtype": re.compile(r"schema\.org/JobPosting", re.I)}):
            continue
        found.append(_microdata(el))
    if not found and bad:
        raise ParseError(f"{ctx.family}/{ctx.board}: JSON-LD block is not valid JSON: {bad[0]}")
    return found


STUB_CHARS = 300  # a JobPosting description shorter than this may be a summary of the page
_MAIN = ("[itemprop=description]", ".job-description", "#job-description", ".jobDescription", ".posting-description",
         "#description", "main", "article", "[role=main]", "body")
_CHROME = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg", "button")


def _is_stub(description: str | None) -> bool:
    return not description or len(description) < STUB_CHARS


def page_text(html: bytes | str) -> str | None:
    """The text of a page's main content (the first of a description element,
    ``main``, ``article``, ``body`` that holds text), page chrome left out."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for tag in soup(list(_CHROME)):
        tag.decompose()
    for sel in _MAIN:
        el = soup.select_one(sel)
        text = html_to_text(str(el)) if el is not None else None
        if text and len(text) >= STUB_CHARS:
            return text
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        return clean(value.get("name") or value.get("value") or value.get("@value"))
    if isinstance(value, list):
        return clean(", ".join(t for t in (_text(v) for v in value) if t))
    return clean(value)


def _location(value: Any) -> str | None:
    places = value if isinstance(value, list) else [value]
    out: list[str] = []
    for place in places:
        if isinstance(place, str):
            text = clean(place)
        elif isinstance(place, dict):
            addr = place.get("address", place)
            if isinstance(addr, dict):
                parts = [addr.get(k) for k in ("addressLocality", "addressRegion", "addressCountry")]
                parts = [_text(p) for p in parts]
                text = clean(", ".join(p for p in parts if p and p.upper() != "UNAVAILABLE")) or _text(addr.get("name"))
            else:
                text = _text(addr) or _text(place.get("name"))
        else:
            text = None
        if text and text not in out:
            out.append(text)
    return "; ".join(out) or None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value.replace(",", "")):
        return float(value.replace(",", ""))
    return None


def _salary(value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        num = _number(value)
        return {"salary_min": num, "salary_max": num} if num is not None else {"salary_text": clean(str(value))}
    currency = clean(value.get("currency") or value.get("salaryCurrency"))
    inner = value.get("value", value) if value.get("@type") != "QuantitativeValue" else value
    unit = None
    lo = hi = None
    text = None
    if isinstance(inner, dict):
        unit = inner.get("unitText") or value.get("unitText")
        lo, hi = _number(inner.get("minValue")), _number(inner.get("maxValue"))
        single = _number(inner.get("value"))
        if lo is None and hi is None and single is not None:
            lo = hi = single
        if lo is None and hi is None:
            raw = inner.get("value") or inner.get("minValue") or inner.get("maxValue")
            text = clean(raw) if raw not in (None, "") else None
    else:
        single = _number(inner)
        if single is not None:
            lo = hi = single
        elif inner not in (None, ""):
            text = clean(str(inner))
        unit = value.get("unitText")
    unit_text = clean(unit)
    out: dict[str, Any] = {}
    if lo is not None or hi is not None:
        out.update(salary_min=lo, salary_max=hi, salary_currency=currency,
                   salary_period=_UNITS.get((unit_text or "").upper()) or pay_period(unit_text))
    if text:
        out["salary_text"] = " ".join(filter(None, [text, currency, unit_text]))
    return out


def _identifier(value: Any) -> str | None:
    if isinstance(value, dict):
        return clean(value.get("value") or value.get("@id") or value.get("name"))
    if isinstance(value, list):
        return _identifier(value[0]) if value else None
    return clean(value)


def _options(source, board) -> dict[str, Any]:
    per_board = (source.options.get("boards") or {}).get(board.token) or {}
    return {**source.options, **per_board}


class JsonLdAdapter(Adapter):
    family = "jsonld"
    default_base_url = "https://example.invalid"  # every jsonld source names its site

    def board_url(self, source, board) -> str:
        path = _options(source, board).get("listing_path") or f"/{board.token}"
        return urljoin(source.base_url + "/", str(path).lstrip("/"))

    def fetch(self, client, source, board, conditional=None) -> list[FetchPlan]:
        from bs4 import BeautifulSoup

        conditional = conditional or {}
        opts = _options(source, board)
        url = self.board_url(source, board)
        listing = client.get(url, source=source)  # the links are needed, so never conditional
        plan = FetchPlan(name="listing", result=listing, kind="list")
        if not listing.ok:
            return [plan]
        ctx = BoardContext(self.family, board.token, url=url)
        try:
            if find_jobpostings(listing.body, ctx):
                return [plan]
        except ParseError:
            return [plan]  # parse reports it, failing the board
        plan.kind = "other"
        max_details = opts.get("max_details", DEFAULT_MAX_DETAILS)
        if isinstance(max_details, bool) or not isinstance(max_details, int) or max_details < 1:
            listing.error = "options.max_details must be a positive integer"
            return [plan]
        base = listing.final_url or url
        host = urlsplit(base).netloc
        soup = BeautifulSoup(listing.body, "lxml")
        try:
            anchors = soup.select(opts.get("detail_link_selector") or DEFAULT_SELECTOR)
        except Exception as exc:  # soupsieve raises its own SelectorSyntaxError
            listing.error = f"bad options.detail_link_selector: {exc}"
            return [plan]
        links: list[str] = []
        for a in anchors:
            href = urljoin(base, a.get("href") or "").split("#", 1)[0]
            if urlsplit(href).netloc == host and href != base and href not in links:
                links.append(href)
        if len(links) > max_details:
            listing.error = f"{len(links)} posting links exceed options.max_details={max_details}; refusing a partial board"
            return [plan]
        plan.meta = {"links": len(links)}
        plans = [plan]
        for n, link in enumerate(links, start=1):
            etag, last_modified, _ = conditional.get(link, (None, None, None))
            result = client.get(link, source=source, etag=etag, last_modified=last_modified)
            plans.append(FetchPlan(name=f"detail-{n:04d}", result=result, kind="detail", meta={"link": link}))
            if not result.ok and not result.not_modified:
                break
        return plans

    def parse_records(self, body: bytes | str, ctx: BoardContext) -> Parsed:
        items = find_jobpostings(body, ctx)
        if not items:
            raise ParseError(f"{ctx.family}/{ctx.board}: page {ctx.url or ''} carries no schema.org JobPosting (markup removed?)")
        out = Parsed()
        for item in items:
            out.extend(self.one(item, ctx))
        rows = out.rows
        if len(items) == 1 and rows and _is_stub(rows[0].get("description")):
            # A posting page whose JSON-LD carries a summary (e.g. 53 characters)
            # while the page shows the duties: the page's main content is the text.
            page = page_text(body)
            if page and len(page) >= 2 * len(rows[0].get("description") or "") + STUB_CHARS:
                for r in rows:
                    r["description"] = page
        ids = [r["native_id"] for r in rows]
        if len(set(ids)) != len(ids):
            for n, r in enumerate(rows, start=1):  # same URL for several postings: number them
                r["native_id"] = f"{r['native_id']}#{n}"
                r["posting_id"] = f"{ctx.family}:{ctx.board}:{r['native_id']}"
        return out

    def _one(self, item: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        title = _text(item.get("title")) or _text(item.get("name"))
        if not title:
            raise RecordRejected("title:missing", {"keys": sorted(k for k in item if isinstance(k, str))[:20]})
        url = _text(item.get("url")) or ctx.url
        if not url:
            raise RecordRejected("url:missing", {"title": title, "page_url": None})
        if ctx.url:
            url = urljoin(ctx.url, url)
        native_id = _identifier(item.get("identifier")) or url
        loc_type = _text(item.get("jobLocationType")) or ""
        remote = True if "TELECOMMUTE" in loc_type.upper() else None
        description = item.get("description")
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            company=_text(item.get("hiringOrganization")),
            location=_location(item.get("jobLocation")) or (_location(item.get("applicantLocationRequirements")) if remote else None),
            remote=remote,
            workplace_type="remote" if remote else None,
            employment_type=_text(item.get("employmentType")),
            posted_at=to_utc(_text(item.get("datePosted"))),
            updated_at=to_utc(_text(item.get("dateModified"))),
            description=html_to_text(description) if isinstance(description, str) else _text(description),
            **_salary(item.get("baseSalary") or item.get("estimatedSalary")),
        )
