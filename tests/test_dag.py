"""The DAG itself: integrity, parse-time safety, and real end-to-end runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jobmarket.pipeline import CHECKS, CURATE, DERIVE, SCRAPE, STEPS
from jobmarket.sources.config import KNOWN_FAMILIES

from tests.support import CRAWL_DATE, REPO, replay_sources

pytestmark = pytest.mark.airflow
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def _env(home: Path, **extra: str) -> dict[str, str]:
    from jobmarket.demo import airflow_env

    env = airflow_env(home=home)
    env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home / 'airflow.db'}"
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """One migrated SQLite metadata DB, copied by each test that runs Airflow."""
    home = tmp_path_factory.mktemp("airflow-template")
    subprocess.run([AIRFLOW, "db", "migrate"], env=_env(home), check=True, capture_output=True)
    return home / "airflow.db"


@pytest.fixture()
def airflow_home(tmp_path, migrated_db) -> Path:
    home = tmp_path / "airflow"
    home.mkdir()
    shutil.copy(migrated_db, home / "airflow.db")
    return home


def run_dag(home: Path, lake: Path, sources_file: Path, date: str = CRAWL_DATE, *extra: str,
            env: dict[str, str] | None = None) -> dict:
    env = _env(home, JOBMARKET_LAKE=str(lake), JOBMARKET_SOURCES=str(sources_file), **(env or {}))
    proc = subprocess.run(
        [sys.executable, str(REPO / "tests" / "airflow_harness.py"), date, *extra],
        env=env, capture_output=True, text=True, timeout=600,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("HARNESS_RESULT ")]
    assert lines, f"no result (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1].split(" ", 1)[1])


def test_parse_time_is_side_effect_free(tmp_path):
    """Parsing the DAG folder: no network, no Variable/Connection look-up, no
    heavy import (pandas, pyarrow, GX, bs4, requests, our package), fast."""
    home = tmp_path / "airflow"
    home.mkdir()
    proc = subprocess.run(
        [sys.executable, str(REPO / "tests" / "parse_probe.py")],
        env=_env(home), capture_output=True, text=True, timeout=120, check=True,
    )
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["import_errors"] == {}
    assert report["dag_ids"] == ["job_market_nightly", "job_market_report"]
    assert report["network_attempts"] == []
    assert report["lookups"] == []
    assert report["heavy_modules"] == []
    assert report["parse_seconds"] < 5
    assert set(report["tasks"]) == set(STEPS) - {SCRAPE} | {
        f"{step}_{f}" for f in KNOWN_FAMILIES for step in ("sources", "scrape")
    }


def test_dag_integrity():
    """Schedule, retries, ownership and docs are what operators rely on."""
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import CronDataIntervalTimetable

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    dag = bag.dags["job_market_nightly"]
    assert isinstance(dag.timetable, CronDataIntervalTimetable), "explicit data-interval timetable"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.doc_md and "job_market_nightly" in dag.doc_md
    assert {"jobmarket", "nightly"} <= set(dag.tags)
    for task in dag.tasks:
        assert task.owner == "data-platform"
        assert task.retries >= 2 and task.retry_exponential_backoff
    pools = json.loads((REPO / "include" / "config" / "pools.json").read_text())
    for family in KNOWN_FAMILIES:
        scrape = dag.get_task(f"scrape_{family}")
        assert scrape.map_index_template == "{{ source_name }}"
        assert scrape.pool == f"jobmarket_{family}" and scrape.pool in pools
        assert "parse" in scrape.downstream_task_ids
    assert dag.get_task("parse").trigger_rule == "all_done"
    assert [a.name for a in dag.get_task("curate").outlets] == ["jobmarket_curated_postings"]
    # The wiring follows the one step order (jobmarket.pipeline.STEPS).
    chain = [*DERIVE, CURATE]
    for a, b in zip(chain, chain[1:], strict=False):
        assert dag.get_task(a).downstream_task_ids == {b}, a
    assert dag.get_task(CURATE).downstream_task_ids == set(CHECKS)


def test_nightly_dag_end_to_end_on_replayed_crawl(crawl_server, airflow_home, tmp_path):
    """dag.test() over the 390-board crawl: every task succeeds, every posting
    is published, Parquet reads back in pandas and DuckDB, and a rerun of the
    same date gives an identical table."""
    import duckdb
    import pandas as pd

    bundle, server = crawl_server
    sources = replay_sources(bundle, server.url, tmp_path)
    lake = tmp_path / "lake"
    result = run_dag(airflow_home, lake, sources.path)
    assert result["state"] == "success", result
    states = {t: v["state"] for t, v in result["tasks"].items()}
    assert {t: s for t, s in states.items() if s != "success"} == {
        f"scrape_{f}": "skipped" for f in KNOWN_FAMILIES if f not in ("greenhouse", "lever", "ashby")
    }, "families without configured sources are skipped, everything else succeeds"
    mapped = {v["rendered_map_index"] for k, v in result["tasks"].items() if k.startswith("scrape_") and "[" in k}
    assert mapped == {"ashby", "greenhouse", "lever"}, "each mapped scrape task is named after its source"

    obs_part = lake / "curated" / "observations" / f"dt={CRAWL_DATE}"
    df = pd.read_parquet(obs_part)
    assert len(df) == 20246 + 20 + 61  # 390 crawl boards + Plaid (Lever) + 4 Ashby recordings
    assert df["posting_id"].is_unique
    assert (df["scraped_date"].astype(str) == CRAWL_DATE).all()
    versions = pd.read_parquet(lake / "curated" / "postings" / f"dt={CRAWL_DATE}")
    assert len(versions) == len(df), "the first night: every posting is a new version"
    gh = versions[versions["source"] == "greenhouse"]
    assert gh["description"].isna().all(), "the crawl has no content; no text is invented"
    assert gh["tag_flags"].map(lambda f: "title_only" in list(f)).all()
    counts = duckdb.sql(
        f"SELECT source, count(*) AS n FROM read_parquet('{obs_part}/*.parquet') GROUP BY source ORDER BY source"
    ).fetchall()
    assert counts == [("ashby", 61), ("greenhouse", 20246), ("lever", 20)]
    health = pd.read_parquet(lake / "curated" / "source_health" / f"dt={CRAWL_DATE}")
    assert len(health) == 395 and set(health["status"]) == {"ok"}
    market = pd.read_parquet(lake / "curated" / "market_daily" / f"dt={CRAWL_DATE}")
    total = market[market["dimension"] == "all"].iloc[0]
    assert (total["open"], total["new"], total["closed"]) == (len(df), len(df), 0)
    assert not any(p.name.startswith("dt=") for p in (lake / "_staging").glob("*")), "no staging leftovers"

    tables = ("observations", "postings", "skills", "posting_lifecycle", "market_daily", "source_health",
              "quarantine", "validation_runs", "gate_results")
    before = {t: pd.read_parquet(lake / "curated" / t / f"dt={CRAWL_DATE}") for t in tables}
    again = run_dag(airflow_home, lake, sources.path)
    assert again["state"] == "success" and again["run_id"] != result["run_id"]
    for t in tables:
        after = pd.read_parquet(lake / "curated" / t / f"dt={CRAWL_DATE}")
        cols = [c for c in before[t].columns if c != "run_id"]  # run_id is provenance: it names the run
        pd.testing.assert_frame_equal(after[cols], before[t][cols], obj=t)


def test_one_source_failing_keeps_others_and_fails_run(fixtures_dir, airflow_home, tmp_path):
    """Lever's only board is gone (404): the others publish, the run is red."""
    from jobmarket.replay import ReplayServer, fixture_bundle

    bundle = fixture_bundle(fixtures_dir, CRAWL_DATE)
    bundle.boards["greenhouse"] = ["airbnb", "stripe"]
    with ReplayServer(bundle) as server:
        sources = replay_sources(bundle, server.url, tmp_path, lever=["no-such-board"])
        lake = tmp_path / "lake"
        result = run_dag(airflow_home, lake, sources.path, CRAWL_DATE, "--no-retries")
    states = {k: v["state"] for k, v in result["tasks"].items()}
    assert result["state"] == "failed"
    failed_scrapes = [k for k, v in result["tasks"].items() if k.startswith("scrape_") and v["state"] == "failed"]
    assert [result["tasks"][k]["rendered_map_index"] for k in failed_scrapes] == ["lever"]
    assert states["publish"] == "success" and states["check_sources"] == "failed"
    import pandas as pd

    df = pd.read_parquet(lake / "curated" / "observations" / f"dt={CRAWL_DATE}")
    assert set(df["source"]) == {"greenhouse", "ashby"}
    health = pd.read_parquet(lake / "curated" / "source_health" / f"dt={CRAWL_DATE}")
    lever = health[health["source"] == "lever"].iloc[0]
    assert lever["status"] == "failed" and "404" in lever["error"]
