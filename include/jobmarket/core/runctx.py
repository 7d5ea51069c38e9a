"""The run context: partition keys come from the run, never the clock.

This module is the only place the pipeline reads the wall clock for a
decision (``today``, for whether a date is too old to scrape).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any


def partition_date(context: Any) -> date:
    """The partition a task run writes (UTC date).

    Scheduled runs and backfills of a data-interval timetable have
    ``logical_date == data_interval_start``, so this is the interval's start.
    A manual run for a chosen logical date (``airflow dags test DAG 2026-08-22``,
    or a trigger from the UI with a date) writes that date, whereas Airflow
    would infer the *previous* complete interval for it. A run without a
    logical date uses its ``run_after``, as the Airflow 3 guide recommends.
    """
    for key in ("logical_date", "data_interval_start", "run_after"):
        value = context.get(key) if hasattr(context, "get") else None
        if value is None and key == "run_after":
            dag_run = context.get("dag_run")
            value = getattr(dag_run, "run_after", None)
        if isinstance(value, datetime):
            return value.astimezone(UTC).date()
    raise ValueError("run has no data interval, logical date or run_after to take a partition from")


def run_id(context: Any) -> str:
    return str(context.get("run_id") or "unknown")


def today() -> date:
    """The wall-clock date (UTC): only for deciding what a run may do, never a partition key."""
    return datetime.now(UTC).date()


def is_stale(dt: date, settings: Any, source: Any, today_: date | None = None) -> bool:
    """A past date must never be labelled with what the boards show today.

    ``settings`` is a ``core.settings.Settings`` (its ``freshness_days``),
    ``source`` a ``sources.config.SourceConfig`` (replay sources are exempt).
    """
    if source.options.get("replay"):
        return False  # replaying recordings made on that date is exempt
    return dt < (today_ or today()) - timedelta(days=settings.freshness_days)


def now() -> datetime:
    """The wall-clock time (UTC): for recording when something happened, never a partition key."""
    return datetime.now(UTC)
