"""Task ``publish``: what depends on the date alone, from the hand-offs to the
curated tables: ``observations``, ``quarantine``, ``source_health``,
``validation_runs``, ``gate_results``, and the board registry after the
night's outcomes (``board_registry``, ``registry_summary``: see
jobmarket.boards); each partition swapped in atomically.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jobmarket.boards.crawl import fold_night
from jobmarket.core.handoffs import (
    GATE_RESULTS_STEP,
    HEALTH_STEP,
    QUARANTINE_STEP,
    TAGGED_QUARANTINE_STEP,
    TAGGED_VALID_STEP,
    VALIDATION_RUNS_STEP,
    read_input,
)
from jobmarket.core.lake import Lake, releases_memory
from jobmarket.core.schema import (
    BOARD_REGISTRY,
    GATE_RESULTS,
    OBSERVATIONS,
    QUARANTINE,
    REGISTRY_SUMMARY,
    SOURCE_HEALTH,
    VALIDATION_RUNS,
)
from jobmarket.core.settings import Settings


@releases_memory
def publish_date(dt: date, *, settings: Settings | None = None) -> dict[str, Any]:
    """Publish what depends on ``dt`` alone: observations, quarantine, source_health.

    Rows are sorted by posting_id so a rerun of the same date writes the same
    table; each partition is swapped in atomically.
    """
    import pyarrow.compute as pc

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    tagged = read_input(lake, TAGGED_VALID_STEP, dt, columns=OBSERVATIONS.column_names)  # no texts
    tagged = tagged.take(pc.sort_indices(tagged, sort_keys=[("posting_id", "ascending")]))
    observations = tagged.select(OBSERVATIONS.column_names).cast(OBSERVATIONS.arrow_schema())
    q = quality_partitions(lake, dt)
    quarantine = q[QUARANTINE.name]
    health = read_input(lake, HEALTH_STEP, dt).cast(SOURCE_HEALTH.arrow_schema())
    registry, registry_summary = fold_night(lake, dt, health.to_pylist())
    out = {}
    for tbl, data in (
        (OBSERVATIONS, observations),
        (QUARANTINE, quarantine),
        (SOURCE_HEALTH, health),
        (VALIDATION_RUNS, q[VALIDATION_RUNS.name]),
        (GATE_RESULTS, q[GATE_RESULTS.name]),
        (BOARD_REGISTRY, registry),
        (REGISTRY_SUMMARY, registry_summary),
    ):
        out[tbl.name] = str(lake.write_partition(tbl.path, dt, data))
    return {
        "dt": str(dt),
        "published": observations.num_rows,
        "quarantined": quarantine.num_rows,
        "partitions": out,
    }


def quality_partitions(lake: Lake, dt: date) -> dict[str, Any]:
    """The quality layer's curated partitions of ``dt`` as pyarrow tables,
    keyed by table name, for publish to write with the others: quarantine
    (both validate steps), validation_runs, gate_results. Publish reads the
    postings from work/tagged_valid (TAGGED_VALID_STEP) instead of work/tagged."""
    import pyarrow as pa

    quarantine = [read_input(lake, QUARANTINE_STEP, dt).cast(QUARANTINE.arrow_schema())]
    tq = lake.partition_dir(f"work/{TAGGED_QUARANTINE_STEP}", dt) / "part-0.parquet"
    if tq.is_file():
        quarantine.append(read_input(lake, TAGGED_QUARANTINE_STEP, dt).cast(QUARANTINE.arrow_schema()))
    return {
        QUARANTINE.name: pa.concat_tables(quarantine),
        VALIDATION_RUNS.name: read_input(lake, VALIDATION_RUNS_STEP, dt).cast(VALIDATION_RUNS.arrow_schema()),
        GATE_RESULTS.name: read_input(lake, GATE_RESULTS_STEP, dt).cast(GATE_RESULTS.arrow_schema()),
    }
