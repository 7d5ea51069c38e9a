"""JOBMARKET_LAKE is parsed when settings load: a local path (the default) or
s3://bucket/prefix; anything else stops the run at start with an error that
names the variable, the value and what is supported, and writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from jobmarket.core import store
from jobmarket.core.settings import LakeURIError, Settings

from tests.support import REPO

JOBMARKET = Path(sys.executable).parent / "jobmarket"


def test_local_paths_stay_the_default_and_work_unchanged(tmp_path, monkeypatch):
    monkeypatch.delenv("JOBMARKET_LAKE", raising=False)
    assert Settings.from_env().lake == REPO / "data"
    monkeypatch.setenv("JOBMARKET_LAKE", str(tmp_path / "lake"))
    assert Settings.from_env().lake == tmp_path / "lake"
    monkeypatch.setenv("JOBMARKET_LAKE", f"file://{tmp_path}/lake")
    assert Settings.from_env().lake == tmp_path / "lake"


def test_s3_uri_is_accepted_and_kept_as_a_uri(monkeypatch):
    monkeypatch.setenv("JOBMARKET_LAKE", "s3://lake/jobmarket/")
    s = Settings.from_env()
    assert s.lake == "s3://lake/jobmarket"
    assert s.location.scheme == "s3" and s.location.path == "lake/jobmarket"


@pytest.mark.parametrize("value", ["gs://lake/jobmarket", "s3:/lake/jobmarket", "s3://", "https://example.org/lake",
                                   "file://relative/lake"])
def test_a_lake_nobody_serves_is_refused_with_what_is_supported(monkeypatch, value):
    monkeypatch.setenv("JOBMARKET_LAKE", value)
    with pytest.raises(LakeURIError) as err:
        Settings.from_env()
    assert f"JOBMARKET_LAKE={value!r}" in str(err.value)
    assert "s3://bucket/prefix" in str(err.value)


def test_s3_is_refused_without_the_object_store_layer(monkeypatch):
    monkeypatch.setattr(store, "s3_available", lambda: False)
    monkeypatch.setenv("JOBMARKET_LAKE", "s3://lake/jobmarket")
    with pytest.raises(LakeURIError, match="no S3 support"):
        Settings.from_env()


def _run_cli(tmp_path, lake: str, prelude: str = "") -> subprocess.CompletedProcess:
    code = f"{prelude}import sys; from jobmarket.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "JOBMARKET_LAKE": lake}
    return subprocess.run([sys.executable, "-c", code, "run", "--date", "2026-08-22"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("lake", ["gs://lake/jobmarket", "s3:/lake/jobmarket"])
def test_cli_run_stops_at_start_and_writes_no_folder(tmp_path, lake):
    proc = _run_cli(tmp_path, lake)
    assert proc.returncode == 1, proc.stderr
    assert f"error: JOBMARKET_LAKE={lake!r}" in proc.stderr
    assert "supported" in proc.stderr
    assert list(tmp_path.iterdir()) == []  # no "gs:" / "s3:" folder in the working directory


def test_cli_run_on_s3_without_s3_support_stops_at_start(tmp_path):
    # A pyarrow built without S3: pyarrow.fs then has no S3FileSystem.
    proc = _run_cli(tmp_path, "s3://lake/jobmarket", prelude="import sys; sys.modules['pyarrow._s3fs'] = None; ")
    assert proc.returncode == 1, proc.stderr
    assert "error: JOBMARKET_LAKE='s3://lake/jobmarket': this installation has no S3 support" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_what_still_needs_a_local_lake_says_so_on_s3(tmp_path):
    """`jobmarket history` builds a local replay lake: on an S3 lake it stops
    with the reason instead of writing into a local "s3:" folder."""
    env = {**os.environ, "JOBMARKET_LAKE": "s3://lake/jobmarket"}
    proc = subprocess.run([str(JOBMARKET), "history"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "jobmarket history still needs a local lake folder" in proc.stderr
    assert list(tmp_path.iterdir()) == []
