"""The nightly pipeline with the lake on an S3-compatible server (moto on
127.0.0.1): two dates of the Greenhouse history, the curated tables read back
from s3:// with pyarrow and DuckDB, equal to the same run on a local lake, and
a rerun of a date that gives the same tables."""

from __future__ import annotations

import time
from datetime import date

import pytest
from jobmarket.core.lake import Lake
from jobmarket.core.settings import Settings
from jobmarket.pipeline import run_date
from jobmarket.replay import ReplayServer, history_bundle, history_dates, sources_yaml
from jobmarket.sources.config import load_sources

from tests.support import FIXTURES

pytestmark = pytest.mark.slow

TABLES = ["curated/postings", "curated/posting_lifecycle", "curated/market_daily", "curated/source_health",
          "curated/skills"]

WALL_CLOCK = {"fetched_at", "duration_s"}  # when and how long the replay server was asked: differ run to run


def _run(settings: Settings, d: str, tmp_path) -> float:
    bundle = history_bundle(FIXTURES, d)
    with ReplayServer(bundle) as server:
        path = tmp_path / f"sources-{d}.yaml"
        path.write_text(sources_yaml(bundle, server.url))
        t0 = time.perf_counter()
        out = run_date(date.fromisoformat(d), settings=settings, sources=load_sources(path), run_id=f"r{d}")
        assert out["failed_sources"] == []
        return time.perf_counter() - t0


def _frame(lake: Lake, table: str):
    df = lake.dataset(table).to_table().to_pandas()
    return df.sort_values(list(df.columns[:3])).reset_index(drop=True)


