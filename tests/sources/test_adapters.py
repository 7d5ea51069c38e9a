"""Greenhouse, Lever and Ashby parsers on real recorded responses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from jobmarket.core.schema import RECORD_COLUMNS
from jobmarket.sources import BoardContext, ParseError, get_adapter

from tests.support import BOARDS, FIXTURES, manifest_counts

CASES = [
    ("greenhouse", "greenhouse/anthropic_jobs_list.json"),
    ("greenhouse", "greenhouse/gitlab_jobs_content_subset3.json"),
    ("greenhouse", "greenhouse/stripe_job_8026689_single.json"),
    ("lever", "lever/plaid_postings_first20.json"),
    ("ashby", "ashby/cursor_job_board.json"),
    ("ashby", "ashby/notion_board_subset3_breteai.json"),
    ("ashby", "ashby/ramp_board_subset1_internradar.json"),
    ("ashby", "ashby/truelogic_board_subset3_lcarlini.json"),
]


def _parse(family: str, rel: str, board: str = "b"):
    return get_adapter(family).parse((BOARDS / rel).read_bytes(), BoardContext(family, board))


@pytest.mark.parametrize(("family", "rel"), CASES)
def test_posting_count_equals_recorded_count(fixtures_dir, family, rel):
    rows = _parse(family, rel)
    assert len(rows) == manifest_counts()[rel]
    ids = [r["posting_id"] for r in rows]
    assert len(set(ids)) == len(ids), "posting ids must be unique within a board"
    for r in rows:
        assert set(r) == {c.name for c in RECORD_COLUMNS} - {"scraped_date", "run_id"}
        assert r["title"] and r["url"].startswith("https://") and r["company"]


def test_whole_crawl_counts_match_meta_total(fixtures_dir):
    """All 390 recorded boards: every job in each response is parsed."""
    adapter = get_adapter("greenhouse")
    total = 0
    for f in sorted((FIXTURES / "greenhouse-crawl" / "dt=2026-08-22").glob("*.json")):
        data = json.loads(f.read_bytes())
        rows = adapter.parse(f.read_bytes(), BoardContext("greenhouse", f.stem))
        assert len(rows) == len(data["jobs"]) == data["meta"]["total"], f.name
        total += len(rows)
    assert total == 20246


def test_greenhouse_content_is_unescaped_to_text(fixtures_dir):
    rows = _parse("greenhouse", "greenhouse/stripe_job_8026689_single.json", board="stripe")
    (r,) = rows
    assert r["posting_id"] == "greenhouse:stripe:8026689"
    assert r["title"] == "Internal Audit Data Analytics Lead"
    assert r["company"] == "Stripe"
    assert "<" not in r["description"] and "&lt;" not in r["description"] and "&amp;" not in r["description"]
    assert "Stripe" in r["description"]
    assert r["posted_at"].isoformat() == "2026-06-26T13:48:43+00:00"


def test_greenhouse_list_without_content_has_no_description(fixtures_dir):
    rows = _parse("greenhouse", "greenhouse/anthropic_jobs_list.json", board="anthropic")
    assert all(r["description"] is None for r in rows), "never invent text"
    assert rows[0]["location"] == "New York City, NY; San Francisco, CA"


def test_greenhouse_workplace_metadata(fixtures_dir):
    crawl = FIXTURES / "greenhouse-crawl" / "dt=2026-08-22" / "airbnb.json"
    rows = get_adapter("greenhouse").parse(crawl.read_bytes(), BoardContext("greenhouse", "airbnb"))
    berlin = next(r for r in rows if r["native_id"] == "7995153")
    assert berlin["workplace_type"] == "hybrid" and berlin["remote"] is False
    assert berlin["location"] == "Berlin, Germany"


def test_lever_structured_salary_and_sections(fixtures_dir):
    rows = _parse("lever", "lever/plaid_postings_first20.json", board="plaid")
    ae = next(r for r in rows if r["native_id"] == "d6389903-e642-4189-804c-02d271714bdb")
    assert ae["title"] == "Account Executive - Fintech"
    assert (ae["salary_min"], ae["salary_max"], ae["salary_currency"], ae["salary_period"]) == (
        240000.0, 240000.0, "USD", "year")
    assert ae["workplace_type"] == "hybrid" and ae["employment_type"] == "Full-time"
    assert "Responsibilities" in ae["description"], "Lever `lists` sections are part of the description"
    assert ae["url"] == "https://jobs.lever.co/plaid/d6389903-e642-4189-804c-02d271714bdb"


def test_ashby_flags_and_description(fixtures_dir):
    rows = _parse("ashby", "ashby/truelogic_board_subset3_lcarlini.json", board="truelogic")
    assert rows[0]["remote"] is True and rows[0]["workplace_type"] == "remote"
    assert rows[0]["description"].startswith("About Truelogic")
    cursor = _parse("ashby", "ashby/cursor_job_board.json", board="cursor")
    assert {r["workplace_type"] for r in cursor} >= {"onsite", "hybrid", "remote"}


def test_ashby_compensation_component():
    body = json.dumps({"jobs": [{
        "id": "x1", "title": "ML Engineer", "jobUrl": "https://jobs.ashbyhq.com/a/x1", "isListed": True,
        "compensation": {"compensationTierSummary": "$150K – $190K", "summaryComponents": [
            {"compensationType": "EquityPercentage", "interval": "NONE", "minValue": 0.1, "maxValue": 0.2},
            {"compensationType": "Salary", "interval": "1 YEAR", "currencyCode": "EUR",
             "minValue": 150000, "maxValue": 190000}]}}]})
    (r,) = get_adapter("ashby").parse(body, BoardContext("ashby", "a"))
    assert (r["salary_min"], r["salary_max"], r["salary_currency"], r["salary_period"]) == (
        150000.0, 190000.0, "EUR", "year")
    assert r["salary_text"] == "$150K – $190K"


@pytest.mark.parametrize("family", ["greenhouse", "lever", "ashby"])
def test_malformed_json_is_a_parse_error(family):
    with pytest.raises(ParseError, match="not valid JSON"):
        get_adapter(family).parse(b'{"jobs": [{"id": 1, "title": "Data Eng', BoardContext(family, "b"))


def test_renamed_field_names_the_field(fixtures_dir):
    data = json.loads((BOARDS / "greenhouse/gitlab_jobs_content_subset3.json").read_text())
    for job in data["jobs"]:
        job["job_title"] = job.pop("title")
    with pytest.raises(ParseError, match="'title'"):
        get_adapter("greenhouse").parse(json.dumps(data), BoardContext("greenhouse", "gitlab"))


def test_truncated_greenhouse_list_is_detected():
    body = json.dumps({"jobs": [{"id": 1, "title": "t", "absolute_url": "https://x/1"}], "meta": {"total": 5}})
    with pytest.raises(ParseError, match="meta.total says 5"):
        get_adapter("greenhouse").parse(body, BoardContext("greenhouse", "b"))


def test_cli_parse_contract(fixtures_dir):
    """`jobmarket parse --source lever FILE` prints one JSON object per posting."""
    out = subprocess.run(
        [sys.executable, "-m", "jobmarket.cli", "parse", "--source", "lever",
         str(BOARDS / "lever/plaid_postings_first20.json")],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    rows = [json.loads(line) for line in out]
    assert len(rows) == 20
    assert rows[0]["source"] == "lever" and rows[0]["posting_id"].startswith("lever:plaid:")
    assert {"posting_id", "title", "description", "url", "salary_min"} <= set(rows[0])


def test_cli_parse_reports_bad_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("<html>oops</html>")
    proc = subprocess.run(
        [sys.executable, "-m", "jobmarket.cli", "parse", "--source", "ashby", str(bad)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 1 and "not valid JSON" in proc.stderr and proc.stdout == ""
