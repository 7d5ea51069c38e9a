"""Retries, backoff, Retry-After and timeouts, measured at the server."""

from __future__ import annotations

import email.utils
import time

import pytest
from faultserver import DT, FAST, BlackHole, Reply, board_path, job_ids, make_sources, recorded
from jobmarket.sources.http import PoliteClient, parse_retry_after
from jobmarket.steps.scrape import SourceFailed

GOOD = "citig"


def gaps(seen) -> list[float]:
    return [b.t - a.t for a, b in zip(seen, seen[1:], strict=False)]


def test_429_with_retry_after_then_success(server, scrape, parse):
    body = recorded(GOOD)
    server.script(board_path(GOOD), Reply(429, headers={"Retry-After": "1"}), Reply.json(body))
    summary, _ = scrape(make_sources({"gh": (server.url, [GOOD])}))

    seen = server.requests_to(board_path(GOOD))
    assert len(seen) == 2
    assert gaps(seen)[0] >= 0.95  # Retry-After: 1 honoured, not the 0.05 s backoff
    assert summary["boards"] == {GOOD: "ok"}
    health, rows = parse(make_sources({"gh": (server.url, [GOOD])}))
    h = health[GOOD]
    assert (h["status"], h["requests"], h["retries"], h["http_status"]) == ("ok", 2, 1, "200:1,429:1")
    assert h["postings_found"] == len(job_ids(body))
    assert {r["native_id"] for r in rows} == job_ids(body)


def test_retry_after_http_date_is_measured_against_the_server_date(server, scrape, manifest):
    now = time.time()
    headers = {
        "Retry-After": email.utils.formatdate(now + 1, usegmt=True),
        "Date": email.utils.formatdate(now, usegmt=True),
    }
    server.script(board_path(GOOD), Reply(503, headers=headers), Reply.json(recorded(GOOD)))
    summary, _ = scrape(make_sources({"gh": (server.url, [GOOD])}))

    seen = server.requests_to(board_path(GOOD))
    assert summary["boards"] == {GOOD: "ok"} and len(seen) == 2
    assert gaps(seen)[0] >= 0.95
    assert manifest(GOOD)["files"][0]["waits_s"] == [1.0]


def test_retry_after_pauses_the_whole_host(server, scrape):
    """A 429 for one board also holds back the host's other boards."""
    server.script(board_path(GOOD), Reply(429, headers={"Retry-After": "1"}), Reply.json(recorded(GOOD)))
    server.script(board_path("cuyana"), Reply(200, recorded("cuyana"), delay=0.2))
    server.script(board_path("banza"), Reply.json(recorded("banza")))
    sources = make_sources({"gh": (server.url, [GOOD, "cuyana", "banza"])}, max_concurrency=1, robots="exempt")
    summary, _ = scrape(sources)

    assert set(summary["boards"].values()) == {"ok"}
    first_429 = server.requests_to(board_path(GOOD))[0]
    later = [s for s in server.seen if s.t > first_429.t and s.t_end is not None]
    assert later, "other boards ran after the 429"
    # Nothing may start within the second after the 429 (small margin for the clock).
    assert all(s.t - first_429.t_end >= 0.9 for s in later if s.t > first_429.t_end)


def test_500_twice_then_success_backs_off_with_jitter(server, scrape, parse, manifest):
    server.script(board_path(GOOD), Reply(500), Reply(502), Reply.json(recorded(GOOD)))
    sources = make_sources({"gh": (server.url, [GOOD])}, backoff_base=0.2, backoff_max=5)
    scrape(sources)

    seen = server.requests_to(board_path(GOOD))
    assert len(seen) == 3
    waits = manifest(GOOD)["files"][0]["waits_s"]
    base = 0.2
    for n, (wait, gap) in enumerate(zip(waits, gaps(seen), strict=True), start=1):
        cap = base * 2 ** (n - 1)
        assert cap / 2 <= wait <= cap  # the configured window, jitter included
        assert gap >= cap / 2 - 0.01  # the server saw the wait
        assert gap <= cap + 0.5  # and nothing much longer (generous: shared CPU)
    health, _ = parse(sources)
    assert (health[GOOD]["status"], health[GOOD]["retries"], health[GOOD]["http_status"]) == (
        "ok",
        2,
        "200:1,500:1,502:1",
    )


