"""Workday career sites (``<tenant>.wdN.myworkdayjobs.com/<site>``), through the
JSON API behind them ("cxs").

Board token: ``<tenant>.wd<N>/<site>``, the career site's URL without the
domain, e.g. ``nvidia.wd5/NVIDIAExternalCareerSite`` for
``https://nvidia.wd5.myworkdayjobs.com/NVIDIAExternalCareerSite``.

List: ``POST {origin}/wday/cxs/{tenant}/{site}/jobs`` with the JSON body
``{"appliedFacets": {}, "limit": 20, "offset": N, "searchText": ""}`` (20 is
the most Workday serves a page) returns ``{"total", "jobPostings": [{title,
externalPath, locationsText, postedOn, bulletFields}]}``. ``total`` is only
reliable on the first page, so paging runs from it until ``offset >= total``
or a page comes back empty; ``options.max_pages`` (100, i.e. 2,000 postings)
caps it and fails the board rather than land part of it.

Detail: ``GET {origin}/wday/cxs/{tenant}/{site}{externalPath}`` returns
``{"jobPostingInfo": {title, jobDescription (HTML), location,
additionalLocations, timeType, startDate, remoteType, externalUrl, ...},
"hiringOrganization"}``. Details are optional responses
(:mod:`jobmarket.sources.listdetail`): a posting whose detail fails keeps its
list row (no description).

``{origin}`` is ``https://<tenant>.wdN.myworkdayjobs.com``: ``base_url`` is the
template ``https://{host}.myworkdayjobs.com`` (``{host}`` = ``<tenant>.wdN``);
a ``base_url`` without ``{host}`` is a path prefix
(``{base_url}/<tenant>.wdN``), as for the replay server. The posting's ``url``
is always its public page on myworkdayjobs.com; Workday's API gives no
separate apply link (``apply_url`` null). ``company`` is the board's display
name, else the tenant (``hiringOrganization`` names a legal entity such as
"8113 ASOL- Bangalore 7 SEZ Company", not the employer's brand).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from jobmarket.sources.base import (
    BoardContext,
    FetchPlan,
    Parsed,
    ParseError,
    RecordRejected,
    clean,
    listing,
    load_json,
    mapping,
    positive_option,
    posting,
    require,
    schema_changed,
    to_utc,
    workplace,
)
from jobmarket.sources.listdetail import ListDetailAdapter, wanted
from jobmarket.text import html_to_text

PAGE_SIZE = 20
DEFAULT_MAX_PAGES = 100
_TOKEN = re.compile(r"^(?P<tenant>[A-Za-z0-9][A-Za-z0-9-]*)\.(?P<wd>wd\d+)/(?P<site>[A-Za-z0-9][A-Za-z0-9_.-]*)$")
_POSTED = re.compile(r"posted\s+(today|yesterday|(\d+)\s+days?\s+ago)", re.I)


def parse_token(token: str) -> tuple[str, str, str]:
    """(tenant, wdN, site) of a board token; ValueError when it is not one."""
    m = _TOKEN.match(token)
    if not m:
        raise ValueError(f"workday board token {token!r} is not <tenant>.wd<N>/<site> "
                         "(e.g. nvidia.wd5/NVIDIAExternalCareerSite)")
    return m["tenant"], m["wd"], m["site"]


def _posted_on(text: Any, ctx: BoardContext):
    """``Posted Today`` / ``Posted Yesterday`` / ``Posted 3 Days Ago`` as a date
    relative to the fetch; ``Posted 30+ Days Ago`` says too little (None)."""
    m = _POSTED.search(text) if isinstance(text, str) else None
    if not m or ctx.fetched_at is None:
        return None
    word = m.group(1).lower()
    days = 0 if word == "today" else 1 if word == "yesterday" else int(m.group(2))
    day = (ctx.fetched_at - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    return day


class WorkdayAdapter(ListDetailAdapter):
    family = "workday"
    default_base_url = "https://{host}.myworkdayjobs.com"
    id_field = "externalPath"

    def origin(self, source, board) -> str:
        tenant, wd, _ = parse_token(board.token)
        base = source.base_url
        if "{host}" in base:
            return base.replace("{host}", f"{tenant}.{wd}")
        return f"{base}/{tenant}.{wd}"

    def api(self, source, board) -> str:
        tenant, _, site = parse_token(board.token)
        return f"{self.origin(source, board)}/wday/cxs/{quote(tenant)}/{quote(site)}"

    def board_url(self, source, board) -> str:
        return f"{self.api(source, board)}/jobs"

    def detail_url(self, source, board, posting_key: str) -> str:
        return f"{self.api(source, board)}{quote(posting_key)}"

    def list_pages(self, client, source, board) -> tuple[list[FetchPlan], list[str]]:
        from jobmarket.sources.http import FetchResult

        try:
            url = self.board_url(source, board)
        except ValueError as exc:
            return [FetchPlan(name="page-0001", result=FetchResult(url=source.base_url, error=str(exc)))], []
        max_pages = positive_option(source, "max_pages", DEFAULT_MAX_PAGES)
        pages: list[FetchPlan] = []
        keys: list[str] = []
        total = None
        offset = 0
        while True:
            body = {"appliedFacets": {}, "limit": PAGE_SIZE, "offset": offset, "searchText": ""}
            result = client.post_json(url, body, source=source)
            pages.append(FetchPlan(name=f"page-{len(pages) + 1:04d}", result=result, kind="list",
                                   meta={"offset": offset}))
            if max_pages is None:
                result.error = "options.max_pages must be a positive integer"
                return pages, keys
            if not result.ok:
                return pages, keys
            try:
                data = json.loads(result.body)
                page_keys = [str(p["externalPath"]) for p in data["jobPostings"]]
                total = data["total"] if total is None else total
                if not isinstance(total, int) or isinstance(total, bool):
                    raise TypeError(f"total is {total!r}")
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                result.error = f"not a Workday jobs page ({type(exc).__name__}: {exc}); cannot page or fetch details"
                return pages, keys
            keys.extend(page_keys)
            offset += PAGE_SIZE
            if not page_keys or offset >= total:
                return pages, keys
            if len(pages) >= max_pages:
                result.error = (f"options.max_pages={max_pages} reached with {total} postings listed; "
                                "refusing to land a truncated board")
                return pages, keys

    def parse_records(self, body: bytes | str, ctx: BoardContext) -> Parsed:
        data = load_json(body, ctx)
        out = Parsed()
        if isinstance(data, dict) and "jobPostings" not in data:  # a detail
            out.extend(self.one(data, ctx, build=self._detail))
            schema_changed(out, 1, ctx)
            return out
        jobs = require(data, "jobPostings", ctx, where="response")
        if not isinstance(jobs, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'jobPostings' is {type(jobs).__name__}, expected a list")
        mine = [j for j in jobs if not isinstance(j, dict) or wanted(ctx, str(j.get("externalPath")))]
        for j in mine:
            out.extend(self.one(j, ctx, build=self._listed))
        schema_changed(out, len(mine), ctx)
        return out

    def _public(self, ctx: BoardContext, path: str) -> str:
        try:
            tenant, wd, site = parse_token(ctx.board)
        except ValueError:
            return ctx.url or path  # `jobmarket parse` of a file whose board is no token
        return f"https://{tenant}.{wd}.myworkdayjobs.com/{site}{path}"

    def _company(self, ctx: BoardContext) -> str | None:
        return ctx.company or ctx.board.split(".", 1)[0]

    def _listed(self, j: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        path = clean(require(j, "externalPath", ctx))
        title = require(j, "title", ctx)
        if not path or not path.startswith("/"):
            raise RecordRejected("externalPath:type", {"externalPath": j.get("externalPath")})
        return posting(
            ctx,
            path.rsplit("/", 1)[-1],
            title=title,
            url=self._public(ctx, path),
            company=self._company(ctx),
            location=clean(j.get("locationsText")),
            posted_at=_posted_on(j.get("postedOn"), ctx),
        )

    def _detail(self, data: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        info = require(data, "jobPostingInfo", ctx)
        if not isinstance(info, dict):
            raise RecordRejected("jobPostingInfo:type", {"jobPostingInfo": repr(info)[:200]})
        title = require(info, "title", ctx, where="jobPostingInfo")
        url = clean(info.get("externalUrl"))
        native_id = (url.rstrip("/").rsplit("/", 1)[-1] if url else None) or clean(info.get("jobPostingId"))
        if not native_id:
            raise RecordRejected("id:missing", {"keys": sorted(info)[:20]})
        places = [clean(info.get("location")), *(clean(p) for p in listing(info.get("additionalLocations")))]
        places = [p for p in places if p]
        country = clean(mapping(info.get("country")).get("descriptor"))
        if places and country and country not in places[0]:
            places[0] = f"{places[0]}, {country}"
        workplace_type, remote = workplace(info.get("remoteType"))
        return posting(
            ctx,
            native_id,
            title=title,
            url=url or self._public(ctx, f"/job/{native_id}"),
            company=self._company(ctx),
            location="; ".join(dict.fromkeys(places)) or None,
            remote=remote,
            workplace_type=workplace_type,
            employment_type=clean(info.get("timeType")),
            posted_at=to_utc(info.get("startDate")) or _posted_on(info.get("postedOn"), ctx),
            description=html_to_text(info.get("jobDescription")),
        )
