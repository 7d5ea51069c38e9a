"""The market report: DuckDB views over the lake, and a self-contained HTML
report per date (``<lake>/reports/dt=<date>/index.html``, newest also in
``<lake>/reports/latest/``).

* ``create_views(lake, db_path)``: a DuckDB file of views for analysts.
* ``build_report(dt, settings) -> Path``: the report of one date.
* ``pending_dates(settings)`` / ``build_pending(settings)``: the dates whose
  report is missing or older than their curated partitions, and building them.
"""

from __future__ import annotations

from jobmarket.report.build import (
    ReportError,
    build_pending,
    build_report,
    list_reports,
    pending_dates,
    update_latest,
)
from jobmarket.report.views import create_views

__all__ = [
    "ReportError", "build_pending", "build_report", "create_views", "list_reports", "pending_dates", "update_latest",
]
