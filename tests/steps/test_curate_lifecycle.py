"""Lifecycle, versions and backfill equality on the real 22-board history.

The history fixture holds the same 22 Greenhouse boards on 10 dates three
days apart, with postings appearing, changing and disappearing as they did.
Expected values are computed here straight from the JSON snapshots, not from
the pipeline, so the test fails if the pipeline's bookkeeping is wrong.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import duckdb
import pandas as pd
import pytest
from jobmarket.core.lake import Lake
from jobmarket.core.schema import POSTING_LIFECYCLE
from jobmarket.core.settings import Settings
from jobmarket.incremental import lifecycle as store
from jobmarket.pipeline import run_date
from jobmarket.replay import ReplayServer, history_bundle, history_dates, sources_yaml
from jobmarket.report.views import connect
from jobmarket.sources.config import load_sources
from jobmarket.steps.curate import CRAWLED, LATEST_ATTRS, OBS_KEYS, _drop_held_back, lifecycle

from tests.support import FIXTURES

pytestmark = pytest.mark.slow

K = 1  # close after one missed crawl: closings then mirror the snapshots exactly


def snapshot_presence() -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for d in history_dates(FIXTURES):
        for f in sorted((FIXTURES / "greenhouse-history" / f"dt={d}").glob("*.json")):
            for job in json.loads(f.read_text())["jobs"]:
                seen[f"greenhouse:{f.stem}:{job['id']}"].append(d)
    return seen


def build(lake, dates, monkeypatch):
    monkeypatch.setenv("JOBMARKET_CLOSE_AFTER_MISSES", str(K))
    settings = Settings(lake=lake)
    lake.mkdir(parents=True, exist_ok=True)
    out = {}
    for d in dates:
        bundle = history_bundle(FIXTURES, d)
        with ReplayServer(bundle) as server:
            path = lake / f"sources-{d}.yaml"
            path.write_text(sources_yaml(bundle, server.url))
            out[d] = run_date(date.fromisoformat(d), settings=settings, sources=load_sources(path), run_id=f"r{d}")
    return out


@pytest.fixture(scope="module")
def history_lake(tmp_path_factory):
    if not (FIXTURES / "greenhouse-history").is_dir():
        pytest.skip("../shared/fixtures is not present")
    mp = pytest.MonkeyPatch()
    lake = tmp_path_factory.mktemp("history") / "lake"
    runs = build(lake, history_dates(FIXTURES), mp)
    yield lake, runs
    mp.undo()


def test_first_last_seen_and_closings_match_snapshots(history_lake):
    lake, _ = history_lake
    dates = history_dates(FIXTURES)
    last = dates[-1]
    life = store.lifecycle_as_of(Lake(lake), last).to_pandas()
    presence = snapshot_presence()
    assert len(life) == len(presence) and life["posting_id"].is_unique
    life = life.set_index("posting_id")
    mismatches = []
    for pid, seen in presence.items():
        row = life.loc[pid]
        first, last_seen = seen[0], seen[-1]
        idx = [dates.index(d) for d in seen]
        reopen = sum(1 for a, b in zip(idx, idx[1:], strict=False) if b - a - 1 >= K)
        closed_on = dates[idx[-1] + 1] if idx[-1] < len(dates) - 1 else None
        got = (str(row["first_seen"]), str(row["last_seen"]), None if pd.isna(row["closed_on"]) else str(row["closed_on"]),
               int(row["reopened_count"]), bool(row["left_censored"]), int(row["times_seen"]))
        want = (first, last_seen, closed_on, reopen, first == dates[0], len(seen))
        if got != want:
            mismatches.append((pid, got, want))
    assert not mismatches, mismatches[:5]


def test_daily_new_and_closed_counts(history_lake):
    lake, runs = history_lake
    dates = history_dates(FIXTURES)
    presence = snapshot_presence()
    for i, d in enumerate(dates):
        on = {p for p, s in presence.items() if d in s}
        before = {p for p, s in presence.items() if any(x < d for x in s)}
        prev = {p for p, s in presence.items() if i and dates[i - 1] in s}
        market = pd.read_parquet(lake / "curated" / "market_daily" / f"dt={d}")
        total = market[market["dimension"] == "all"].iloc[0]
        assert total["open"] == len(on), d
        assert total["new"] == len(on - before), d
        assert total["closed"] == (len(prev - on) if i else 0), d
        assert runs[d]["curate"]["open"] == len(on)


def test_versions_store_description_once(history_lake):
    """postings holds a row per version, not per day: far fewer rows than
    observations, and every observation's version is in postings."""
    lake, _ = history_lake
    versions = pd.read_parquet(lake / "curated" / "postings")
    obs = pd.read_parquet(lake / "curated" / "observations", columns=["posting_id", "version_id"])
    assert versions["version_id"].is_unique
    assert set(obs["version_id"]) == set(versions["version_id"])
    assert len(versions) < 0.3 * len(obs)
    assert "description" in versions.columns and "description" not in obs.columns


