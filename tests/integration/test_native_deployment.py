"""The production deployment, run natively: docker-compose.yaml's services as
processes on real PostgreSQL + Redis, the lake on an S3-compatible server and
two Celery workers that share no local disk (see conftest.py), driven through
the REST API like an operator would.

The tests share one deployment and run in file order: the nightly run's
partition is the baseline the interrupted run is compared with.
"""

from __future__ import annotations

import time

import pytest

from tests.integration.conftest import DAG_ID
from tests.support import CRAWL_DATE

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

BACKFILL_DATES = ["2026-08-20", "2026-08-21"]
RESULTS: dict = {}


def _partition(lake, dt: str):
    """The rows a run publishes for its own date, read back from the bucket:
    `curated/observations` where the pipeline has that table (curated/postings
    then holds versions, derived across dates), else `curated/postings`."""
    table = "curated/observations" if lake.partition_dates("curated/observations") else "curated/postings"
    assert dt in lake.partition_dates(table), f"no published partition {table}/dt={dt}"
    df = lake.dataset(table, [dt]).to_table().to_pandas()
    cols = [c for c in df.columns if c != "run_id"]  # run_id is provenance: it names the run
    key = [c for c in ("posting_id", "version_id") if c in cols] or cols[:1]
    return df[cols].sort_values(key).reset_index(drop=True)


def _task_logs(stack, worker: str) -> list:
    return [p for p in stack.host_path(worker, "/opt/airflow/logs").rglob("*") if p.is_file() and "dag_id=" in str(p)]


def _assert_all_succeeded(api, run_id: str) -> dict[str, str]:
    states = api.ti_states(DAG_ID, run_id)
    # skipped: the scrape tasks of families the sources file does not configure
    bad = {k: v for k, v in states.items() if not v.startswith(("success", "skipped"))}
    assert not bad, f"{run_id}: tasks not successful: {bad}"
    assert any(k.startswith("scrape") and v.startswith("success") for k, v in states.items()), states
    return states


def test_deployment_is_up(deployment):
    """Every compose service that runs is healthy by its own compose health
    check, and the API reports the scheduler, dag processor and triggerer."""
    stack = deployment.stack
    assert set(stack.running) == {
        "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", *deployment.workers,
    }
    assert stack.completed == {"airflow-init": 0}
    health = deployment.api.get("/monitor/health")
    for component in ("metadatabase", "scheduler", "dag_processor", "triggerer"):
        assert health[component]["status"] == "healthy", health
    pools = {p["name"]: p["slots"] for p in deployment.api.get("/pools", limit=100)["pools"]}
    from jobmarket.sources.config import KNOWN_FAMILIES

    assert {f"jobmarket_{f}" for f in KNOWN_FAMILIES} <= set(pools), pools


def test_nightly_run_then_backfill(deployment):
    api, lake = deployment.api, deployment.lake
    dag = api.wait_for_dag(DAG_ID)
    assert dag["is_paused"] is True, "DAGs start paused (AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION)"
    assert api.get("/importErrors")["total_entries"] == 0
    api.unpause(DAG_ID)

    t0 = time.monotonic()
    run_id = "it_nightly_" + CRAWL_DATE
    api.trigger(DAG_ID, f"{CRAWL_DATE}T00:00:00Z", run_id)
    run = api.wait_run(DAG_ID, run_id, timeout=300)
    RESULTS["nightly_seconds"] = time.monotonic() - t0
    assert run["state"] == "success", api.ti_states(DAG_ID, run_id)
    states = _assert_all_succeeded(api, run_id)
    baseline = _partition(lake, CRAWL_DATE)
    assert len(baseline) > 0 and baseline["posting_id"].is_unique
    assert set(baseline["source"]) == {"greenhouse", "lever", "ashby"}
    RESULTS["baseline"] = baseline
    RESULTS["nightly_run_id"] = run_id
    RESULTS["nightly_tasks"] = states
    print(f"\nnightly run {run_id}: {RESULTS['nightly_seconds']:.1f}s, {len(baseline)} rows, tasks {states}")

    t0 = time.monotonic()
    backfill = api.request("POST", "/backfills", json={
        "dag_id": DAG_ID,
        "from_date": f"{BACKFILL_DATES[0]}T00:00:00Z",
        "to_date": f"{BACKFILL_DATES[-1]}T00:00:00Z",
        "max_active_runs": 1,
    })
    deadline = time.monotonic() + 420
    while time.monotonic() < deadline:
        runs = [r for r in api.runs(DAG_ID) if r["run_type"] == "backfill"]
        if len(runs) == len(BACKFILL_DATES) and all(r["state"] in ("success", "failed") for r in runs):
            break
        time.sleep(2)
    else:
        raise TimeoutError(f"backfill {backfill['id']} unfinished: {[(r['dag_run_id'], r['state']) for r in runs]}")
    RESULTS["backfill_seconds"] = time.monotonic() - t0
    assert sorted(r["logical_date"][:10] for r in runs) == BACKFILL_DATES
    for r in runs:
        assert r["state"] == "success", api.ti_states(DAG_ID, r["dag_run_id"])
        _assert_all_succeeded(api, r["dag_run_id"])
    assert lake.partition_dates("curated/postings") == sorted([*BACKFILL_DATES, CRAWL_DATE])
    for dt in BACKFILL_DATES:
        df = _partition(lake, dt)
        assert len(df) > 0 and df["posting_id"].is_unique
        date_cols = [c for c in ("scraped_date", "dt", "partition_date") if c in df.columns]
        for c in date_cols:
            assert (df[c].astype(str).str[:10] == dt).all(), f"{c}: each run writes its own date"
    print(f"backfill {BACKFILL_DATES}: {RESULTS['backfill_seconds']:.1f}s")

    # Both workers ran tasks, and handed off through the bucket alone: no
    # lake file sits in either worker's data volume.
    stack, workers = deployment.stack, deployment.workers
    logs = {w: len(_task_logs(stack, w)) for w in workers}
    assert all(logs.values()), f"task log files per worker: {logs}"
    if not lake.is_local:
        assert len(workers) == 2
        for w in workers:
            data = stack.host_path(w, "/opt/airflow/data")
            assert not data.exists() or not any(p.is_file() for p in data.rglob("*")), w
        assert stack.host_path(workers[0], "/opt/airflow/logs") != stack.host_path(workers[1], "/opt/airflow/logs")
    from jobmarket.report.views import connect

    per_date = dict(connect(lake.location.uri).sql(
        "select cast(dt as varchar), count(*) from observations group by 1").fetchall())
    assert per_date == {d: len(_partition(lake, d)) for d in sorted([*BACKFILL_DATES, CRAWL_DATE])}
    print(f"task log files per worker: {logs}")


