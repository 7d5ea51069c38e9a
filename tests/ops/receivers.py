"""Receivers the operations tests start on 127.0.0.1: a webhook that keeps
every JSON message Apprise's ``json://`` service posts to it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Webhook:
    """``with Webhook() as hook``: ``hook.url`` takes POSTs, ``hook.messages`` has their JSON bodies."""

    def __init__(self):
        self.messages: list[dict] = []
        received = self.messages

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append({"path": self.path, **json.loads(body or b"{}")})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):  # keep pytest output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def apprise_conn(self, path: str = "alerts") -> str:
        """An ``AIRFLOW_CONN_*`` value: an Apprise connection posting JSON here."""
        return json.dumps({"conn_type": "apprise",
                           "extra": {"config": {"path": f"json://127.0.0.1:{self.port}/{path}"}}})

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
