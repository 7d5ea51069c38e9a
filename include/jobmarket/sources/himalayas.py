"""Himalayas public jobs API (remote jobs aggregator).

Endpoint: ``GET {base}/jobs/api?limit=20&offset=N`` returns
``{"jobs": [...], "totalCount", "offset", "limit", ...}``, newest first.
Himalayas caps a page at 20 jobs.

The feed holds about 100,000 jobs, so a board reads a declared window of the
newest ones: ``options.max_jobs`` (default 200, i.e. 10 requests). Paging
stops at the window, at ``totalCount`` or on an empty page. The window is
configuration, not truncation; ``options.max_pages`` (default 50) is the
safety cap, and reaching it with jobs left in the window fails the board.

The board token names a feed: ``all``; any other token must be declared in
``options.feeds`` as extra query parameters.

Every job is remote; ``locationRestrictions`` (countries a hire may live in)
becomes ``location``. Salaries are annual, in ``currency``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

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

PAGE_SIZE = 20  # the API's maximum
DEFAULT_MAX_JOBS = 200
DEFAULT_MAX_PAGES = 50




def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else None


class HimalayasAdapter(Adapter):
    family = "himalayas"
    default_base_url = "https://himalayas.app"
    id_field = "guid"

    def board_url(self, source, board, offset: int = 0) -> str:
        params = {**(feed_params(source, board) or {}), "limit": PAGE_SIZE, "offset": offset}
        return f"{source.base_url}/jobs/api?{urlencode(params)}"

    def fetch(self, client, source, board, conditional=None) -> list[FetchPlan]:
        from jobmarket.sources.http import FetchResult

        max_jobs = positive_option(source, "max_jobs", DEFAULT_MAX_JOBS)
        max_pages = positive_option(source, "max_pages", DEFAULT_MAX_PAGES)
        error = None
        if feed_params(source, board) is None:
            error = f"unknown feed {board.token!r}: use 'all' or declare it in options.feeds"
        elif max_jobs is None or max_pages is None:
            error = "options.max_jobs and options.max_pages must be positive integers"
        if error:
            return [FetchPlan(name="page-0001", result=FetchResult(url=self.board_url(source, board), error=error))]
        plans: list[FetchPlan] = []
        offset = 0
        while True:
            result = client.get(self.board_url(source, board, offset), source=source)
            plans.append(FetchPlan(name=f"page-{len(plans) + 1:04d}", result=result, kind="list",
                                   meta={"offset": offset, "window": max_jobs}))
            if not result.ok:
                return plans
            try:
                data = json.loads(result.body)
                jobs, total = data["jobs"], data["totalCount"]
                if not isinstance(jobs, list) or not isinstance(total, int):
                    raise TypeError("'jobs' is not a list or 'totalCount' is not an integer")
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                result.error = f"not a Himalayas jobs page ({type(exc).__name__}: {exc}); cannot page"
                return plans
            offset += len(jobs)
            if not jobs or offset >= total or offset >= max_jobs:
                return plans
            if len(plans) >= max_pages:
                result.error = (
                    f"options.max_pages={max_pages} reached before the max_jobs={max_jobs} window; "
                    "refusing to land a truncated window"
                )
                return plans

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        jobs = require(data, "jobs", ctx, where="response")
        if not isinstance(jobs, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'jobs' is {type(jobs).__name__}, expected a list")
        return [j for j in jobs]

    def _one(self, j: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(j, "guid", ctx)
        title = require(j, "title", ctx)
        # guid is the job's Himalayas page (where it is published);
        # applicationLink where to apply (today the same page, not always).
        url = native_id if str(native_id).startswith("http") else j.get("applicationLink") or native_id
        lo, hi = _number(j.get("minSalary")), _number(j.get("maxSalary"))
        salary: dict[str, Any] = {}
        if lo is not None or hi is not None:
            salary = {
                "salary_min": lo,
                "salary_max": hi,
                "salary_currency": clean(j.get("currency")),
                "salary_period": "year",
            }
        places = j.get("locationRestrictions") or []
        location = ", ".join(filter(None, map(clean, places))) if isinstance(places, list) else clean(places)
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            apply_url=clean(j.get("applicationLink")),
            company=require(j, "companyName", ctx),
            location=location or "Worldwide",
            remote=True,
            workplace_type="remote",
            employment_type=clean(j.get("employmentType")),
            posted_at=to_utc(j.get("pubDate")),
            description=html_to_text(j.get("description")) or clean(j.get("excerpt")),
            **salary,
        )
