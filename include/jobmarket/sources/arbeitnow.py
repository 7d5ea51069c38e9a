"""Arbeitnow free job board API (Germany and remote jobs aggregator).

Endpoint: ``GET {base}/api/job-board-api?page=N`` returns
``{"data": [...], "links": {"next": ...}, "meta": {...}}``. Pages are
requested from 1 until ``links.next`` is null or a page is empty. The next
page number is read from ``links.next`` but the URL is rebuilt on our own
base, so a replayed or proxied feed never jumps to the production host.

The board token names a feed: ``all`` is the whole feed; any other token must
be declared in ``options.feeds`` as extra query parameters.
The promotional "Find Jobs in Germany on Arbeitnow" line that ends every
description is dropped. ``options.max_pages`` (default 50) caps the paging; reaching it with pages
left fails the board instead of landing a truncated feed.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    FetchPlan,
    ParseError,
    clean,
    feed_params,
    positive_option,
    posting,
    require,
    to_utc,
)
from jobmarket.text import html_to_text

DEFAULT_MAX_PAGES = 50
# Every description ends with this promotional line of Arbeitnow's own.
_PROMO = re.compile(r"\s*<p>\s*Find <a [^>]*>Jobs in Germany</a> on Arbeitnow\s*(?:</a>)?\s*(?:</p>)?\s*$", re.I)
_PROMO_TEXT = re.compile(r"(?:\n|^)[ \t]*Finde?\s+Jobs\s+in\s+(?:Germany|Deutschland)\s+(?:on|auf)\s+Arbeitnow"
                         r"[ \t.!]*\s*$", re.I)
_ESCAPED_TAG = re.compile(r"&lt;/?[a-z][a-z0-9]*[\s&/]", re.I)


def _description(value: Any) -> str | None:
    """Strip the promo line; some employers' HTML arrives entity-escaped in
    front of that real-HTML line, so unescape it once before converting."""
    if not isinstance(value, str):
        return None
    text = _PROMO.sub("", value)
    if _ESCAPED_TAG.search(text):
        text = html.unescape(text)
    # The promo also arrives in forms the HTML pattern misses (entity-escaped
    # with the employer's HTML, no <p>, a German wording): drop it as text too.
    return _PROMO_TEXT.sub("", html_to_text(text) or "").strip() or None




def _max_pages(source) -> int | None:
    return positive_option(source, "max_pages", DEFAULT_MAX_PAGES)


def _next_page(next_link: Any) -> int | None:
    if not next_link or not isinstance(next_link, str):
        return None
    values = parse_qs(urlsplit(next_link).query).get("page") or []
    return int(values[0]) if values and values[0].isdigit() else None


class ArbeitnowAdapter(Adapter):
    family = "arbeitnow"
    default_base_url = "https://www.arbeitnow.com"
    id_field = "slug"

    def board_url(self, source, board, page: int = 1) -> str:
        params = {**(feed_params(source, board) or {}), "page": page}
        return f"{source.base_url}/api/job-board-api?{urlencode(params)}"

    def fetch(self, client, source, board, conditional=None) -> list[FetchPlan]:
        from jobmarket.sources.http import FetchResult

        if feed_params(source, board) is None:
            failed = FetchResult(url=self.board_url(source, board),
                                 error=f"unknown feed {board.token!r}: use 'all' or declare it in options.feeds")
            return [FetchPlan(name="page-0001", result=failed)]
        max_pages = _max_pages(source)
        plans: list[FetchPlan] = []
        page = 1
        while True:
            result = client.get(self.board_url(source, board, page), source=source)
            plans.append(FetchPlan(name=f"page-{len(plans) + 1:04d}", result=result, kind="list",
                                   meta={"page": page}))
            if max_pages is None:
                result.error = "options.max_pages must be a positive integer"
                return plans
            if not result.ok:
                return plans
            try:
                data = json.loads(result.body)
                rows = data["data"]
                links = data.get("links") or {}
                if not isinstance(rows, list) or not isinstance(links, dict):
                    raise TypeError("'data' is not a list or 'links' is not an object")
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                result.error = f"not an Arbeitnow page ({type(exc).__name__}: {exc}); cannot page"
                return plans
            if not rows or not links.get("next"):
                return plans
            nxt = _next_page(links["next"])
            if nxt is None or nxt <= page:
                result.error = f"links.next {links['next']!r} does not name a later page; cannot page"
                return plans
            if len(plans) >= max_pages:
                result.error = f"options.max_pages={max_pages} reached and links.next is still set; refusing to land a truncated feed"
                return plans
            page = nxt

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        rows = require(data, "data", ctx, where="response")
        if not isinstance(rows, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'data' is {type(rows).__name__}, expected a list")
        return [j for j in rows]

    def _one(self, j: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(j, "slug", ctx)
        title = require(j, "title", ctx)
        url = require(j, "url", ctx)
        remote = j.get("remote") if isinstance(j.get("remote"), bool) else None
        types = [clean(t) for t in j.get("job_types") if clean(t)] if isinstance(j.get("job_types"), list) else []
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            company=require(j, "company_name", ctx),
            location=clean(j.get("location")),
            remote=remote,
            workplace_type="remote" if remote else None,
            employment_type=", ".join(types) or None,
            posted_at=to_utc(j.get("created_at")),
            description=_description(j.get("description")),
        )
