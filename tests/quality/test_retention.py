"""GX results older than the window leave GX's store for the archive
(jobmarket.quality.retention): the night's Data Docs site shows the window,
the archived results stay as files, and on an S3 lake the move is made in the
bucket too, so the next worker's pull does not bring them back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from jobmarket.core.lake import Lake
from jobmarket.quality import retention, runner

from tests.quality.helpers import LEVER_PLAID

D = date(2026, 8, 22)


def _validate(lake: Lake, runs: list[str]) -> None:
    """A real normalized-suite run (3 Lever postings) stored under each run
    name, each followed by its night's Data Docs build."""
    import pyarrow as pa
    from jobmarket.core.schema import NORMALIZED
    from jobmarket.quality.config import load_quality
    from jobmarket.quality.suites import (
        ROW,
        build_normalized_suite,
        normalized_parameters,
        validation_frame,
    )
    from jobmarket.sources import BoardContext, get_adapter

    rows = get_adapter("lever").parse(LEVER_PLAID.read_bytes(), BoardContext(family="lever", board="plaid"))[:3]
    for r in rows:
        r.update(scraped_date=D, run_id="t")
    df = pa.Table.from_pylist(rows, schema=NORMALIZED.arrow_schema()).to_pandas()
    df[ROW] = range(len(df))
    df = validation_frame(df)
    for run in runs:
        runner.run_suite(lake, df, lambda: build_normalized_suite(None, load_quality()), run,
                         parameters=normalized_parameters(D))
        runner.build_night_docs(lake, run_name=run)


def _runs(root, where: str) -> set[str]:
    base = root / where
    return {p.name for p in base.glob("*/*") if p.is_dir()} if base.is_dir() else set()


def test_results_days_setting(monkeypatch):
    monkeypatch.delenv("JOBMARKET_GX_RESULTS_DAYS", raising=False)
    assert retention.results_days() == 31
    monkeypatch.setenv("JOBMARKET_GX_RESULTS_DAYS", "off")
    assert retention.results_days() is None
    monkeypatch.setenv("JOBMARKET_GX_RESULTS_DAYS", "90")
    assert retention.results_days() == 90
    monkeypatch.setenv("JOBMARKET_GX_RESULTS_DAYS", "0")
    with pytest.raises(ValueError, match="JOBMARKET_GX_RESULTS_DAYS"):
        retention.results_days()
    assert retention.run_date("2026-08-22__scheduled__2026-08-22T02:00:00+00:00") == D
    assert retention.run_date("manual_adhoc") is None


def test_old_results_leave_the_store_and_the_site_for_the_archive(tmp_path):
    lake = Lake(tmp_path / "lake")
    old = [f"{D - timedelta(days=n)}__t" for n in (40, 32)]
    kept = [f"{D - timedelta(days=n)}__t" for n in (31, 1, 0)] + ["adhoc"]
    _validate(lake, old + kept)
    root = runner.project_root(lake)
    site = root / "gx/uncommitted/data_docs/local_site"
    old_pages = [p for p in (site / "validations").rglob("*.html") if any(r in str(p) for r in old)]
    assert len(old_pages) == 2

    # results stored without a run name (the curated audit's checkpoint): one
    # from before every kept night, one from after them
    store = root / retention.RESULTS
    result = next(store.rglob("*.json"))
    undated = {}
    for when in ("20000101T000000.000000Z", "29990101T000000.000000Z"):
        undated[when] = store / "curated_source_health" / "__none__" / when / result.name
        undated[when].parent.mkdir(parents=True)
        undated[when].write_bytes(result.read_bytes())

    assert retention.archive_old_results(lake, D, None) == 0  # "off"
    assert retention.archive_old_results(lake, D, 31) == 3
    assert _runs(root, retention.RESULTS) == {*kept, "__none__"}
    assert _runs(root, retention.ARCHIVE) == {*old, "__none__"}
    assert not undated["20000101T000000.000000Z"].exists() and undated["29990101T000000.000000Z"].is_file()
    assert retention.archive_old_results(lake, D, 31) == 0  # nothing left to move

    runner.build_night_docs(lake, run_name=f"{D}__t")
    index = (site / "index.html").read_text(encoding="utf-8")
    assert all(r in index for r in kept if r != "adhoc")
    assert not any(r in index for r in old), "an archived result is still on the index"
    # GX drops the pages of results its store no longer holds; the results stay in the archive
    assert not any(p.exists() for p in old_pages)
    assert len(list((root / retention.ARCHIVE).rglob("*.json"))) == 3

    # a backfill of an old date archives nothing newer than itself
    assert retention.archive_old_results(lake, D - timedelta(days=60), 31) == 0


@pytest.mark.slow
def test_archiving_on_an_s3_lake_moves_the_objects(s3_lake, tmp_path, monkeypatch):
    import pyarrow.fs as pafs
    from jobmarket.quality import gx_store

    monkeypatch.setenv("JOBMARKET_LOCAL_DIR", str(tmp_path / "local"))
    lake = Lake(s3_lake)
    old, new = f"{D - timedelta(days=40)}__t", f"{D}__t"
    _validate(lake, [old, new])
    base = gx_store.remote_key(lake)

    def remote(where: str) -> set[str]:
        infos = lake.fs.get_file_info(pafs.FileSelector(f"{base}/{where}", recursive=True, allow_not_found=True))
        return {i.path.split("/")[-3] for i in infos if i.type == pafs.FileType.File and i.path.endswith(".json")}

    assert remote(retention.RESULTS) == {old, new}
    # a worker whose copy has never seen these results still archives them (it pulls first)
    monkeypatch.setenv("JOBMARKET_LOCAL_DIR", str(tmp_path / "record-worker"))
    assert retention.archive_old_results(Lake(s3_lake), D, 31) == 1
    assert remote(retention.RESULTS) == {new}
    assert remote(retention.ARCHIVE) == {old}

    # another worker's fresh copy pulls the store without the archived run
    monkeypatch.setenv("JOBMARKET_LOCAL_DIR", str(tmp_path / "other"))
    other = runner.project_root(Lake(s3_lake))
    gx_store.pull(lake, other)
    assert _runs(other, retention.RESULTS) == {new}
    assert _runs(other, retention.ARCHIVE) == {old}


@pytest.mark.slow
def test_a_checkpoint_another_worker_registered_is_not_run_with_its_folder(s3_lake, tmp_path, monkeypatch):
    """Two workers with local copies in different folders share the lake's
    project. After B registers the checkpoint again (with B's folder in its
    sync action), A pulls B's checkpoint file, but not B's registry entry, which
    is the same size as A's. A must not run B's checkpoint: its sync action
    would push from B's folder, which A's machine does not have (the native
    deployment's validate_tagged failed three times on this)."""
    import shutil

    lake = Lake(s3_lake)
    monkeypatch.setenv("JOBMARKET_LOCAL_DIR", str(tmp_path / "a"))
    _validate(lake, ["2026-08-22__a1"])
    monkeypatch.setenv("JOBMARKET_LOCAL_DIR", str(tmp_path / "worker-b"))
    _validate(lake, ["2026-08-22__b1"])
    shutil.rmtree(tmp_path / "worker-b")  # B's machine, not A's

    monkeypatch.setenv("JOBMARKET_LOCAL_DIR", str(tmp_path / "a"))
    _validate(lake, ["2026-08-22__a2"])  # raised FileNotFoundError from B's folder
    stored = runner.gx_context(lake).checkpoints.get("nightly_normalized_postings")
    assert [a.project_root for a in stored.actions] == [str(runner.project_root(lake))]
