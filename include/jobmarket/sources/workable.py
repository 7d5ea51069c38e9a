"""Workable career pages (apply.workable.com), undocumented v3 widget API.

``{base}/api/v3/accounts/{subdomain}/jobs`` returns
``{"total", "results": [...], "nextPage"}``. The career page itself POSTs a
JSON filter body (``{"query": "", "location": [], ..., "token": <nextPage>}``);
our client only issues GETs, so the first page is a plain GET and later pages
pass the cursor as ``?token=<nextPage>``. Paging stops when ``nextPage`` is
absent; a cursor that repeats (the server ignoring it) fails the board rather
than landing the same page twice.

The list carries no description: ``description`` is null and the tagger works
from the title (flagged ``title_only``). The posting URL is the public
``https://apply.workable.com/{subdomain}/j/{shortcode}/``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    FetchPlan,
    ParseError,
    clean,
    positive_option,
    posting,
    require,
    to_utc,
    workplace,
)

DEFAULT_MAX_PAGES = 50
PUBLIC_URL = "https://apply.workable.com"
_TYPES = {
    "full": "Full-time",
    "part": "Part-time",
    "contract": "Contract",
    "temporary": "Temporary",
    "internship": "Internship",
    "other": "Other",
}



def _max_pages(source) -> int | None:
    return positive_option(source, "max_pages", DEFAULT_MAX_PAGES)


class WorkableAdapter(Adapter):
    family = "workable"
    default_base_url = "https://apply.workable.com"
    id_field = "shortcode"

    def board_url(self, source, board, token: str | None = None) -> str:
        url = f"{source.base_url}/api/v3/accounts/{quote(board.token)}/jobs"
        return f"{url}?{urlencode({'token': token})}" if token else url

    def fetch(self, client, source, board, conditional=None) -> list[FetchPlan]:
        max_pages = _max_pages(source)
        plans: list[FetchPlan] = []
        token: str | None = None
        seen_tokens: set[str] = set()
        while True:
            result = client.get(self.board_url(source, board, token), source=source)
            plans.append(FetchPlan(name=f"page-{len(plans) + 1:04d}", result=result, kind="list",
                                   meta={"token": token}))
            if max_pages is None:
                result.error = "options.max_pages must be a positive integer"
                return plans
            if not result.ok:
                return plans
            try:
                data = json.loads(result.body)
                if not isinstance(data["results"], list):
                    raise TypeError("'results' is not a list")
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                result.error = f"not a Workable jobs page ({type(exc).__name__}: {exc}); cannot page"
                return plans
            token = data.get("nextPage") or None
            if not token or not data["results"]:
                return plans
            if token in seen_tokens:
                result.error = f"nextPage cursor {token!r} repeated: the server ignores it; refusing to land duplicate pages"
                return plans
            seen_tokens.add(token)
            if len(plans) >= max_pages:
                result.error = f"options.max_pages={max_pages} reached and nextPage is still set; refusing to land a truncated board"
                return plans

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        results = require(data, "results", ctx, where="response")
        if not isinstance(results, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'results' is {type(results).__name__}, expected a list")
        return [j for j in results]

    def _one(self, j: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(j, "shortcode", ctx)
        title = require(j, "title", ctx)
        workplace_type, remote = workplace(str(j.get("workplace") or "").replace("_", "-"))
        if remote is None and isinstance(j.get("remote"), bool):
            remote = j["remote"]
            workplace_type = "remote" if remote else None
        locations = j.get("locations") if isinstance(j.get("locations"), list) else []
        places = [loc for loc in locations if isinstance(loc, dict) and not loc.get("hidden")]
        if not places and isinstance(j.get("location"), dict):
            places = [j["location"]]
        location = "; ".join(
            filter(None, (clean(", ".join(clean(p[k]) or "" for k in ("city", "region", "country") if clean(p.get(k))))
                          for p in places))
        ) or None
        dept = j.get("department")
        department = clean(" / ".join(filter(None, map(clean, dept)))) if isinstance(dept, list) else clean(dept)
        kind = clean(j.get("type"))
        return posting(
            ctx,
            native_id,
            title=title,
            url=f"{PUBLIC_URL}/{quote(ctx.board)}/j/{native_id}/",
            location=location,
            remote=remote,
            workplace_type=workplace_type,
            department=department,
            employment_type=_TYPES.get(kind.lower(), kind) if kind else None,
            posted_at=to_utc(j.get("published")),
        )
