"""Bad bodies: truncated JSON, HTML, changed schema, oversize. Good boards still publish."""

from __future__ import annotations

import json
import time

from faultserver import DT, Reply, board_path, job_ids, make_sources, recorded
from jobmarket.steps.scrape import SourceFailed

GOOD, OTHER = "citig", "cuyana"


def _renamed_title(body: bytes) -> bytes:
    data = json.loads(body)
    for job in data["jobs"]:
        job["job_title"] = job.pop("title")
    return json.dumps(data).encode()


def test_complete_200_with_truncated_json_fails_at_parse(server, scrape, parse, manifest):
    good, bad = recorded(GOOD), recorded(OTHER)
    server.script(board_path(GOOD), Reply.json(good))
    server.script(board_path(OTHER), Reply.json(bad[: len(bad) // 2]))  # Content-Length matches: HTTP is fine
    sources = make_sources({"gh": (server.url, [GOOD, OTHER])})
    summary, _ = scrape(sources)

    assert summary["boards"] == {GOOD: "ok", OTHER: "ok"}  # the fetch itself succeeded
    assert manifest(OTHER)["requests"] == 1  # a 200 is not retried
    health, rows = parse(sources)
    assert health[OTHER]["status"] == "failed" and health[OTHER]["postings_found"] is None
    assert "not valid JSON" in health[OTHER]["error"]
    assert health[GOOD]["status"] == "ok" and health[GOOD]["postings_found"] == len(job_ids(good))
    assert {r["board"] for r in rows} == {GOOD}
    assert {r["native_id"] for r in rows} == job_ids(good)


def test_html_instead_of_json_fails_at_parse(server, scrape, parse):
    html = b"<html><head><title>Maintenance</title><body><h1>Back soon<p>unclosed <div"
    server.script(board_path(GOOD), Reply.json(recorded(GOOD)))
    server.script(board_path(OTHER), Reply(200, html, headers={"Content-Type": "text/html"}))
    sources = make_sources({"gh": (server.url, [GOOD, OTHER])})
    scrape(sources)

    health, rows = parse(sources)
    assert health[OTHER]["status"] == "failed" and "not valid JSON" in health[OTHER]["error"]
    assert {r["board"] for r in rows} == {GOOD}


def test_schema_change_names_the_field(server, scrape, parse):
    server.script(board_path(GOOD), Reply.json(recorded(GOOD)))
    server.script(board_path(OTHER), Reply.json(_renamed_title(recorded(OTHER))))
    sources = make_sources({"gh": (server.url, [GOOD, OTHER])})
    scrape(sources)

    health, rows = parse(sources)
    assert health[OTHER]["status"] == "failed"
    assert "'title'" in health[OTHER]["error"] and "schema changed" in health[OTHER]["error"]
    assert {r["board"] for r in rows} == {GOOD}


def test_50mb_streamed_body_stops_at_max_bytes(server, scrape, manifest):
    mb = b"x" * (1 << 20)

    def fifty_mb():
        for _ in range(50):
            yield mb

    server.script(board_path(OTHER), Reply(200, fifty_mb, headers={"Content-Type": "application/json"}))
    server.script(board_path(GOOD), Reply.json(recorded(GOOD)))
    sources = make_sources({"gh": (server.url, [GOOD, OTHER])}, max_bytes=256 * 1024)
    summary, seconds = scrape(sources)

    assert summary["boards"] == {GOOD: "ok", OTHER: "failed"}
    m = manifest(OTHER)
    assert "response too large" in m["error"] and m["landed"] == []
    assert m["requests"] == 1  # too large is final, not retried
    assert 256 * 1024 < m["bytes"] <= 256 * 1024 + 64 * 1024  # stopped reading right after the limit
    time.sleep(0.2)
    assert server.sent_bytes < 50 * len(mb)  # the client hung up; the 50 MB were never all sent
    assert seconds < 5


def test_declared_oversize_is_refused_before_reading(server, scrape, manifest):
    server.script(
        board_path(GOOD),
        Reply(200, b"{}", content_length=50 * 1024 * 1024, send_bytes=2, headers={"Content-Type": "application/json"}),
    )
    out, _ = scrape(make_sources({"gh": (server.url, [GOOD])}, max_bytes=1024 * 1024))

    assert isinstance(out, SourceFailed)
    m = manifest(GOOD)
    assert "Content-Length 52428800 > max_bytes" in m["error"] and m["requests"] == 1
    assert m["status_counts"] == {"200": 1} and m["bytes"] == 0


def test_good_boards_publish_while_faulty_ones_fail(server, scrape, parse, manifest):
    """One source, one good board and one of each fault: only the good one publishes."""
    good = recorded(GOOD)
    faults = {
        "deleted": [Reply.json(b'{"status":404}', status=404)],
        "flaky": [Reply(500), Reply(500), Reply(500), Reply(500)],
        "cutoff": [Reply.json(good, content_length=len(good) + 10, send_bytes=100)],
        "renamed": [Reply.json(_renamed_title(recorded(OTHER)))],
        "truncated": [Reply.json(good[:-40])],
        "elsewhere": [Reply.redirect("http://127.0.0.2:9/v1/boards/elsewhere/jobs")],
    }
    server.script(board_path(GOOD), Reply.json(good))
    for board, replies in faults.items():
        server.script(board_path(board), *replies)
    sources = make_sources({"gh": (server.url, [GOOD, *faults])}, max_retries=1)
    summary, _ = scrape(sources)

    assert summary["boards"][GOOD] == "ok"
    assert {b for b, s in summary["boards"].items() if s == "failed"} == {"deleted", "flaky", "cutoff", "elsewhere"}
    for board in ("deleted", "flaky", "cutoff", "elsewhere"):
        assert manifest(board)["landed"] == []  # nothing partial lands
    health, rows = parse(sources)
    assert set(health) == {GOOD, *faults}  # one row per board, whatever happened
    assert {b for b, h in health.items() if h["status"] == "failed"} == set(faults)
    assert all(h["error"] and h["postings_found"] is None for b, h in health.items() if b != GOOD)
    assert health[GOOD]["status"] == "ok" and health[GOOD]["error"] is None
    assert {(r["board"], r["native_id"]) for r in rows} == {(GOOD, i) for i in job_ids(good)}


def test_all_boards_failing_raises_after_every_board_was_tried(server, scrape, manifest):
    boards = ["a1", "a2", "a3", "a4"]
    for b in boards:
        server.script(board_path(b), Reply(503))
    out, _ = scrape(make_sources({"gh": (server.url, boards)}, max_retries=1))

    assert isinstance(out, SourceFailed) and "all 4 boards failed" in str(out)
    for b in boards:
        assert len(server.requests_to(board_path(b))) == 2
        assert manifest(b)["status"] == "failed"


def test_a_crash_in_one_board_does_not_stop_the_others(server, scrape, manifest):
    from jobmarket.sources.http import PoliteClient

    class Exploding(PoliteClient):
        def get(self, url, **kw):
            if "/boom/" in url:
                raise RuntimeError("adapter bug")
            return super().get(url, **kw)

    server.script(board_path(GOOD), Reply.json(recorded(GOOD)))
    with Exploding("ua (faults@example.invalid)") as client:
        summary, _ = scrape(make_sources({"gh": (server.url, ["boom", GOOD])}), client=client)
    assert summary["boards"] == {"boom": "failed", GOOD: "ok"}
    assert "scrape crashed: RuntimeError: adapter bug" in manifest("boom")["error"]


def test_json_nested_too_deeply_fails_the_board_or_the_posting(server, scrape, parse, fault_settings):
    """Nesting deeper than Python recurses: a response that cannot be decoded
    fails its board with a clear error; a posting that decodes but cannot be
    scrubbed (800 levels and a control character) is quarantined alone."""
    import pyarrow.parquet as pq
    from jobmarket.core.lake import Lake
    from jobmarket.quality.rejects import REJECTED_STEP

    levels = 800
    doc = json.loads(recorded(OTHER))
    ids = {str(j["id"]) for j in doc["jobs"]}
    deep_id = str(doc["jobs"][0]["id"])
    # the control character makes the parse step scrub the object, which recurses once a level;
    # the lone surrogate stays in the unscrubbed object the quarantine keeps
    doc["jobs"][0]["metadata"] = "PLACEHOLDER"
    doc["jobs"][0]["title"] += " \ud800"
    nested = b"[" * levels + b'"\\u0000"' + b"]" * levels
    other = json.dumps(doc).encode().replace(b'"PLACEHOLDER"', nested)
    undecodable = b'{"jobs": [], "meta": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    server.script(board_path(GOOD), Reply.json(undecodable))
    server.script(board_path(OTHER), Reply.json(other))
    sources = make_sources({"gh": (server.url, [GOOD, OTHER])})
    scrape(sources)

    health, rows = parse(sources)
    assert health[GOOD]["status"] == "failed" and "not valid JSON" in health[GOOD]["error"]
    assert "recursion" in health[GOOD]["error"]
    assert health[OTHER]["status"] == "ok" and health[OTHER]["postings_found"] == len(ids)
    assert {r["native_id"] for r in rows} == ids - {deep_id}, "every other posting is published"
    lake = Lake(fault_settings.lake)
    (rejected,) = pq.read_table(lake.partition_dir(f"work/{REJECTED_STEP}", DT) / "part-0.parquet").to_pylist()
    assert rejected["posting_id"].endswith(deep_id)
    assert rejected["failed_expectations"] == ["posting:nested_too_deeply"]
    kept = json.loads(rejected["record_json"])["raw_object"]
    assert kept["id"] == doc["jobs"][0]["id"] and json.dumps(kept["metadata"]).count("[") == levels
    assert kept["title"] == doc["jobs"][0]["title"], "the lone surrogate is kept, escaped"


def test_a_rejected_object_too_deep_to_write_keeps_its_reasons():
    from jobmarket.quality.rejects import NESTED_TOO_DEEPLY, quarantine_row
    from jobmarket.sources.base import Rejected

    deep: list = []
    for _ in range(5000):  # built without recursion; json.dumps of it cannot finish
        deep = [deep]
    row = quarantine_row(Rejected("greenhouse", "b", "7", ["posting:nested_too_deeply"], {}, {"id": 7, "x": deep}),
                         DT, "t")
    assert row["failed_expectations"] == ["posting:nested_too_deeply"] and row["posting_id"] == "greenhouse:b:7"
    assert json.loads(row["record_json"]) == {"raw_object": NESTED_TOO_DEEPLY}


def test_a_parser_crash_fails_its_board_and_the_others_publish(server, scrape, parse, monkeypatch):
    from jobmarket.sources.registry import get_adapter

    adapter = get_adapter("greenhouse")
    items = type(adapter).items

    def crashing(self, data, ctx):  # a parser bug that only this board's response triggers
        if ctx.board == OTHER:
            raise KeyError("unexpected")
        return items(self, data, ctx)

    monkeypatch.setattr(type(adapter), "items", crashing)
    server.script(board_path(GOOD), Reply.json(recorded(GOOD)))
    server.script(board_path(OTHER), Reply.json(recorded(OTHER)))
    sources = make_sources({"gh": (server.url, [GOOD, OTHER])})
    scrape(sources)

    health, rows = parse(sources)
    assert health[OTHER]["status"] == "failed"
    assert "parser crashed: KeyError: 'unexpected'" in health[OTHER]["error"]
    assert health[GOOD]["status"] == "ok" and {r["native_id"] for r in rows} == job_ids(recorded(GOOD))


def test_a_lake_read_error_while_parsing_fails_the_step_not_the_board(server, scrape, parse, monkeypatch):
    """An OSError reading raw (an object store dropping the connection) is the
    lake's problem, not the board's: the step fails and is retried, rather
    than publishing the night without that board."""
    import pytest
    from jobmarket.core.lake import Lake

    read_raw = Lake.read_raw

    def flaky(self, d, name):
        if f"board={OTHER}" in str(d):
            raise OSError("connection reset while reading raw")
        return read_raw(self, d, name)

    server.script(board_path(GOOD), Reply.json(recorded(GOOD)))
    server.script(board_path(OTHER), Reply.json(recorded(OTHER)))
    sources = make_sources({"gh": (server.url, [GOOD, OTHER])})
    scrape(sources)
    monkeypatch.setattr(Lake, "read_raw", flaky)
    with pytest.raises(OSError, match="connection reset"):
        parse(sources)


def test_a_landed_response_without_postings_nested_too_deeply_is_skipped(parse, server, fault_settings):
    """A landed response that carries no postings (a kind the family does not
    parse) is read only for the schema drift gate's record keys: one nested
    too deeply gives none, and the board's postings publish."""
    from jobmarket.core.lake import Lake

    good = recorded(GOOD)
    lake = Lake(fault_settings.lake)
    d = lake.raw_dir("greenhouse", GOOD, DT)
    url = f"{server.url}{board_path(GOOD)}"
    files = [{"name": "page-0001", "kind": "list", "url": url, "final_url": url, "status": 200},
             {"name": "probe-0001", "kind": "probe", "url": url, "final_url": url, "status": 200}]
    manifest = {"source": "gh", "family": "greenhouse", "board": GOOD, "company": None, "dt": str(DT),
                "run_id": "t", "status": "ok", "files": files, "landed": ["page-0001", "probe-0001"],
                "requests": 2, "retries": 0, "bytes": len(good), "error": None}
    lake.land_raw(d, [("page-0001", good), ("probe-0001", b"[" * 100_000 + b"]" * 100_000)], manifest)

    health, rows = parse(make_sources({"gh": (server.url, [GOOD])}))
    assert health[GOOD]["status"] == "ok" and health[GOOD]["error"] is None
    assert {r["native_id"] for r in rows} == job_ids(good)
