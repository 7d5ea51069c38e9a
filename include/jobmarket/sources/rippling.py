"""Rippling ATS job boards (``https://ats.rippling.com/<board>/jobs``).

Endpoint: ``GET https://api.rippling.com/platform/api/ats/v1/board/{board}/jobs``
returns a JSON array of the board's open jobs: ``uuid``, ``name``,
``department.label``, ``url`` (the job's page on ats.rippling.com, where the
apply form is: ``apply_url`` null) and ``workLocation.label`` (e.g. "London,
United Kingdom", "Remote (United States)"). The list carries no description
and no company name (``company`` is the board's display name).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    ParseError,
    clean,
    listing,
    mapping,
    posting,
    require,
)


class RipplingAdapter(Adapter):
    family = "rippling"
    default_base_url = "https://api.rippling.com"
    id_field = "uuid"

    def board_url(self, source, board) -> str:
        return f"{source.base_url}/platform/api/ats/v1/board/{quote(board.token)}/jobs"

    def items(self, data: Any, ctx: BoardContext) -> list[Any]:
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            return list(data["items"])  # the paged form some boards answer with
        if not isinstance(data, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: expected a JSON array of jobs, got {type(data).__name__}")
        return list(data)

    def _one(self, j: dict[str, Any], ctx: BoardContext) -> dict[str, Any]:
        native_id = require(j, "uuid", ctx)
        title = require(j, "name", ctx)
        url = clean(j.get("url")) or f"https://ats.rippling.com/{quote(ctx.board)}/jobs/{clean(native_id)}"
        where = j.get("workLocation")
        places = [mapping(w).get("label") for w in listing(where)] if isinstance(where, list) else [
            mapping(where).get("label")]
        return posting(
            ctx,
            native_id,
            title=title,
            url=url,
            location="; ".join(dict.fromkeys(p for p in map(clean, places) if p)) or None,
            department=clean(mapping(j.get("department")).get("label")),
        )
