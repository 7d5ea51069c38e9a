"""A replayed night where one Greenhouse board carries broken postings
(issue #18): the night publishes every other posting, quarantines the broken
ones with their reasons, and fails only the board whose response is broken."""

from __future__ import annotations

import json
from datetime import date

import pyarrow.parquet as pq
import pytest

from tests.support import CRAWL_DATE, FIXTURES

pytestmark = pytest.mark.slow  # whole replayed nights of the crawl

DT = date.fromisoformat(CRAWL_DATE)
CRAWL = FIXTURES / "greenhouse-crawl" / f"dt={CRAWL_DATE}"
BROKEN, TRUNCATED = "abnormalsecurity", "acommerce"


def _broken(doc: dict) -> tuple[dict, dict[str, list[str]]]:
    """The board's real response with broken postings; the reasons each should be quarantined with."""
    jobs = doc["jobs"]
    expect: dict[str, list[str]] = {}

    def at(i: int, reasons: list[str], **change) -> None:
        jobs[i].update(change)
        expect[f"greenhouse:{BROKEN}:{jobs[i]['id']}" if jobs[i]["id"] is not None else None] = reasons

    at(0, ["title:not_null"], title="")
    at(1, ["url:format"], absolute_url="boards.greenhouse.io/abnormalsecurity/jobs/1")
    at(2, ["posted_at:in_range"], first_published="2031-01-01T00:00:00Z")
    at(3, ["title:not_null"], title={"text": "Data Engineer"})
    at(4, ["native_id:not_null", "posting_id:not_null"], id=None)
    jobs[5] = "not a posting"
    jobs[7]["id"] = jobs[6]["id"]  # a duplicated id: the second is held back
    jobs[8]["content"] = {"html": "<p>an object where the text was</p>"}  # no description, still published
    jobs[9]["content"] = "&lt;p&gt;Build pipelines\u0000 in Spark\u001b&lt;/p&gt;" + "x" * 300_000
    return doc, expect


def test_broken_postings_are_quarantined_and_the_night_publishes(fixtures_dir, tmp_path):
    from jobmarket.core.settings import Settings
    from jobmarket.pipeline import run_date
    from jobmarket.replay import Bundle, ReplayServer, sources_yaml
    from jobmarket.sources.config import load_sources

    boards = sorted(p.stem for p in CRAWL.glob("*.json"))[:40]
    bundle = Bundle(origin="issue 18")
    valid_postings = 0
    expect: dict[str, list[str]] = {}
    for board in boards:
        body = (CRAWL / f"{board}.json").read_bytes()
        if board == BROKEN:
            doc, expect = _broken(json.loads(body))
            body = json.dumps(doc).encode()
        elif board == TRUNCATED:
            body = body[: len(body) // 2]
        if board != TRUNCATED:
            valid_postings += len(json.loads(body)["jobs"])
        bundle.add("greenhouse", board, f"/greenhouse/v1/boards/{board}/jobs", body=body)
    with ReplayServer(bundle) as server:
        path = tmp_path / "sources.yaml"
        path.write_text(sources_yaml(bundle, server.url))
        settings = Settings(lake=tmp_path / "lake")
        out = run_date(DT, settings=settings, sources=load_sources(path), run_id="t")

    assert out["failed_sources"] == []
    lake = settings.lake
    health = {h["board"]: h for h in pq.read_table(lake / "curated/source_health" / f"dt={DT}").to_pylist()}
    assert health[TRUNCATED]["status"] == "failed" and "not valid JSON" in health[TRUNCATED]["error"]
    assert {b for b, h in health.items() if h["status"] != "ok"} == {TRUNCATED}
    assert health[BROKEN]["postings_found"] == 80
    assert health[BROKEN]["error"] == "4 posting(s) rejected at parse: see quarantine"

    obs = pq.read_table(lake / "curated/observations" / f"dt={DT}").to_pylist()
    quarantine = pq.read_table(lake / "curated/quarantine" / f"dt={DT}").to_pylist()
    assert len(obs) + len(quarantine) == valid_postings, "published + quarantined = the valid responses"
    assert {r["board"] for r in obs} == set(boards) - {TRUNCATED}, "every other board published"

    held = {}
    for q in quarantine:
        held.setdefault(q["posting_id"], []).extend(q["failed_expectations"])
    expect[None] = expect[None] + ["posting:not_an_object"]  # neither has an id to name it by
    for posting_id, reasons in expect.items():
        assert sorted(held.get(posting_id, [])) == sorted(reasons), posting_id
    broken = [q for q in quarantine if q["board"] == BROKEN]
    assert sorted(r for q in broken for r in q["failed_expectations"]) == sorted(
        [r for v in expect.values() for r in v] + ["posting_id:unique"])
    not_object = next(q for q in broken if q["failed_expectations"] == ["posting:not_an_object"])
    assert json.loads(not_object["record_json"]) == {"raw_object": "not a posting"}
    empty = next(q for q in broken if q["posting_id"].endswith(str(json.loads(
        (CRAWL / f"{BROKEN}.json").read_text())["jobs"][0]["id"])))
    assert json.loads(empty["record_json"])["raw_object"]["title"] == ""

    published = {r["posting_id"]: r for r in obs if r["board"] == BROKEN}
    assert len(published) == 80 - len(broken)
    postings = pq.read_table(lake / "curated/postings" / f"dt={DT}",
                             columns=["posting_id", "description", "text_flags"]).to_pylist()
    by_id = {p["posting_id"]: p for p in postings}
    doc = json.loads((CRAWL / f"{BROKEN}.json").read_text())
    no_text = by_id[f"greenhouse:{BROKEN}:{doc['jobs'][8]['id']}"]
    assert no_text["description"] is None
    cleaned = by_id[f"greenhouse:{BROKEN}:{doc['jobs'][9]['id']}"]
    assert cleaned["description"].startswith("Build pipelines in Spark")
    assert "\x00" not in cleaned["description"] and len(cleaned["description"]) <= 200_000
    assert cleaned["text_flags"] == ["capped:content", "control_chars:content"]


@pytest.mark.parametrize("board", [BROKEN])
def test_the_same_night_parses_again_with_the_same_rejects(fixtures_dir, tmp_path, board):
    """A rejected object is never taken from an earlier parse: the next night
    rejects it again rather than losing it."""
    from jobmarket.core.lake import Lake
    from jobmarket.core.settings import Settings
    from jobmarket.quality.rejects import read_rejected
    from jobmarket.steps.parse import parse_date

    from tests.quality.helpers import land, sources_file

    doc, _ = _broken(json.loads((CRAWL / f"{board}.json").read_text()))
    lake = Lake(tmp_path / "lake")
    sources = sources_file(tmp_path, {"greenhouse": [board]})
    counts = []
    for dt in (DT, date(2026, 8, 23)):
        land(lake, "greenhouse", board, dt, json.dumps(doc))
        summary = parse_date(dt, settings=Settings(lake=lake.root), sources=sources, run_id="t")
        counts.append((summary["postings"], summary["reused"], read_rejected(lake, dt).num_rows))
    assert counts[0] == (76, 0, 4)
    assert counts[1][0] == 76 and counts[1][1] > 70 and counts[1][2] == 4
