"""The operations package without Airflow running: the night's curated/runs
row, the messages it composes (sent once per run and cause to a webhook on
127.0.0.1) and the datasets each task names for lineage."""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pytest

from tests.ops.receivers import Webhook

DT = date(2026, 8, 22)


def _partition(lake, table, rows):
    lake.write_partition(table.path, DT, pa.Table.from_pylist(rows, schema=table.arrow_schema()))


def _health(source, board, status, error=None):
    return {"scraped_date": DT, "source": source, "family": source, "board": board, "status": status,
            "http_status": "404:1" if error else "200:1", "requests": 1, "retries": 0, "bytes": 10,
            "duration_s": 0.1, "postings_found": None if error else 3, "error": error, "run_id": "r"}


def _gate(source, gate, outcome, held=0, board=None):
    return {"scraped_date": DT, "run_id": "r", "source": source, "board": board, "gate": gate, "field": None,
            "severity": outcome if outcome in ("warn", "fail") else "fail", "outcome": outcome,
            "observed": 0.6, "baseline": 100.0, "threshold": 0.5, "history_dates": 9,
            "held_back_rows": held, "message": f"{source}: {gate} numbers"}


@pytest.fixture()
def bad_night(lake_dir):
    """A published night: Lever's only board failed, Greenhouse's volume gate failed, Ashby's schema drifted."""
    from jobmarket.core.lake import Lake
    from jobmarket.core.schema import GATE_RESULTS, SOURCE_HEALTH

    lake = Lake(lake_dir)
    _partition(lake, SOURCE_HEALTH, [_health("greenhouse", "stripe", "ok"), _health("greenhouse", "airbnb", "failed", "HTTP 500"),
                                     _health("lever", "plaid", "failed", "HTTP 404"), _health("ashby", "ramp", "ok")])
    _partition(lake, GATE_RESULTS, [_gate("greenhouse", "volume_drop", "fail", held=120),
                                    _gate("ashby", "schema_drift", "warn"), _gate("ashby", "went_empty", "pass")])
    return lake


def test_runs_row_is_one_per_date_and_reads_back_in_duckdb(bad_night):
    import duckdb
    from jobmarket.core.settings import Settings
    from jobmarket.steps.record_run import record_run_date

    settings = Settings(lake=bad_night.root)
    first = record_run_date(DT, run_id="r1", settings=settings)
    again = record_run_date(DT, run_id="r2", settings=settings)
    assert first["status"] == again["status"] == "failed"
    rows = duckdb.sql(f"SELECT * FROM read_parquet('{bad_night.root}/curated/runs/*/*.parquet')").fetchall()
    assert len(rows) == 1, "a rerun of the date replaces its row"
    row = duckdb.sql(f"SELECT run_id, status, sources_ok, sources_failed, sources_dead, gates_tripped, held_back_rows "
                     f"FROM read_parquet('{bad_night.root}/curated/runs/*/*.parquet')").fetchall()[0]
    assert row == ("r2", "failed", ["ashby", "greenhouse"], ["greenhouse", "lever"], ["lever"],
                   ["fail:greenhouse:volume_drop", "warn:ashby:schema_drift"], 120)


def test_task_states_decide_the_status_and_name_mapped_tasks():
    from jobmarket.ops.runs import failed_tasks

    states = {"parse": "success", "scrape_lever_0": "failed", "scrape_lever_1": "success",
              "check_sources": "failed", "audit_curated": "upstream_failed", "sources_hn": "skipped"}
    assert failed_tasks(states) == ["audit_curated", "check_sources", "scrape_lever[0]"]


def test_a_bad_night_composes_one_message_per_cause(bad_night):
    from jobmarket.ops.notify import compose
    from jobmarket.ops.runs import gate_rows, health_rows, summarize

    run = summarize(bad_night, DT, run_id="scheduled__2026-08-23T00:00:00+00:00", end=None,
                    task_states={"scrape_lever_0": "failed", "check_sources": "failed", "publish": "success"})
    messages = compose(run, health=health_rows(bad_night, DT), gates=gate_rows(bad_night, DT),
                       base_url="https://airflow.example.org")
    assert [(m.cause, m.title, m.notify_type) for m in messages] == [
        ("run_failed", "[jobmarket] 2026-08-22: nightly run failed (check_sources, scrape_lever[0])", "failure"),
        ("quality_gates", "[jobmarket] 2026-08-22: 1 quality gate(s) failed, 1 warned", "failure"),
        ("sources_dead", "[jobmarket] 2026-08-22: every board failed for lever", "failure"),
    ]
    failed, gates, dead = (m.body for m in messages)
    assert ("https://airflow.example.org/dags/job_market_nightly/runs/scheduled__2026-08-23T00%3A00%3A00%2B00%3A00"
            "/tasks/scrape_lever/mapped/0") in failed
    assert "Sources with failed boards: greenhouse, lever" in failed
    assert gates.splitlines()[2:] == ["- FAIL greenhouse volume_drop: greenhouse: volume_drop numbers (held back 120 rows)",
                                      "- WARN ashby schema_drift: ashby: schema_drift numbers (held back 0 rows)"]
    assert "- lever: plaid: HTTP 404" in dead


