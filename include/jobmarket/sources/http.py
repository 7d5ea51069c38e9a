"""The one HTTP client every adapter uses: polite, bounded and honest.

* robots.txt is fetched once per origin and parsed with protego; disallowed
  paths are never requested (sources configured ``robots: exempt`` skip it).
  A robots.txt that cannot be fetched (network error, 5xx) means "request
  nothing" (RFC 9309), reported as a failure rather than as a robots skip.
* A descriptive User-Agent with a contact address.
* Per-host token bucket and a cap on concurrent requests per host; different
  hosts proceed in parallel because every limit is keyed by host (netloc).
* Connect/read timeouts, a maximum response size, retries with exponential
  backoff and jitter on connection errors (including a body cut off
  mid-stream), 429 and 5xx, honouring ``Retry-After`` for the whole host;
  other 4xx are final.
* Conditional requests: an ETag / Last-Modified from a previous fetch is sent
  and a 304 is reported so the caller reuses the previous raw response.
* Redirects are followed by hand, only to the same host or an allowlisted one,
  never to a path robots.txt disallows, and never to private/loopback
  addresses unless the base URL itself is one.

Every request leaves a trace in :class:`FetchResult` (requests, attempts,
status codes, waits, bytes, error) so a failure is recorded, never mistaken
for "no jobs".
"""

from __future__ import annotations

import email.utils
import ipaddress
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

if TYPE_CHECKING:
    from jobmarket.sources.config import SourceConfig

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
CHUNK = 64 * 1024


class FetchError(Exception):
    """A final, non-retryable failure of one exchange (e.g. response too large)."""

    def __init__(self, message: str, status: int | None = None, size: int = 0):
        super().__init__(message)
        self.status = status
        self.size = size


class _HostClosed(FetchError):
    """The host asked for a longer pause than max_retry_after: nothing more is sent to it."""


class _Retryable(Exception):
    """A transient failure of one exchange: connection trouble, timeout, truncated body."""

    def __init__(self, message: str, status: int | None = None, size: int = 0):
        super().__init__(message)
        self.status = status
        self.size = size


@dataclass
class FetchResult:
    url: str
    final_url: str | None = None
    status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    attempts: int = 0  # tries of the request itself: 1 + retries
    requests: int = 0  # HTTP exchanges made, redirects included (robots.txt excluded)
    status_counts: Counter = field(default_factory=Counter)
    waits: list[float] = field(default_factory=list)
    bytes: int = 0
    duration: float = 0.0
    error: str | None = None
    robots_blocked: bool = False
    not_modified: bool = False
    fetched_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def retries(self) -> int:
        return max(0, self.attempts - 1)

    def manifest(self) -> dict:
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "bytes": self.bytes,
            "duration_s": round(self.duration, 4),
            "attempts": self.attempts,
            "requests": self.requests,
            "status_counts": {str(k): v for k, v in sorted(self.status_counts.items(), key=str)},
            "waits_s": [round(w, 3) for w in self.waits],
            "error": self.error,
            "robots_blocked": self.robots_blocked,
            "not_modified": self.not_modified,
            "etag": self.headers.get("etag"),
            "last_modified": self.headers.get("last-modified"),
            "content_type": self.headers.get("content-type"),
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
        }


class TokenBucket:
    """Classic token bucket: ``rate`` tokens a second, at most ``burst`` saved."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic, sleep=time.sleep):
        self.rate = float(rate)
        self.capacity = max(1.0, float(burst))
        self.tokens = self.capacity
        self.clock = clock
        self.sleep = sleep
        self.updated = clock()
        self.lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the wait."""
        waited = 0.0
        while True:
            with self.lock:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1.0:
                    self.tokens -= 1.0
                    return waited
                need = (1.0 - self.tokens) / self.rate
            self.sleep(need)
            waited += need


@dataclass
class _Host:
    bucket: TokenBucket
    slots: threading.BoundedSemaphore
    # A Retry-After from this host pauses every request to it, not only the
    # one that got the 429/503 (monotonic time before which nothing is sent).
    paused_until: float = 0.0
    # Set when the host asked for a wait beyond max_retry_after: the rest of
    # the run sends it nothing rather than hammer it or sleep for hours.
    closed: str | None = None


