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

from jobmarket.schema import Column

NORMALIZE_COLUMNS: tuple[Column, ...] = (
    Column("company_key", "string", False,
           "Canonical company key across boards and aggregators (board token or display name without legal suffixes, then include/config/company_aliases.yaml)."),
    Column("title_norm", "string", True,
           "Title lower-cased without gender markers, requisition ids, workplace words or trailing places; seniority kept."),
    Column("locations_json", "string", True,
           "Parsed places as a JSON list of {city, region, country}; country ISO 3166-1 alpha-2, region the ISO 3166-2 suffix (e.g. NY, ON)."),
    Column("loc_countries", "list<string>", True, "Distinct ISO 3166-1 alpha-2 countries of the parsed places, in text order."),
    Column("loc_country", "string", True, "First parsed country (for group-bys); null when none parsed."),
    Column("loc_city", "string", True, "City of the first parsed place with a city; null when none."),
    Column("work_arrangement", "string", False,
           "remote, hybrid, onsite or unknown: the source's flag when it has one, else inferred from the location text."),
    Column("work_arrangement_source", "string", True, "source (the board flagged it), text (inferred from the location), or null (unknown)."),
    Column("remote_countries", "list<string>", True, "ISO countries a remote hire may live in (\"Remote - US\" -> [US]); empty unless remote."),
    Column("remote_region", "string", True, "Macro-regions named in the location (EMEA, APAC, LATAM, Europe, Americas, Worldwide...), '; '-joined."),
    Column("salary_min", "float64", True, "Lower bound of pay, in salary_currency per salary_period: structured when the source gives it, else parsed from text."),
    Column("salary_max", "float64", True, "Upper bound of pay (null for 'from $X'); see salary_min."),
    Column("salary_currency", "string", True, "ISO 4217 currency; null when unknown or ambiguous (a bare '$' outside the US, see salary_flags). Never assumed."),
    Column("salary_period", "string", True, "year, month, week, day or hour; null when it cannot be told."),
    Column("salary_source", "string", True, "structured (source fields), text (salary text or description) or null (no pay found)."),
    Column("salary_annual_min", "float64", True, "salary_min x annualization factor (hour 2080, day 260, week 52, month 12, year 1), in salary_currency."),
    Column("salary_annual_max", "float64", True, "salary_max annualized like salary_annual_min."),
    Column("salary_min_reporting", "float64", True, "salary_annual_min in the reporting currency at the ECB rate of the rate date (nearest published date); null when the currency is unknown or has no ECB rate."),
    Column("salary_max_reporting", "float64", True, "salary_annual_max converted like salary_min_reporting."),
    Column("salary_reporting_currency", "string", False, "Currency of the *_reporting columns (EUR unless configured)."),
    Column("salary_fx_date", "date32", True, "ECB publication date of the rate used for the *_reporting columns."),
    Column("salary_flags", "list<string>", True,
           "Notes on the pay fields: ambiguous_dollar, ambiguous_krona, currency_from_location, currency_unknown, period_inferred, period_unknown, structured_implausible, bounds_swapped, fx_unavailable."),
    Column("dup_cluster_id", "string", False,
           "Smallest posting_id of the postings judged the same job (same company key, title_norm, overlapping places, near-identical description); the row's own posting_id when unique."),
)


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
