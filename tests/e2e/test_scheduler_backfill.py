"""A real Airflow (scheduler, DAG processor, API server, triggerer: `airflow
standalone` on SQLite) runs a three-date backfill created through the CLI.

The dates' raw was landed beforehand (the nights ran); the backfill runs
long after, so every run is outside the freshness window: it must not
scrape (the sources point at a dead port) and must rebuild exactly the
tables that building the dates directly gives.
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


def _airflow(env, *args, check=True, timeout=120):
    return subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, check=check, timeout=timeout)


def _runs(env) -> list[dict]:
    out = _airflow(env, "dags", "list-runs", "job_market_nightly", "-o", "json", check=False).stdout
    for line in out.splitlines():  # the CLI logs warnings on stdout before the JSON
        if line.startswith("[{") or line.strip() == "[]":
            return json.loads(line)
    return []


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
    _airflow(env, "db", "migrate", timeout=300)
    _airflow(env, "pools", "import", str(REPO / "include" / "config" / "pools.json"))
    log = open(tmp_path / "standalone.log", "w")
    proc = subprocess.Popen([AIRFLOW, "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    started = time.monotonic()
    try:
        deadline = time.monotonic() + 240
        while True:  # the DAG processor must have serialized the DAG first
            listed = _airflow(env, "dags", "list", "-o", "json", check=False).stdout
            if "job_market_nightly" in listed:
                break
            assert time.monotonic() < deadline, (tmp_path / "standalone.log").read_text()[-4000:]
            assert proc.poll() is None, (tmp_path / "standalone.log").read_text()[-4000:]
            time.sleep(3)
        _airflow(env, "dags", "unpause", "job_market_nightly")  # a paused DAG's tasks are never scheduled
        _airflow(env, "backfill", "create", "--dag-id", "job_market_nightly",
                 "--from-date", min(DATES), "--to-date", max(DATES), "--max-active-runs", "1")
        deadline = time.monotonic() + 900
        while True:
            runs = [r for r in _runs(env) if r["run_id"].startswith("backfill__")]
            states = sorted(r["state"] for r in runs)
            if len(runs) == 3 and all(s in ("success", "failed") for s in states):
                break
            assert time.monotonic() < deadline, f"backfill did not finish: {runs}"
            time.sleep(5)
        elapsed = time.monotonic() - started
        print(f"standalone start + 3-run backfill: {elapsed:.0f}s")
        assert states == ["success"] * 3, runs
        assert sorted(r["logical_date"][:10] for r in runs) == sorted(DATES)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()

    for dt in DATES:
        health = pd.read_parquet(lake / "curated" / "source_health" / f"dt={dt}")
        assert set(health["status"]) == {"ok"} and (health["requests"] > 0).all(), "raw reused, not refetched"
        for table in ("observations", "postings", "posting_lifecycle", "market_daily"):
            got = pd.read_parquet(lake / "curated" / table / f"dt={dt}").drop(columns=["run_id"], errors="ignore")
            want = pd.read_parquet(reference / "curated" / table / f"dt={dt}").drop(columns=["run_id"], errors="ignore")
            pd.testing.assert_frame_equal(got, want, obj=f"{table} {dt}")
