"""Eightfold AI career sites (``https://<tenant>.eightfold.ai/careers``).

Board token: ``<tenant>/<domain>``, e.g. ``fcx/fcx.com``: Eightfold hosts a
company at ``<tenant>.eightfold.ai`` and keys its jobs by the company's own
domain.

Endpoint: ``GET https://{tenant}.eightfold.ai/api/apply/v2/jobs?domain={domain}&start=N&num=10``
returns ``{"domain", "count", "positions": [...]}``; pages are requested in
steps of ``num`` until ``start >= count`` or an empty page,
``options.max_pages`` (50) capping it (the board fails rather than land part
of it). A position has ``id``, ``name``, ``location`` / ``locations``,
``department``, ``t_create`` / ``t_update`` (epoch seconds),
``work_location_option`` (onsite, remote, hybrid), ``canonicalPositionUrl``
(the job's public page, holding the apply form: ``apply_url`` null) and a
``job_description`` that the list leaves empty.

``base_url`` is the template ``https://{tenant}.eightfold.ai``, or a path
prefix without ``{tenant}`` (``{base_url}/<tenant>``).
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
    listing,
    positive_option,
    posting,
    require,
    to_utc,
    workplace,
)
from jobmarket.text import html_to_text

PAGE_SIZE = 10
DEFAULT_MAX_PAGES = 50


def parse_token(token: str) -> tuple[str, str]:
    tenant, _, domain = token.partition("/")
    if not tenant or "." not in domain:
        raise ValueError(f"eightfold board token {token!r} is not <tenant>/<domain> (e.g. fcx/fcx.com)")
    return tenant, domain


class EightfoldAdapter(Adapter):
    family = "eightfold"
    default_base_url = "https://{tenant}.eightfold.ai"

    def page_url(self, source, board, start: int) -> str:
        tenant, domain = parse_token(board.token)
        base = source.base_url
        base = base.replace("{tenant}", tenant) if "{tenant}" in base else f"{base}/{quote(tenant)}"
        return f"{base}/api/apply/v2/jobs?{urlencode({'domain': domain, 'start': start, 'num': PAGE_SIZE})}"

    def board_url(self, source, board) -> str:
        return self.page_url(source, board, 0)

    def fetch(self, client, source, board, conditional=None) -> list[FetchPlan]:
        from jobmarket.sources.http import FetchResult

        try:
            self.page_url(source, board, 0)
        except ValueError as exc:
            return [FetchPlan(name="page-0001", result=FetchResult(url=source.base_url, error=str(exc)))]
        max_pages = positive_option(source, "max_pages", DEFAULT_MAX_PAGES)
        plans: list[FetchPlan] = []
        start = 0
        while True:
            result = client.get(self.page_url(source, board, start), source=source)
            plans.append(FetchPlan(name=f"page-{len(plans) + 1:04d}", result=result, kind="list",
                                   meta={"start": start}))
            if max_pages is None:
                result.error = "options.max_pages must be a positive integer"
                return plans
            if not result.ok:
                return plans
            try:
                data = json.loads(result.body)
                n, count = len(data["positions"]), data["count"]
                if not isinstance(count, int) or isinstance(count, bool):
                    raise TypeError(f"count is {count!r}")
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                result.error = f"not an Eightfold jobs page ({type(exc).__name__}: {exc}); cannot page"
                return plans
            start += PAGE_SIZE
            if not n or start >= count:
                return plans
            if len(plans) >= max_pages:
                result.error = (f"options.max_pages={max_pages} reached with {count} positions listed; "
                                "refusing to land a truncated board")
                return plans

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        positions = require(data, "positions", ctx, where="response")
        if not isinstance(positions, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'positions' is {type(positions).__name__}, expected a list")
        return list(positions)

    def _one(self, p: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(p, "id", ctx)
        title = clean(p.get("posting_name")) or require(p, "name", ctx)
        url = clean(p.get("canonicalPositionUrl")) or (
            f"https://{ctx.board.split('/', 1)[0]}.eightfold.ai/careers/job/{clean(native_id)}")
        places = [clean(x) for x in listing(p.get("locations"))] or [clean(p.get("location"))]
        workplace_type, remote = workplace(p.get("work_location_option"))
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            company=ctx.company or ctx.board.split("/", 1)[0],
            location="; ".join(dict.fromkeys(x for x in places if x)) or None,
            remote=remote,
            workplace_type=workplace_type,
            department=clean(p.get("department")),
            posted_at=to_utc(p.get("t_create")),
            updated_at=to_utc(p.get("t_update")),
            description=html_to_text(p.get("job_description")) if p.get("job_description") else None,
        )