def test_a_good_night_composes_nothing(lake_dir):
    from jobmarket.core.lake import Lake
    from jobmarket.core.schema import GATE_RESULTS, SOURCE_HEALTH
    from jobmarket.ops.notify import compose
    from jobmarket.ops.runs import gate_rows, health_rows, summarize

    lake = Lake(lake_dir)
    _partition(lake, SOURCE_HEALTH, [_health("greenhouse", "stripe", "ok")])
    _partition(lake, GATE_RESULTS, [_gate("greenhouse", "volume_drop", "pass")])
    run = summarize(lake, DT, run_id="r", end=None, task_states={"parse": "success", "sources_hn": "skipped"})
    assert run["status"] == "success"
    assert compose(run, health=health_rows(lake, DT), gates=gate_rows(lake, DT)) == []


def test_messages_reach_the_webhook_once_per_run_and_cause(bad_night, monkeypatch):
    from jobmarket.ops.notify import Message, send

    messages = [Message("run_failed", "t1", "b1", "failure"), Message("sources_dead", "t2", "b2", "failure")]
    with Webhook() as hook:
        monkeypatch.setenv("AIRFLOW_CONN_JOBMARKET_ALERTS", hook.apprise_conn())
        assert send(bad_night, DT, "r1", messages) == ["run_failed", "sources_dead"]
        assert send(bad_night, DT, "r1", messages) == [], "a retry of the last task sends nothing again"
        assert send(bad_night, DT, "r2", messages[:1]) == ["run_failed"], "a new run of the date is a new event"
    assert [(m["title"], m["message"], m["type"]) for m in hook.messages] == [
        ("t1", "b1", "failure"), ("t2", "b2", "failure"), ("t1", "b1", "failure")]


def test_without_the_connection_nothing_is_sent(bad_night, monkeypatch):
    from jobmarket.ops.notify import Message, send

    monkeypatch.delenv("AIRFLOW_CONN_JOBMARKET_ALERTS", raising=False)
    monkeypatch.setenv("JOBMARKET_ALERTS_CONN_ID", "no_such_connection")
    assert send(bad_night, DT, "r1", [Message("run_failed", "t", "b", "failure")]) == []


def test_the_deadline_message_names_the_run():
    from jobmarket.ops.notify import deadline_message

    m = deadline_message({"dag_run_id": "scheduled__2026-08-23T00:00:00+00:00", "logical_date": "2026-08-22T00:00:00Z",
                          "queued_at": "2026-08-23T00:00:01Z", "start_date": "2026-08-23T00:00:05Z",
                          "state": "running"}, "2026-08-23T06:00:01Z")
    assert m.title == "[jobmarket] 2026-08-22: nightly run not finished by its deadline"
    assert "scheduled__2026-08-23T00:00:00+00:00" in m.body and "2026-08-23T06:00:01Z" in m.body


def test_every_task_names_its_datasets_with_schemas(bad_night):
    from jobmarket.ops.lineage import task_datasets, to_openlineage

    bad_night.raw_dir("greenhouse", "stripe", DT).mkdir(parents=True)
    names = {t: tuple([r.path for r in side] for side in task_datasets(t, DT, bad_night))
             for t in ("scrape_lever", "parse", "publish", "curate", "record_run", "check_sources", "sources_hn")}
    d = f"dt={DT}"
    assert names["scrape_lever"] == ([], [f"raw/source=lever/{d}"])
    assert names["parse"] == ([f"raw/source=greenhouse/{d}"], [f"work/normalized/{d}", f"work/health/{d}"])
    assert names["curate"][1] == [f"curated/{t}/{d}" for t in ("postings", "skills", "posting_lifecycle", "market_daily")]
    assert names["record_run"][1] == [f"curated/runs/{d}"]
    assert names["check_sources"] == ([f"curated/source_health/{d}"], [])
    assert names["sources_hn"] == ([], [])
    ins, outs = task_datasets("build_report", "2026-08-23", bad_night, map_label=str(DT))
    assert [o.path for o in outs] == [f"reports/{d}"], "a mapped report task names its own date"
    assert f"curated/market_daily/{d}" in [i.path for i in ins]
    ins, outs = task_datasets("publish", DT, bad_night)
    health = next(o for o in to_openlineage(outs, bad_night, kind="output") if o.name.endswith(f"source_health/{d}"))
    assert health.namespace == "file" and health.name == f"{bad_night.root}/curated/source_health/{d}"
    fields = {f.name: f.type for f in health.facets["schema"].fields}
    assert fields["status"] == "string" and fields["scraped_date"] == "date32"
    assert health.outputFacets["outputStatistics"].rowCount == 4
    assert json.loads(json.dumps(health.facets["documentation"].description))


def test_an_s3_lake_names_datasets_by_bucket_and_key(monkeypatch):
    """OpenLineage naming: namespace s3://<bucket>, name = the object key."""
    from jobmarket.core.lake import Lake
    from jobmarket.ops.lineage import DatasetRef, to_openlineage

    monkeypatch.delenv("JOBMARKET_LINEAGE_NAMESPACE", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    lake = Lake("s3://jobmarket/lake")
    (out,) = to_openlineage([DatasetRef(f"curated/postings/dt={DT}")], lake, kind="output")
    assert (out.namespace, out.name) == ("s3://jobmarket", f"lake/curated/postings/dt={DT}")
    (out,) = to_openlineage([DatasetRef("curated/runs")], Lake("s3://bare"), kind="output")
    assert (out.namespace, out.name) == ("s3://bare", "curated/runs")
