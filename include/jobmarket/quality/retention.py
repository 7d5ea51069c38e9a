"""How long validation results stay in GX's results store.

GX lists every stored result several times in each Data Docs build (once per
site section and for the index), parsing each run time with dateutil. With
three results a night, the night's one Data Docs build grew with the lake's
age, not with what changed: 0.94 CPU s with one night of results, 1.7 s with
a year of them (1,107 results; ``bench/docs_history.py``).

So the record step first moves the results of runs older than the window
(``$JOBMARKET_GX_RESULTS_DAYS`` before the night's date, default 31) from
``gx/uncommitted/validations/`` to ``gx/uncommitted/validations_archive/``,
same layout. No result is deleted, but the Data Docs site shows the window
only: GX removes the pages of results its store no longer holds. Every run's
summary stays in ``curated/validation_runs`` and the nightly report. A
result's page comes back by moving its folder back into the store and
building the whole site (GX's ``context.build_data_docs()``).

A run's date is the start of its run name (``<date>__<run id>``, see
``record_run``), never the clock: a backfill of an old date archives nothing
newer than itself, and the next night archives the backfill's results
(already built into pages by the backfill's own record step). Results stored
without a run name (the curated audit's, under ``__none__``) follow the
nights around them: they go when their run time is older than that of every
dated run kept.
"""

from __future__ import annotations

import logging
import os
from datetime import date, timedelta
from pathlib import Path

from jobmarket.core.lake import Lake
from jobmarket.quality.runner import project_root

log = logging.getLogger(__name__)

RESULTS = "gx/uncommitted/validations"
ARCHIVE = "gx/uncommitted/validations_archive"
DEFAULT_DAYS = 31


def results_days() -> int | None:
    """The window from ``$JOBMARKET_GX_RESULTS_DAYS`` (``off``: keep everything)."""
    raw = os.environ.get("JOBMARKET_GX_RESULTS_DAYS", str(DEFAULT_DAYS)).strip()
    if raw.lower() == "off":
        return None
    days = int(raw)
    if days < 1:
        raise ValueError(f"JOBMARKET_GX_RESULTS_DAYS must be at least 1 or 'off', not {raw!r}")
    return days


def run_date(run_name: str) -> date | None:
    """The date a run name starts with (``2026-08-22__scheduled__...``), or None."""
    try:
        return date.fromisoformat(run_name.partition("__")[0])
    except ValueError:
        return None


def archive_old_results(lake: Lake, dt: date, days: int | None = DEFAULT_DAYS) -> int:
    """Move the stored results of runs dated more than ``days`` before ``dt``
    to the archive, with the undated results stored before every kept one;
    returns how many result files moved."""
    if days is None:
        return 0
    root = project_root(lake)
    if not lake.is_local:  # this worker's copy may lack other workers' results
        from jobmarket.quality.gx_store import pull

        pull(lake, root)
    store = root / RESULTS
    if not store.is_dir():
        return 0
    cutoff = dt - timedelta(days=days)
    runs = [r for suite in sorted(p for p in store.iterdir() if p.is_dir())
            for r in sorted(p for p in suite.iterdir() if p.is_dir())]
    dated = [(r, run_date(r.name)) for r in runs]
    old = [r for r, when in dated if when is not None and when < cutoff]
    # Results stored without a run name (GX's "__none__": the curated audit's
    # checkpoint, run by the GX provider's operator) go with the nights stored
    # before them: a run time older than every kept dated run's.
    kept_times = [t.name for r, when in dated if when is not None and when >= cutoff
                  for t in r.iterdir() if t.is_dir()]
    earliest_kept = min(kept_times, default=None)
    if earliest_kept is not None:
        old += [t for r, when in dated if when is None
                for t in sorted(r.iterdir()) if t.is_dir() and t.name < earliest_kept]
    moved: list[tuple[str, str]] = []
    for folder in old:
        for f in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = f.relative_to(store)
            target = root / ARCHIVE / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, target)
            moved.append(((Path(RESULTS) / rel).as_posix(), (Path(ARCHIVE) / rel).as_posix()))
        _remove_empty(folder)
        if folder.parent != store and folder.parent.parent != store and not any(folder.parent.iterdir()):
            folder.parent.rmdir()  # an undated run's folder, emptied
    if moved and not lake.is_local:
        from jobmarket.quality.gx_store import move_remote

        move_remote(lake, root, moved)
    if moved:
        log.info("GX results: %d files of runs before %s moved to %s", len(moved), cutoff, ARCHIVE)
    return len(moved)


def _remove_empty(folder: Path) -> None:
    for d in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(d.iterdir()):
            d.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()
