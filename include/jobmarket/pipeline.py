"""The whole nightly pipeline for one date, without Airflow.

``jobmarket run --date D`` calls this; the DAG calls the same step functions
one task at a time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jobmarket.config import Settings, SourcesFile, load_sources
from jobmarket.curate import curate_date, derive_observations
from jobmarket.quality.enforce import QualityGateFailed, enforce_gates
from jobmarket.scrape import SourceFailed, scrape_source


def run_date(
    dt: date,
    *,
    settings: Settings | None = None,
    sources: SourcesFile | None = None,
    run_id: str = "cli",
) -> dict[str, Any]:
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
    out["curate"] = curate_date(dt, settings=settings, sources=sources, run_id=run_id)
    try:
        out["quality"] = enforce_gates(dt, settings=settings)
    except QualityGateFailed as exc:
        out["failed_sources"].append(str(exc))
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
        cur = curate_date(dt, settings=settings, sources=sources, run_id=run_id)
        out.append({
            "dt": str(dt),
            "newly_tagged": steps["tag"]["newly_tagged"],
            "published": steps["publish"]["published"],
            **{k: cur[k] for k in ("open", "new", "closed")},
        })
    return out
