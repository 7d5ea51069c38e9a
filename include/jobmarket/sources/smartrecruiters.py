"""SmartRecruiters public Posting API.

List: ``GET {base}/v1/companies/{id}/postings?offset=N&limit=100`` (100 is
the API's maximum; ``options.page_size`` may lower it) returns
``{"offset", "limit", "totalFound", "content": [...]}``; pages are requested
until ``offset + limit >= totalFound`` or a page comes back empty.
Detail: ``GET {base}/v1/companies/{id}/postings/{postingId}`` adds the job ad
(``jobAd.sections``: companyDescription, jobDescription, qualifications,
additionalInformation), ``postingUrl`` and ``compensation``.

Details are optional responses (:mod:`jobmarket.sources.listdetail`): a
posting's record comes from its detail, and a posting whose detail fails
keeps its list row (no description), the failure recorded in the board's
manifest and error. ``parse`` of a list body outside a scrape
(``jobmarket parse``) gives every listed posting without description.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from jobmarket.sources.base import (
    BoardContext,
    FetchPlan,
    Parsed,
    ParseError,
    clean,
    load_json,
    pay_period,
    positive_option,
    posting,
    require,
    schema_changed,
    to_utc,
)
from jobmarket.sources.listdetail import ListDetailAdapter, wanted
from jobmarket.text import html_to_text

PAGE_SIZE = 100  # the API's maximum (options.page_size may lower it)
DEFAULT_MAX_PAGES = 50
PUBLIC_URL = "https://jobs.smartrecruiters.com"
_SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")



def _max_pages(source) -> int | None:
    return positive_option(source, "max_pages", DEFAULT_MAX_PAGES)


def _page_size(source) -> int:
    value = source.options.get("page_size", PAGE_SIZE)
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= PAGE_SIZE else PAGE_SIZE


class SmartRecruitersAdapter(ListDetailAdapter):
    family = "smartrecruiters"
    default_base_url = "https://api.smartrecruiters.com"

    def list_url(self, source, board, offset: int) -> str:
        query = urlencode({"offset": offset, "limit": _page_size(source)})
        return f"{source.base_url}/v1/companies/{quote(board.token)}/postings?{query}"

    def detail_url(self, source, board, posting_id: str) -> str:
        return f"{source.base_url}/v1/companies/{quote(board.token)}/postings/{quote(posting_id)}"

    def board_url(self, source, board) -> str:
        return self.list_url(source, board, 0)

    def detail_name(self, posting_key: str, n: int) -> str:
        return f"detail-{posting_key}"

    def list_pages(self, client, source, board) -> tuple[list[FetchPlan], list[str]]:
        max_pages = _max_pages(source)
        plans: list[FetchPlan] = []
        ids: list[str] = []
        offset = 0
        while True:
            # List pages drive the paging, so they are always fetched in full
            # (a 304 would leave no body to read the posting ids from).
            result = client.get(self.list_url(source, board, offset), source=source)
            plan = FetchPlan(name=f"page-{len(plans) + 1:04d}", result=result, kind="list",
                             meta={"offset": offset})
            plans.append(plan)
            if max_pages is None:
                result.error = "options.max_pages must be a positive integer"
                return plans, ids
            if not result.ok:
                return plans, ids
            try:
                data = json.loads(result.body)
                content = data["content"]
                total = data["totalFound"]
                page_ids = [str(p["id"]) for p in content]
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                result.error = f"list page is not a SmartRecruiters postings page ({type(exc).__name__}: {exc}); cannot page or fetch details"
                return plans, ids
            ids.extend(page_ids)
            offset += _page_size(source)
            if not page_ids or offset >= total:
                break
            if len(plans) >= max_pages:
                result.error = f"options.max_pages={max_pages} reached with {total} postings listed; refusing to land a truncated board"
                return plans, ids
        return plans, ids

    def parse_records(self, body: bytes | str, ctx: BoardContext) -> Parsed:
        data = load_json(body, ctx)
        out = Parsed()
        if isinstance(data, dict) and "content" in data and "jobAd" not in data:
            content = data["content"]
            if not isinstance(content, list):
                raise ParseError(f"{ctx.family}/{ctx.board}: 'content' is {type(content).__name__}, expected a list")
            mine = [p for p in content if not isinstance(p, dict) or wanted(ctx, str(p.get("id")))]
            for p in mine:
                out.extend(self.one(p, ctx, build=lambda p, c: self._one(p, c, detail=False)))
            schema_changed(out, len(mine), ctx)
            return out
        if not isinstance(data, dict):
            raise ParseError(f"{ctx.family}/{ctx.board}: expected a posting object, got {type(data).__name__}")
        out.extend(self.one(data, ctx, build=lambda p, c: self._one(p, c, detail=True)))
        schema_changed(out, 1, ctx)
        return out

    def _one(self, p: dict[str, Any], ctx: BoardContext, detail: bool) -> dict[str, Any]:
        native_id = require(p, "id", ctx)
        title = require(p, "name", ctx)
        company = p.get("company") if isinstance(p.get("company"), dict) else {}
        company_id = clean(company.get("identifier")) or ctx.board
        description = None
        if detail:
            sections = require(require(p, "jobAd", ctx), "sections", ctx, where="jobAd")
            parts = []
            for key in _SECTIONS:
                section = sections.get(key) if isinstance(sections, dict) else None
                if isinstance(section, dict) and isinstance(section.get("text"), str) and section["text"]:
                    parts.append(f"<h3>{clean(section.get('title')) or ''}</h3>{section['text']}")
            description = html_to_text("\n".join(parts)) if parts else None
        url = clean(p.get("postingUrl")) or f"{PUBLIC_URL}/{company_id}/{clean(native_id)}"
        loc = p.get("location") if isinstance(p.get("location"), dict) else {}
        workplace_type, remote = None, None
        if loc.get("remote") is True:
            workplace_type, remote = "remote", True
        elif loc.get("hybrid") is True:
            workplace_type, remote = "hybrid", False
        elif loc.get("remote") is False and loc.get("hybrid") is False:
            workplace_type, remote = "onsite", False
        location = clean(loc.get("fullLocation")) or clean(
            ", ".join(clean(loc[k]) or "" for k in ("city", "region", "country") if clean(loc.get(k)))
        )
        salary: dict[str, Any] = {}
        comp = p.get("compensation")
        if isinstance(comp, dict):
            lo, hi = comp.get("min"), comp.get("max")
            salary = {
                "salary_min": float(lo) if isinstance(lo, int | float) and not isinstance(lo, bool) else None,
                "salary_max": float(hi) if isinstance(hi, int | float) and not isinstance(hi, bool) else None,
                "salary_currency": clean(comp.get("currency")),
                "salary_period": pay_period(comp.get("period")),
            }
        department = p.get("department") if isinstance(p.get("department"), dict) else {}
        employment = p.get("typeOfEmployment") if isinstance(p.get("typeOfEmployment"), dict) else {}
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            company=company.get("name"),
            apply_url=clean(p.get("applyUrl")),
            location=location,
            remote=remote,
            workplace_type=workplace_type,
            department=clean(department.get("label")),
            employment_type=clean(employment.get("label")),
            posted_at=to_utc(p.get("releasedDate")),
            description=description,
            **salary,
        )
