"""Remote OK public API (remote jobs aggregator).

Endpoint: ``GET {base}/api`` returns a JSON array whose first element is a
legal notice (``{"last_updated", "legal"}``), followed by the jobs. Only the
newest jobs are served; there is no paging.

Terms: Remote OK asks every user of the API to link back to the job's URL on
Remote OK (a followed link) and to mention Remote OK as the source; keep the
``url`` column and the source name when publishing.

The board token names a feed: ``all`` is the whole feed; any other token must
be declared in ``options.feeds`` as query parameters, e.g.
``feeds: {python: {tag: python}}``.

Every job here is a remote job (``remote`` true). ``salary_min``/``max`` are
annual USD when set; 0 means not given.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    FetchPlan,
    ParseError,
    clean,
    feed_params,
    posting,
    require,
    to_utc,
)
from jobmarket.text import html_to_text


class RemoteOkAdapter(Adapter):
    family = "remoteok"
    default_base_url = "https://remoteok.com"

    def board_url(self, source, board) -> str:
        params = feed_params(source, board) or {}
        return f"{source.base_url}/api" + (f"?{urlencode(params)}" if params else "")

    def fetch(self, client, source, board, conditional=None) -> list[FetchPlan]:
        if feed_params(source, board) is None:
            from jobmarket.sources.http import FetchResult

            failed = FetchResult(url=self.board_url(source, board),
                                 error=f"unknown feed {board.token!r}: use 'all' or declare it in options.feeds")
            return [FetchPlan(name="page-0001", result=failed)]
        return super().fetch(client, source, board, conditional)

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        if not isinstance(data, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: expected a JSON array, got {type(data).__name__}")
        jobs = [j for j in data if not (isinstance(j, dict) and "legal" in j and "id" not in j)]
        return [j for j in jobs]

    def _one(self, j: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(j, "id", ctx)
        title = require(j, "position", ctx)
        # Their terms: link to the job's page on Remote OK. ``url`` is that
        # page; a job whose url points elsewhere gets its Remote OK page from the slug.
        url = require(j, "url", ctx)
        if "remoteok.com" not in str(url).lower() and clean(j.get("slug")):
            url = f"https://remoteok.com/remote-jobs/{clean(j.get('slug'))}"
        salary: dict[str, Any] = {}
        lo, hi = j.get("salary_min"), j.get("salary_max")
        nums = [v for v in (lo, hi) if isinstance(v, int | float) and not isinstance(v, bool) and v > 0]
        if nums:
            salary = {
                "salary_min": float(lo) if lo in nums else None,
                "salary_max": float(hi) if hi in nums else None,
                "salary_currency": "USD",
                # The API documents annual USD; a handful of posters type an hourly rate.
                "salary_period": "year" if max(nums) >= 1000 else None,
            }
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            apply_url=clean(j.get("apply_url")),
            company=require(j, "company", ctx),
            location=clean((clean(j.get("location")) or "").strip(" ,")),
            remote=True,
            workplace_type="remote",
            posted_at=to_utc(j.get("epoch")) or to_utc(j.get("date")),
            description=html_to_text(j.get("description")),
            **salary,
        )
