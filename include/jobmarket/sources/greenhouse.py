"""Greenhouse job board API.

Endpoint: ``GET {base}/v1/boards/{token}/jobs?content=true`` returns every
open job of the board in one response (no paging), ``meta.total`` gives the
count. ``content`` is the description, entity-escaped HTML.
"""

from __future__ import annotations

from typing import Any

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    ParseError,
    clean,
    listing,
    mapping,
    number,
    pay_period,
    posting,
    require,
    to_utc,
    workplace,
)
from jobmarket.text import html_to_text


class GreenhouseAdapter(Adapter):
    family = "greenhouse"
    default_base_url = "https://boards-api.greenhouse.io"

    def board_url(self, source, board) -> str:
        url = f"{source.base_url}/v1/boards/{board.token}/jobs"
        return url + "?content=true" if source.content else url

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        if isinstance(data, dict) and "job" in data and "jobs" not in data:
            jobs = [data["job"]]  # a single-job response
        elif isinstance(data, dict) and "jobs" not in data and ("id" in data or "absolute_url" in data):
            jobs = [data]
        else:
            jobs = require(data, "jobs", ctx, where="response")
        if not isinstance(jobs, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'jobs' is {type(jobs).__name__}, expected a list")
        total = mapping(data.get("meta")).get("total") if isinstance(data, dict) else None
        if isinstance(total, int) and not isinstance(total, bool) and total != len(jobs):
            raise ParseError(
                f"{ctx.family}/{ctx.board}: meta.total says {total} jobs but the response has {len(jobs)}"
            )
        return jobs

    def _one(self, job: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(job, "id", ctx)
        title = require(job, "title", ctx)
        url = require(job, "absolute_url", ctx)
        location = job.get("location")
        departments = listing(job.get("departments"))
        workplace_type, remote = None, None
        for meta in listing(job.get("metadata")):
            if isinstance(meta, dict) and str(meta.get("name", "")).lower() in (
                "workplace type",
                "location type",
                "remote status",
            ):
                workplace_type, remote = workplace(meta.get("value"))
                if workplace_type:
                    break
        salary: dict[str, Any] = {}
        ranges = listing(job.get("pay_input_ranges"))
        if ranges:
            r = mapping(ranges[0])
            lo, hi = number(r.get("min_cents")), number(r.get("max_cents"))
            salary = {
                "salary_min": lo / 100 if lo is not None else None,
                "salary_max": hi / 100 if hi is not None else None,
                "salary_currency": clean(r.get("currency_type")),
                "salary_period": pay_period(r.get("title")) or "year",
                "salary_text": clean(r.get("blurb")) or clean(r.get("title")),
            }
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            company=job.get("company_name"),
            location=clean(location.get("name")) if isinstance(location, dict) else clean(location),
            remote=remote,
            workplace_type=workplace_type,
            department=clean(departments[0].get("name")) if departments and isinstance(departments[0], dict) else None,
            posted_at=to_utc(job.get("first_published")),
            updated_at=to_utc(job.get("updated_at")),
            description=html_to_text(job.get("content")),
            **salary,
        )
