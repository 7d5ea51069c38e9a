"""Shared fixtures: the recorded data in ../shared, a replay server, a lake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import CRAWL_DATE, FIXTURES


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is not present")
    return FIXTURES


@pytest.fixture()
def lake_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "lake"
    monkeypatch.setenv("JOBMARKET_LAKE", str(d))
    return d


@pytest.fixture()
def settings(lake_dir):
    from jobmarket.core.settings import Settings

    return Settings(lake=lake_dir)


@pytest.fixture()
def crawl_server(fixtures_dir):
    """Replay server over the 390-board crawl plus the Lever/Ashby recordings."""
    from jobmarket.replay import ReplayServer, fixture_bundle

    bundle = fixture_bundle(fixtures_dir, CRAWL_DATE)
    with ReplayServer(bundle) as server:
        yield bundle, server
