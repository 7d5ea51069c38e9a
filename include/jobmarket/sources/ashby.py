"""Ashby public job board API.

Endpoint: ``GET {base}/posting-api/job-board/{name}?includeCompensation=true``
returns every listed job in one response. Compensation, when published, is in
``compensation.summaryComponents`` (salary components carry min/max, currency
and an interval such as ``1 YEAR``).
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
    pay_period,
    posting,
    require,
    to_utc,
    workplace,
)
from jobmarket.text import html_to_text

_INTERVALS = {"1 YEAR": "year", "1 MONTH": "month", "1 WEEK": "week", "1 DAY": "day", "1 HOUR": "hour"}


class AshbyAdapter(Adapter):
    family = "ashby"
    default_base_url = "https://api.ashbyhq.com"

    def board_url(self, source, board) -> str:
        return f"{source.base_url}/posting-api/job-board/{board.token}?includeCompensation=true"

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        jobs = require(data, "jobs", ctx, where="response")
        if not isinstance(jobs, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'jobs' is {type(jobs).__name__}, expected a list")
        # Unlisted jobs are reachable by link only; the board does not publish them.
        return [j for j in jobs if not (isinstance(j, dict) and j.get("isListed") is False)]

    def _one(self, j: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(j, "id", ctx)
        title = require(j, "title", ctx)
        url = require(j, "jobUrl", ctx)
        workplace_type, remote = workplace(j.get("workplaceType"))
        if remote is None and isinstance(j.get("isRemote"), bool):
            remote = j["isRemote"]
            workplace_type = workplace_type or ("remote" if remote else None)
        salary: dict[str, Any] = {}
        comp = mapping(j.get("compensation"))
        for comp_part in listing(comp.get("summaryComponents")):
            if not isinstance(comp_part, dict) or comp_part.get("compensationType") != "Salary":
                continue
            interval = (clean(comp_part.get("interval")) or "").upper()
            lo, hi = comp_part.get("minValue"), comp_part.get("maxValue")
            salary = {
                "salary_min": float(lo) if isinstance(lo, int | float) and not isinstance(lo, bool) else None,
                "salary_max": float(hi) if isinstance(hi, int | float) and not isinstance(hi, bool) else None,
                "salary_currency": clean(comp_part.get("currencyCode")),
                "salary_period": _INTERVALS.get(interval) or pay_period(interval),
            }
            break
        summary = clean(comp.get("compensationTierSummary")) or clean(comp.get("scrapeableCompensationSalarySummary"))
        if summary:
            salary["salary_text"] = summary
        description = html_to_text(j.get("descriptionHtml")) or html_to_text(j.get("descriptionPlain"))
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            apply_url=clean(j.get("applyUrl")),
            location=clean(j.get("location")),
            remote=remote,
            workplace_type=workplace_type,
            department=clean(j.get("department")) or clean(j.get("team")),
            employment_type=clean(j.get("employmentType")),
            posted_at=to_utc(j.get("publishedAt")),
            description=description,
            **salary,
        )
