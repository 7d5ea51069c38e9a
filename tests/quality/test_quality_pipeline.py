"""validate -> tag -> validate_tagged -> publish -> audit on a real history:
a source held back by a gate, nothing dropped silently, and the Great
Expectations provider's operators run for real on our suites (which also
proves the provider works with the structlog we override it to)."""

from __future__ import annotations

import json

import pytest

from tests.quality.helpers import LEVER_PLAID, TODAY, today_body
from tests.quality.test_quality_gates import _run, _tripped

pytestmark = pytest.mark.usefixtures("fixtures_dir")


class _TI:
    def __init__(self):
        self.xcom: dict = {}

    def xcom_push(self, key, value):
        self.xcom[key] = value


def _publish(lake, dt):
    """Stand-in for publish_date once integrated (docs/quality.md): postings
    from work/tagged_valid, the quality partitions, source_health."""
    import pyarrow.parquet as pq
    from jobmarket.core.schema import GATE_RESULTS, QUARANTINE, SOURCE_HEALTH, VALIDATION_RUNS
    from jobmarket.steps.publish import quality_partitions

    parts = quality_partitions(lake, dt)
    for table in (QUARANTINE, VALIDATION_RUNS, GATE_RESULTS):
        lake.write_partition(table.path, dt, parts[table.name])
    for step, path in (("tagged_valid", "curated/postings"), ("health", SOURCE_HEALTH.path)):
        lake.write_partition(path, dt, pq.read_table(lake.partition_dir(f"work/{step}", dt)))


@pytest.mark.slow
def test_tenth_of_usual_postings_holds_the_source_back_end_to_end(hist):
    from datetime import UTC, datetime

    import pandas as pd
    from jobmarket.steps.audit_curated import curated_audit_checkpoint, lake_gx_context
    from jobmarket.steps.check_quality import QualityGateFailed, enforce_gates
    from jobmarket.steps.tag import tag_date
    from jobmarket.steps.validate_tagged import validate_tagged_date

    lake, settings, _ = hist
    night_start = datetime.now(UTC)
    plaid = json.loads(LEVER_PLAID.read_text())[:2]  # Lever returns a tenth of its 20 postings
    stripe = today_body("stripe")
    stripe["jobs"] = stripe["jobs"][:57]  # one Greenhouse board returns a tenth of its 570
    stripe["meta"]["total"] = 57
    parsed, summary, quarantine, gates = _run(hist, lever=plaid, greenhouse={"stripe": stripe})

    assert _tripped(gates) == [
        ("greenhouse", "stripe", "board_volume_drop", "warn", None),
        ("lever", None, "volume_drop", "fail", None),
        ("lever", "plaid", "board_volume_drop", "warn", None),
    ]
    fail = next(g for g in gates if g["outcome"] == "fail")
    assert fail["message"] == (
        "lever: 2 postings vs a trailing median of 20 over 7 date(s): a drop of 90%, above the allowed 50%")
    assert (fail["observed"], fail["baseline"], fail["threshold"], fail["held_back_rows"]) == (2.0, 20.0, 0.5, 2)
    warn = next(g for g in gates if g["outcome"] == "warn" and g["source"] == "greenhouse")
    assert warn["message"] == ("greenhouse/stripe: 57 postings vs a trailing median of 551 over 7 date(s): "
                               "a drop of 90%, above the allowed 80%")
    # Lever's rows are held back (quarantined with the gate's name), Greenhouse goes on.
    assert [(q["source"], q["failed_expectations"]) for q in quarantine] == [("lever", ["gate:volume_drop"])] * 2
    assert json.loads(quarantine[0]["offending_values_json"]) == {
        "gate:volume_drop": {"baseline": 20.0, "observed": 2.0, "threshold": 0.5}}
    assert summary["held_back"] == {"lever": 2}

    tag_date(TODAY, settings=settings)
    tagged = validate_tagged_date(TODAY, settings=settings, run_id="t")
    assert tagged["quarantined"] == 0
    _publish(lake, TODAY)

    postings = pd.read_parquet(lake.partition_dir("curated/postings", TODAY))
    quarantined = pd.read_parquet(lake.partition_dir("curated/quarantine", TODAY))
    assert set(postings["source"]) == {"greenhouse"}
    assert len(postings) + len(quarantined) == parsed["postings"], "nothing dropped silently"
    assert len(postings) == parsed["per_source"]["greenhouse"] and len(quarantined) == 2
    runs = pd.read_parquet(lake.partition_dir("curated/validation_runs", TODAY))
    assert set(runs["suite"]) == {"normalized_postings", "source_health", "tagged_postings"}
    url = runs[(runs["expectation"] == "url:not_null") & runs["source"].isna()].iloc[0]
    assert url["success"] and url["unexpected_count"] == 0 and url["element_count"] == parsed["postings"]
    gate_rows = pd.read_parquet(lake.partition_dir("curated/gate_results", TODAY))
    assert gate_rows["outcome"].value_counts()["fail"] == 1

    with pytest.raises(QualityGateFailed, match=r"source lever: gate volume_drop \(held back 2 rows\): lever: 2 "
                                                r"postings vs a trailing median of 20"):
        enforce_gates(TODAY, settings=settings)

    # The provider's checkpoint operator audits what was published, on the lake's file context.
    from great_expectations_provider.operators.validate_checkpoint import (
        GXValidateCheckpointOperator,
    )

    op = GXValidateCheckpointOperator(
        task_id="audit_curated",
        configure_checkpoint=lambda ctx: curated_audit_checkpoint(ctx, TODAY, settings),
        context_type="file",
        configure_file_data_context=lambda: lake_gx_context(settings),
    )
    ti = _TI()
    op.execute({"ti": ti, "params": {}})
    result = ti.xcom["return_value"]
    assert result["success"] is True
    assert result["statistics"]["evaluated_validations"] == 2
    assert all(e["success"] for v in result["validation_results"] for e in v["expectations"])
    # Data Docs are built once per night, by the night's record_run, with
    # every result of the night: the validation steps' and the audit's.
    docs = lake.root / "gx_project" / "gx" / "uncommitted" / "data_docs" / "local_site"
    assert not (docs / "validations").exists()
    from jobmarket.steps.record_run import record_run_date

    out = record_run_date(TODAY, run_id="t", start=night_start, settings=settings)
    assert out["data_docs"] == str(docs / "index.html") and (docs / "index.html").is_file()
    pages = {suite: len(list((docs / "validations" / suite).rglob("*.html")))
             for suite in ("normalized_postings", "source_health", "tagged_postings", "curated_tagged_postings",
                           "curated_source_health")}
    assert pages == dict.fromkeys(pages, 1), pages


