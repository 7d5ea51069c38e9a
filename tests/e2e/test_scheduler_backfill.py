"""A real Airflow (scheduler, DAG processor, API server, triggerer: `airflow
standalone` on SQLite) runs a three-date backfill created through the CLI.

The dates' raw was landed beforehand (the nights ran); the backfill runs
long after, so every run is outside the freshness window: it must not
scrape (the sources point at a dead port) and must rebuild exactly the
tables that building the dates directly gives.

The DAG is serialized, unpaused and the backfill created through the CLI
*before* the Airflow services start. On SQLite every writer takes one
database-wide lock: a `backfill create` racing the freshly started scheduler
and DAG processor for it can fail with `database is locked` (exit 1; Airflow
3.3 then removes the half-created backfill, apache/airflow#66726 and #68699),
and no wait-until condition makes such a race go away. With the services
down, nothing else writes while the CLI does, and every step is checked
before the next: the DAG is in the DB (`dags reserialize`, synchronous),
unpaused, and the backfill's three runs exist and are queued. Every CLI
call's exit code, stdout and stderr are kept in `airflow-cli.log` and printed
(pytest shows them when the test fails).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.support import FIXTURES, REPO

pytestmark = pytest.mark.integration
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
# Three consecutive dates, each given one history snapshot as its raw.
DATES = {"2026-08-20": "2026-08-16", "2026-08-21": "2026-08-19", "2026-08-22": "2026-08-22"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _land_raw(lake: Path) -> Path:
    """Scrape each date from the replayed snapshot; return an offline sources file."""
    from jobmarket.core.settings import Settings
    from jobmarket.replay import ReplayServer, history_bundle, sources_yaml
    from jobmarket.sources.config import load_sources
    from jobmarket.steps.scrape import scrape_source

    settings = Settings(lake=lake)
    for dt, snapshot in DATES.items():
        bundle = history_bundle(FIXTURES, snapshot)
        with ReplayServer(bundle) as server:
            path = lake / "replay.yaml"
            path.write_text(sources_yaml(bundle, server.url))
            scrape_source("greenhouse", date.fromisoformat(dt), settings=settings, sources=load_sources(path))
    doc = yaml.safe_load(path.read_text())
    src = doc["sources"]["greenhouse"]
    src["base_url"] = "http://127.0.0.1:9/greenhouse"  # nothing listens: any fetch would fail the run
    src.pop("options")  # not a replay: past dates are stale and must not be scraped
    offline = lake / "offline.yaml"
    offline.write_text(yaml.safe_dump(doc))
    return offline


class AirflowCli:
    """Runs `airflow ...` and keeps every call: exit code, time, stdout, stderr.

    Each call is appended to ``transcript`` and printed (pytest shows a
    failed test's output); a checked call that exits non-zero fails the test
    with its own stdout and stderr.
    """

    def __init__(self, env: dict[str, str], transcript: Path):
        self.env = env
        self.transcript = transcript

    def __call__(self, *args: str, check: bool = True, timeout: float = 180,
                 quiet: bool = False) -> subprocess.CompletedProcess:
        cmd = [AIRFLOW, *args]
        started = time.monotonic()
        try:
            proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:  # on POSIX its output is bytes, whatever `text` says
            out, err = (v.decode(errors="replace") if isinstance(v, bytes) else v or ""
                        for v in (exc.stdout, exc.stderr))
            proc = subprocess.CompletedProcess(cmd, f"timeout after {timeout:.0f}s", out, err)
        head = f"$ airflow {' '.join(args)}  -> exit {proc.returncode} in {time.monotonic() - started:.1f}s"
        record = f"{head}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}\n"
        with self.transcript.open("a") as f:
            f.write(record)
        print(head if quiet and proc.returncode == 0 else record, flush=True)
        if check and proc.returncode != 0:
            pytest.fail(record, pytrace=False)
        return proc


def _json_list(stdout: str) -> list[dict]:
    for line in stdout.splitlines():  # the CLI logs warnings on stdout before the JSON
        if line.startswith("[{") or line.strip() == "[]":
            return json.loads(line)
    return []


def _runs(cli: AirflowCli) -> list[dict]:
    return _json_list(cli("dags", "list-runs", "job_market_nightly", "-o", "json", check=False, quiet=True).stdout)


def _wait_until(what: str, condition, timeout: float, *, every: float = 5, alive=lambda: None,
                status=lambda: ""):
    """Poll ``condition`` until it returns something truthy (which is
    returned); fail after ``timeout`` seconds (saying ``status()``), or as
    soon as ``alive`` raises."""
    deadline = time.monotonic() + timeout
    while True:
        if result := condition():
            return result
        alive()
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}: {status()}", pytrace=False)
        time.sleep(every)


def test_backfill_through_a_real_scheduler(tmp_path):
    from jobmarket.core.settings import Settings
    from jobmarket.demo import airflow_env
    from jobmarket.pipeline import run_date
    from jobmarket.sources.config import load_sources

    if not (FIXTURES / "greenhouse-history").is_dir():
        pytest.skip("../shared/fixtures is not present")
    lake = tmp_path / "lake"
    lake.mkdir()
    offline = _land_raw(lake)
    reference = tmp_path / "reference"
    shutil.copytree(lake / "raw", reference / "raw")
    for dt in DATES:  # the same dates built directly, for comparison
        run_date(date.fromisoformat(dt), settings=Settings(lake=reference), sources=load_sources(offline), run_id="ref")

    port = _free_port()
    home = tmp_path / "airflow"
    env = airflow_env(
        {
            "JOBMARKET_LAKE": str(lake),
            "JOBMARKET_SOURCES": str(offline),
            "JOBMARKET_TASK_RETRY_DELAY_SECONDS": "1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            # Only the backfill's runs: no scheduled run of "yesterday" (it
            # would try to scrape for real) appears when the DAG is unpaused.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "PYTHONPATH": str(REPO),
        },
        home=home,
    )
    cli = AirflowCli(env, tmp_path / "airflow-cli.log")
    cli("db", "migrate", timeout=300)
    cli("pools", "import", str(REPO / "include" / "config" / "pools.json"))
    cli("dags", "reserialize")  # the DAG files parsed into the DB now, not by a DAG processor later
    cli("dags", "unpause", "job_market_nightly")  # a paused DAG's tasks are never scheduled
    dags = {d["dag_id"]: d for d in _json_list(cli("dags", "list", "-o", "json").stdout)}
    if str(dags.get("job_market_nightly", {}).get("is_paused")) != "False":  # the CLI prints it as text
        pytest.fail(f"job_market_nightly not serialized and unpaused: {dags.get('job_market_nightly')}\n"
                    + cli("dags", "list-import-errors", check=False).stdout, pytrace=False)
    cli("backfill", "create", "--dag-id", "job_market_nightly",
        "--from-date", min(DATES), "--to-date", max(DATES), "--max-active-runs", "1")
    created = [r for r in _runs(cli) if r["run_id"].startswith("backfill__")]
    assert sorted(r["logical_date"][:10] for r in created) == sorted(DATES), created
    assert {r["state"] for r in created} == {"queued"}, created

    log_path = tmp_path / "standalone.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([AIRFLOW, "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    started = time.monotonic()

    def alive() -> None:
        if proc.poll() is not None:
            pytest.fail(f"airflow standalone exited {proc.returncode}:\n{log_path.read_text()[-4000:]}",
                        pytrace=False)

    seen: list[dict] = []

    def finished() -> list[dict]:
        seen[:] = [r for r in _runs(cli) if r["run_id"].startswith("backfill__")]
        done = len(seen) == 3 and all(r["state"] in ("success", "failed") for r in seen)
        return list(seen) if done else []

    try:
        runs = _wait_until("the 3 backfill runs to finish", finished, 900, alive=alive,
                           status=lambda: f"runs {seen}")
        print(f"standalone start + 3-run backfill: {time.monotonic() - started:.0f}s")
        assert sorted(r["state"] for r in runs) == ["success"] * 3, runs
        assert sorted(r["logical_date"][:10] for r in runs) == sorted(DATES)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        print(f"--- {log_path} (tail) ---\n{log_path.read_text()[-4000:]}")

    for dt in DATES:
        health = pd.read_parquet(lake / "curated" / "source_health" / f"dt={dt}")
        assert set(health["status"]) == {"ok"} and (health["requests"] > 0).all(), "raw reused, not refetched"
        for table in ("observations", "postings", "posting_lifecycle", "market_daily"):
            got = pd.read_parquet(lake / "curated" / table / f"dt={dt}").drop(columns=["run_id"], errors="ignore")
            want = pd.read_parquet(reference / "curated" / table / f"dt={dt}").drop(columns=["run_id"], errors="ignore")
            pd.testing.assert_frame_equal(got, want, obj=f"{table} {dt}")
