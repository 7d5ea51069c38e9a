"""Pinpoint career sites (``https://<company>.pinpointhq.com``).

Endpoint: ``GET https://{company}.pinpointhq.com/postings.json`` returns
``{"data": [...]}``, every open posting with its text split into
``description``, ``key_responsibilities``, ``skills_knowledge_expertise`` and
``benefits`` (HTML, each with a ``*_header``), structured pay
(``compensation_minimum/maximum/currency/frequency`` when
``compensation_visible``; ``compensation`` is the sentence), ``workplace_type``,
``employment_type_text``, ``job.department``, ``location`` and ``url`` (the
posting's page, which holds the apply form: ``apply_url`` null).

``base_url`` is a template like Recruitee's: ``https://{board}.pinpointhq.com``,
or a path prefix without ``{board}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    ParseError,
    clean,
    mapping,
    number,
    pay_period,
    posting,
    require,
    to_utc,
    workplace,
)
from jobmarket.text import html_to_text

_SECTIONS = (("description", None), ("key_responsibilities", "key_responsibilities_header"),
             ("skills_knowledge_expertise", "skills_knowledge_expertise_header"), ("benefits", "benefits_header"))


class PinpointAdapter(Adapter):
    family = "pinpoint"
    default_base_url = "https://{board}.pinpointhq.com"

    def board_url(self, source, board) -> str:
        base = source.base_url
        base = base.replace("{board}", board.token) if "{board}" in base else f"{base}/{quote(board.token)}"
        return f"{base}/postings.json"

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        jobs = require(data, "data", ctx, where="response")
        if not isinstance(jobs, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'data' is {type(jobs).__name__}, expected a list")
        return list(jobs)

    def _one(self, p: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(p, "id", ctx)
        title = require(p, "title", ctx)
        url = require(p, "url", ctx)
        parts = []
        for key, header in _SECTIONS:
            text = p.get(key)
            if isinstance(text, str) and text.strip():
                head = clean(p.get(header)) if header else None
                parts.append(f"<h3>{head}</h3>{text}" if head else text)
        salary: dict[str, Any] = {"salary_text": clean(p.get("compensation"))}
        if p.get("compensation_visible") is not False:
            lo, hi = number(p.get("compensation_minimum")), number(p.get("compensation_maximum"))
            if lo is not None or hi is not None:
                salary.update(salary_min=lo, salary_max=hi, salary_currency=clean(p.get("compensation_currency")),
                              salary_period=pay_period(p.get("compensation_frequency")))
        else:
            salary = {}
        loc = mapping(p.get("location"))
        location = ", ".join(dict.fromkeys(
            x for x in (clean(loc.get("name")), clean(loc.get("city")), clean(loc.get("province"))) if x)) or None
        workplace_type, remote = workplace(str(p.get("workplace_type") or "").replace("_", "-"))
        job = mapping(p.get("job"))
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            location=location,
            remote=remote,
            workplace_type=workplace_type,
            department=clean(mapping(job.get("department")).get("name")),
            employment_type=clean(p.get("employment_type_text")) or clean(p.get("employment_type")),
            posted_at=to_utc(p.get("published_at")),
            description=html_to_text("\n".join(parts)) if parts else None,
            **salary,
        )
