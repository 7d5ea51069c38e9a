"""Recruitee careers-site API.

Endpoint: ``GET https://{company}.recruitee.com/api/offers/`` returns every
published offer of the company in one response, ``{"offers": [...]}``.

Each company has its own host, so ``base_url`` is a template:
``https://{board}.recruitee.com`` (the default) puts the board token in the
host name. A ``base_url`` without ``{board}`` is treated as a path prefix
(``{base_url}/{board}/api/offers/``), which is how the replay server and any
proxy serve many companies from one host.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    ParseError,
    RecordRejected,
    clean,
    pay_period,
    posting,
    require,
    to_utc,
)
from jobmarket.text import html_to_text

_TYPES = {
    "fulltime": "Full-time",
    "fulltime_permanent": "Full-time",
    "fulltime_fixed_term": "Full-time (fixed term)",
    "parttime": "Part-time",
    "parttime_permanent": "Part-time",
    "parttime_fixed_term": "Part-time (fixed term)",
    "contract": "Contract",
    "freelance": "Freelance",
    "internship": "Internship",
    "traineeship": "Traineeship",
    "temporary": "Temporary",
}
_UTC_SUFFIX = re.compile(r"\s*UTC$")


def _when(value: Any):
    """Recruitee writes ``2026-05-11 09:30:00 UTC``; ISO strings pass through."""
    if isinstance(value, str):
        value = _UTC_SUFFIX.sub("+00:00", value.strip())
    return to_utc(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.replace(",", "").replace(" ", "")
        try:
            return float(text)
        except ValueError:
            return None
    return None


class RecruiteeAdapter(Adapter):
    family = "recruitee"
    default_base_url = "https://{board}.recruitee.com"

    def board_url(self, source, board) -> str:
        base = source.base_url
        if "{board}" in base:
            base = base.replace("{board}", board.token)
        else:
            base = f"{base}/{quote(board.token)}"
        return f"{base}/api/offers/"

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        offers = require(data, "offers", ctx, where="response")
        if not isinstance(offers, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'offers' is {type(offers).__name__}, expected a list")
        # Only an offer that says it is in another state is left out; a broken
        # status is the offer's problem, shown in the quarantine.
        return [o for o in offers if not (isinstance(o, dict) and isinstance(o.get("status"), str)
                                          and o["status"] != "published")]

    def _one(self, o: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        if "status" in o and not isinstance(o["status"], str):
            raise RecordRejected("status:type", {"status": o["status"]})
        native_id = require(o, "id", ctx)
        title = require(o, "title", ctx)
        url = require(o, "careers_url", ctx)
        parts = [v if isinstance(v := o.get(k), str) else "" for k in ("description", "requirements")]
        description = html_to_text("\n".join(p for p in parts if p)) if any(parts) else None
        if o.get("remote") is True:
            workplace_type, remote = "remote", True
        elif o.get("hybrid") is True:
            workplace_type, remote = "hybrid", False
        elif o.get("on_site") is True:
            workplace_type, remote = "onsite", False
        else:
            workplace_type, remote = None, None
        location = clean(o.get("location")) or clean(
            ", ".join(clean(o[k]) or "" for k in ("city", "country") if clean(o.get(k)))
        )
        salary: dict[str, Any] = {}
        pay = o.get("salary")
        if isinstance(pay, dict) and (pay.get("min") or pay.get("max")):
            salary = {
                "salary_min": _number(pay.get("min")),
                "salary_max": _number(pay.get("max")),
                "salary_currency": clean(pay.get("currency")),
                "salary_period": pay_period(pay.get("period")),
            }
        code = clean(o.get("employment_type_code"))
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            company=o.get("company_name"),
            apply_url=clean(o.get("careers_apply_url")),
            location=location,
            remote=remote,
            workplace_type=workplace_type,
            department=clean(o.get("department")),
            employment_type=_TYPES.get(code, code) if code else None,
            posted_at=_when(o.get("published_at")) or _when(o.get("created_at")),
            updated_at=_when(o.get("updated_at")),
            description=description,
            **salary,
        )
