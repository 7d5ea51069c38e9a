"""Task ``validate_tagged``: the tagged-postings suite (archetype in the
allowed set, confidence in [0, 1]) on ``work/tagged``: good rows to
``work/tagged_valid``, failing rows to ``work/quarantine_tagged``, results
appended to ``work/validation_runs``.

Rows the parse step reused keep the verdict they got on that date
(``jobmarket.incremental.carry``); Great Expectations sees the rest.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from jobmarket.core.handoffs import (
    BATCH_ROWS,
    TAGGED_QUARANTINE_STEP,
    TAGGED_STEP,
    TAGGED_VALID_STEP,
    VALIDATION_RUNS_STEP,
    ValidationFailed,
    input_path,
    read_input,
)
from jobmarket.core.lake import Lake, parquet_file, releases_memory
from jobmarket.core.schema import QUARANTINE, TAG_COLUMNS, VALIDATION_RUNS
from jobmarket.core.settings import Settings
from jobmarket.incremental import carry
from jobmarket.quality.quarantine import quarantine_rows
from jobmarket.quality.runner import build_night_docs, interpret, run_suite
from jobmarket.quality.suites import ROW, TAGGED_SUITE, build_tagged_suite, to_gx_pandas


@releases_memory
def validate_tagged_date(dt: date, *, settings: Settings | None = None, run_id: str = "cli") -> dict[str, Any]:
    """Run the tagged-postings suite on work/tagged: good rows to
    work/tagged_valid, failing rows to work/quarantine_tagged, results appended
    to work/validation_runs."""
    import pyarrow as pa
    from jobmarket.tagger import TAGGER_VERSION

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    path = input_path(lake, TAGGED_STEP, dt)
    pf = parquet_file(path)
    checked = ["posting_id", "source", "board", *(c.name for c in TAG_COLUMNS)]
    table = pf.read(columns=checked)  # what the suite checks: no descriptions
    # Rows reused by the parse step that passed this suite on that earlier
    # date keep their verdict (jobmarket.incremental.carry); GX sees the rest, and
    # only the columns the suite checks.
    fp = carry.fingerprint("tagged", TAGGER_VERSION)
    ids = table.column("posting_id").to_pylist()
    sources = table.column("source").to_pylist()
    carried = carry.carried_mask(lake, dt, ids, TAGGED_VALID_STEP, fp, TAGGED_STEP)
    rows = carry.gx_subset(sources, carried)
    in_gx = set(rows)
    carried_by_source = Counter(s for i, (s, c) in enumerate(zip(sources, carried, strict=True))
                                if c and i not in in_gx)
    df = to_gx_pandas(table.take(pa.array(rows, type=pa.int64())))
    df[ROW] = rows
    df = df.set_axis(rows)
    vr = run_suite(lake, df, build_tagged_suite, f"{dt}__{run_id}")
    found = interpret(vr, df, TAGGED_SUITE, dt, run_id)
    for r in found.runs:
        r["rows_carried"] = (carried_by_source.get(r["source"], 0) if r["source"] is not None
                             else sum(carried_by_source.values()))

    try:
        previous = [r for r in read_input(lake, VALIDATION_RUNS_STEP, dt).to_pylist() if r["suite"] != TAGGED_SUITE]
    except Exception:  # noqa: BLE001 - no earlier results for the date: start afresh
        previous = []
    lake.write_partition(f"work/{VALIDATION_RUNS_STEP}", dt,
                         pa.Table.from_pylist(previous + found.runs, schema=VALIDATION_RUNS.arrow_schema()))
    if found.systemic:
        build_night_docs(lake, run_name=f"{dt}__{run_id}")  # the night stops: show it in Data Docs now
        raise ValidationFailed(f"validation of tagged postings of {dt} failed: " + "; ".join(found.systemic))

    bad = found.bad_rows()
    quarantine = quarantine_rows(df, found.failures, found.offending, dt,
                                 records=lambda idx: Lake.take_rows(path, idx).to_pylist())
    schema = pf.schema_arrow
    schema = schema.with_metadata({**(schema.metadata or {}), carry.FINGERPRINT_KEY: fp.encode()})
    n_good = lake.write_without(path, f"work/{TAGGED_VALID_STEP}", dt, schema, found.failures, len(quarantine),
                                batch_size=BATCH_ROWS)
    lake.write_partition(f"work/{TAGGED_QUARANTINE_STEP}", dt,
                         pa.Table.from_pylist(quarantine, schema=QUARANTINE.arrow_schema()))
    return {"dt": str(dt), "tagged": table.num_rows, "valid": n_good, "quarantined": len(bad),
            "evaluated_by_gx": len(rows), "carried": sum(carried_by_source.values()),
            "failed_expectations": sorted({n for names in found.failures.values() for n in names})}
