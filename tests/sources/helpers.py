"""Helpers for the adapter tests: a real HTTP server on 127.0.0.1 that
answers by path *and* query string.

jobmarket.replay.ReplayServer routes on the path alone, which cannot tell
``?offset=0`` from ``?offset=100``; paging tests need both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

RECORDINGS = Path(__file__).resolve().parent / "recordings"


@dataclass
class Reply:
    body: bytes
    status: int = 200
    content_type: str = "application/json; charset=utf-8"


@dataclass
class BoardServer:
    routes: dict[str, Reply] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    posted: list[bytes] = field(default_factory=list)
    url: str = ""

    def add(self, path_and_query: str, body: bytes | str | Path, status: int = 200,
            content_type: str = "application/json; charset=utf-8") -> None:
        if isinstance(body, Path):
            body = body.read_bytes()
        elif isinstance(body, str):
            body = body.encode()
        self.routes[path_and_query] = Reply(body, status, content_type)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        board: BoardServer = self.server.board  # type: ignore[attr-defined]
        if self.path == "/robots.txt":
            reply = Reply(b"User-agent: *\nAllow: /\n", content_type="text/plain")
        else:
            board.hits.append(self.path)
            reply = board.routes.get(self.path) or Reply(b'{"error":"not found"}', 404)
        self._send(reply)

    def do_POST(self):  # noqa: N802
        """A JSON search body (Workday's list): routed as ``<path>#offset=<n>``."""
        import json

        board: BoardServer = self.server.board  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            offset = json.loads(raw).get("offset")
        except (ValueError, AttributeError):
            offset = None
        key = f"{self.path}#offset={offset}"
        board.hits.append(f"POST {key}")
        board.posted.append(raw)
        self._send(board.routes.get(key) or Reply(b'{"error":"not found"}', 404))

    def _send(self, reply: Reply):
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)




def make_source(family: str, base_url: str, boards=("b",), options: dict | None = None, **more_options):
    """A SourceConfig with fast limits for the local server."""
    from jobmarket.sources.config import BoardConfig, SourceConfig

    return SourceConfig(
        name=family,
        family=family,
        base_url=base_url,
        boards=tuple(BoardConfig(token=b) for b in boards),
        rate_per_second=1000,
        burst=100,
        max_concurrency=4,
        max_retries=1,
        backoff_base=0.01,
        backoff_max=0.02,
        options={**(options or {}), **more_options},
    )
