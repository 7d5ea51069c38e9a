"""The columns the normalizers add to a posting, and one call that fills them.

``normalize_posting(row, on_date)`` returns a flat dict with every column of
:data:`NORMALIZE_COLUMNS` except ``dup_cluster_id``, which needs the whole
partition: ``assign_dup_clusters(rows)``. The ``salary_*`` columns keep the
names of the normalized record: they hold the structured values when the
source gave them and the parsed text otherwise (``salary_source`` says which).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from jobmarket.core.schema import NORMALIZE_COLUMNS  # noqa: F401  (re-exported: defined with the other schemas)


def rate_date(row: Mapping[str, Any]) -> date | None:
    """The date whose exchange rate prices a posting: posted_at, else scraped_date."""
    for key in ("posted_at", "scraped_date"):
        value = row.get(key)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str) and value:
            return date.fromisoformat(value[:10])
    return None


def normalize_posting(row: Mapping[str, Any], on_date: date | datetime | str | None = None,
                      reporting_currency: str = "EUR") -> dict[str, Any]:
    """All normalized columns of one posting except ``dup_cluster_id``.

    ``on_date`` defaults to :func:`rate_date` of the row.
    """
    from jobmarket.normalize.company import company_key
    from jobmarket.normalize.location import parse_location
    from jobmarket.normalize.salary import normalize_salary
    from jobmarket.normalize.title import normalize_title

    place = parse_location(row.get("location"), row.get("remote"), row.get("workplace_type"))
    pay = normalize_salary(row, on_date if on_date is not None else rate_date(row), reporting_currency,
                           countries=place["countries"])
    locations = place["locations"]
    return {
        "company_key": company_key(row.get("source"), row.get("board"), row.get("company")),
        "title_norm": normalize_title(row.get("title")) or None,
        "locations_json": json.dumps(locations, ensure_ascii=False) if locations else None,
        "loc_countries": place["countries"],
        "loc_country": place["countries"][0] if place["countries"] else None,
        "loc_city": next((loc["city"] for loc in locations if loc["city"]), None),
        "work_arrangement": place["workplace_type"],
        "work_arrangement_source": place["workplace_source"],
        "remote_countries": place["remote_countries"],
        "remote_region": place["remote_region"],
        **pay,
    }