def test_5xx_until_retries_are_exhausted_fails_without_landing(server, scrape, parse, manifest):
    server.script(board_path(GOOD), Reply(503))
    sources = make_sources({"gh": (server.url, [GOOD])}, max_retries=2)
    out, _ = scrape(sources)

    assert isinstance(out, SourceFailed)  # its only board failed: loud
    assert len(server.requests_to(board_path(GOOD))) == 3  # 1 + max_retries
    m = manifest(GOOD)
    assert m["status"] == "failed" and m["landed"] == [] and "gave up after 3 attempts" in m["error"]
    health, rows = parse(sources)
    assert health[GOOD]["status"] == "failed" and health[GOOD]["postings_found"] is None
    assert "HTTP 503" in health[GOOD]["error"] and rows == []


def test_retry_after_beyond_max_retry_after_gives_up_at_once(server, scrape, manifest):
    server.script(board_path(GOOD), Reply(429, headers={"Retry-After": "3600"}))
    _, seconds = scrape(make_sources({"gh": (server.url, [GOOD])}))

    assert len(server.requests_to(board_path(GOOD))) == 1
    assert seconds < 1
    assert "exceeds max_retry_after" in manifest(GOOD)["error"]


def test_404_board_is_failed_after_exactly_one_request(server, scrape, parse):
    server.script(board_path(GOOD), Reply.json(recorded(GOOD)))
    server.script(board_path("deleted"), Reply.json(b'{"status":404,"error":"Not Found"}', status=404))
    sources = make_sources({"gh": (server.url, [GOOD, "deleted"])})
    summary, _ = scrape(sources)

    assert len(server.requests_to(board_path("deleted"))) == 1
    assert summary["boards"] == {GOOD: "ok", "deleted": "failed"}
    health, _ = parse(sources)
    d = health["deleted"]
    assert (d["status"], d["requests"], d["retries"], d["http_status"]) == ("failed", 1, 0, "404:1")
    assert "HTTP 404" in d["error"]


def test_connect_timeout_is_retried_then_fails(scrape, manifest):
    hole = BlackHole()
    try:
        sources = make_sources(
            {"gh": (hole.url, [GOOD])}, connect_timeout=0.3, max_retries=1, robots="exempt"
        )
        out, seconds = scrape(sources)
    finally:
        hole.close()
    assert isinstance(out, SourceFailed)
    m = manifest(GOOD)
    assert m["requests"] == 2 and m["retries"] == 1
    assert "connect timeout" in m["error"] and "ConnectTimeout" in m["error"]
    assert seconds >= 0.6  # two connects of 0.3 s each, plus the backoff


def test_read_timeout_before_headers_is_retried_then_succeeds(server, scrape, manifest):
    server.script(board_path(GOOD), Reply(200, recorded(GOOD), delay=1.0), Reply.json(recorded(GOOD)))
    sources = make_sources({"gh": (server.url, [GOOD])}, read_timeout=0.3)
    summary, _ = scrape(sources)

    assert summary["boards"] == {GOOD: "ok"}
    seen = server.requests_to(board_path(GOOD))
    assert len(seen) == 2
    assert 0.3 <= gaps(seen)[0] < 1.0  # gave up on the slow answer at the read timeout
    assert manifest(GOOD)["retries"] == 1


def test_read_timeout_mid_body_counts_as_a_timeout(server, scrape, manifest):
    body = recorded(GOOD)
    server.script(board_path(GOOD), Reply(200, body, stall=1.0))
    out, _ = scrape(make_sources({"gh": (server.url, [GOOD])}, read_timeout=0.3, max_retries=1))

    assert isinstance(out, SourceFailed)
    m = manifest(GOOD)
    assert m["requests"] == 2 and m["landed"] == []
    assert "read timeout" in m["error"]


