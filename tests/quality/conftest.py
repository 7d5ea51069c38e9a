"""A lake with nine dates of real history (22 Greenhouse boards + Lever/Plaid),
built once per session and copied for each test."""

from __future__ import annotations

import shutil

import pytest

from tests.quality.helpers import HISTORY_BOARDS, build_history, sources_file


@pytest.fixture(scope="session")
def history_template(tmp_path_factory, fixtures_dir):
    from jobmarket.core.lake import Lake

    root = tmp_path_factory.mktemp("history")
    sources = sources_file(root, {"greenhouse": HISTORY_BOARDS, "lever": ["plaid"]})
    lake = Lake(root / "lake")
    build_history(lake, sources)
    return root


@pytest.fixture()
def hist(history_template, tmp_path, monkeypatch):
    """(lake, settings, sources) over a private copy of the history lake."""
    from jobmarket.core.lake import Lake
    from jobmarket.core.settings import Settings
    from jobmarket.sources.config import load_sources

    shutil.copytree(history_template / "lake", tmp_path / "lake")
    monkeypatch.setenv("JOBMARKET_LAKE", str(tmp_path / "lake"))
    lake = Lake(tmp_path / "lake")
    return lake, Settings(lake=lake.root), load_sources(history_template / "sources.yaml")