def test_provider_dataframe_operator_runs_our_suite(fixtures_dir):
    """GXValidateDataFrameOperator with the normalized suite on Lever's real
    recording: passes as recorded, fails naming our expectation when broken."""
    from datetime import date

    import pyarrow as pa
    from great_expectations_provider.common.errors import GXValidationFailed
    from great_expectations_provider.operators.validate_dataframe import GXValidateDataFrameOperator
    from jobmarket.core.schema import NORMALIZED
    from jobmarket.quality.config import load_quality
    from jobmarket.quality.suites import ROW, build_normalized_suite, validation_frame
    from jobmarket.sources import BoardContext, get_adapter

    dt = date(2026, 8, 22)
    rows = get_adapter("lever").parse(LEVER_PLAID.read_bytes(), BoardContext(family="lever", board="plaid"))
    for r in rows:
        r.update(scraped_date=dt, run_id="t")

    def frame(broken: bool):
        df = pa.Table.from_pylist(rows, schema=NORMALIZED.arrow_schema()).to_pandas()
        df[ROW] = range(len(df))
        if broken:
            df.loc[0, "salary_currency"] = "$"
        return validation_frame(df)

    for broken in (False, True):
        op = GXValidateDataFrameOperator(
            task_id="validate_normalized_lever",
            configure_dataframe=lambda b=broken: frame(b),
            configure_expectations=lambda ctx: build_normalized_suite(dt, load_quality()),
            result_format="SUMMARY",
        )
        ti = _TI()
        if broken:
            with pytest.raises(GXValidationFailed) as exc:
                op.execute({"ti": ti})
            failed = [e for e in ti.xcom["return_value"]["expectations"] if not e["success"]]
            assert [e["expectation_type"] for e in failed] == ["expect_column_values_to_be_in_set"]
            assert "expect_column_values_to_be_in_set" in str(exc.value)
        else:
            op.execute({"ti": ti})
            assert ti.xcom["return_value"]["success"] is True


