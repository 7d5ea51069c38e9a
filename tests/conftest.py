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


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3-compatible server on 127.0.0.1 (a real HTTP server, the one
    s3fs's own tests use); yields its endpoint URL."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture()
def s3_lake(s3_server, monkeypatch, request) -> str:
    """A fresh bucket on the local S3 server as the lake: ``s3://<bucket>/lake``,
    with the standard AWS variables pointing at the server."""
    import re
    import uuid

    import pyarrow.fs as pafs

    for var, value in {"AWS_ENDPOINT_URL": s3_server, "AWS_ACCESS_KEY_ID": "test",
                       "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(var, value)
    bucket = f"{re.sub(r'[^a-z0-9]+', '-', request.node.name.lower())[:40].strip('-')}-{uuid.uuid4().hex[:8]}"
    pafs.S3FileSystem(endpoint_override=s3_server, allow_bucket_creation=True).create_dir(bucket)
    uri = f"s3://{bucket}/lake"
    monkeypatch.setenv("JOBMARKET_LAKE", uri)
    return uri