def full_snapshot(lake, d: str):
    """What ``posting_lifecycle/dt=d`` held when it was written whole every
    day: ``curate.lifecycle`` over every observation and crawl up to d."""
    dates = [x for x in history_dates(FIXTURES) if x <= d]

    def read(table, columns):
        return pd.concat([pd.read_parquet(lake / "curated" / table / f"dt={x}", columns=columns)
                          .assign(dt=date.fromisoformat(x)) for x in dates], ignore_index=True)

    health = read("source_health", ["family", "board", "status"])
    crawls = health[health["status"].isin(CRAWLED)][["family", "board", "dt"]].rename(columns={"family": "source"})
    crawls = _drop_held_back(Lake(lake), crawls, date.fromisoformat(d))
    life = lifecycle(read("observations", [*OBS_KEYS, *LATEST_ATTRS]), crawls, date.fromisoformat(d), K)
    life = life.rename(columns={"posted_at": "source_posted_at", "updated_at": "source_updated_at"})
    return store.to_arrow(life.sort_values("posting_id")).to_pandas()


def test_reader_gives_the_full_snapshot_of_every_date(history_lake):
    """Stored: a snapshot on the first date of each month (2026-07-26,
    2026-08-01), changes on the others; read back, every date's lifecycle is
    the full one. The changes are under half of it although the dates are
    three days apart and Greenhouse moves `updated_at` of a third of its
    postings in three days (each such posting is a changed row)."""
    lake, _ = history_lake
    stored = full = 0
    for d in history_dates(FIXTURES):
        want = full_snapshot(lake, d)
        got = store.lifecycle_as_of(Lake(lake), d)
        assert got.schema.equals(POSTING_LIFECYCLE.arrow_schema()), d  # types and nullability as written before
        pd.testing.assert_frame_equal(got.to_pandas(), want, obj=d)
        rows = len(pd.read_parquet(lake / "curated" / "posting_lifecycle" / f"dt={d}"))
        if d in ("2026-07-26", "2026-08-01"):
            assert rows == len(want), d
        else:
            assert rows < 0.5 * len(want), d
        stored, full = stored + rows, full + len(want)
    assert stored < 0.5 * full


def test_duckdb_views_give_the_full_snapshot_of_every_date(history_lake):
    """posting_lifecycle_latest (the report's) and posting_lifecycle filtered
    on dt (the analysts') are the full lifecycle of the date, as before."""
    lake, _ = history_lake
    con = connect(lake)
    cols = ", ".join(POSTING_LIFECYCLE.column_names)
    for d in history_dates(FIXTURES):
        want = full_snapshot(lake, d)
        con.execute(f"SET VARIABLE as_of = DATE '{d}'")
        latest = con.sql(f"SELECT {cols} FROM posting_lifecycle_latest").to_arrow_table()
        by_dt = con.sql(f"SELECT {cols} FROM posting_lifecycle WHERE dt = DATE '{d}' ORDER BY posting_id").to_arrow_table()
        for name, got in (("latest", latest), ("by dt", by_dt)):
            got = got.cast(POSTING_LIFECYCLE.arrow_schema()).to_pandas()  # DuckDB names UTC Etc/UTC
            pd.testing.assert_frame_equal(got, want, obj=f"{name} {d}")
    con.execute("SET VARIABLE as_of = DATE '2026-08-23'")  # no partition: no rows, as before
    assert con.execute("SELECT count(*) FROM posting_lifecycle_latest").fetchone()[0] == 0
    con.close()