def test_body_cut_off_mid_stream_is_retried(server, scrape, parse, manifest):
    """Content-Length larger than what is sent, then the connection closes."""
    body = recorded(GOOD)
    server.script(
        board_path(GOOD),
        Reply.json(body, content_length=len(body) + 1000, send_bytes=len(body) // 2),
        Reply.json(body),
    )
    sources = make_sources({"gh": (server.url, [GOOD])})
    summary, _ = scrape(sources)

    assert summary["boards"] == {GOOD: "ok"}
    assert len(server.requests_to(board_path(GOOD))) == 2
    health, rows = parse(sources)
    assert health[GOOD]["retries"] == 1 and {r["native_id"] for r in rows} == job_ids(body)


def test_body_always_cut_off_fails_and_lands_nothing(server, scrape, parse, manifest):
    body = recorded(GOOD)
    server.script(board_path(GOOD), Reply.json(body, content_length=len(body) + 1000, send_bytes=len(body) // 2))
    sources = make_sources({"gh": (server.url, [GOOD])}, max_retries=2)
    scrape(sources)

    m = manifest(GOOD)
    assert m["status"] == "failed" and m["landed"] == [] and m["requests"] == 3
    assert "body cut off mid-stream" in m["error"]
    health, rows = parse(sources)
    assert health[GOOD]["status"] == "failed" and rows == []


@pytest.mark.parametrize(
    ("value", "date", "expected"),
    [
        ("7", None, 7.0),
        (" 120 ", None, 120.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", "Wed, 21 Oct 2015 07:28:00 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:30 GMT", 0.0),  # in the past
        ("soon", None, None),
        ("-5", None, None),
        ("", None, None),
    ],
)
def test_parse_retry_after(value, date, expected):
    assert parse_retry_after(value, date=date) == expected


def test_parse_retry_after_date_without_server_date_uses_local_clock():
    now = time.time()
    value = email.utils.formatdate(now + 10, usegmt=True)
    assert 9 <= parse_retry_after(value, now=now) <= 10


def test_client_robots_and_request_counts_are_separate(server):
    """robots.txt is never counted as one of a board's requests."""
    server.script(board_path(GOOD), Reply.json(recorded(GOOD)))
    source = make_sources({"gh": (server.url, [GOOD])}).get("gh")
    with PoliteClient("ua (x@example.invalid)") as client:
        r = client.get(server.url + board_path(GOOD), source=source)
    assert r.ok and r.requests == 1 and r.attempts == 1
    assert client.requests_per_host[server.netloc] == 2  # robots.txt + the board
    assert FAST["max_retries"] == source.max_retries and DT.year == 2026


def test_a_host_asking_for_hours_gets_nothing_more_this_run(server, scrape, manifest):
    """Retry-After beyond max_retry_after: that board fails at once, and the
    host's other boards are not requested at all (they fail, saying why)."""
    server.script(board_path(GOOD), Reply(429, headers={"Retry-After": "3600"}))
    for b in ("cuyana", "banza"):
        server.script(board_path(b), Reply.json(recorded(b)))
    sources = make_sources({"gh": (server.url, [GOOD, "cuyana", "banza"])}, max_concurrency=1, robots="exempt")
    out, seconds = scrape(sources)

    assert seconds < 1
    (refused,) = server.requests_to(board_path(GOOD))
    assert all(s.t < refused.t_end for s in server.seen)  # nothing sent after the 429
    untouched = [b for b in ("cuyana", "banza") if not server.requests_to(board_path(b))]
    # Two worker threads race for the host's one slot: when the 429 board
    # went first, the board queued behind it must never have been requested
    # (when it lost the race, the others were fetched before the 429 came).
    if min(server.seen, key=lambda s: s.t).route == board_path(GOOD):
        assert untouched, "at least the board queued behind the 429 was never requested"
    requested_before = [b for b in ("cuyana", "banza") if b not in untouched]
    for b in requested_before:
        assert manifest(b)["status"] == "ok"
    for b in untouched:
        m = manifest(b)
        assert m["status"] == "failed" and m["requests"] == 0
        assert m["error"].endswith(f"(from {server.url}{board_path(GOOD)})")
    if len(untouched) == 2:
        assert isinstance(out, SourceFailed)
