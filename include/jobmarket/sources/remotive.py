"""Remotive public API (remote jobs aggregator).

Endpoint: ``GET {base}/api/remote-jobs?category=...`` returns
``{"00-warning", "0-legal-notice", "job-count", "total-job-count", "jobs": [...]}``
with every matching job in one response (no paging).

The board token names a feed: ``all`` is every job; any other token is a
Remotive category slug (``software-dev``, ``data``, ``devops``, ...) sent as
``?category=<token>``, unless ``options.feeds`` maps the token to explicit
query parameters (e.g. ``feeds: {python: {search: python}}``).

Terms: Remotive asks API users not to call it more than a few times a day
(about 4 requests a day) and to link back to the job on Remotive; the
shipped rate limit and the daily schedule keep to that.

Every job is remote. ``salary`` is free text (``$75k - $95k``), kept in
``salary_text`` only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    ParseError,
    clean,
    posting,
    require,
    to_utc,
)
from jobmarket.sources.base import (
    feed_params as _feed_params,
)
from jobmarket.text import html_to_text

_TYPES = {
    "full_time": "Full-time",
    "part_time": "Part-time",
    "contract": "Contract",
    "freelance": "Freelance",
    "internship": "Internship",
    "other": "Other",
}


def feed_params(source, board) -> dict[str, Any]:
    # Any token other than a declared feed is a Remotive category slug.
    return _feed_params(source, board, other={"category": board.token})


class RemotiveAdapter(Adapter):
    family = "remotive"
    default_base_url = "https://remotive.com"

    def board_url(self, source, board) -> str:
        params = feed_params(source, board)
        return f"{source.base_url}/api/remote-jobs" + (f"?{urlencode(params)}" if params else "")

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        jobs = require(data, "jobs", ctx, where="response")
        if not isinstance(jobs, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'jobs' is {type(jobs).__name__}, expected a list")
        count = data.get("job-count")
        if isinstance(count, int) and not isinstance(count, bool) and count != len(jobs):
            raise ParseError(f"{ctx.family}/{ctx.board}: job-count says {count} jobs but the response has {len(jobs)}")
        return [j for j in jobs]

    def _one(self, j: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(j, "id", ctx)
        title = require(j, "title", ctx)
        url = require(j, "url", ctx)
        salary = clean(j.get("salary"))
        kind = clean(j.get("job_type"))
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            company=require(j, "company_name", ctx),
            location=clean(j.get("candidate_required_location")),
            remote=True,
            workplace_type="remote",
            employment_type=_TYPES.get(kind, kind) if kind else None,
            posted_at=to_utc(j.get("publication_date")),
            description=html_to_text(j.get("description")),
            # "-" and similar placeholders carry no information.
            salary_text=salary if salary and any(c.isalnum() for c in salary) else None,
        )
