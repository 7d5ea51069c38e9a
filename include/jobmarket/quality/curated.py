"""The curated layer: the tagged-postings suite before publication, the
tables publish writes, and the post-publish audit checkpoint that the DAG
runs with the Great Expectations provider's ``GXValidateCheckpointOperator``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jobmarket.config import Settings
from jobmarket.lake import Lake, releases_memory
from jobmarket.quality.suites import ROW, SOURCE_HEALTH_SUITE, TAGGED_SUITE
from jobmarket.quality.tables import (
    GATE_RESULTS,
    GATE_RESULTS_STEP,
    TAGGED_QUARANTINE_STEP,
    TAGGED_VALID_STEP,
    VALIDATION_RUNS,
    VALIDATION_RUNS_STEP,
)
from jobmarket.schema import POSTINGS, QUARANTINE, SOURCE_HEALTH

AUDIT_CHECKPOINT = "curated_audit"
CURATED_DATASOURCE = "jobmarket_curated"


def _read(lake: Lake, step: str, dt: date):
    import pyarrow.parquet as pq

    from jobmarket.transform import PipelineError

    path = lake.partition_dir(f"work/{step}", dt) / "part-0.parquet"
    if not path.is_file():
        raise PipelineError(f"missing input {path}: run the previous step for {dt} first")
    return pq.read_table(path)


@releases_memory
def validate_tagged_date(dt: date, *, settings: Settings | None = None, run_id: str = "cli") -> dict[str, Any]:
    """Run the tagged-postings suite on work/tagged: good rows to
    work/tagged_valid, failing rows to work/quarantine_tagged, results appended
    to work/validation_runs."""
    from collections import Counter

    import pyarrow as pa

    from jobmarket.quality import carry, runner, suites
    from jobmarket.schema import TAG_COLUMNS
    from jobmarket.tagger import TAGGER_VERSION
    from jobmarket.transform import TAGGED_STEP
    from jobmarket.validate import ValidationFailed, quarantine_rows

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    import pyarrow.parquet as pq

    from jobmarket.transform import _BATCH_ROWS, PipelineError

    path = lake.partition_dir(f"work/{TAGGED_STEP}", dt) / "part-0.parquet"
    if not path.is_file():
        raise PipelineError(f"missing input {path}: run the previous step for {dt} first")
    pf = pq.ParquetFile(path)
    checked = ["posting_id", "source", "board", *(c.name for c in TAG_COLUMNS)]
    table = pf.read(columns=checked)  # what the suite checks: no descriptions
    # Rows reused by the parse step that passed this suite on that earlier
    # date keep their verdict (jobmarket.quality.carry); GX sees the rest, and
    # only the columns the suite checks.
    fp = carry.fingerprint("tagged", TAGGER_VERSION)
    ids = table.column("posting_id").to_pylist()
    sources = table.column("source").to_pylist()
    carried = carry.carried_mask(lake, dt, ids, TAGGED_VALID_STEP, fp, TAGGED_STEP)
    rows = carry.gx_subset(sources, carried)
    in_gx = set(rows)
    carried_by_source = Counter(s for i, (s, c) in enumerate(zip(sources, carried, strict=True))
                                if c and i not in in_gx)
    df = suites.to_gx_pandas(table.take(pa.array(rows, type=pa.int64())))
    df[ROW] = rows
    df = df.set_axis(rows)
    vr = runner.run_suite(lake, df, suites.build_tagged_suite, f"{dt}__{run_id}")
    found = runner.interpret(vr, df, TAGGED_SUITE, dt, run_id)
    for r in found.runs:
        r["rows_carried"] = (carried_by_source.get(r["source"], 0) if r["source"] is not None
                             else sum(carried_by_source.values()))

    try:
        previous = [r for r in _read(lake, VALIDATION_RUNS_STEP, dt).to_pylist() if r["suite"] != TAGGED_SUITE]
    except Exception:  # noqa: BLE001 - no earlier results for the date: start afresh
        previous = []
    lake.write_partition(f"work/{VALIDATION_RUNS_STEP}", dt,
                         pa.Table.from_pylist(previous + found.runs, schema=VALIDATION_RUNS.arrow_schema()))
    if found.systemic:
        raise ValidationFailed(f"validation of tagged postings of {dt} failed: " + "; ".join(found.systemic))

    bad = found.bad_rows()
    quarantine = quarantine_rows(df, found.failures, found.offending, dt,
                                 records=lambda idx: Lake.take_rows(path, idx).to_pylist())
    schema = pf.schema_arrow
    schema = schema.with_metadata({**(schema.metadata or {}), carry.FINGERPRINT_KEY: fp.encode()})
    n_good = lake.write_without(path, f"work/{TAGGED_VALID_STEP}", dt, schema, found.failures, len(quarantine),
                                batch_size=_BATCH_ROWS)
    lake.write_partition(f"work/{TAGGED_QUARANTINE_STEP}", dt,
                         pa.Table.from_pylist(quarantine, schema=QUARANTINE.arrow_schema()))
    return {"dt": str(dt), "tagged": table.num_rows, "valid": n_good, "quarantined": len(bad),
            "evaluated_by_gx": len(rows), "carried": sum(carried_by_source.values()),
            "failed_expectations": sorted({n for names in found.failures.values() for n in names})}


def quality_partitions(lake: Lake, dt: date) -> dict[str, Any]:
    """The quality layer's curated partitions of ``dt`` as pyarrow tables,
    keyed by table name, for publish to write with the others: quarantine
    (both validate steps), validation_runs, gate_results. Publish reads the
    postings from work/tagged_valid (TAGGED_VALID_STEP) instead of work/tagged."""
    import pyarrow as pa

    from jobmarket.transform import QUARANTINE_STEP

    quarantine = [_read(lake, QUARANTINE_STEP, dt).cast(QUARANTINE.arrow_schema())]
    tq = lake.partition_dir(f"work/{TAGGED_QUARANTINE_STEP}", dt) / "part-0.parquet"
    if tq.is_file():
        quarantine.append(_read(lake, TAGGED_QUARANTINE_STEP, dt).cast(QUARANTINE.arrow_schema()))
    return {
        QUARANTINE.name: pa.concat_tables(quarantine),
        VALIDATION_RUNS.name: _read(lake, VALIDATION_RUNS_STEP, dt).cast(VALIDATION_RUNS.arrow_schema()),
        GATE_RESULTS.name: _read(lake, GATE_RESULTS_STEP, dt).cast(GATE_RESULTS.arrow_schema()),
    }


# -- post-publish audit (Great Expectations provider) -------------------------


def lake_gx_context(settings: Settings | None = None):
    """The lake's file data context (``configure_file_data_context`` of the
    provider's GXValidateCheckpointOperator)."""
    from jobmarket.quality.runner import gx_context

    return gx_context(Lake((settings or Settings.from_env()).lake))


