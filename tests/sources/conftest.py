"""Fixtures of the adapter tests: a local board server and a polite client."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest

from tests.sources.helpers import BoardServer, Handler


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
    from jobmarket.http import PoliteClient

    return PoliteClient("jobmarket-tests/0 (+tests@example.invalid)")
