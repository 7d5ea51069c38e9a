"""The Deadline Alert through a real scheduler and triggerer (`airflow
standalone` on SQLite): a night with a deadline shorter than it takes gets
one "not finished by its deadline" message at a webhook on 127.0.0.1,
through the same Apprise connection as the night's other messages.

Deadlines are checked by the scheduler and their callbacks run in the
triggerer, so `dag.test()` cannot show one. The date's raw is landed first
and the run is for a past date, so it rebuilds from raw and never scrapes;
the run is triggered through the CLI before the services start (see
tests/e2e/test_scheduler_backfill.py for why)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.e2e.test_scheduler_backfill import (
    AIRFLOW,
    AirflowCli,
    _free_port,
    _land_raw,
    _runs,
    _wait_until,
)
from tests.ops.receivers import Webhook
from tests.support import FIXTURES, REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]
DATE = "2026-08-22"


def test_a_late_night_sends_the_deadline_message(tmp_path):
    from jobmarket.demo import airflow_env

    if not (FIXTURES / "greenhouse-history").is_dir():
        pytest.skip("../shared/fixtures is not present")
    lake = tmp_path / "lake"
    lake.mkdir()
    offline = _land_raw(lake)
    port = _free_port()
    with Webhook() as hook:
        env = airflow_env(
            {
                "JOBMARKET_LAKE": str(lake),
                "JOBMARKET_SOURCES": str(offline),
                "JOBMARKET_TASK_RETRY_DELAY_SECONDS": "1",
                # 3 seconds after the run is queued: no run finishes that soon.
                "JOBMARKET_DEADLINE_MINUTES": "0.05",
                "AIRFLOW_CONN_JOBMARKET_ALERTS": hook.apprise_conn(),
                "AIRFLOW__API__PORT": str(port),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "PYTHONPATH": str(REPO),
                "NO_PROXY": "*", "no_proxy": "*",
            },
            home=tmp_path / "airflow",
        )
        cli = AirflowCli(env, tmp_path / "airflow-cli.log")
        cli("db", "migrate", timeout=300)
        cli("pools", "import", str(REPO / "include" / "config" / "pools.json"))
        cli("dags", "reserialize")
        cli("dags", "unpause", "job_market_nightly")
        cli("dags", "trigger", "job_market_nightly", "--logical-date", f"{DATE}T00:00:00+00:00")
        log_path = tmp_path / "standalone.log"
        log = open(log_path, "w")
        proc = subprocess.Popen([AIRFLOW, "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

        def alive() -> None:
            if proc.poll() is not None:
                pytest.fail(f"airflow standalone exited {proc.returncode}:\n{log_path.read_text()[-4000:]}",
                            pytrace=False)

        seen: list[dict] = []

        def finished() -> list[dict]:
            seen[:] = _runs(cli)
            return list(seen) if seen and all(r["state"] in ("success", "failed") for r in seen) else []

        try:
            _wait_until("the deadline message", lambda: hook.messages, 600, alive=alive,
                        status=lambda: f"runs {seen}")
            runs = _wait_until("the run to finish", finished, 900, alive=alive, status=lambda: f"runs {seen}")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()
            print(f"--- {log_path} (tail) ---\n{log_path.read_text()[-3000:]}")
        time.sleep(1)  # the last task's messages, if any, were sent before the run finished
    print("WEBHOOK", hook.messages)
    assert [r["state"] for r in runs] == ["success"], runs
    assert [m["title"] for m in hook.messages] == [f"[jobmarket] {DATE}: nightly run not finished by its deadline"]
    message = hook.messages[0]
    assert message["type"] == "warning" and runs[0]["run_id"] in message["message"]
