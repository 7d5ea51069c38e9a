"""``make run``: the nightly DAG end to end on the embedded default.

Starts the replay server (recorded real board responses; this machine has no
internet), writes a sources file pointing at it, prepares Airflow's SQLite
metadata DB and runs ``airflow dags test job_market_nightly <date>``: the real
DAG with real tasks, in one process. Then prints what was written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from jobmarket.core.settings import REPO_DIR, Settings


def airflow_env(extra: dict[str, str] | None = None, home: Path | None = None) -> dict[str, str]:
    """Environment for a local Airflow on SQLite with this repo's DAGs."""
    home = home or Path(os.environ.get("AIRFLOW_HOME") or REPO_DIR / ".airflow")
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # `airflow standalone` and executors start `airflow ...` subprocesses by name.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_DIR / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_DIR / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
            or f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "GX_ANALYTICS_ENABLED": "False",
            # `airflow dags test` runs no scheduler to check a Deadline Alert,
            # and cannot finish a successful run of a DAG with one (Airflow
            # 3.3.2; see dags/job_market_nightly.py). Services set their own.
            "JOBMARKET_DEADLINE_MINUTES": "off",
        }
    )
    env.update(extra or {})
    return env


def _print_task_outcomes(log_path: Path) -> None:
    """One line per task from the dags-test log, so the run reads at a glance."""
    import re

    pattern = re.compile(r"\[DAG TEST\] end task task_id=(\S+) map_index=(-?\d+)")
    failed = re.compile(r"Task failed|state=failed|TaskInstanceState.FAILED")
    ends = pattern.findall(log_path.read_text(errors="replace"))
    if ends:
        names = [t if m == "-1" else f"{t}[{m}]" for t, m in ends]
        print("tasks finished: " + ", ".join(names), flush=True)
    text = log_path.read_text(errors="replace")
    if failed.search(text):
        print("some task instances failed: see the log", flush=True)
    m = re.search(r"DagRun Finished: .*?state=(\w+)", text)
    if m:
        print(f"dag run state: {m.group(1)}", flush=True)


def _airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def run_demo(dt: date, use_airflow: bool = True) -> int:
    from jobmarket.pipeline import run_date
    from jobmarket.replay import ReplayServer, default_bundle, sources_yaml
    from jobmarket.summary import print_summary

    settings = Settings.from_env()
    settings.local_lake("jobmarket demo")  # the demo keeps its replay config and logs in the lake folder
    bundle = default_bundle()
    started = time.monotonic()
    with ReplayServer(bundle) as server:
        sources_file = settings.lake / "replay" / "sources.yaml"
        sources_file.parent.mkdir(parents=True, exist_ok=True)
        sources_file.write_text(sources_yaml(bundle, server.url))
        n_boards = sum(len(v) for v in bundle.boards.values())
        print(f"replay server {server.url}: {n_boards} boards from {bundle.origin}", flush=True)
        extra = {"JOBMARKET_SOURCES": str(sources_file), "JOBMARKET_LAKE": str(settings.lake)}
        if not use_airflow:
            os.environ.update(extra)
            from jobmarket.sources.config import load_sources

            out = run_date(dt, settings=settings, sources=load_sources(sources_file), run_id="demo")
            rc = 1 if out["failed_sources"] else 0
        else:
            env = airflow_env(extra)
            print("airflow db migrate (SQLite metadata DB at", env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] + ")", flush=True)
            subprocess.run([_airflow_bin(), "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
            # One pool per board family, as production has them (docker-compose init).
            subprocess.run(
                [_airflow_bin(), "pools", "import", str(REPO_DIR / "include" / "config" / "pools.json")],
                env=env, check=True, stdout=subprocess.DEVNULL,
            )
            log_path = settings.lake / "logs" / f"dags-test-{dt}.log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            print(f"airflow dags test job_market_nightly {dt}  (log: {log_path})", flush=True)
            with open(log_path, "w") as log:
                proc = subprocess.run(
                    [_airflow_bin(), "dags", "test", "job_market_nightly", str(dt)],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            rc = proc.returncode
            _print_task_outcomes(log_path)
            if rc != 0:
                print(f"airflow dags test failed (exit {rc}); last lines of {log_path}:", flush=True)
                print("".join(log_path.read_text(errors="replace").splitlines(True)[-40:]), flush=True)
    print(f"\nfinished in {time.monotonic() - started:.1f}s (exit {rc})\n", flush=True)
    print_summary(dt, settings)
    return rc