def test_worker_killed_mid_run_is_recovered(deployment):
    """Rerun the nightly date and SIGKILL both Celery workers (each one's whole
    process group, as when containers die) while `validate` or `tag` runs;
    new workers are started. The
    scheduler finds the task without a heartbeat, fails it into a retry, the
    new worker runs it again, and the run publishes the same rows as the
    undisturbed nightly run of the same date."""
    api, stack, lake = deployment.api, deployment.stack, deployment.lake
    if "baseline" not in RESULTS:
        pytest.skip("needs the undisturbed nightly run of test_nightly_run_then_backfill")
    # A date has one run; rerunning it is clearing it (raw is immutable and
    # reused, the partitions are rewritten), so the rows must come out equal.
    run_id = RESULTS["nightly_run_id"]
    api.request("POST", f"/dags/{DAG_ID}/clearTaskInstances", json={
        "dag_run_id": run_id, "dry_run": False, "only_failed": False, "reset_dag_runs": True,
    })
    targets = ("validate", "tag")
    victim = None
    t0 = time.monotonic()
    while victim is None and time.monotonic() - t0 < 300:
        tis = api.task_instances(DAG_ID, run_id)
        running = [ti for ti in tis if ti["task_id"] in targets and ti["state"] == "running"]
        if running:
            victim = running[0]
            break
        done = {ti["task_id"] for ti in tis if ti["state"] == "success"}
        assert not set(targets) <= done, f"{targets} finished before they were seen running: {api.ti_states(DAG_ID, run_id)}"
        time.sleep(0.2)
    assert victim is not None, f"never saw {targets} running: {api.ti_states(DAG_ID, run_id)}"
    killed_at = time.monotonic()
    for w in deployment.workers:
        stack.kill(w)
    print(f"\nSIGKILLed every worker while {victim['task_id']} (try {victim['try_number']}) was running")

    for w in deployment.workers:
        stack.start(w)
    for w in deployment.workers:
        stack.wait_healthy(w, timeout=120)
    run = api.wait_run(DAG_ID, run_id, timeout=300)
    recovered = time.monotonic() - killed_at
    assert run["state"] == "success", api.ti_states(DAG_ID, run_id)
    tis = {ti["task_id"]: ti for ti in api.task_instances(DAG_ID, run_id)}
    again = tis[victim["task_id"]]
    assert again["state"] == "success"
    assert again["try_number"] > victim["try_number"], "the interrupted task ran again as a new try"
    _assert_all_succeeded(api, run_id)
    import pandas as pd

    pd.testing.assert_frame_equal(_partition(lake, CRAWL_DATE), RESULTS["baseline"])
    print(f"{victim['task_id']} retried as try {again['try_number']}; run succeeded {recovered:.1f}s after the "
          f"kill with the same {len(RESULTS['baseline'])} rows as the undisturbed run")
