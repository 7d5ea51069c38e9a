"""robots.txt, User-Agent, per-host rate and concurrency, hosts in parallel."""

from __future__ import annotations

import threading

from faultserver import CONTACT, DT, Reply, board_path, make_sources, recorded
from jobmarket.sources.http import PoliteClient

GOOD = "citig"
SMALL = ["citig", "moxehealth", "cuyana", "leagueapps", "banza", "netlify", "avochato", "magnitudecapital"]


def _serve_all(server, boards, **kw):
    for b in boards:
        server.script(board_path(b), Reply(200, recorded(b), headers={"Content-Type": "application/json"}, **kw))


def test_robots_disallow_skips_the_board_and_never_requests_it(server, scrape, parse):
    server.script("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /v1/boards/secret/\n"))
    server.script(board_path("secret"), Reply.json(recorded(GOOD)))
    _serve_all(server, [GOOD])
    sources = make_sources({"gh": (server.url, [GOOD, "secret"])})
    summary, _ = scrape(sources)

    assert server.requests_to(board_path("secret")) == []
    assert summary["boards"] == {GOOD: "ok", "secret": "skipped_robots"}
    health, rows = parse(sources)
    s = health["secret"]
    assert (s["status"], s["requests"], s["postings_found"]) == ("skipped_robots", 0, None)
    assert "disallowed by robots.txt" in s["error"]
    assert {r["board"] for r in rows} == {GOOD}


def test_robots_group_for_our_user_agent_applies(server, scrape):
    server.script("/robots.txt", Reply(200, b"User-agent: jobmarket\nDisallow: /\n\nUser-agent: *\nAllow: /\n"))
    _serve_all(server, [GOOD])
    summary, _ = scrape(make_sources({"gh": (server.url, [GOOD])}))
    assert summary["boards"] == {GOOD: "skipped_robots"}
    assert server.requests_to(board_path(GOOD)) == []


def test_robots_fetched_once_per_host_with_concurrent_boards(server, scrape):
    server.script("/robots.txt", Reply(200, b"User-agent: *\nAllow: /\n", delay=0.2))
    _serve_all(server, SMALL)
    summary, _ = scrape(make_sources({"gh": (server.url, SMALL)}, max_concurrency=4))

    assert set(summary["boards"].values()) == {"ok"}
    assert len(server.requests_to("/robots.txt")) == 1
    assert summary["requests_per_host"] == {server.netloc: len(SMALL) + 1}


def test_robots_exempt_never_requests_robots_txt(server, scrape):
    server.script("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /\n"))
    _serve_all(server, SMALL[:3])
    summary, _ = scrape(make_sources({"gh": (server.url, SMALL[:3])}, robots="exempt"))
    assert set(summary["boards"].values()) == {"ok"}
    assert server.requests_to("/robots.txt") == []


def test_missing_robots_txt_allows_everything(server, scrape):
    server.script("/robots.txt", Reply(404))
    _serve_all(server, [GOOD])
    summary, _ = scrape(make_sources({"gh": (server.url, [GOOD])}))
    assert summary["boards"] == {GOOD: "ok"}


def test_unavailable_robots_txt_fails_the_boards_without_requesting_them(server, scrape, manifest):
    server.script("/robots.txt", Reply(503))
    _serve_all(server, SMALL[:2])
    out, _ = scrape(make_sources({"gh": (server.url, SMALL[:2])}, max_retries=1))

    assert server.requests_to(board_path(SMALL[0])) == [] and server.requests_to(board_path(SMALL[1])) == []
    assert len(server.requests_to("/robots.txt")) == 2  # retried like any 5xx, once for the host
    m = manifest(SMALL[0])
    assert m["status"] == "failed"  # "could not check" is a failure, not a robots skip
    assert "robots.txt unavailable" in m["error"]


def test_user_agent_carries_the_contact(server, scrape):
    _serve_all(server, [GOOD])
    scrape(make_sources({"gh": (server.url, [GOOD])}))
    agents = {s.headers.get("User-Agent") for s in server.seen}
    assert len(agents) == 1
    (agent,) = agents
    assert CONTACT in agent and agent.startswith("jobmarket/")


def test_token_bucket_rate_per_host(server, scrape):
    n, rate, burst = 8, 10.0, 2
    _serve_all(server, SMALL[:n])
    scrape(make_sources({"gh": (server.url, SMALL[:n])}, rate_per_second=rate, burst=burst, robots="exempt"))

    arrivals = sorted(s.t for s in server.seen)
    assert len(arrivals) == n
    assert arrivals[-1] - arrivals[0] >= (n - burst) / rate - 0.02
    # and it is a rate, not a stall: nothing near double the expected time
    assert arrivals[-1] - arrivals[0] < 2 * (n - burst) / rate + 0.5


def test_max_concurrency_per_host(server, scrape):
    _serve_all(server, SMALL, delay=0.15)
    summary, seconds = scrape(make_sources({"gh": (server.url, SMALL)}, max_concurrency=3, robots="exempt"))

    assert set(summary["boards"].values()) == {"ok"}
    assert server.peak == 3  # the cap was reached and never exceeded
    assert seconds >= 3 * 0.15  # ceil(8/3) waves of 0.15 s


def test_two_hosts_proceed_in_parallel(server, other_server, fault_settings):
    from jobmarket.steps.scrape import scrape_source

    _serve_all(server, SMALL[:4], delay=0.25)
    _serve_all(other_server, SMALL[4:], delay=0.25)
    sources = make_sources(
        {"a": (server.url, SMALL[:4]), "b": (other_server.url, SMALL[4:])}, max_concurrency=1, robots="exempt"
    )
    with PoliteClient(sources.http.user_agent) as client:
        threads = [
            threading.Thread(
                target=scrape_source,
                args=(name, DT),
                kwargs={"settings": fault_settings, "sources": sources, "client": client},
            )
            for name in ("a", "b")
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    # Each host is strictly serial (max_concurrency 1) ...
    assert server.peak == 1 and other_server.peak == 1
    # ... but the two hosts overlap in time rather than taking turns.
    a0, a1 = min(s.t for s in server.seen), max(s.t_end for s in server.seen)
    b0, b1 = min(s.t for s in other_server.seen), max(s.t_end for s in other_server.seen)
    assert min(a1, b1) - max(a0, b0) >= 0.5
    assert max(a1, b1) - min(a0, b0) < 2 * 4 * 0.25

