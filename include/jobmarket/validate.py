"""Validate step: Great Expectations suites defined in code, run by a checkpoint.

Row-level expectations quarantine the rows that fail them (with the names of
the failed expectations and the offending values); the good rows continue.
Table-level expectations (the column set) and a quarantine rate above the
configured ceiling mean something systemic broke, and fail the step loudly.

The GX project is file-based and lives with the lake (``<lake>/gx``); every run
adds its validation results and rebuilds the Data Docs site at
``<lake>/gx/uncommitted/data_docs/local_site/index.html``.

``great_expectations`` takes several seconds to import, so it is imported
inside the functions here, never at module or DAG-file top level.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, date, datetime, timedelta
from typing import Any

from jobmarket.config import Settings
from jobmarket.lake import Lake
from jobmarket.schema import NORMALIZED, QUARANTINE

log = logging.getLogger(__name__)

ROW = "_row"  # positional row id handed to GX so failures map back to rows
SUITE_NAME = "normalized_postings"
MAX_QUARANTINE_FRACTION = float(os.environ.get("JOBMARKET_MAX_QUARANTINE_FRACTION", "0.5"))

# Expectations whose failures are about single rows (quarantine them); any
# other failing expectation is about the batch as a whole (fail the step).
ROW_LEVEL = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_unique",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b",
}


class ValidationFailed(RuntimeError):
    """The batch is systemically broken; nothing of it should be published."""


def build_suite(dt: date):
    """The normalized-postings suite. Bounds that depend on time use the
    partition date, not the clock, so a backfill validates like the night did."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name=SUITE_NAME)
    suite.add_expectation(
        gxe.ExpectTableColumnsToMatchSet(column_set=NORMALIZED.column_names + [ROW], exact_match=True)
    )
    for col in ("posting_id", "title", "url", "company", "source", "board"):
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=col))
    suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column="posting_id"))
    suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(column="url", regex=r"^https?://[^\s/]+"))
    latest = datetime.combine(dt + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    earliest = datetime(2000, 1, 1, tzinfo=UTC)
    for col in ("posted_at", "updated_at"):
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeBetween(column=col, min_value=earliest, max_value=latest)
        )
    for col in ("salary_min", "salary_max"):
        suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column=col, min_value=0, strict_min=True))
    suite.add_expectation(
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="salary_max", column_B="salary_min", or_equal=True, ignore_row_if="either_value_is_missing"
        )
    )
    return suite


def _context(lake: Lake):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root = lake.root / "gx_project"
    root.mkdir(parents=True, exist_ok=True)
    ctx = gx.get_context(mode="file", project_root_dir=str(root))
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def data_docs_index(lake: Lake):
    return lake.root / "gx_project" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def run_checkpoint(df, dt: date, lake: Lake, run_name: str):
    """Run the suite through a GX checkpoint (validation results are stored
    and Data Docs rebuilt by the checkpoint's own actions)."""
    import great_expectations as gx

    ctx = _context(lake)
    source = ctx.data_sources.add_or_update_pandas("jobmarket")
    try:
        asset = source.get_asset("normalized_postings")
    except LookupError:
        asset = source.add_dataframe_asset("normalized_postings")
    try:
        batch_def = asset.get_batch_definition("whole_partition")
    except (KeyError, LookupError):
        batch_def = asset.add_batch_definition_whole_dataframe("whole_partition")
    suite = ctx.suites.add_or_update(build_suite(dt))
    vd = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=SUITE_NAME, data=batch_def, suite=suite)
    )
    checkpoint = ctx.checkpoints.add_or_update(
        gx.Checkpoint(
            name="nightly_normalized_postings",
            validation_definitions=[vd],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]},
        )
    )
    return checkpoint.run(
        batch_parameters={"dataframe": df},
        run_id=gx.RunIdentifier(run_name=run_name),
    )


def _expectation_label(cfg) -> str:
    kwargs = cfg.kwargs
    cols = kwargs.get("column") or ",".join(str(kwargs.get(k)) for k in ("column_A", "column_B") if kwargs.get(k))
    return f"{cfg.type}({cols})" if cols else cfg.type


