"""The step order, written once, and the three ways of following it.

``STEPS`` is the nightly pipeline: one module of ``jobmarket.steps`` per DAG
task, in order. ``jobmarket run`` (``run_date``), ``jobmarket rebuild``
(``rebuild_dates``), the backfill catch-up that the ``curate`` task runs
first (``catch_up``) and the DAG's wiring test all follow it; the DAG file
wires the same task ids in the same order.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from jobmarket.core.lake import Lake
from jobmarket.core.settings import Settings
from jobmarket.sources.config import SourcesFile, load_sources
from jobmarket.steps.check_quality import QualityGateFailed, enforce_gates
from jobmarket.steps.curate import curate_date, observation_dates
from jobmarket.steps.parse import parse_date
from jobmarket.steps.publish import publish_date
from jobmarket.steps.record_run import record_run_date
from jobmarket.steps.scrape import SourceFailed, scrape_source
from jobmarket.steps.tag import tag_date
from jobmarket.steps.validate import validate_date
from jobmarket.steps.validate_tagged import validate_tagged_date

log = logging.getLogger(__name__)

# The DAG's task ids, in order (scrape is one mapped task per source, the
# checks run after curate, side by side).
SCRAPE = "scrape"
DERIVE = ("parse", "validate", "tag", "validate_tagged", "publish")  # a date's raw alone decides these
CURATE = "curate"
CHECKS = ("check_sources", "check_quality", "audit_curated")
RECORD = "record_run"  # the teardown: curated/runs and the night's messages, whatever happened
STEPS = (SCRAPE, *DERIVE, CURATE, *CHECKS, RECORD)


def derive_observations(
    dt: date, *, settings: Settings, sources: SourcesFile | None = None, run_id: str = "cli"
) -> dict[str, Any]:
    """The ``DERIVE`` steps of ``dt``, in order: everything that depends on its raw alone."""
    return {
        "parse": parse_date(dt, settings=settings, sources=sources, run_id=run_id),
        "validate": validate_date(dt, settings=settings, run_id=run_id),
        "tag": tag_date(dt, settings=settings),
        "validate_tagged": validate_tagged_date(dt, settings=settings, run_id=run_id),
        "publish": publish_date(dt, settings=settings),
    }


def raw_dates(lake: Lake) -> list[date]:
    """Dates with raw landed for any board."""
    dates: set[date] = set()
    raw = lake.root / "raw"
    if raw.is_dir():
        for d in raw.glob("source=*/board=*/dt=*"):
            if (d / "_manifest.json").is_file():
                dates.add(date.fromisoformat(d.name.split("=", 1)[1]))
    return sorted(dates)


def catch_up(
    upto: date, *, settings: Settings | None = None, sources: SourcesFile | None = None, run_id: str = "cli"
) -> list[date]:
    """Derive the observations of every date <= ``upto`` that has raw but none
    yet (never scraping), so curate sees every earlier date whatever order
    dates are built in. Returns the dates derived."""
    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    have = set(observation_dates(lake))
    built = []
    for d in raw_dates(lake):
        if d > upto or d in have:
            continue
        log.warning("observations for %s are missing: deriving them from raw", d)
        derive_observations(d, settings=settings, sources=sources, run_id=run_id)
        built.append(d)
    return built


def curate(
    dt: date, *, settings: Settings | None = None, sources: SourcesFile | None = None, run_id: str = "cli"
) -> dict[str, Any]:
    """The ``curate`` task: the catch-up, then the curate step."""
    settings = settings or Settings.from_env()
    built = catch_up(dt, settings=settings, sources=sources, run_id=run_id)
    out = curate_date(dt, settings=settings, run_id=run_id)
    return {"dt": out.pop("dt"), "derived_missing_dates": [str(d) for d in built], **out}


def run_date(
    dt: date,
    *,
    settings: Settings | None = None,
    sources: SourcesFile | None = None,
    run_id: str = "cli",
) -> dict[str, Any]:
    """The whole nightly pipeline for one date, without Airflow (``jobmarket run``)."""
    settings = settings or Settings.from_env()
    sources = sources or load_sources()
    out: dict[str, Any] = {"scrape": {}, "failed_sources": []}
    for name in sources.names:
        try:
            out["scrape"][name] = scrape_source(name, dt, settings=settings, sources=sources, run_id=run_id)
        except SourceFailed as exc:
            # Like the DAG: the other sources still publish; the failure is
            # recorded in source_health and reported.
            out["failed_sources"].append(str(exc))
    out.update(derive_observations(dt, settings=settings, sources=sources, run_id=run_id))
    out["curate"] = curate(dt, settings=settings, sources=sources, run_id=run_id)
    try:
        out["quality"] = enforce_gates(dt, settings=settings)
    except QualityGateFailed as exc:
        out["failed_sources"].append(str(exc))
    # The night's curated/runs row, as the DAG's teardown writes it (no
    # messages: alerts belong to the scheduled runs).
    out["record"] = record_run_date(dt, run_id=run_id, settings=settings)
    return out


def rebuild_dates(
    dates: list[date],
    *,
    settings: Settings | None = None,
    sources: SourcesFile | None = None,
    run_id: str = "rebuild",
) -> list[dict[str, Any]]:
    """Re-derive every table of ``dates`` from their raw, oldest first; never scrapes.

    This is how history is retagged after a tagger version change (the tag
    cache is per version, so every posting is tagged again) or renormalized
    after a parser fix.
    """
    settings = settings or Settings.from_env()
    sources = sources or load_sources()
    out = []
    for dt in sorted(dates):
        steps = derive_observations(dt, settings=settings, sources=sources, run_id=run_id)
        cur = curate(dt, settings=settings, sources=sources, run_id=run_id)
        out.append({
            "dt": str(dt),
            "newly_tagged": steps["tag"]["newly_tagged"],
            "published": steps["publish"]["published"],
            **{k: cur[k] for k in ("open", "new", "closed")},
        })
    return out


__all__ = ["STEPS", "catch_up", "curate", "derive_observations", "raw_dates",
           "rebuild_dates", "run_date"]