def test_nightly_run_on_s3_matches_the_local_lake(s3_lake, tmp_path, monkeypatch):
    if not (FIXTURES / "greenhouse-history").is_dir():
        pytest.skip("../shared/fixtures is not present")
    monkeypatch.setenv("JOBMARKET_CLOSE_AFTER_MISSES", "1")
    monkeypatch.setenv("JOBMARKET_LOCAL_DIR", str(tmp_path / "local"))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    dates = history_dates(FIXTURES)[:2]
    on_s3, on_disk = Settings.from_env(), Settings(lake=tmp_path / "lake")
    times = {d: (_run(on_s3, d, tmp_path), _run(on_disk, d, tmp_path)) for d in dates}
    print("run_date seconds (s3, local):", {d: tuple(round(t, 1) for t in v) for d, v in times.items()})

    s3, disk = Lake(on_s3.lake), Lake(on_disk.lake)
    assert list(work.iterdir()) == []  # nothing landed in a local "s3:" folder
    for table in TABLES:
        assert s3.partition_dates(table) == dates, table
        a, b = _frame(s3, table), _frame(disk, table)
        assert len(a) == len(b) and (len(a) > 0 or table == "curated/skills"), table  # history has no descriptions
        assert [c for c in a.columns if not a[c].equals(b[c]) and c not in WALL_CLOCK] == [], table

    # posting_lifecycle is stored as changes on 07-29: read back whole from either lake.
    from jobmarket.incremental.lifecycle import lifecycle_as_of

    for d in dates:
        assert lifecycle_as_of(s3, d).equals(lifecycle_as_of(disk, d)), d
    assert lifecycle_as_of(s3, dates[-1]).num_rows > s3.dataset(TABLES[1], [dates[-1]]).count_rows()

    import duckdb
    import pyarrow.fs as pafs

    con = duckdb.connect()
    con.register("postings", s3.dataset("curated/postings"))  # DuckDB scans the committed files through pyarrow
    per_date = dict(con.sql("select cast(dt as varchar), count(*) from postings group by 1").fetchall())
    assert per_date == {d: int((_frame(disk, "curated/postings")["dt"].astype(str) == d).sum()) for d in dates}

    # The post-publish GX audit (a DAG task) reads the committed S3 files through a local copy.
    from jobmarket.steps.audit_curated import curated_audit_checkpoint, lake_gx_context

    audits = [curated_audit_checkpoint(lake_gx_context(st), date.fromisoformat(dates[-1]), st).run()
              for st in (on_s3, on_disk)]
    assert [a.success for a in audits] == [audits[1].success] * 2
    assert [len(a.run_results) for a in audits] == [2, 2]

    # The GX project and its Data Docs live in the bucket, not only on this machine.
    from jobmarket.quality.runner import data_docs_index

    docs = data_docs_index(s3)
    assert docs.startswith(s3_lake + "/gx_project/")
    assert s3.fs.get_file_info(docs[len("s3://"):]).size > 1000
    results = s3.fs.get_file_info(pafs.FileSelector(f"{s3.location.path}/gx_project/gx/uncommitted/validations",
                                                    recursive=True))
    assert sum(r.path.endswith(".json") for r in results) >= 2 * len(dates)  # every night's checkpoints

    # DuckDB views (the analysts' file and the report's connection) read the committed S3 files.
    from jobmarket.report import build_pending, create_views, list_reports, pending_dates
    from jobmarket.report.build import report_file
    from jobmarket.report.views import connect, register_lake_filesystem

    counts = "select cast(dt as varchar), count(*), count(distinct posting_id) from observations group by 1 order by 1"
    assert connect(s3_lake).sql(counts).fetchall() == connect(tmp_path / "lake").sql(counts).fetchall()
    db = create_views(s3_lake, tmp_path / "views.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    register_lake_filesystem(con, s3_lake)
    assert con.execute("select count(*) from postings").fetchone()[0] == len(_frame(disk, "curated/postings"))

    # The report: built on the bucket, listed and served from it, equal to the local lake's.
    assert len(build_pending(on_s3)) == len(dates) and pending_dates(on_s3) == []
    build_pending(on_disk)
    assert [r["dt"] for r in list_reports(s3)] == dates[::-1]
    import json

    figures = [json.loads(report_file(lk, dates[-1], "figures.json").read_text()) for lk in (s3, disk)]
    assert figures[0] == figures[1] and figures[0]["figures"]
    assert report_file(s3, "latest", "index.html").read_text() == report_file(s3, dates[-1], "index.html").read_text()
    csv = figures[0]["figures"][0]["csv"]
    assert report_file(s3, "latest", csv).read_bytes() == report_file(disk, dates[-1], csv).read_bytes()
    assert list(work.iterdir()) == []

    before = _frame(s3, "curated/posting_lifecycle")
    _run(on_s3, dates[-1], tmp_path)
    assert _frame(s3, "curated/posting_lifecycle").equals(before)


def test_two_workers_that_share_no_disk_build_a_date_on_s3(s3_lake, tmp_path, monkeypatch):
    """Each step in its own process, alternating between two "workers" with
    their own working directory, temp and local folders: the steps hand off
    through the bucket alone, and the tables equal a one-process local run."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    if not (FIXTURES / "greenhouse-history").is_dir():
        pytest.skip("../shared/fixtures is not present")
    monkeypatch.setenv("JOBMARKET_CLOSE_AFTER_MISSES", "1")
    d = history_dates(FIXTURES)[0]
    jobmarket = str(Path(sys.executable).parent / "jobmarket")
    workers = []
    for name in ("a", "b"):
        home = tmp_path / f"worker-{name}"
        (home / "tmp").mkdir(parents=True)
        workers.append((home, {**os.environ, "TMPDIR": str(home / "tmp"), "JOBMARKET_LOCAL_DIR": str(home / "local")}))
    steps = ["scrape", "parse", "validate", "tag", "validate-tagged", "publish", "curate", "quality"]
    bundle = history_bundle(FIXTURES, d)
    with ReplayServer(bundle) as server:
        sources = tmp_path / "sources.yaml"
        sources.write_text(sources_yaml(bundle, server.url))
        for i, step in enumerate(steps):
            home, env = workers[i % 2]
            proc = subprocess.run([jobmarket, step, "--date", d, "--sources", str(sources), "--run-id", f"r{d}"],
                                  cwd=home, env=env, capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, (step, proc.stderr[-2000:])
    _run(Settings(lake=tmp_path / "lake"), d, tmp_path)
    s3, disk = Lake(s3_lake), Lake(tmp_path / "lake")
    for table in TABLES:
        a, b = _frame(s3, table), _frame(disk, table)
        assert len(a) == len(b), table
        assert [c for c in a.columns if not a[c].equals(b[c]) and c not in WALL_CLOCK] == [], table
    for home, _ in workers:  # nothing of the lake on either worker's disk but GX's per-machine project
        assert sorted(p.name for p in home.iterdir()) in (["tmp"], ["local", "tmp"])
        assert not any(p.suffix == ".parquet" for p in (home / "local").rglob("*"))
