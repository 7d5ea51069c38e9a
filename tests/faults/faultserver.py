"""A fault-injecting HTTP server for the client and scrape tests.

A real ``ThreadingHTTPServer`` on 127.0.0.1, scripted per path::

    server.script("/v1/boards/acme/jobs", Reply(429, headers={"Retry-After": "1"}), Reply(200, body))

Each request to a path takes the next reply of its script; the last reply
repeats. A reply can delay before answering, stall mid-body, declare a
Content-Length larger than what it sends and hang up, stream a body from a
generator (chunked), or redirect. The server records every request (path,
headers, arrival and end time) and the peak number of requests it was
serving at once, so tests assert what the client did, not what it says.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROBOTS_ALLOW_ALL = b"User-agent: *\nAllow: /\n"


@dataclass
class Reply:
    status: int = 200
    body: bytes | Callable[[], Iterable[bytes]] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line (read timeout before headers)
    stall: float = 0.0  # seconds after the headers, before the body (read timeout mid-body)
    send_bytes: int | None = None  # send only this many body bytes, then hang up
    content_length: int | None = None  # declared length, if not len(body)

    @classmethod
    def json(cls, body: bytes, status: int = 200, **kw) -> Reply:
        headers = {"Content-Type": "application/json; charset=utf-8", **kw.pop("headers", {})}
        return cls(status=status, body=body, headers=headers, **kw)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Reply:
        return cls(status=status, headers={"Location": location})


@dataclass
class Seen:
    path: str  # path with query
    headers: dict[str, str]
    t: float  # monotonic arrival time
    t_end: float | None = None

    @property
    def route(self) -> str:
        return urlsplit(self.path).path


class _Handler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        srv = self.server
        seen = Seen(self.path, {k: v for k, v in self.headers.items()}, time.monotonic())
        route = urlsplit(self.path).path
        with srv.lock:
            srv.seen.append(seen)
            srv.active += 1
            srv.peak = max(srv.peak, srv.active)
            queue = srv.scripts.get(route)
            reply = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else None
        self._seen, self._counted = seen, True
        try:
            self._answer(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self._finish()

    def _finish(self) -> None:
        """The request stops counting as in flight. Called just before the last
        bytes go out: once the client has them it may send its next request,
        possibly before this thread runs again, and that must not look like two
        requests at once."""
        if self._counted:
            with self.server.lock:
                self.server.active -= 1
                self._seen.t_end = time.monotonic()
            self._counted = False

    def _answer(self, reply: Reply | None) -> None:
        if reply is None:
            reply = Reply.json(b'{"status":404,"error":"Not Found"}', status=404)
        if reply.delay:
            time.sleep(reply.delay)
        streamed = callable(reply.body)
        body = b"" if streamed else reply.body
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        if streamed:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            declared = reply.content_length if reply.content_length is not None else len(body)
            self.send_header("Content-Length", str(declared))
        self.end_headers()
        self.wfile.flush()
        if reply.stall:
            time.sleep(reply.stall)
        if streamed:
            for chunk in reply.body():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.server.sent_bytes += len(chunk)
            self._finish()
            self.wfile.write(b"0\r\n\r\n")
            return
        if reply.send_bytes is not None:
            self.wfile.write(body[: reply.send_bytes])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._finish()
        self.wfile.write(body)


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1"):
        super().__init__((host, 0), _Handler)
        self.scripts: dict[str, list[Reply]] = {"/robots.txt": [Reply(200, ROBOTS_ALLOW_ALL)]}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.sent_bytes = 0
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc

    def script(self, path: str, *replies: Reply) -> None:
        with self.lock:
            self.scripts[path] = list(replies)

    def requests_to(self, path: str) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.route == path]

    def start(self) -> FaultServer:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, name="fault-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class BlackHole:
    """A listening socket that never accepts, its backlog already full, so a
    further connect() gets no answer: a connect timeout, on loopback."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.fillers: list[socket.socket] = []
        for _ in range(8):  # fill the accept queue; later connects are dropped
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(self.sock.getsockname())
            except BlockingIOError:
                pass
            self.fillers.append(s)
        time.sleep(0.05)

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()
        return f"http://{host}:{port}"

    def close(self) -> None:
        for s in self.fillers:
            s.close()
        self.sock.close()


# -- helpers for the tests ---------------------------------------------------

CRAWL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "greenhouse-crawl" / "dt=2026-08-22"
DT = date(2026, 8, 22)
CONTACT = "faults@example.invalid"

# Fast, explicit politeness for the local server: tests measure against these.
FAST = {
    "rate_per_second": 1000,
    "burst": 100,
    "max_concurrency": 8,
    "connect_timeout": 1.0,
    "read_timeout": 2.0,
    "max_retries": 3,
    "backoff_base": 0.05,
    "backoff_max": 0.2,
    "max_retry_after": 5,
}


def board_path(token: str) -> str:
    return f"/v1/boards/{token}/jobs"


def recorded(token: str) -> bytes:
    """A real recorded Greenhouse board response (read in place)."""
    path = CRAWL / f"{token}.json"
    if not path.is_file():
        pytest.skip(f"recorded fixture {path} is not present")
    return path.read_bytes()


def job_ids(body: bytes) -> set[str]:
    return {str(j["id"]) for j in json.loads(body)["jobs"]}


def make_sources(sources: dict[str, tuple[str, list[str]]], **limits):
    """A SourcesFile from {name: (base_url, boards)}; ``limits`` override FAST."""
    from jobmarket.sources.config import parse_sources

    doc = {"http": {"contact": CONTACT}, "sources": {}}
    for name, (base_url, boards) in sources.items():
        doc["sources"][name] = {
            "family": "greenhouse",
            "base_url": base_url,
            "content": False,
            "options": {"replay": True},
            **FAST,
            **limits,
            "boards": boards,
        }
    return parse_sources(doc, Path("<faults>"))
