"""Fixtures of the adapter tests: a local board server and a polite client."""

from __future__ import annotations

import os
import threading
from http.server import ThreadingHTTPServer

import pytest
from hypothesis import HealthCheck, settings

from tests.sources.helpers import BoardServer, Handler

# Property tests of the adapters (test_adapter_properties.py): derandomized so
# CI sees the same examples every run; HYPOTHESIS_PROFILE=deep for a longer search.
_SLOW_INPUTS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=200, derandomize=True, deadline=None, database=None,
                          suppress_health_check=_SLOW_INPUTS, print_blob=True)
settings.register_profile("deep", max_examples=2000, derandomize=False, deadline=None,
                          suppress_health_check=_SLOW_INPUTS, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture()
def board_server():
    board = BoardServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.board = board  # type: ignore[attr-defined]
    host, port = httpd.server_address[:2]
    board.url = f"http://{host}:{port}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield board
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture()
def client():
    from jobmarket.sources.http import PoliteClient

    return PoliteClient("jobmarket-tests/0 (+tests@example.invalid)")
