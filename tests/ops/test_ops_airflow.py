"""A bad night in a real Airflow run (`dag.test()`): Lever's only board is
gone and a quality gate holds Greenhouse back. A webhook on 127.0.0.1 gets
one message per cause through the Apprise connection, the OpenLineage file
transport gets START and COMPLETE (or FAIL) events for every task naming its
datasets, and curated/runs has the night's row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.ops.receivers import Webhook
from tests.support import CRAWL_DATE, REPO, replay_sources
from tests.test_dag import airflow_home, migrated_db, run_dag  # noqa: F401 - fixtures

pytestmark = pytest.mark.airflow


def _quality_file(tmp_path: Path) -> Path:
    """The shipped quality config, with Greenhouse allowed no quarantined row at all."""
    doc = yaml.safe_load((REPO / "include" / "config" / "quality.yaml").read_text())
    doc["sources"] = {"greenhouse": {"quarantine_rate": {"severity": "fail", "max_fraction": 0.0}}}
    path = tmp_path / "quality.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _land_broken_stripe(lake: Path) -> None:
    """Stripe's board as the night found it: one posting dated in the future."""
    from jobmarket.core.lake import Lake

    from tests.quality.helpers import land, today_body

    body = today_body("stripe")
    body["jobs"][0]["first_published"] = "2031-01-01T09:00:00-05:00"
    land(Lake(lake), "greenhouse", "stripe", CRAWL_DATE, body)


