"""The one HTTP client every adapter uses: polite, bounded and honest.

* robots.txt is fetched once per host and parsed with protego; disallowed
  paths are never requested (sources configured ``robots: exempt`` skip it).
* A descriptive User-Agent with a contact address.
* Per-host token bucket and a cap on concurrent requests per host; different
  hosts proceed in parallel because every limit is keyed by host.
* Connect/read timeouts, a maximum response size, retries with exponential
  backoff and full jitter on connection errors, 429 and 5xx, honouring
  ``Retry-After``; other 4xx are final.
* Conditional requests: an ETag / Last-Modified from a previous fetch is sent
  and a 304 is reported so the caller reuses the previous raw response.
* Redirects are followed by hand, only to the same host or an allowlisted one,
  and never to private/loopback addresses unless the base URL itself is one.

Every request leaves a trace in :class:`FetchResult` (attempts, status codes,
waits, bytes, error) so a failure is recorded, never mistaken for "no jobs".
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

if TYPE_CHECKING:
    from jobmarket.config import SourceConfig

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5


class FetchError(Exception):
    """Raised internally to stop retrying; the message lands in FetchResult.error."""


@dataclass
class FetchResult:
    url: str
    final_url: str | None = None
    status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
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


def _is_private_host(host: str) -> bool:
    """True when ``host`` resolves to a loopback, private or link-local address."""
    name = host.split(":")[0].strip("[]")
    try:
        addrs = {ipaddress.ip_address(name)}
    except ValueError:
        try:
            addrs = {ipaddress.ip_address(info[4][0]) for info in socket.getaddrinfo(name, None)}
        except OSError:
            return False
    return any(a.is_private or a.is_loopback or a.is_link_local or a.is_reserved for a in addrs)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class PoliteClient:
    """Thread-safe client; share one instance across all boards of a run."""

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
        self._robots: dict[str, object] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self.requests_per_host: Counter = Counter()
        self.first_request_at: dict[str, float] = {}
        self.last_request_at: dict[str, float] = {}

    # -- plumbing -----------------------------------------------------------
    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.headers.update({"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"})
            # Retries are ours (with backoff and accounting), not urllib3's.
            s.mount("http://", requests.adapters.HTTPAdapter(max_retries=0, pool_maxsize=16))
            s.mount("https://", requests.adapters.HTTPAdapter(max_retries=0, pool_maxsize=16))
            self._local.session = s
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

    def _raw_get(self, url: str, source: SourceConfig, headers: dict[str, str]) -> tuple[int, dict, bytes]:
        """One HTTP exchange under the host's rate limit and concurrency cap."""
        netloc = urlsplit(url).netloc
        host = self._host(netloc, source)
        with host.slots:
            host.bucket.acquire()
            now = time.monotonic()
            with self._lock:
                self.requests_per_host[netloc] += 1
                self.first_request_at.setdefault(netloc, now)
                self.last_request_at[netloc] = now
            with self._session().get(
                url,
                headers=headers,
                timeout=(source.connect_timeout, source.read_timeout),
                allow_redirects=False,
                stream=True,
            ) as resp:
                chunks, size = [], 0
                declared = resp.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > source.max_bytes:
                    raise FetchError(
                        f"response too large: Content-Length {declared} > max_bytes {source.max_bytes}"
                    )
                for chunk in resp.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > source.max_bytes:
                        raise FetchError(f"response too large: over max_bytes {source.max_bytes}")
                    chunks.append(chunk)
                return resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, b"".join(chunks)

    # -- robots.txt ---------------------------------------------------------
    def allowed(self, url: str, source: SourceConfig) -> bool:
        if source.robots == "exempt":
            return True
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            origin_lock = self._robots_locks.setdefault(key, threading.Lock())
        with origin_lock:  # one robots.txt fetch per origin, even under concurrency
            rp = self._robots.get(key)
            if rp is None:
                rp = self._robots[key] = self._fetch_robots(key, source)
        return rp.can_fetch(url, self.user_agent)

    def _fetch_robots(self, origin: str, source: SourceConfig):
        from protego import Protego

        try:
            status, _, body = self._raw_get(origin + "/robots.txt", source, {})
        except (requests.RequestException, FetchError):
            # RFC 9309: an unreachable robots.txt means "assume disallowed".
            return Protego.parse("User-agent: *\nDisallow: /\n")
        if 400 <= status < 500:
            return Protego.parse("")  # no robots.txt: everything allowed
        if status >= 500:
            return Protego.parse("User-agent: *\nDisallow: /\n")
        return Protego.parse(body.decode("utf-8", errors="replace"))

    # -- the request --------------------------------------------------------
    def _redirect_ok(self, base: str, target: str, source: SourceConfig) -> str | None:
        """Why a redirect is refused, or None when it may be followed."""
        t = urlsplit(target)
        if t.scheme not in ("http", "https"):
            return f"redirect to non-HTTP URL {target}"
        base_host = urlsplit(source.base_url).netloc
        if t.netloc != urlsplit(base).netloc and t.netloc != base_host and t.hostname not in source.redirect_hosts:
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
            if not self.allowed(url, source):
                result.robots_blocked = True
                result.error = "disallowed by robots.txt"
                return result
            headers: dict[str, str] = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            self._get_with_retries(url, source, headers, result)
        finally:
            result.duration = time.monotonic() - started
        return result

    def _get_with_retries(self, url: str, source: SourceConfig, headers: dict, result: FetchResult) -> None:
        current = url
        redirects = 0
        seen = {url}
        while True:
            result.attempts += 1
            error, status, resp_headers, body = None, None, {}, b""
            try:
                status, resp_headers, body = self._raw_get(current, source, headers)
            except FetchError as exc:
                result.error = str(exc)
                return
            except requests.Timeout as exc:
                error = f"timeout: {type(exc).__name__}"
            except requests.ConnectionError as exc:
                error = f"connection error: {type(exc).__name__}: {exc}"[:300]
            except requests.RequestException as exc:
                result.error = f"request failed: {type(exc).__name__}: {exc}"[:300]
                return
            if status is not None:
                result.status_counts[status] += 1
                result.bytes += len(body)
            if status in (301, 302, 303, 307, 308):
                target = urljoin(current, resp_headers.get("location", ""))
                why = self._redirect_ok(current, target, source)
                redirects += 1
                if why:
                    result.status, result.error = status, why
                    return
                if target in seen or redirects > MAX_REDIRECTS:
                    result.status, result.error = status, f"redirect loop or too many redirects at {target}"
                    return
                seen.add(target)
                current = target
                result.attempts -= 1  # following a redirect is not a retry
                continue
            if status is not None and status not in RETRY_STATUSES:
                result.status, result.headers, result.final_url = status, resp_headers, current
                if status == 304:
                    result.not_modified = True
                elif 200 <= status < 300:
                    result.body = body
                else:
                    result.error = f"HTTP {status}"
                return
            # Retryable: connection error, timeout, 429 or 5xx.
            result.status = status
            reason = error or f"HTTP {status}"
            if result.attempts > source.max_retries:
                result.error = f"{reason} after {result.attempts} attempts"
                return
            wait = None
            if status is not None:
                wait = parse_retry_after(resp_headers.get("retry-after"))
                if wait is not None and wait > source.max_retry_after:
                    result.error = f"{reason}: Retry-After {wait:.0f}s exceeds max_retry_after {source.max_retry_after:.0f}s"
                    return
            if wait is None:
                cap = min(source.backoff_max, source.backoff_base * (2 ** (result.attempts - 1)))
                wait = self.rng.uniform(cap / 2, cap)  # "equal jitter": never zero, never over cap
            result.waits.append(wait)
            self.sleep(wait)