def test_a_missing_partition_is_an_error_not_a_wrong_answer(history_lake, tmp_path):
    """Without 2026-08-13's changes the 08-16 lifecycle cannot be right: the
    reader and the view say which date to curate."""
    import shutil

    lake, _ = history_lake
    other = tmp_path / "lake"
    shutil.copytree(lake / "curated", other / "curated")
    shutil.rmtree(other / "curated" / "posting_lifecycle" / "dt=2026-08-13")
    with pytest.raises(store.LifecycleNotBuilt, match="2026-08-13"):
        store.lifecycle_as_of(Lake(other), "2026-08-16")
    assert store.lifecycle_as_of(Lake(other), "2026-08-10").num_rows == len(full_snapshot(lake, "2026-08-10"))
    con = connect(other)
    con.execute("SET VARIABLE as_of = DATE '2026-08-16'")
    with pytest.raises(duckdb.Error, match="2026-08-13"):
        con.execute("SELECT count(*) FROM posting_lifecycle_latest").fetchall()
    con.close()


def _tables(lake, dates, drop=("run_id",)):
    out = {}
    for d in dates:
        for table in ("observations", "postings", "skills", "posting_lifecycle", "market_daily", "source_health"):
            df = pd.read_parquet(lake / "curated" / table / f"dt={d}")
            out[(table, d)] = df.drop(columns=list(drop), errors="ignore").reset_index(drop=True)
    return out


def test_backfill_in_reverse_order_rebuilds_identical_tables(history_lake, tmp_path, monkeypatch):
    """Raw for every date lands first (the nights ran), then a backfill
    rebuilds the dates newest first: every table of every date equals the
    one built night by night. Lifecycle depends only on raw up to each date."""
    from jobmarket.steps.scrape import scrape_source

    lake, _ = history_lake
    dates = history_dates(FIXTURES)
    other = tmp_path / "lake"
    other.mkdir()
    monkeypatch.setenv("JOBMARKET_CLOSE_AFTER_MISSES", str(K))
    settings = Settings(lake=other)
    for d in dates:
        bundle = history_bundle(FIXTURES, d)
        with ReplayServer(bundle) as server:
            path = other / f"sources-{d}.yaml"
            path.write_text(sources_yaml(bundle, server.url))
            scrape_source("greenhouse", date.fromisoformat(d), settings=settings, sources=load_sources(path))
    offline = load_sources(path)  # the server is gone: nothing may be fetched now
    for d in reversed(dates):
        run_date(date.fromisoformat(d), settings=settings, sources=offline, run_id="backfill")
    # Two lakes fetched the boards at different moments: the fetch's own
    # provenance (when, how long) differs, everything derived must not.
    provenance = ("run_id", "fetched_at", "duration_s")
    want, got = _tables(lake, dates, provenance), _tables(other, dates, provenance)
    for key in want:
        pd.testing.assert_frame_equal(got[key], want[key], obj=str(key))
    # The stored changes are those of the nightly build, so every date reads the same.
    for d in dates:
        pd.testing.assert_frame_equal(store.lifecycle_as_of(Lake(other), d).to_pandas(), full_snapshot(lake, d), obj=d)


def test_rerun_of_a_date_is_identical(history_lake, monkeypatch):
    lake, _ = history_lake
    d = history_dates(FIXTURES)[-1]
    before = _tables(lake, [d])
    monkeypatch.setenv("JOBMARKET_CLOSE_AFTER_MISSES", str(K))
    path = lake / f"sources-{d}.yaml"  # still points at the (stopped) first server: raw is reused, not refetched
    run_date(date.fromisoformat(d), settings=Settings(lake=lake), sources=load_sources(path), run_id="rerun")
    after = _tables(lake, [d])
    for key in before:
        pd.testing.assert_frame_equal(after[key], before[key], obj=str(key))
