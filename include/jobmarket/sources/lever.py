"""Lever postings API.

Endpoint: ``GET {base}/v0/postings/{site}?mode=json`` returns a JSON array of
every published posting. The description is split across ``description``,
``lists`` (titled sections) and ``additional``; all three are kept, in order.
``salaryRange`` is structured pay when the company publishes it.
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


class LeverAdapter(Adapter):
    family = "lever"
    default_base_url = "https://api.lever.co"

    def board_url(self, source, board) -> str:
        return f"{source.base_url}/v0/postings/{board.token}?mode=json"

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        if isinstance(data, dict) and data.get("ok") is False:
            raise ParseError(f"{ctx.family}/{ctx.board}: API error: {data.get('error')}")
        if not isinstance(data, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: expected a JSON array of postings, got {type(data).__name__}")
        return [p for p in data]

    def _one(self, p: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(p, "id", ctx)
        title = require(p, "text", ctx)
        url = require(p, "hostedUrl", ctx)
        cats = mapping(p.get("categories"))
        parts: list[str] = []
        if isinstance(p.get("description"), str) and p["description"]:
            parts.append(p["description"])
        for section in listing(p.get("lists")):
            if isinstance(section, dict):
                head, body = clean(section.get("text")) or "", section.get("content")
                parts.append(f"<h3>{head}</h3><ul>{body if isinstance(body, str) else ''}</ul>")
        if isinstance(p.get("additional"), str) and p["additional"]:
            parts.append(p["additional"])
        description = html_to_text("\n".join(parts)) if parts else html_to_text(p.get("descriptionPlain"))
        workplace_type, remote = workplace(p.get("workplaceType"))
        salary: dict[str, Any] = {"salary_text": clean(p.get("salaryDescriptionPlain"))}
        sr = p.get("salaryRange")
        if isinstance(sr, dict):
            salary.update(
                salary_min=number(sr.get("min")),
                salary_max=number(sr.get("max")),
                salary_currency=clean(sr.get("currency")),
                salary_period=pay_period(sr.get("interval")),
            )
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            apply_url=clean(p.get("applyUrl")),
            location=clean(cats.get("location")),
            remote=remote,
            workplace_type=workplace_type,
            department=clean(cats.get("department")) or clean(cats.get("team")),
            employment_type=clean(cats.get("commitment")),
            posted_at=to_utc(p.get("createdAt")),
            description=description,
            **salary,
        )
