"""Task ``audit_curated``: the post-publish audit checkpoint, run by the DAG
with the Great Expectations provider's ``GXValidateCheckpointOperator``: it
validates the published partitions of the date (curated/postings with the
tagged suite, curated/source_health with the source_health suite).
"""

from __future__ import annotations

from datetime import date

from jobmarket.core.lake import Lake
from jobmarket.core.schema import POSTINGS, SOURCE_HEALTH
from jobmarket.core.settings import Settings
from jobmarket.quality.runner import gx_context, lake_actions
from jobmarket.quality.suites import build_source_health_suite, build_tagged_suite

AUDIT_CHECKPOINT = "curated_audit"
CURATED_DATASOURCE = "jobmarket_curated"


def lake_gx_context(settings: Settings | None = None):
    """The lake's file data context (``configure_file_data_context`` of the
    provider's GXValidateCheckpointOperator)."""
    return gx_context(Lake((settings or Settings.from_env()).lake))


def curated_audit_checkpoint(gx_ctx, dt: date | None = None, settings: Settings | None = None):
    """A checkpoint validating the published partitions of ``dt`` (the task's
    partition date when run by Airflow): curated/postings with the tagged
    suite, curated/source_health with the source_health suite. Its actions
    store the results and rebuild Data Docs."""
    import great_expectations as gx
    from jobmarket.quality.runner import BATCH_DEFINITION

    if dt is None:
        from airflow.sdk import get_current_context
        from jobmarket.core.runctx import partition_date

        dt = partition_date(get_current_context())
    lake = Lake((settings or Settings.from_env()).lake)
    base = lake.root if lake.is_local else _local_copy(lake, dt)
    source = gx_ctx.data_sources.add_or_update_pandas_filesystem(CURATED_DATASOURCE, base_directory=str(base))
    vds = []
    for table, build in ((POSTINGS, build_tagged_suite), (SOURCE_HEALTH, build_source_health_suite)):
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
            actions=lake_actions(lake),
            result_format={"result_format": "SUMMARY"},
        )
    )


def _local_copy(lake: Lake, dt: date):
    """The audited partitions of ``dt`` copied from an object-store lake to a
    folder on this machine, in the lake layout: GX's filesystem datasource
    reads local paths only. The copy is of the committed files, so the audit
    sees exactly what readers see."""
    base = lake.local_dir("audit_copy")
    for table in (POSTINGS, SOURCE_HEALTH):
        src = lake.partition_dir(table.path, dt) / "part-0.parquet"
        dst = base / table.path / f"dt={dt}" / "part-0.parquet"
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.unlink(missing_ok=True)
        if src.is_file():
            dst.write_bytes(src.read_bytes())
    return base
