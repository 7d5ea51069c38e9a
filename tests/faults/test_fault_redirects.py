"""Redirects: same host only (or an allowlist), no loops, no private targets."""

from __future__ import annotations

from faultserver import Reply, board_path, job_ids, make_sources, recorded
from jobmarket.sources.http import PoliteClient

GOOD = "citig"


def test_redirect_to_another_host_is_refused(server, other_server, scrape, parse, manifest):
    target = other_server.url + board_path(GOOD)
    other_server.script(board_path(GOOD), Reply.json(recorded(GOOD)))
    server.script(board_path(GOOD), Reply.redirect(target))
    sources = make_sources({"gh": (server.url, [GOOD])})
    scrape(sources)

    assert other_server.seen == []  # not even its robots.txt
    m = manifest(GOOD)
    assert m["status"] == "failed" and "redirect to another host refused" in m["error"]
    assert m["status_counts"] == {"302": 1} and m["requests"] == 1 and m["retries"] == 0
    health, _ = parse(sources)
    assert health[GOOD]["status"] == "failed" and target in health[GOOD]["error"]


def test_redirect_to_an_allowlisted_host_is_followed(server, other_server, scrape, parse):
    body = recorded(GOOD)
    other = other_server.url.replace("127.0.0.1", "localhost")
    other_server.script(board_path(GOOD), Reply.json(body))
    server.script(board_path(GOOD), Reply.redirect(other + board_path(GOOD), status=301))
    sources = make_sources({"gh": (server.url, [GOOD])}, redirect_hosts=["localhost"])
    summary, _ = scrape(sources)

    assert summary["boards"] == {GOOD: "ok"}
    assert [s.route for s in other_server.seen] == ["/robots.txt", board_path(GOOD)]
    health, rows = parse(sources)
    assert health[GOOD]["requests"] == 2 and health[GOOD]["retries"] == 0  # a redirect is not a retry
    assert {r["native_id"] for r in rows} == job_ids(body)


def test_redirect_within_the_host_is_followed(server, scrape, manifest):
    server.script(board_path(GOOD), Reply.redirect("/v2" + board_path(GOOD), status=308))
    server.script("/v2" + board_path(GOOD), Reply.json(recorded(GOOD)))
    summary, _ = scrape(make_sources({"gh": (server.url, [GOOD])}))
    assert summary["boards"] == {GOOD: "ok"}
    assert manifest(GOOD)["files"][0]["final_url"] == server.url + "/v2" + board_path(GOOD)


def test_redirect_loop_stops(server, scrape, manifest):
    a, b = board_path(GOOD), "/elsewhere"
    server.script(a, Reply.redirect(b))
    server.script(b, Reply.redirect(a))
    scrape(make_sources({"gh": (server.url, [GOOD])}))

    m = manifest(GOOD)
    assert m["status"] == "failed" and "redirect loop" in m["error"]
    assert len(server.requests_to(a)) == 1 and len(server.requests_to(b)) == 1


def test_redirect_chain_longer_than_the_limit_stops(server, scrape, manifest):
    server.script(board_path(GOOD), Reply.redirect("/r1"))
    for i in range(1, 10):
        server.script(f"/r{i}", Reply.redirect(f"/r{i + 1}"))
    scrape(make_sources({"gh": (server.url, [GOOD])}))
    m = manifest(GOOD)
    assert "too many redirects" in m["error"] and m["requests"] == 6


def test_redirect_to_a_path_robots_disallows_is_not_followed(server, scrape, manifest):
    server.script("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n"))
    server.script(board_path(GOOD), Reply.redirect("/private/jobs"))
    scrape(make_sources({"gh": (server.url, [GOOD])}))
    assert server.requests_to("/private/jobs") == []
    m = manifest(GOOD)
    assert m["status"] == "skipped_robots" and "disallowed by robots.txt" in m["error"]


def test_redirect_policy_without_network():
    """Private, loopback and link-local targets are refused from a public base,
    even when allowlisted; IP literals only, so nothing is resolved or sent."""
    source = make_sources(
        {"gh": ("https://93.184.216.34", ["x"])}, redirect_hosts=["169.254.169.254", "10.0.0.7", "127.0.0.1"]
    ).get("gh")
    client = PoliteClient("ua")
    base = "https://93.184.216.34/v1/boards/x/jobs"
    for target in ("http://169.254.169.254/latest/meta-data", "http://10.0.0.7/", "http://127.0.0.1:8080/"):
        assert "private address refused" in client._redirect_ok(base, target, source)
    assert "another host" in client._redirect_ok(base, "https://203.0.113.9/x", source)
    assert "non-HTTP" in client._redirect_ok(base, "file:///etc/passwd", source)
    assert client._redirect_ok(base, "https://93.184.216.34/v2/x", source) is None
