"""Teamtailor career sites (``https://<company>.teamtailor.com``).

Endpoint: ``GET https://{company}.teamtailor.com/jobs.json`` returns a JSON
Feed 1.1 (``{"version", "title", "home_page_url", "items": [...]}``); each
item carries ``id``, ``title``, ``url``, ``date_published``, ``content_html``
and the posting as schema.org ``_jobposting`` (hiringOrganization,
jobLocation[], employmentType, baseSalary, jobLocationType), read like any
JSON-LD JobPosting (:mod:`jobmarket.sources.jsonld`). Every published job is
in the one response; the feed has no apply link (``apply_url`` null: the
form is on the job's page, ``url``).

``base_url`` is a template like Recruitee's: ``https://{board}.teamtailor.com``,
or a path prefix without ``{board}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    ParseError,
    RecordRejected,
    clean,
    mapping,
    posting,
    require,
    to_utc,
)
from jobmarket.sources.jsonld import _location, _salary, _text
from jobmarket.text import html_to_text


class TeamtailorAdapter(Adapter):
    family = "teamtailor"
    default_base_url = "https://{board}.teamtailor.com"

    def board_url(self, source, board) -> str:
        base = source.base_url
        base = base.replace("{board}", board.token) if "{board}" in base else f"{base}/{quote(board.token)}"
        return f"{base}/jobs.json"

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        items = require(data, "items", ctx, where="response")
        if not isinstance(items, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'items' is {type(items).__name__}, expected a list")
        # The feed's own title is the company's display name on Teamtailor.
        feed_title = clean(data.get("title"))
        return [{**i, "_feed_title": feed_title} if isinstance(i, dict) else i for i in items]

    def _one(self, item: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(item, "id", ctx)
        jp = mapping(item.get("_jobposting"))
        title = clean(item.get("title")) or _text(jp.get("title"))
        if not title:
            raise RecordRejected("title:missing", {"id": native_id})
        url = require(item, "url", ctx)
        loc_type = (_text(jp.get("jobLocationType")) or "").upper()
        remote = True if "TELECOMMUTE" in loc_type else None
        html = item.get("content_html") if isinstance(item.get("content_html"), str) else jp.get("description")
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            company=_text(jp.get("hiringOrganization")) or item.get("_feed_title"),
            location=_location(jp.get("jobLocation")),
            remote=remote,
            workplace_type="remote" if remote else None,
            employment_type=_text(jp.get("employmentType")),
            posted_at=to_utc(item.get("date_published")) or to_utc(_text(jp.get("datePosted"))),
            updated_at=to_utc(item.get("date_modified")),
            description=html_to_text(html) if isinstance(html, str) else None,
            **_salary(jp.get("baseSalary")),
        )