def curated_audit_checkpoint(gx_ctx, dt: date | None = None, settings: Settings | None = None):
    """A checkpoint validating the published partitions of ``dt`` (the task's
    partition date when run by Airflow): curated/postings with the tagged
    suite, curated/source_health with the source_health suite. Its actions
    store the results and rebuild Data Docs."""
    import great_expectations as gx

    from jobmarket.quality import suites
    from jobmarket.quality.runner import BATCH_DEFINITION

    if dt is None:
        from airflow.sdk import get_current_context

        from jobmarket.runctx import partition_date

        dt = partition_date(get_current_context())
    lake = Lake((settings or Settings.from_env()).lake)
    source = gx_ctx.data_sources.add_or_update_pandas_filesystem(CURATED_DATASOURCE, base_directory=str(lake.root))
    vds = []
    for table, build in ((POSTINGS, suites.build_tagged_suite), (SOURCE_HEALTH, suites.build_source_health_suite)):
        try:
            asset = source.get_asset(table.name)
        except LookupError:
            asset = source.add_parquet_asset(table.name)
        # One batch definition per asset, pointed at this date's partition.
        try:
            asset.delete_batch_definition(BATCH_DEFINITION)
        except (KeyError, LookupError, ValueError):
            pass
        batch_def = asset.add_batch_definition_path(name=BATCH_DEFINITION, path=f"{table.path}/dt={dt}/part-0.parquet")
        suite = build(with_row=False)
        suite.name = f"curated_{suite.name}"
        suite = gx_ctx.suites.add_or_update(suite)
        vds.append(gx_ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite.name, data=batch_def, suite=suite)))
    return gx_ctx.checkpoints.add_or_update(
        gx.Checkpoint(
            name=AUDIT_CHECKPOINT,
            validation_definitions=vds,
            actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
            result_format={"result_format": "SUMMARY"},
        )
    )


__all__ = ["SOURCE_HEALTH_SUITE", "curated_audit_checkpoint", "lake_gx_context", "quality_partitions",
           "validate_tagged_date"]
