"""A real HTTP server that replays recorded board responses.

Used by the tests and by ``make run`` (this machine has no internet). Each
family is served under a path prefix (``/greenhouse``, ``/lever``, ...), so one
server on 127.0.0.1 stands in for every board host, and the sources file
points each source's ``base_url`` at ``http://127.0.0.1:<port>/<family>``.

The server behaves like the real endpoints in the ways the client cares
about: ``/robots.txt``, JSON content types, strong ETags with ``304 Not
Modified`` on ``If-None-Match``, 404 for unknown boards, and an optional
per-request latency for benchmarks.

Routes match on the path, and optionally on the query string: a route added
with a query (``/x?offset=0&limit=100``) answers only that query (parameters
compared as a sorted multiset, so order and ``%2C`` vs ``,`` do not matter);
a request whose query matches no such route falls back to a path-only route
of the same path, if there is one. Path-only routes therefore answer any
query, as before.

:func:`all_families_bundle` serves every family that has recordings in
``../shared/fixtures/boards`` (plus the 390-board Greenhouse crawl); see its
docstring for what is served for each family and why.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from jobmarket.core.settings import REPO_DIR

SHARED_FIXTURES = REPO_DIR.parent / "shared" / "fixtures"
SAMPLE_BUNDLE = Path(__file__).resolve().parent / "replay_sample"
# Hand-written recordings of the project's adapter tests (in each family's real
# format) that fill gaps of the shared recordings; absent from a deployed image.
PROJECT_RECORDINGS = REPO_DIR / "tests" / "sources" / "recordings"
DEFAULT_REPLAY_DATE = "2026-08-22"

JSON_TYPE = "application/json; charset=utf-8"
_TYPES = {".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8"}

# The per-host limits docs/sources.md ships for each family
# (rate_per_second, burst, max_concurrency). "production" limits in sources_yaml.
PRODUCTION_LIMITS: dict[str, dict[str, float | int]] = {
    "greenhouse": {"rate_per_second": 1, "burst": 2, "max_concurrency": 2},
    "lever": {"rate_per_second": 1, "burst": 2, "max_concurrency": 2},
    "ashby": {"rate_per_second": 1, "burst": 2, "max_concurrency": 2},
    "smartrecruiters": {"rate_per_second": 2, "burst": 2, "max_concurrency": 2},
    "workable": {"rate_per_second": 0.5, "burst": 1, "max_concurrency": 1},
    "recruitee": {"rate_per_second": 1, "burst": 1, "max_concurrency": 2},
    "remoteok": {"rate_per_second": 0.2, "burst": 1, "max_concurrency": 1},
    "remotive": {"rate_per_second": 0.1, "burst": 1, "max_concurrency": 1},
    "arbeitnow": {"rate_per_second": 0.5, "burst": 1, "max_concurrency": 1},
    "himalayas": {"rate_per_second": 0.5, "burst": 1, "max_concurrency": 1},
    "hn": {"rate_per_second": 1, "burst": 1, "max_concurrency": 1},
    "jsonld": {"rate_per_second": 0.5, "burst": 1, "max_concurrency": 1},
    "workday": {"rate_per_second": 0.5, "burst": 1, "max_concurrency": 1},
    "teamtailor": {"rate_per_second": 0.5, "burst": 1, "max_concurrency": 1},
    "personio": {"rate_per_second": 0.5, "burst": 1, "max_concurrency": 1},
    "bamboohr": {"rate_per_second": 0.5, "burst": 1, "max_concurrency": 1},
    "pinpoint": {"rate_per_second": 0.5, "burst": 1, "max_concurrency": 1},
    "rippling": {"rate_per_second": 0.5, "burst": 1, "max_concurrency": 1},
    "eightfold": {"rate_per_second": 0.5, "burst": 1, "max_concurrency": 1},
}
# The client's own default for an entry that sets nothing (SourceConfig).
CLIENT_DEFAULT_LIMITS: dict[str, float | int] = {"rate_per_second": 1, "burst": 1, "max_concurrency": 2}
# The local server is not anyone's production board: fast limits for tests.
FAST_LIMITS: dict[str, float | int] = {
    "rate_per_second": 200, "burst": 20, "max_concurrency": 8, "backoff_base": 0.05, "backoff_max": 0.5,
}


def route_key(path: str, query: str | None = None) -> str:
    """The key of a route: the path alone, or the path plus the normalized
    query (parameters decoded and sorted, so order and encoding do not matter)."""
    if not query:
        return path
    return f"{path}?{urlencode(sorted(parse_qsl(query, keep_blank_values=True)))}"


@dataclass
class Route:
    file: Path | None = None
    status: int = 200
    content_type: str = JSON_TYPE
    body: bytes | None = None  # served instead of ``file`` when set (a derived response)
    delay: float = 0.0  # seconds this route takes (a slow board), on top of the server's latency
    location: str | None = None  # answer 301 to this path (a board that moved)

    def read(self) -> bytes:
        if self.body is not None:
            return self.body
        if self.file is None:
            return b""
        return self.file.read_bytes()


@dataclass
class Bundle:
    """Routes to serve plus the boards each family has in them.

    ``routes`` maps :func:`route_key` (the path, or ``path?normalized-query``)
    to a Route; ``family_options`` are merged into each family's ``options``
    by :func:`sources_yaml` (e.g. Himalayas' ``max_jobs`` window).
    """

    routes: dict[str, Route] = field(default_factory=dict)
    boards: dict[str, list[str]] = field(default_factory=dict)
    origin: str = ""
    family_options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(
        self,
        family: str,
        board: str,
        path: str,
        file: Path | None = None,
        *,
        query: str | None = None,
        content_type: str | None = None,
        body: bytes | None = None,
        status: int = 200,
    ) -> None:
        """Serve ``file`` at ``path`` (and ``query``, if given; a ``?`` in
        ``path`` is read as the query too) and list ``board`` under ``family``."""
        self.add_route(path, file, query=query, content_type=content_type, body=body, status=status)
        if board not in self.boards.setdefault(family, []):
            self.boards[family].append(board)

    def add_route(
        self,
        path: str,
        file: Path | None = None,
        *,
        query: str | None = None,
        content_type: str | None = None,
        body: bytes | None = None,
        status: int = 200,
    ) -> str:
        """Serve a response without listing a board (detail pages, extra pages)."""
        if query is None and "?" in path:
            path, query = path.split("?", 1)
        if content_type is None:
            content_type = _TYPES.get(file.suffix.lower(), JSON_TYPE) if file is not None else JSON_TYPE
        key = route_key(path, query)
        self.routes[key] = Route(file=file, status=status, content_type=content_type, body=body)
        return key

    def lookup(self, path: str, query: str | None = None) -> Route | None:
        """Exact path+query first, then the path-only route."""
        if query:
            route = self.routes.get(route_key(path, query))
            if route is not None:
                return route
        return self.routes.get(path)

    def families(self) -> list[str]:
        return sorted(self.boards)

    def subset(self, families: Iterable[str]) -> Bundle:
        """The routes, boards and options of some families only (one host per family)."""
        fams = set(families)
        prefixes = tuple(f"/{f}/" for f in fams)
        return Bundle(
            routes={k: r for k, r in self.routes.items() if k.startswith(prefixes)},
            boards={f: list(b) for f, b in self.boards.items() if f in fams},
            origin=f"{self.origin} [{', '.join(sorted(fams))}]",
            family_options={f: o for f, o in self.family_options.items() if f in fams},
        )


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


def history_with_recordings_bundle(fixtures: Path = SHARED_FIXTURES, dt: str = DEFAULT_REPLAY_DATE) -> Bundle:
    """One date of the Greenhouse history plus every other family's recordings (the ones with
    descriptions: Lever, Ashby, SmartRecruiters, HN, ...), the same on every date: the
    history's boards change night by night, the others stand still. ``make history`` and
    ``jobmarket replay --history`` serve it."""
    b = history_bundle(fixtures, dt)
    others = all_families_bundle(fixtures, dt)
    rest = others.subset(f for f in others.families() if f != "greenhouse")
    b.routes.update(rest.routes)
    b.boards.update(rest.boards)
    b.family_options.update(rest.family_options)
    b.origin = f"{fixtures / 'greenhouse-history'} (dt={dt}) + the other families' recordings"
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


def all_families_bundle(fixtures: Path = SHARED_FIXTURES, dt: str = DEFAULT_REPLAY_DATE) -> Bundle:
    """Every family with recordings in ``fixtures/boards``, at the URLs (and
    queries) its adapter requests, plus the 390-board Greenhouse crawl.

    ===============  ============================  ======================================================
    family           board(s)                      served
    ===============  ============================  ======================================================
    greenhouse       390 crawl boards              the crawl of ``dt`` (as :func:`fixture_bundle`)
    lever            plaid                         ``lever/plaid_postings_first20.json``
    ashby            cursor, notion, ramp,         the four recordings
                     truelogic
    smartrecruiters  WesternDigital                the list of 3 (``?offset=0&limit=100`` only) and, for
                                                   each listed posting, a detail: the shared detail
                                                   recording is of a posting *not* in that list, so the
                                                   details come from the project's hand-written
                                                   recordings (tests/sources/recordings, same ids). A
                                                   listed id without a detail recording is dropped from
                                                   a derived list (``totalFound`` adjusted); no detail
                                                   at all: the family is left out. The shared detail is
                                                   served at its own URL too (never requested by a scrape).
    workable         sample                        the trimmed first page (no ``nextPage``: one request)
    recruitee        channable                     ``recruitee/channable_offers_trimmed.json`` at
                                                   ``/recruitee/<company>/api/offers/`` (the adapter's
                                                   path-prefix form of ``base_url``)
    remoteok         all                           ``api_full_2026-05-16.json`` at ``/api``
    remotive         all                           the filtered 18-job response at ``/api/remote-jobs``
    arbeitnow        all                           the 3-job subset at ``?page=1`` (no ``links``: one page)
    himalayas        all                           page 1 at ``?limit=20&offset=0``; ``options.max_jobs:
                                                   20`` so the adapter stops after it
    hn               whoishiring-2026-05           the ``whoishiring`` story list at the
                                                   ``search_by_date`` URL and the May 2026 comments at
                                                   ``search?tags=comment,story_<id>&hitsPerPage=1000&page=0``
    jsonld           rebase-1000, icims-11169      each page as a listing carrying JobPosting JSON-LD
                                                   (``options.boards.<token>.listing_path``)
    teamtailor       1komma5, upcloud              the two feeds (UpCloud's broken appended row included)
    personio         clark, personio               the two XML feeds
    pinpoint         aawdc                         ``pinpoint/aawdc_postings.json``
    rippling         11fs                          ``rippling/11fs_board_jobs.json``
    eightfold        fcx/fcx.com                   the 3 recorded positions (``count`` set to 3)
    bamboohr         holisticai                    the composite split into the list and 12 details
                                                   (from 2026-09-18 on, when its postings exist)
    ===============  ============================  ======================================================

    Not served: the other Greenhouse single recordings (the crawl has those
    boards), the trimmed RemoteOK/Remotive subsets, the BoschGroup
    SmartRecruiters detail (no list recording of that company), the HN HTML
    pages and robots.txt texts (the scrape reads Algolia), Jobicy
    (no adapter), Workday (its list is a POST) and the other BambooHR list
    (no details recorded).
    """
    b = fixture_bundle(fixtures, dt)
    b.origin = f"{fixtures} (dt={dt}; all families)"
    boards = fixtures / "boards"

    # SmartRecruiters: list + one detail per listed posting.
    sr_list = boards / "smartrecruiters" / "postings_list_3.json"
    if sr_list.is_file():
        data = json.loads(sr_list.read_bytes())
        listed = data.get("content") or [{}]
        company = str((listed[0].get("company") or {}).get("identifier") or "WesternDigital")
        base = f"/smartrecruiters/v1/companies/{company}/postings"
        details = {str(p["id"]): PROJECT_RECORDINGS / "smartrecruiters" / f"detail_{p['id']}.json" for p in data["content"]}
        have = {pid: f for pid, f in details.items() if f.is_file()}
        shared_detail = boards / "smartrecruiters" / "westerndigital_posting_detail.json"
        if shared_detail.is_file():
            sid = str(json.loads(shared_detail.read_bytes())["id"])
            if sid in details:
                have[sid] = shared_detail  # a real detail of a listed posting wins
            b.add_route(f"{base}/{sid}", shared_detail)
        if have:
            query = f"offset={data.get('offset', 0)}&limit={data.get('limit', 100)}"
            if len(have) == len(details):
                b.add("smartrecruiters", company, base, sr_list, query=query)
            else:
                kept = [p for p in data["content"] if str(p["id"]) in have]
                derived = {**data, "totalFound": len(kept), "content": kept}
                b.add("smartrecruiters", company, base, query=query, body=json.dumps(derived).encode())
            for pid, f in have.items():
                b.add_route(f"{base}/{pid}", f)

    def first(pattern: str) -> Path | None:
        found = sorted(boards.glob(pattern))
        return found[0] if found else None

    if f := first("workable/apply_v3_jobs_*.json"):
        b.add("workable", "sample", "/workable/api/v3/accounts/sample/jobs", f)
    for f in sorted(boards.glob("recruitee/*.json")):
        company = f.stem.split("_")[0]
        b.add("recruitee", company, f"/recruitee/{company}/api/offers/", f)
    if f := first("remoteok/api_full_*.json"):
        b.add("remoteok", "all", "/remoteok/api", f)
    if f := first("remotive/remote_jobs_filtered_*.json"):
        b.add("remotive", "all", "/remotive/api/remote-jobs", f)
    if f := first("arbeitnow/job_board_api_*.json"):
        b.add("arbeitnow", "all", "/arbeitnow/api/job-board-api", f, query="page=1")
    if f := first("other/himalayas_jobs_api_page1_*.json"):
        b.add("himalayas", "all", "/himalayas/jobs/api", f, query="limit=20&offset=0")
        b.family_options["himalayas"] = {"max_jobs": 20}

    stories = boards / "hn" / "algolia_search_stories_author_whoishiring.json"
    for comments in sorted(boards.glob("hn/algolia_search_comments_story_*.json")):
        story_id = comments.stem.split("_story_", 1)[1].split("_", 1)[0]
        meta = json.loads(stories.read_bytes()) if stories.is_file() else {"hits": []}
        thread = next((h for h in meta["hits"] if str(h.get("objectID")) == story_id), None)
        if thread is None:
            continue
        month = datetime.fromisoformat(str(thread["created_at"]).replace("Z", "+00:00")).strftime("%Y-%m")
        b.add_route("/hn/api/v1/search_by_date", stories, query="tags=story,author_whoishiring&hitsPerPage=20")
        b.add("hn", f"whoishiring-{month}", "/hn/api/v1/search", comments,
              query=f"tags=comment,story_{story_id}&hitsPerPage=1000&page=0")

    # Families added for coverage (issue 19), at the path-prefix form of their
    # base_url. Workday is not served: its list is a POST, which this server
    # does not answer (tests/sources serve it from their own server).
    for family, pattern, route in (
        ("teamtailor", "teamtailor/*_jobs_json_feed.json", "/teamtailor/{board}/jobs.json"),
        ("personio", "personio/*.xml", "/personio/{board}/xml"),
        ("pinpoint", "pinpoint/*_postings.json", "/pinpoint/{board}/postings.json"),
        ("rippling", "rippling/*_board_jobs.json", "/rippling/platform/api/ats/v1/board/{board}/jobs"),
    ):
        for f in sorted(boards.glob(pattern)):
            board = f.stem.split("_")[0]
            b.add(family, board, route.format(board=board), f)
    if f := first("eightfold/*_apply_v2_jobs.json"):
        data = json.loads(f.read_bytes())
        tenant = f.stem.split("_")[0]
        # The recording holds 3 of 256 positions: served as the whole board.
        b.add("eightfold", f"{tenant}/{data.get('domain')}", f"/eightfold/{tenant}/api/apply/v2/jobs",
              query=f"domain={data.get('domain')}&start=0&num=10",
              body=json.dumps({**data, "count": len(data.get("positions") or [])}).encode())
    if (f := first("bamboohr/*_COMPOSITE.json")) and _posted_by(json.loads(f.read_bytes()), dt):
        # The recorder's list+detail composite, split back into the two
        # responses. Served only to dates on or after its postings were
        # posted (2026-09-17/18): a replay of an earlier night would hand the
        # pipeline postings from its future, which the posted_at:in_range
        # expectation rightly quarantines (and its gate fails the night).
        data = json.loads(f.read_bytes())
        company = f.stem.split("_")[0]
        listed = [{k: v for k, v in j.items() if k != "detail"} for j in data.get("result") or []]
        b.add("bamboohr", company, f"/bamboohr/{company}/careers/list", body=json.dumps({**data, "result": listed}).encode())
        for j in data.get("result") or []:
            if isinstance(j.get("detail"), dict):
                b.add_route(f"/bamboohr/{company}/careers/{j['id']}/detail",
                            body=json.dumps({"result": {"jobOpening": j["detail"]}}).encode())

    jsonld_boards: dict[str, dict[str, str]] = {}
    for token, pattern, path in (
        ("rebase-1000", "jsonld/hire.rebase.network_jobs_1000.html", "/jobs/1000.html"),
        ("icims-11169", "jsonld/icims_sig_job_jsonld_wrapper.html", "/icims/jobs/11169/job"),
    ):
        if f := first(pattern):
            b.add("jsonld", token, f"/jsonld{path}", f)
            jsonld_boards[token] = {"listing_path": path}
    if jsonld_boards:
        b.family_options["jsonld"] = {"boards": jsonld_boards}
    return b


def _posted_by(composite: dict, dt: str) -> bool:
    """Whether every posting of a BambooHR composite was posted on or before ``dt``."""
    posted = [str((j.get("detail") or {}).get("datePosted") or "")[:10] for j in composite.get("result") or []]
    return all(p <= str(dt) for p in posted if p)


def default_bundle(dt: str = DEFAULT_REPLAY_DATE) -> Bundle:
    """Every family with recordings when ../shared/fixtures is there (the
    390-board crawl included), else the small sample the project ships."""
    if (SHARED_FIXTURES / "greenhouse-crawl" / f"dt={dt}").is_dir():
        return all_families_bundle(SHARED_FIXTURES, dt)
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
        parts = urlsplit(self.path)
        path = parts.path
        with srv.lock:
            srv.hits[path] = srv.hits.get(path, 0) + 1
            srv.requests.append((time.monotonic(), self.path))
            srv.inflight += 1
            srv.max_inflight = max(srv.max_inflight, srv.inflight)
        try:
            self._answer(srv, path, parts.query)
        finally:
            with srv.lock:
                srv.inflight -= 1

    def _answer(self, srv: ReplayServer, path: str, query: str) -> None:
        if srv.latency:
            time.sleep(srv.latency)
        if path == "/robots.txt":
            if srv.robots_txt is None:  # e.g. hn.algolia.com: 404, i.e. allow all
                self._send(404, b"Not Found", {"Content-Type": "text/plain"})
            else:
                self._send(200, srv.robots_txt.encode(), {"Content-Type": "text/plain"})
            return
        route = srv.bundle.lookup(path, query)
        if route is None:
            self._send(404, b'{"status":404,"error":"Not Found"}', {"Content-Type": "application/json"})
            return
        if route.delay:
            time.sleep(route.delay)
        if route.location:
            self._send(301, b"", {"Location": route.location})
            return
        body = route.read()
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self._send(304, b"", {"ETag": etag})
            return
        self._send(route.status, body, {"Content-Type": route.content_type, "ETag": etag})

    do_HEAD = do_GET


class ReplayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        bundle: Bundle,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        robots_txt: str | None = "User-agent: *\nAllow: /\n",
    ):
        super().__init__((host, port), _Handler)
        self.bundle = bundle
        self.latency = latency
        self.robots_txt = robots_txt  # None: /robots.txt answers 404
        self.hits: dict[str, int] = {}  # by path
        self.requests: list[tuple[float, str]] = []  # (monotonic arrival, path?query), robots.txt included
        self.inflight = 0
        self.max_inflight = 0  # most requests in progress at once
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


def family_limits(family: str, limits: str | Mapping[str, Mapping[str, Any]] = "fast") -> dict[str, Any]:
    """The politeness fields of one family's source entry.

    ``"fast"``: the local server's fast limits (tests, ``make run``);
    ``"production"``: the limits docs/sources.md ships for the family
    (:data:`PRODUCTION_LIMITS`; the client default for a family it does not
    list); a mapping ``{family: {rate_per_second, burst, max_concurrency, ...}}``:
    those fields over the production limits.
    """
    if limits == "fast":
        return dict(FAST_LIMITS)
    base = dict(PRODUCTION_LIMITS.get(family, CLIENT_DEFAULT_LIMITS))
    if limits == "production":
        return base
    if isinstance(limits, Mapping):
        return {**base, **dict(limits.get(family) or {})}
    raise ValueError(f"limits must be 'fast', 'production' or a mapping of family to limits, got {limits!r}")


def sources_yaml(
    bundle: Bundle,
    base_url: str,
    contact: str = "jobmarket-replay@example.invalid",
    limits: str | Mapping[str, Mapping[str, Any]] = "fast",
    base_urls: Mapping[str, str] | None = None,
) -> str:
    """A sources file pointing every family of ``bundle`` at the replay server.

    Each family's ``base_url`` is ``<server>/<family>``, the server being
    ``base_urls[family]`` when given (one server per family host) or
    ``base_url``. ``options`` are ``replay: true`` plus the bundle's
    ``family_options``. ``limits``: see :func:`family_limits`.
    """
    import yaml

    doc: dict[str, Any] = {
        "http": {"contact": contact},
        "sources": {},
    }
    for family, boards in sorted(bundle.boards.items()):
        server = (base_urls or {}).get(family, base_url)
        doc["sources"][family] = {
            "family": family,
            "base_url": f"{server.rstrip('/')}/{family}",
            **family_limits(family, limits),
            "options": {"replay": True, **bundle.family_options.get(family, {})},
            "boards": sorted(set(boards)),
        }
    return yaml.safe_dump(doc, sort_keys=False)


# What an ATS answers for a board with no open job, per family served by
# :func:`registry_bundle`.
_EMPTY_BODIES = {"greenhouse": b'{"jobs": [], "meta": {"total": 0}}', "lever": b"[]", "ashby": b'{"jobs": []}'}
_BOARD_PATHS = {"greenhouse": "/greenhouse/v1/boards/{}/jobs", "lever": "/lever/v0/postings/{}",
                "ashby": "/ashby/posting-api/job-board/{}"}


def registry_bundle(tokens: Mapping[str, list[str]], fixtures: Path = SHARED_FIXTURES,
                    dt: str = DEFAULT_REPLAY_DATE, *, every_404: int = 0, every_empty: int = 0,
                    every_slow: int = 0, slow_s: float = 0.5) -> Bundle:
    """Registry boards served from the recordings of :func:`fixture_bundle`:
    the i-th token of a family answers with the family's (i mod n)-th
    recorded board, except every ``every_404``-th (no route: 404), every
    ``every_empty``-th (an empty board) and every ``every_slow``-th (answers
    after ``slow_s`` seconds). Families: greenhouse, lever, ashby."""
    recorded = fixture_bundle(fixtures, dt)
    b = Bundle(origin=f"registry boards over {recorded.origin}")
    for family, toks in tokens.items():
        files = [recorded.routes[_BOARD_PATHS[family].format(t)].file for t in recorded.boards.get(family, [])]
        for i, token in enumerate(toks):
            path = _BOARD_PATHS[family].format(token)
            b.boards.setdefault(family, []).append(token)
            if every_404 and i % every_404 == every_404 - 1:
                continue
            if every_empty and i % every_empty == every_empty - 2:
                b.routes[path] = Route(body=_EMPTY_BODIES[family])
                continue
            delay = slow_s if every_slow and i % every_slow == every_slow - 3 else 0.0
            b.routes[path] = Route(file=files[i % len(files)], delay=delay)
    return b
