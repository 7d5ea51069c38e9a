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
        cats = p.get("categories") or {}
        parts: list[str] = []
        if p.get("description"):
            parts.append(p["description"])
        for section in p.get("lists") or []:
            if isinstance(section, dict):
                parts.append(f"<h3>{section.get('text') or ''}</h3><ul>{section.get('content') or ''}</ul>")
        if p.get("additional"):
            parts.append(p["additional"])
        description = html_to_text("\n".join(parts)) if parts else html_to_text(p.get("descriptionPlain"))
        workplace_type, remote = workplace(p.get("workplaceType"))
        salary: dict[str, Any] = {"salary_text": clean(p.get("salaryDescriptionPlain"))}
        sr = p.get("salaryRange")
        if isinstance(sr, dict):
            salary.update(
                salary_min=float(sr["min"]) if isinstance(sr.get("min"), int | float) else None,
                salary_max=float(sr["max"]) if isinstance(sr.get("max"), int | float) else None,
                salary_currency=clean(sr.get("currency")),
                salary_period=pay_period(sr.get("interval")),
            )
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            location=clean(cats.get("location")),
            remote=remote,
            workplace_type=workplace_type,
            department=clean(cats.get("department")) or clean(cats.get("team")),
            employment_type=clean(cats.get("commitment")),
            posted_at=to_utc(p.get("createdAt")),
            description=description,
            **salary,
        )