def test_one_normalized_checkpoint_serves_every_date(tmp_path):
    """The normalized suite takes its timestamp bound as an expectation
    parameter: one registered checkpoint for every night, and the bound
    still follows the partition date (a posting updated on D+3 is in the
    future for D and fine for D+3)."""
    import json as _json
    from datetime import UTC, date, datetime

    import pyarrow as pa
    from jobmarket.core.lake import Lake
    from jobmarket.core.schema import NORMALIZED
    from jobmarket.quality import runner
    from jobmarket.quality.config import load_quality
    from jobmarket.quality.suites import (
        NORMALIZED_SUITE,
        ROW,
        build_normalized_suite,
        normalized_parameters,
        validation_frame,
    )
    from jobmarket.sources import BoardContext, get_adapter

    d = date(2026, 8, 22)
    rows = get_adapter("lever").parse(LEVER_PLAID.read_bytes(), BoardContext(family="lever", board="plaid"))[:3]
    for r in rows:
        r.update(scraped_date=d, run_id="t", updated_at=datetime(2026, 8, 20, tzinfo=UTC))
    rows[1]["updated_at"] = datetime(2026, 8, 25, 12, tzinfo=UTC)
    df = pa.Table.from_pylist(rows, schema=NORMALIZED.arrow_schema()).to_pandas()
    df[ROW] = range(len(df))
    df = validation_frame(df)
    lake = Lake(tmp_path / "lake")
    failed, stamps = {}, []
    for day in (d, date(2026, 8, 25)):
        vr = runner.run_suite(lake, df, lambda: build_normalized_suite(None, load_quality()), f"{day}__t",
                              parameters=normalized_parameters(day))
        found = runner.interpret(vr, df, NORMALIZED_SUITE, day, "t")
        failed[day] = {i: names for i, names in found.failures.items()}
        stamps.append({p.name: p.stat().st_mtime_ns for p in runner.project_root(lake).rglob("checkpoints/*")})
    assert failed == {d: {1: ["updated_at:in_range"]}, date(2026, 8, 25): {}}
    registered = _json.loads((runner.project_root(lake) / runner.REGISTERED).read_text())
    assert list(registered) == [f"nightly_{NORMALIZED_SUITE}"]
    assert len(stamps[0]) == 1 and stamps[1] == stamps[0], "the second date re-registered the checkpoint"


def test_project_reads_no_config_variables_file(tmp_path):
    """GX parses the config variables file at every lookup of a project
    variable (about 70 times a checkpoint run); the project has none, so its
    context must not read one: a file GX cannot parse changes nothing, and
    an older project (with the setting) loses it on first use."""
    from jobmarket.core.lake import Lake
    from jobmarket.quality import runner

    lake = Lake(tmp_path / "lake")
    assert runner.run_suite(lake, pd_frame(), _tiny_suite, "2026-08-21__t").success  # registers an asset
    gx_dir = runner.project_root(lake) / "gx"
    yml = gx_dir / "great_expectations.yml"
    # An older project: the setting GX writes by default.
    yml.write_text(yml.read_text().replace("config_variables_file_path:",
                                           "config_variables_file_path: uncommitted/config_variables.yml", 1))
    variables = gx_dir / "uncommitted" / "config_variables.yml"
    variables.parent.mkdir(exist_ok=True)
    variables.write_text("a: 1\n")
    runner.gx_context(lake)
    assert "uncommitted/config_variables.yml" not in yml.read_text()
    variables.write_text("a: [unclosed\n")  # fails to parse if anything still reads it
    ctx = runner.gx_context(lake)
    assert ctx.variables.config_variables_file_path is None
    assert ctx.data_sources.get(runner.DATASOURCE).get_asset("tiny")  # the rest of the project is kept
    assert ctx.variables.progress_bars is not None  # a lookup: would parse the broken file if still read
    df = pd_frame()
    vr = runner.run_suite(lake, df, _tiny_suite, "2026-08-22__t", ctx)
    assert vr.success


def pd_frame():
    import pandas as pd
    from jobmarket.quality.suites import ROW

    return pd.DataFrame({"x": [1, 2, 3], ROW: [0, 1, 2]})


def _tiny_suite():
    import great_expectations as gx
    import great_expectations.expectations as gxe

    return gx.ExpectationSuite(name="tiny", expectations=[gxe.ExpectColumnValuesToBeBetween(column="x", min_value=0)])
