"""Fixtures for the fault tests: a scripted server, a lake, sources pointing at it."""

from __future__ import annotations

import pytest
from faultserver import DT, FaultServer


@pytest.fixture()
def server():
    with FaultServer() as srv:
        yield srv


@pytest.fixture()
def other_server():
    with FaultServer() as srv:
        yield srv


@pytest.fixture()
def fault_settings(tmp_path):
    from jobmarket.core.settings import Settings

    return Settings(lake=tmp_path / "lake")


@pytest.fixture()
def scrape(fault_settings):
    """scrape(sources, name="gh", dt=DT, client=None) -> (summary or SourceFailed, seconds)."""
    import time

    from jobmarket.steps.scrape import SourceFailed, scrape_source

    def run(sources, name="gh", dt=DT, client=None):
        t = time.monotonic()
        try:
            out = scrape_source(name, dt, settings=fault_settings, sources=sources, run_id="t", client=client)
        except SourceFailed as exc:
            out = exc
        return out, time.monotonic() - t

    return run


@pytest.fixture()
def parse(fault_settings):
    """parse(sources, dt=DT) -> (health rows by board, normalized rows)."""
    import pyarrow.parquet as pq
    from jobmarket.core.handoffs import HEALTH_STEP, NORMALIZED_STEP
    from jobmarket.core.lake import Lake
    from jobmarket.steps.parse import parse_date

    def run(sources, dt=DT):
        parse_date(dt, settings=fault_settings, sources=sources, run_id="t")
        lake = Lake(fault_settings.lake)
        health = pq.read_table(lake.partition_dir(f"work/{HEALTH_STEP}", dt) / "part-0.parquet").to_pylist()
        rows = pq.read_table(lake.partition_dir(f"work/{NORMALIZED_STEP}", dt) / "part-0.parquet").to_pylist()
        return {h["board"]: h for h in health}, rows

    return run


@pytest.fixture()
def manifest(fault_settings):
    from jobmarket.core.lake import Lake

    def read(board, dt=DT):
        lake = Lake(fault_settings.lake)
        return lake.read_manifest(lake.raw_dir("greenhouse", board, dt))

    return read

