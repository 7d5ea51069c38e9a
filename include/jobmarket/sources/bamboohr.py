"""BambooHR careers sites (``https://<company>.bamboohr.com/careers``).

List: ``GET https://{company}.bamboohr.com/careers/list`` returns
``{"meta": {"totalCount"}, "result": [{id, jobOpeningName, departmentLabel,
employmentStatusLabel, location {city, state}, atsLocation {city, state,
province, country}, isRemote, locationType}]}``, every open posting, no text.
Detail: ``GET .../careers/{id}/detail`` returns ``{"result": {"jobOpening":
{jobOpeningName, description (HTML), compensation (free text), datePosted,
jobOpeningShareUrl, location {..., addressCountry}, ...}}}``. Details are
optional responses (:mod:`jobmarket.sources.listdetail`): a posting whose
detail fails keeps its list row.

``locationType`` is ``0`` on site, ``1`` remote, ``2`` hybrid; ``isRemote``
true wins. The posting's ``url`` is ``https://{company}.bamboohr.com/careers/{id}``
(``jobOpeningShareUrl``); the apply form is on that page (``apply_url`` null).
``base_url`` is a template like Recruitee's: ``https://{board}.bamboohr.com``,
or a path prefix without ``{board}``.

``parse`` also reads a list whose rows carry their detail under ``detail``
(a recorder's composite of the two responses).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from jobmarket.sources.base import (
    BoardContext,
    FetchPlan,
    Parsed,
    ParseError,
    RecordRejected,
    clean,
    load_json,
    mapping,
    posting,
    require,
    schema_changed,
    to_utc,
)
from jobmarket.sources.listdetail import ListDetailAdapter, wanted
from jobmarket.text import html_to_text

_KIND = {"0": ("onsite", False), "1": ("remote", True), "2": ("hybrid", False)}
_ID_IN_URL = re.compile(r"/careers/(\d+)(?:/detail)?/?$")


class BambooHrAdapter(ListDetailAdapter):
    family = "bamboohr"
    default_base_url = "https://{board}.bamboohr.com"

    def site(self, source, board) -> str:
        base = source.base_url
        return base.replace("{board}", board.token) if "{board}" in base else f"{base}/{quote(board.token)}"

    def board_url(self, source, board) -> str:
        return f"{self.site(source, board)}/careers/list"

    def detail_url(self, source, board, posting_key: str) -> str:
        return f"{self.site(source, board)}/careers/{quote(posting_key)}/detail"

    def list_pages(self, client, source, board) -> tuple[list[FetchPlan], list[str]]:
        import json

        result = client.get(self.board_url(source, board), source=source)
        page = FetchPlan(name="page-0001", result=result, kind="list")
        if not result.ok:
            return [page], []
        try:
            keys = [str(p["id"]) for p in json.loads(result.body)["result"]]
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            result.error = f"not a BambooHR careers list ({type(exc).__name__}: {exc}); cannot fetch details"
            return [page], []
        return [page], keys

    def parse_records(self, body: bytes | str, ctx: BoardContext) -> Parsed:
        data = load_json(body, ctx)
        out = Parsed()
        res = require(data, "result", ctx, where="response")
        if isinstance(res, dict) and "jobOpening" in res:
            out.extend(self.one(res["jobOpening"], ctx, build=self._detail))
            schema_changed(out, 1, ctx)
            return out
        if not isinstance(res, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'result' is {type(res).__name__}, expected a list")
        total = mapping(data.get("meta")).get("totalCount")
        if isinstance(total, int) and not isinstance(total, bool) and total != len(res):
            raise ParseError(f"{ctx.family}/{ctx.board}: meta.totalCount says {total} but the list has {len(res)}")
        mine = [j for j in res if not isinstance(j, dict) or wanted(ctx, str(j.get("id")))]
        for j in mine:
            out.extend(self.one(j, ctx, build=self._listed))
        schema_changed(out, len(mine), ctx)
        return out

    def _site(self, ctx: BoardContext) -> str:
        return f"https://{ctx.board}.bamboohr.com"

    def _listed(self, j: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(j, "id", ctx)
        require(j, "jobOpeningName", ctx)
        detail = j.get("detail")
        if isinstance(detail, dict):  # a composite recording: the detail is there
            return self._detail({**detail, "id": native_id}, ctx, listed=j)
        return self._record(j, ctx, native_id, None)

    def _detail(self, d: dict[str, Any], ctx: BoardContext, listed: dict[str, Any] | None = None) -> dict[str, Any]:
        native_id = clean(d.get("id")) or clean((ctx.meta or {}).get("posting"))
        for where in (d.get("jobOpeningShareUrl"), ctx.url):
            m = _ID_IN_URL.search(where) if isinstance(where, str) and not native_id else None
            native_id = native_id or (m.group(1) if m else None)
        if not native_id:
            raise RecordRejected("id:missing", {"keys": sorted(d)[:20]})
        require(d, "jobOpeningName", ctx)
        return self._record({**(listed or {}), **d}, ctx, native_id, d)

    def _record(self, j: dict[str, Any], ctx: BoardContext, native_id: Any, detail: dict | None) -> dict[str, Any]:
        loc, ats = mapping(j.get("location")), mapping(j.get("atsLocation"))
        parts = [clean(loc.get("city")), clean(loc.get("state")), clean(loc.get("addressCountry"))]
        if not any(parts):
            parts = [clean(ats.get(k)) for k in ("city", "state", "province", "country")]
        location = ", ".join(dict.fromkeys(p for p in parts if p)) or None
        workplace_type, remote = _KIND.get(str(j.get("locationType")), (None, None))
        if j.get("isRemote") is True:
            workplace_type, remote = "remote", True
        url = clean(j.get("jobOpeningShareUrl")) or f"{self._site(ctx)}/careers/{clean(native_id)}"
        return posting(
            ctx,
            native_id,
            title=j.get("jobOpeningName"),
            url=url,
            location=location,
            remote=remote,
            workplace_type=workplace_type,
            department=clean(j.get("departmentLabel")),
            employment_type=clean(j.get("employmentStatusLabel")),
            posted_at=to_utc(j.get("datePosted")),
            description=html_to_text(detail.get("description")) if detail else None,
            salary_text=clean(j.get("compensation")),
        )