def _events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_bad_night_notifies_once_per_cause_and_emits_lineage(fixtures_dir, airflow_home, tmp_path):  # noqa: F811
    import pandas as pd
    from jobmarket.replay import ReplayServer, fixture_bundle

    bundle = fixture_bundle(fixtures_dir, CRAWL_DATE)
    bundle.boards["greenhouse"] = ["stripe"]
    lake = tmp_path / "lake"
    _land_broken_stripe(lake)
    ol_file = tmp_path / "openlineage.jsonl"
    with ReplayServer(bundle) as server, Webhook() as hook:
        sources = replay_sources(bundle, server.url, tmp_path, lever=["no-such-board"])
        result = run_dag(
            airflow_home, lake, sources.path, CRAWL_DATE, "--no-retries",
            env={
                "AIRFLOW_CONN_JOBMARKET_ALERTS": hook.apprise_conn(),
                "JOBMARKET_QUALITY": str(_quality_file(tmp_path)),
                "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
                    {"type": "file", "log_file_path": str(ol_file), "append": True}),
                "AIRFLOW__OPENLINEAGE__EXTRACTORS": "jobmarket.ops.ol_extractor.JobmarketExtractor",
                "AIRFLOW__OPENLINEAGE__NAMESPACE": "jobmarket-test",
            },
        )
    states = {k: v["state"] for k, v in result["tasks"].items()}
    assert result["state"] == "failed", result
    assert states["check_sources"] == "failed" and states["check_quality"] == "failed"
    assert states["record_run"] == "success"

    # The webhook: exactly one message per cause.
    titles = sorted(m["title"] for m in hook.messages)
    print("WEBHOOK", json.dumps(hook.messages, indent=1))
    assert titles == sorted([
        f"[jobmarket] {CRAWL_DATE}: nightly run failed (check_quality, check_sources, scrape_lever[0])",
        f"[jobmarket] {CRAWL_DATE}: 1 quality gate(s) failed, 0 warned",
        f"[jobmarket] {CRAWL_DATE}: every board failed for lever",
    ]), titles
    by_title = {m["title"]: m for m in hook.messages}
    failed = by_title[titles[2]] if "nightly run failed" in titles[2] else next(
        m for m in hook.messages if "nightly run failed" in m["title"])
    assert "/dags/job_market_nightly/runs/" in failed["message"] and "/tasks/scrape_lever/mapped/0" in failed["message"]
    assert "Sources with failed boards: lever" in failed["message"]
    gate = next(m for m in hook.messages if "quality gate" in m["title"])
    assert "FAIL greenhouse quarantine_rate" in gate["message"] and "held back" in gate["message"]
    assert {m["type"] for m in hook.messages} == {"failure"}

    # curated/runs: the night's row, readable by pandas.
    runs = pd.read_parquet(lake / "curated" / "runs")
    assert len(runs) == 1
    row = runs.iloc[0]
    assert row["status"] == "failed" and row["run_id"] == result["run_id"]
    assert list(row["sources_dead"]) == ["lever"] and list(row["sources_ok"]) == ["ashby", "greenhouse"]
    assert list(row["gates_tripped"]) == ["fail:greenhouse:quarantine_rate"]
    assert row["held_back_rows"] > 0 and row["start"] <= row["end"]
    assert json.loads(row["rows_json"])["observations"] == row["observations"] > 0

    # OpenLineage: START and a terminal event for every task that ran.
    events = _events(ol_file)
    ran = {k.split("[")[0] for k, s in states.items() if s in ("success", "failed")}
    by_task: dict[str, set[str]] = {}
    outputs: dict[str, set[str]] = {}
    inputs: dict[str, set[str]] = {}
    for e in events:
        job = e["job"]["name"]
        if "." not in job:
            continue  # the DAG's own events
        task = job.split(".", 1)[1]
        by_task.setdefault(task, set()).add(e["eventType"])
        root = str(lake) + "/"
        outputs.setdefault(task, set()).update(o["name"].removeprefix(root) for o in e.get("outputs", []))
        inputs.setdefault(task, set()).update(i["name"].removeprefix(root) for i in e.get("inputs", []))
    print("OPENLINEAGE", {t: sorted(v) for t, v in sorted(by_task.items())}, len(events))
    for task in ran:
        assert "START" in by_task.get(task, set()), task
        assert by_task[task] & {"COMPLETE", "FAIL"}, task
    d = f"dt={CRAWL_DATE}"
    # curate also names its Asset (the provider adds a task's outlets).
    assert outputs["curate"] - {"/jobmarket/curated/postings"} == {
        f"curated/{t}/{d}" for t in ("postings", "skills", "posting_lifecycle", "market_daily")}
    assert outputs["publish"] == {f"curated/{t}/{d}" for t in
                                  ("observations", "quarantine", "source_health", "validation_runs", "gate_results")}
    assert outputs["record_run"] == {f"curated/runs/{d}"}
    assert outputs["scrape_greenhouse"] == {f"raw/source=greenhouse/{d}"}
    assert inputs["parse"] == {f"raw/source={f}/{d}" for f in ("ashby", "greenhouse", "lever")} - {
        f"raw/source=lever/{d}"} | ({f"raw/source=lever/{d}"} if (lake / "raw" / "source=lever").exists() else set())
    curated = {o for t in ("publish", "curate", "record_run") for o in outputs[t] if o.startswith("curated/")}
    assert {p.split("/")[1] for p in curated} == {
        "observations", "quarantine", "source_health", "validation_runs", "gate_results",
        "postings", "skills", "posting_lifecycle", "market_daily", "runs"}, "every curated table is named"
    complete = next(e for e in events if e["job"]["name"].endswith(".publish") and e["eventType"] == "COMPLETE")
    obs = next(o for o in complete["outputs"] if o["name"].endswith(f"curated/observations/{d}"))
    assert obs["namespace"] == "file"
    fields = {f["name"]: f for f in obs["facets"]["schema"]["fields"]}
    assert fields["posting_id"]["type"] == "string" and fields["posting_id"]["description"]
    assertions = obs["facets"]["dataQualityAssertions"]["assertions"]
    assert {"assertion": "min_le_max", "column": "salary", "success": True} in [
        {k: a.get(k) for k in ("assertion", "column", "success")} for a in assertions]
    # The quarantine_rate gate's cause is on the input of tag: the validated rows' suite results.
    assert by_task["tag"] >= {"START", "COMPLETE"}


def test_the_dag_has_a_six_hour_deadline_and_a_teardown_that_records_the_night(monkeypatch):
    from datetime import timedelta

    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import DeadlineReference

    monkeypatch.delenv("JOBMARKET_DEADLINE_MINUTES", raising=False)
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    dag = DagBag(dag_folder=str(REPO / "dags")).dags["job_market_nightly"]
    [alert] = dag.deadline
    assert alert.reference == DeadlineReference.DAGRUN_QUEUED_AT and alert.interval == timedelta(hours=6)
    assert alert.callback.path == "jobmarket.ops.deadline.night_overdue"
    record = dag.get_task("record_run")
    assert record.is_teardown and record.upstream_task_ids == {"check_sources", "check_quality", "audit_curated"}
    monkeypatch.setenv("JOBMARKET_DEADLINE_MINUTES", "off")
    assert not DagBag(dag_folder=str(REPO / "dags")).dags["job_market_nightly"].deadline