@dataclass
class _Robots:
    parser: object | None  # protego.Protego, or None when robots.txt was unavailable
    error: str | None = None


def _is_private_host(host: str) -> bool:
    """True when ``host`` resolves to a loopback, private or link-local address."""
    name = (urlsplit(f"//{host}").hostname or host).strip("[]")
    try:
        addrs = {ipaddress.ip_address(name)}
    except ValueError:
        try:
            addrs = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in socket.getaddrinfo(name, None)}
        except (OSError, ValueError):
            return False
    return any(
        a.is_private or a.is_loopback or a.is_link_local or a.is_reserved or a.is_unspecified for a in addrs
    )


def parse_retry_after(value: str | None, now: float | None = None, date: str | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date).

    An HTTP-date is measured against the response's own ``Date`` header when
    there is one, so a skewed local clock neither stretches nor skips the wait.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    server_now = _http_date(date) if date else None
    reference = server_now if server_now is not None else (now if now is not None else time.time())
    return max(0.0, when - reference)


def _http_date(value: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _is_read_timeout(exc: BaseException) -> bool:
    """requests wraps a read timeout during the body in a plain ConnectionError."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, urllib3.exceptions.ReadTimeoutError | socket.timeout):
            return True
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = inner or exc.__cause__ or exc.__context__
    return False


class PoliteClient:
    """Thread-safe client; share one instance across all boards of a run.

    Limits are created per host from the first source that talks to it.
    """

    def __init__(
        self,
        user_agent: str,
        *,
        sleep=time.sleep,
        rng: random.Random | None = None,
    ):
        self.user_agent = user_agent
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self.requests_per_host: Counter = Counter()
        self.first_request_at: dict[str, float] = {}
        self.last_request_at: dict[str, float] = {}

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for s in sessions:
            s.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------
    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.trust_env = False  # no proxies or .netrc from the environment
            s.headers.update({"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"})
            # Retries are ours (with backoff and accounting), not urllib3's.
            s.mount("http://", requests.adapters.HTTPAdapter(max_retries=0, pool_maxsize=16))
            s.mount("https://", requests.adapters.HTTPAdapter(max_retries=0, pool_maxsize=16))
            self._local.session = s
            with self._lock:
                self._sessions.append(s)
        return s

    def _host(self, netloc: str, source: SourceConfig) -> _Host:
        with self._lock:
            h = self._hosts.get(netloc)
            if h is None:
                h = _Host(
                    bucket=TokenBucket(source.rate_per_second, source.burst, sleep=self.sleep),
                    slots=threading.BoundedSemaphore(source.max_concurrency),
                )
                self._hosts[netloc] = h
            return h

    def _pause_host(self, url: str, source: SourceConfig, seconds: float) -> None:
        host = self._host(urlsplit(url).netloc, source)
        with self._lock:
            host.paused_until = max(host.paused_until, time.monotonic() + seconds)

    def _wait_out_pause(self, host: _Host) -> None:
        while (pause := host.paused_until - time.monotonic()) > 0:
            self.sleep(pause)
        if host.closed:
            raise _HostClosed(host.closed)

    def _close_host(self, url: str, source: SourceConfig, why: str) -> None:
        host = self._host(urlsplit(url).netloc, source)
        with self._lock:
            host.closed = host.closed or why

    def _raw_get(self, url: str, source: SourceConfig, headers: dict[str, str],
                 method: str = "GET", data: bytes | None = None) -> tuple[int, dict, bytes]:
        """One HTTP exchange under the host's rate limit and concurrency cap.

        Raises _Retryable for transient trouble, FetchError for final trouble.
        """
        netloc = urlsplit(url).netloc
        host = self._host(netloc, source)
        self._wait_out_pause(host)
        with host.slots:
            host.bucket.acquire()
            self._wait_out_pause(host)  # a Retry-After may have arrived while queued
            now = time.monotonic()
            with self._lock:
                self.requests_per_host[netloc] += 1
                self.first_request_at.setdefault(netloc, now)
                self.last_request_at[netloc] = now
            status, size = None, 0
            try:
                with self._session().request(
                    method,
                    url,
                    data=data,
                    headers=headers,
                    timeout=(source.connect_timeout, source.read_timeout),
                    allow_redirects=False,
                    stream=True,
                ) as resp:
                    status = resp.status_code
                    declared = resp.headers.get("Content-Length")
                    if declared and declared.isdigit() and int(declared) > source.max_bytes:
                        raise FetchError(
                            f"response too large: Content-Length {declared} > max_bytes {source.max_bytes}",
                            status,
                        )
                    chunks = []
                    for chunk in resp.iter_content(CHUNK):
                        size += len(chunk)
                        if size > source.max_bytes:
                            raise FetchError(
                                f"response too large: over max_bytes {source.max_bytes} (stopped reading)",
                                status,
                                size,
                            )
                        chunks.append(chunk)
                    return status, {k.lower(): v for k, v in resp.headers.items()}, b"".join(chunks)
            except requests.ConnectTimeout as exc:
                raise _Retryable(f"connect timeout after {source.connect_timeout:g}s: {_describe(exc)}") from exc
            except requests.ReadTimeout as exc:
                raise _Retryable(f"read timeout after {source.read_timeout:g}s: {_describe(exc)}", status, size) from exc
            except requests.ConnectionError as exc:
                if _is_read_timeout(exc):
                    raise _Retryable(
                        f"read timeout after {source.read_timeout:g}s (mid-body): {_describe(exc)}", status, size
                    ) from exc
                raise _Retryable(f"connection error: {_describe(exc)}", status, size) from exc
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
                # Content-Length not reached, chunked stream cut, gzip stream cut:
                # the connection dropped mid-body. Transient; never land it.
                raise _Retryable(f"body cut off mid-stream: {_describe(exc)}", status, size) from exc
            except requests.RequestException as exc:
                raise FetchError(f"request failed: {_describe(exc)}", status, size) from exc
            except OSError as exc:
                raise _Retryable(f"connection error: {_describe(exc)}", status, size) from exc

    # -- robots.txt ---------------------------------------------------------
    def robots_verdict(self, url: str, source: SourceConfig) -> str | None:
        """None when ``url`` may be requested, else why not ("disallowed by ..."
        or "robots.txt unavailable ...")."""
        if source.robots == "exempt":
            return None
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            origin_lock = self._robots_locks.setdefault(key, threading.Lock())
        with origin_lock:  # one robots.txt fetch per origin, even under concurrency
            robots = self._robots.get(key)
            if robots is None:
                robots = self._robots[key] = self._fetch_robots(key, source)
        if robots.parser is None:
            return f"robots.txt unavailable, not requesting: {robots.error}"
        if not robots.parser.can_fetch(url, self.user_agent):
            return "disallowed by robots.txt"
        return None

    def allowed(self, url: str, source: SourceConfig) -> bool:
        return self.robots_verdict(url, source) is None

    def _fetch_robots(self, origin: str, source: SourceConfig) -> _Robots:
        from protego import Protego

        result = FetchResult(url=origin + "/robots.txt")
        self._get_with_retries(result.url, source, {}, result, check_robots=False)
        if result.ok:
            return _Robots(Protego.parse(result.body.decode("utf-8", errors="replace")))
        if result.status is not None and 400 <= result.status < 500 and result.status != 429:
            return _Robots(Protego.parse(""))  # no robots.txt: everything allowed (RFC 9309 2.3.1.3)
        # Unreachable, 5xx, 429 or a refused redirect: assume complete disallow
        # (RFC 9309 2.3.1.4) -- and say so, rather than call it a robots skip.
        return _Robots(None, result.error or f"HTTP {result.status}")

    # -- the request --------------------------------------------------------
    def _redirect_ok(self, base: str, target: str, source: SourceConfig) -> str | None:
        """Why a redirect is refused, or None when it may be followed."""
        t = urlsplit(target)
        if t.scheme not in ("http", "https") or not t.netloc:
            return f"redirect to non-HTTP URL refused: {target}"
        base_host = urlsplit(source.base_url).netloc
        if (
            t.netloc != urlsplit(base).netloc
            and t.netloc != base_host
            and t.hostname not in source.redirect_hosts
        ):
            return f"redirect to another host refused: {target}"
        if _is_private_host(t.netloc) and not _is_private_host(base_host):
            return f"redirect to a private address refused: {target}"
        return None

    def get(
        self,
        url: str,
        *,
        source: SourceConfig,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET ``url`` politely. Never raises for HTTP or network trouble:
        the outcome, good or bad, is in the returned FetchResult."""
        result = FetchResult(url=url)
        started = time.monotonic()
        result.fetched_at = datetime.now(UTC)
        try:
            headers: dict[str, str] = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            self._get_with_retries(url, source, headers, result, check_robots=True)
        finally:
            result.duration = time.monotonic() - started
        return result

    def post_json(self, url: str, payload: object, *, source: SourceConfig) -> FetchResult:
        """POST a JSON body (search APIs that page by POST, e.g. Workday's
        ``/wday/cxs/.../jobs``), under the same limits, retries and robots
        rules as :meth:`get`. Never conditional."""
        import json

        result = FetchResult(url=url)
        started = time.monotonic()
        result.fetched_at = datetime.now(UTC)
        try:
            headers = {"Content-Type": "application/json", "Accept": "application/json"}
            body = json.dumps(payload, separators=(",", ":")).encode()
            self._get_with_retries(url, source, headers, result, check_robots=True, method="POST", data=body)
        finally:
            result.duration = time.monotonic() - started
        return result

    def _get_with_retries(
        self, url: str, source: SourceConfig, headers: dict, result: FetchResult, *, check_robots: bool,
        method: str = "GET", data: bytes | None = None,
    ) -> None:
        current = url
        seen = {url}
        if check_robots and (why := self.robots_verdict(current, source)):
            result.robots_blocked = why.startswith("disallowed")
            result.error = why
            return
        result.attempts += 1
        while True:
            result.requests += 1
            error, status, resp_headers, body = None, None, {}, b""
            try:
                status, resp_headers, body = self._raw_get(current, source, headers, method, data)
            except FetchError as exc:
                if isinstance(exc, _HostClosed):
                    result.requests -= 1  # refused before anything was sent
                if exc.status is not None:
                    result.status_counts[exc.status] += 1
                result.status, result.bytes, result.final_url = exc.status, result.bytes + exc.size, current
                result.error = str(exc)
                return
            except _Retryable as exc:
                error = str(exc)
                if exc.status is not None:
                    result.status_counts[exc.status] += 1
                result.bytes += exc.size
            if status is not None:
                result.status_counts[status] += 1
                result.bytes += len(body)
            if status in REDIRECT_STATUSES:
                target = urljoin(current, resp_headers.get("location", ""))
                why = self._redirect_ok(current, target, source)
                if why is None and (target in seen or len(seen) > MAX_REDIRECTS):
                    why = f"redirect loop or too many redirects at {target}"
                if why is None and check_robots and (why := self.robots_verdict(target, source)):
                    result.robots_blocked = why.startswith("disallowed")
                    why = f"redirect to {target}: {why}"
                if why:
                    result.status, result.final_url, result.error = status, current, why
                    return
                seen.add(target)
                current = target
                if status in (301, 302, 303) and method != "GET":
                    method, data = "GET", None  # what browsers do; 307/308 keep the method and body
                continue  # following a redirect is not a retry
            if status is not None and status not in RETRY_STATUSES:
                result.status, result.headers, result.final_url = status, resp_headers, current
                if status == 304:
                    result.not_modified = True
                elif 200 <= status < 300:
                    result.body = body
                else:
                    result.error = f"HTTP {status}"
                return
            # Retryable: connection error, timeout, truncated body, 429 or 5xx.
            result.status, result.final_url = status, current
            reason = error or f"HTTP {status}"
            if result.attempts > source.max_retries:
                result.error = f"{reason} (gave up after {result.attempts} attempts)"
                return
            wait = None
            if status is not None:
                wait = parse_retry_after(resp_headers.get("retry-after"), date=resp_headers.get("date"))
                if wait is not None and wait > source.max_retry_after:
                    result.error = (
                        f"{reason}: Retry-After {wait:.0f}s exceeds max_retry_after {source.max_retry_after:g}s"
                    )
                    self._close_host(current, source, f"not requested: {result.error} (from {current})")
                    return
                if wait is not None:
                    self._pause_host(current, source, wait)
            if wait is None:
                cap = min(source.backoff_max, source.backoff_base * (2 ** (result.attempts - 1)))
                wait = self.rng.uniform(cap / 2, cap)  # "equal jitter": never zero, never over cap
            result.waits.append(wait)
            self.sleep(wait)
            result.attempts += 1