def validate_frame(df, dt: date, lake: Lake, run_name: str) -> tuple[Any, list[dict], list[dict]]:
    """Validate a normalized DataFrame. Returns (good rows, quarantine rows, results)."""
    import pandas as pd

    df = df.reset_index(drop=True)
    df[ROW] = range(len(df))
    result = run_checkpoint(df, dt, lake, run_name)

    failures: dict[int, list[str]] = {}
    offending: dict[int, dict[str, Any]] = {}
    results: list[dict] = []
    systemic: list[str] = []
    for vr in result.run_results.values():
        for r in vr.results:
            cfg = r.expectation_config
            label = _expectation_label(cfg)
            res = r.result or {}
            results.append(
                {
                    "expectation": label,
                    "success": bool(r.success),
                    "unexpected_count": res.get("unexpected_count"),
                    "observed_value": json.dumps(res.get("observed_value"), default=str)
                    if "observed_value" in res
                    else None,
                }
            )
            if r.success:
                continue
            if cfg.type not in ROW_LEVEL:
                systemic.append(f"{label}: observed {res.get('observed_value')}")
                continue
            idx = [item[ROW] for item in res.get("unexpected_index_list") or []]
            if cfg.type == "expect_column_values_to_be_unique":
                # Keep the first occurrence of a duplicated id; the repeats go.
                col = cfg.kwargs["column"]
                dup = df.loc[idx, [ROW, col]].sort_values(ROW)
                idx = dup.loc[dup.duplicated(subset=[col], keep="first"), ROW].tolist()
            cols = [c for c in (cfg.kwargs.get("column"), cfg.kwargs.get("column_A"), cfg.kwargs.get("column_B")) if c]
            for i in idx:
                failures.setdefault(i, []).append(label)
                for c in cols:
                    offending.setdefault(i, {})[c] = df.at[i, c]
    if systemic:
        raise ValidationFailed(f"validation of {dt} failed at batch level: " + "; ".join(systemic))

    bad = sorted(failures)
    if len(df) and len(bad) / len(df) > MAX_QUARANTINE_FRACTION:
        raise ValidationFailed(
            f"validation of {dt}: {len(bad)} of {len(df)} rows ({len(bad) / len(df):.0%}) failed row-level "
            f"expectations, above the {MAX_QUARANTINE_FRACTION:.0%} ceiling: a scraper or board is broken"
        )
    quarantine = []
    records = df.loc[bad].drop(columns=[ROW]).to_dict(orient="records") if bad else []
    for i, rec in zip(bad, records, strict=True):
        quarantine.append(
            {
                "scraped_date": dt,
                "posting_id": rec.get("posting_id") if isinstance(rec.get("posting_id"), str) else None,
                "source": rec.get("source") if isinstance(rec.get("source"), str) else None,
                "board": rec.get("board") if isinstance(rec.get("board"), str) else None,
                "failed_expectations": failures[i],
                "offending_values_json": json.dumps(offending.get(i, {}), default=str, sort_keys=True),
                "record_json": json.dumps(rec, default=str, sort_keys=True, ensure_ascii=False),
                "run_id": str(rec.get("run_id")),
            }
        )
    good = df.drop(index=bad).drop(columns=[ROW]).reset_index(drop=True)
    assert isinstance(good, pd.DataFrame)
    return good, quarantine, results


def validate_date(dt: date, *, settings: Settings | None = None, run_id: str = "cli") -> dict[str, Any]:
    """Validate the normalized partition of ``dt``; write good rows and quarantine."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jobmarket.transform import NORMALIZED_STEP, QUARANTINE_STEP, VALIDATED_STEP, PipelineError

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    path = lake.partition_dir(f"work/{NORMALIZED_STEP}", dt) / "part-0.parquet"
    if not path.is_file():
        raise PipelineError(f"missing input {path}: run parse for {dt} first")
    table = pq.read_table(path)
    df = table.to_pandas(types_mapper=None)
    good, quarantine, results = validate_frame(df, dt, lake, run_name=f"{dt}__{run_id}")
    schema = NORMALIZED.arrow_schema()
    good_table = pa.Table.from_pandas(good, schema=schema, preserve_index=False)
    lake.write_partition(f"work/{VALIDATED_STEP}", dt, good_table)
    lake.write_partition(
        f"work/{QUARANTINE_STEP}", dt, pa.Table.from_pylist(quarantine, schema=QUARANTINE.arrow_schema())
    )
    lake.write_json(lake.work_dir("validation", dt) / "results.json", results)
    return {
        "dt": str(dt),
        "parsed": len(df),
        "valid": len(good),
        "quarantined": len(quarantine),
        "failed_expectations": [r["expectation"] for r in results if not r["success"]],
        "data_docs": str(data_docs_index(lake)),
    }
