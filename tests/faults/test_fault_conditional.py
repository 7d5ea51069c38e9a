"""Conditional requests: ETag / Last-Modified, 304 reuses the previous raw."""

from __future__ import annotations

from datetime import timedelta

from faultserver import DT, Reply, board_path, job_ids, make_sources, recorded
from jobmarket.core.lake import Lake

GOOD = "citig"
NEXT = DT + timedelta(days=1)
ETAG = '"v1-abc"'
LAST_MODIFIED = "Fri, 21 Aug 2026 10:00:00 GMT"


def test_next_date_sends_validators_and_a_304_reuses_the_raw(server, scrape, parse, manifest, fault_settings):
    body = recorded(GOOD)
    server.script(
        board_path(GOOD),
        Reply.json(body, headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED}),
        Reply(304, headers={"ETag": ETAG}),
    )
    sources = make_sources({"gh": (server.url, [GOOD])})
    scrape(sources, dt=DT)
    assert "If-None-Match" not in server.requests_to(board_path(GOOD))[0].headers
    summary, _ = scrape(sources, dt=NEXT)

    second = server.requests_to(board_path(GOOD))[1]
    assert second.headers["If-None-Match"] == ETAG
    assert second.headers["If-Modified-Since"] == LAST_MODIFIED
    assert summary["boards"] == {GOOD: "not_modified"}
    lake = Lake(fault_settings.lake)
    assert lake.read_raw(lake.raw_dir("greenhouse", GOOD, NEXT), "page-0001") == body
    m = manifest(GOOD, NEXT)
    assert m["files"][0]["reused_from"].endswith(f"dt={DT}")
    assert m["files"][0]["last_modified"] == LAST_MODIFIED  # carried forward for the day after
    health, rows = parse(sources, dt=NEXT)
    h = health[GOOD]
    assert (h["status"], h["http_status"], h["postings_found"]) == ("not_modified", "304:1", len(job_ids(body)))
    assert {r["native_id"] for r in rows} == job_ids(body)


def test_third_date_still_conditional_after_a_304(server, scrape):
    body = recorded(GOOD)
    server.script(board_path(GOOD), Reply.json(body, headers={"ETag": ETAG}), Reply(304))  # 304 without ETag
    sources = make_sources({"gh": (server.url, [GOOD])})
    for day in range(3):
        summary, _ = scrape(sources, dt=DT + timedelta(days=day))
    assert summary["boards"] == {GOOD: "not_modified"}
    assert server.requests_to(board_path(GOOD))[2].headers["If-None-Match"] == ETAG


def test_304_with_previous_raw_gone_refetches_unconditionally(server, scrape, manifest, fault_settings):
    body = recorded(GOOD)
    server.script(
        board_path(GOOD),
        Reply.json(body, headers={"ETag": ETAG}),
        Reply(304, headers={"ETag": ETAG}),
        Reply.json(body, headers={"ETag": ETAG}),
    )
    sources = make_sources({"gh": (server.url, [GOOD])})
    scrape(sources, dt=DT)
    lake = Lake(fault_settings.lake)
    (lake.raw_dir("greenhouse", GOOD, DT) / "page-0001.gz").unlink()  # lost or damaged
    summary, _ = scrape(sources, dt=NEXT)

    seen = server.requests_to(board_path(GOOD))
    assert [s.headers.get("If-None-Match") for s in seen] == [None, ETAG, None]
    assert summary["boards"] == {GOOD: "ok"}
    assert lake.read_raw(lake.raw_dir("greenhouse", GOOD, NEXT), "page-0001") == body
    m = manifest(GOOD, NEXT)
    assert m["requests"] == 2 and m["status_counts"] == {"200": 1, "304": 1}


def test_unsolicited_304_is_a_failure_not_zero_jobs(server, scrape, parse, manifest):
    server.script(board_path(GOOD), Reply(304))
    sources = make_sources({"gh": (server.url, [GOOD])})
    scrape(sources)

    m = manifest(GOOD)
    assert m["status"] == "failed" and m["landed"] == []
    assert "304 Not Modified to a request without validators" in m["error"]
    health, rows = parse(sources)
    assert health[GOOD]["status"] == "failed" and rows == []


def test_rerun_of_a_landed_date_reuses_raw_without_requests(server, scrape):
    server.script(board_path(GOOD), Reply.json(recorded(GOOD)))
    sources = make_sources({"gh": (server.url, [GOOD])}, robots="exempt")
    scrape(sources)
    scrape(sources)
    assert len(server.requests_to(board_path(GOOD))) == 1
