"""The nightly DAG under a real Airflow run (dag.test()) with the lake on an
S3-compatible server (moto on 127.0.0.1): every task reads and writes the
bucket, and the published tables read back from s3:// with pyarrow and DuckDB."""

from __future__ import annotations

import time

import pytest
from jobmarket.sources.config import KNOWN_FAMILIES

from tests.support import CRAWL_DATE, replay_sources
from tests.test_dag import airflow_home, migrated_db, run_dag  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.airflow, pytest.mark.slow]


def test_nightly_dag_on_an_s3_lake(fixtures_dir, s3_server, s3_lake, airflow_home, tmp_path, monkeypatch):  # noqa: F811
    """The store's endpoint and keys reach the tasks only through the Airflow
    connection ``jobmarket_lake``: the worker's own AWS endpoint variable
    points at a closed port, so a task that ignored the connection fails."""
    import json

    import duckdb
    from jobmarket.core.lake import Lake
    from jobmarket.replay import ReplayServer, fixture_bundle

    bundle = fixture_bundle(fixtures_dir, CRAWL_DATE)
    bundle.boards["greenhouse"] = ["airbnb", "stripe"]  # a small night: the point is the store, not the volume
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    local = tmp_path / "local"
    with ReplayServer(bundle) as server:
        sources = replay_sources(bundle, server.url, tmp_path)
        t0 = time.perf_counter()
        connection = {"conn_type": "aws", "login": "test", "password": "test",
                      "extra": {"endpoint_url": s3_server, "region_name": "us-east-1"}}
        result = run_dag(airflow_home, s3_lake, sources.path, CRAWL_DATE, "--no-retries",
                         env={"JOBMARKET_LOCAL_DIR": str(local), "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
                              "AWS_ACCESS_KEY_ID": "unused", "AWS_SECRET_ACCESS_KEY": "unused",
                              "AIRFLOW_CONN_JOBMARKET_LAKE": json.dumps(connection)})
        print(f"dag.test() on the S3 lake: {time.perf_counter() - t0:.1f} s")
    assert result["state"] == "success", {k: v for k, v in result["tasks"].items() if v["state"] != "success"}
    states = {t: v["state"] for t, v in result["tasks"].items()}
    assert {t: s for t, s in states.items() if s != "success"} == {
        f"scrape_{f}": "skipped" for f in KNOWN_FAMILIES if f not in ("greenhouse", "lever", "ashby")
    }
    assert list(work.iterdir()) == [], "nothing landed in a local 's3:' folder"

    lake = Lake(s3_lake)
    tables = {}
    for name in ("observations", "postings", "runs", "board_registry"):
        table = f"curated/{name}"
        assert CRAWL_DATE in lake.partition_dates(table), table
        tables[name] = lake.dataset(table).to_table()
        assert tables[name].num_rows > 0, name
    obs = tables["observations"].to_pandas()
    assert obs["posting_id"].is_unique
    assert set(obs["source"]) == {"greenhouse", "lever", "ashby"}
    assert len(tables["postings"]) == len(obs), "the first night: every posting is a new version"
    runs = tables["runs"].to_pandas()
    assert result["run_id"] in set(runs["run_id"])

    con = duckdb.connect()
    for name in tables:  # DuckDB scans the committed S3 files through the pyarrow dataset (no httpfs)
        con.register(name, lake.dataset(f"curated/{name}"))
    counts = dict(con.sql("SELECT source, count(*) FROM observations GROUP BY source").fetchall())
    assert counts == obs["source"].value_counts().to_dict()
    assert con.sql("SELECT count(*) FROM postings").fetchall()[0][0] == len(obs)
    assert con.sql("SELECT count(*) FROM board_registry").fetchall()[0][0] == tables["board_registry"].num_rows
