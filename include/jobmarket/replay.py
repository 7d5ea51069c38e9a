"""A real HTTP server that replays recorded board responses.

Used by the tests and by ``make run`` (this machine has no internet). Each
family is served under a path prefix (``/greenhouse``, ``/lever``, ...), so one
server on 127.0.0.1 stands in for every board host, and the sources file
points each source's ``base_url`` at ``http://127.0.0.1:<port>/<family>``.

The server behaves like the real endpoints in the ways the client cares
about: ``/robots.txt``, JSON content types, strong ETags with ``304 Not
Modified`` on ``If-None-Match``, 404 for unknown boards, and an optional
per-request latency for benchmarks.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jobmarket.config import REPO_DIR

SHARED_FIXTURES = REPO_DIR.parent / "shared" / "fixtures"
SAMPLE_BUNDLE = Path(__file__).resolve().parent / "replay_sample"
DEFAULT_REPLAY_DATE = "2026-08-22"


@dataclass
class Route:
    file: Path
    status: int = 200
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Bundle:
    """Routes to serve plus the boards each family has in them."""

    routes: dict[str, Route] = field(default_factory=dict)
    boards: dict[str, list[str]] = field(default_factory=dict)
    origin: str = ""

    def add(self, family: str, board: str, path: str, file: Path) -> None:
        self.routes[path] = Route(file=file)
        self.boards.setdefault(family, []).append(board)


def fixture_bundle(fixtures: Path = SHARED_FIXTURES, dt: str = DEFAULT_REPLAY_DATE) -> Bundle:
    """The recorded crawl of ``dt`` (390 Greenhouse boards) plus the Lever and
    Ashby recordings, at the URLs the adapters request."""
    b = Bundle(origin=f"{fixtures} (dt={dt})")
    crawl = fixtures / "greenhouse-crawl" / f"dt={dt}"
    for f in sorted(crawl.glob("*.json")):
        b.add("greenhouse", f.stem, f"/greenhouse/v1/boards/{f.stem}/jobs", f)
    for f in sorted((fixtures / "boards" / "lever").glob("*.json")):
        site = f.stem.split("_")[0]
        b.add("lever", site, f"/lever/v0/postings/{site}", f)
    for f in sorted((fixtures / "boards" / "ashby").glob("*.json")):
        name = f.stem.split("_")[0]
        b.add("ashby", name, f"/ashby/posting-api/job-board/{name}", f)
    return b


def history_bundle(fixtures: Path = SHARED_FIXTURES, dt: str = DEFAULT_REPLAY_DATE) -> Bundle:
    """One date of the 22-board Greenhouse history (10 dates, 2026-07-26..08-22)."""
    b = Bundle(origin=f"{fixtures / 'greenhouse-history'} (dt={dt})")
    for f in sorted((fixtures / "greenhouse-history" / f"dt={dt}").glob("*.json")):
        b.add("greenhouse", f.stem, f"/greenhouse/v1/boards/{f.stem}/jobs", f)
    return b


def history_dates(fixtures: Path = SHARED_FIXTURES) -> list[str]:
    return sorted(d.name.split("=", 1)[1] for d in (fixtures / "greenhouse-history").glob("dt=*"))


def sample_bundle(root: Path = SAMPLE_BUNDLE) -> Bundle:
    """The small bundle the project ships for machines without ../shared."""
    spec = json.loads((root / "routes.json").read_text())
    b = Bundle(origin=str(root))
    for r in spec["routes"]:
        b.add(r["family"], r["board"], r["path"], root / r["file"])
    return b


def default_bundle(dt: str = DEFAULT_REPLAY_DATE) -> Bundle:
    if (SHARED_FIXTURES / "greenhouse-crawl" / f"dt={dt}").is_dir():
        return fixture_bundle(SHARED_FIXTURES, dt)
    return sample_bundle()


class _Handler(BaseHTTPRequestHandler):
    server: ReplayServer
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        srv = self.server
        path = urlsplit(self.path).path
        with srv.lock:
            srv.hits[path] = srv.hits.get(path, 0) + 1
        if srv.latency:
            time.sleep(srv.latency)
        if path == "/robots.txt":
            self._send(200, srv.robots_txt.encode(), {"Content-Type": "text/plain"})
            return
        route = srv.bundle.routes.get(path)
        if route is None:
            self._send(404, b'{"status":404,"error":"Not Found"}', {"Content-Type": "application/json"})
            return
        body = route.file.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self._send(304, b"", {"ETag": etag})
            return
        self._send(route.status, body, {"Content-Type": route.content_type, "ETag": etag})

    do_HEAD = do_GET


class ReplayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, bundle: Bundle, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0):
        super().__init__((host, port), _Handler)
        self.bundle = bundle
        self.latency = latency
        self.robots_txt = "User-agent: *\nAllow: /\n"
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self.serve_forever, name="replay-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def sources_yaml(bundle: Bundle, base_url: str, contact: str = "jobmarket-replay@example.invalid") -> str:
    """A sources file pointing every family of ``bundle`` at the replay server."""
    import yaml

    doc: dict[str, Any] = {
        "http": {"contact": contact},
        "sources": {},
    }
    for family, boards in sorted(bundle.boards.items()):
        doc["sources"][family] = {
            "family": family,
            "base_url": f"{base_url}/{family}",
            # The local server is not anyone's production board: fast limits.
            "rate_per_second": 200,
            "burst": 20,
            "max_concurrency": 8,
            "backoff_base": 0.05,
            "backoff_max": 0.5,
            "options": {"replay": True},
            "boards": sorted(set(boards)),
        }
    return yaml.safe_dump(doc, sort_keys=False)
