"""Paging and detail fetching against a real HTTP server on 127.0.0.1, through
PoliteClient and each adapter's ``fetch``; then the scrape layer's verdict."""

from __future__ import annotations

import json
from datetime import date

from jobmarket.sources import BoardContext, get_adapter
from jobmarket.sources.config import BoardConfig

from tests.sources.helpers import RECORDINGS, make_source
from tests.support import BOARDS

SR_LIST = BOARDS / "smartrecruiters/postings_list_3.json"
SR_IDS = ["744000141247940", "744000141229015", "744000141229499"]


def _parse_plans(family, plans, board="b"):
    adapter = get_adapter(family)
    rows = []
    for p in plans:
        if adapter.parse_kind(p.kind):
            rows.extend(adapter.parse(p.result.body, BoardContext(family, board, url=p.result.url,
                                                                  meta=p.meta or None)))
    return rows


def _sr_routes(server, page_size=2, fail=None):
    data = json.loads(SR_LIST.read_bytes())
    content = data["content"]
    for offset in range(0, len(content), page_size):
        page = dict(data, offset=offset, limit=page_size, content=content[offset:offset + page_size])
        server.add(f"/sr/v1/companies/WesternDigital/postings?offset={offset}&limit={page_size}", json.dumps(page))
    for pid in SR_IDS:
        status = 500 if pid == fail else 200
        server.add(f"/sr/v1/companies/WesternDigital/postings/{pid}",
                   RECORDINGS / f"smartrecruiters/detail_{pid}.json", status=status)


def test_smartrecruiters_pages_list_then_fetches_every_detail(fixtures_dir, board_server, client):
    _sr_routes(board_server)
    source = make_source("smartrecruiters", board_server.url + "/sr", boards=("WesternDigital",), page_size=2)
    plans = get_adapter("smartrecruiters").fetch(client, source, source.boards[0])
    assert [p.name for p in plans] == ["page-0001", "page-0002"] + [f"detail-{i}" for i in SR_IDS]
    assert [p.kind for p in plans] == ["list", "list", "detail", "detail", "detail"]
    assert all(p.result.ok for p in plans)
    rows = _parse_plans("smartrecruiters", plans, board="WesternDigital")
    assert [r["native_id"] for r in rows] == SR_IDS  # from the details only, lists not double-counted
    ds = {r["native_id"]: r for r in rows}["744000141229015"]
    assert ds["title"] == "Intern - Data Science" and "forecasting models" in ds["description"]
    assert (ds["salary_min"], ds["salary_max"], ds["salary_currency"], ds["salary_period"]) == (1800.0, 2400.0, "MYR", "month")


def test_smartrecruiters_detail_500_keeps_the_list_row(fixtures_dir, board_server, client, tmp_path):
    from jobmarket.core.lake import Lake
    from jobmarket.steps.parse import parse_board_dir
    from jobmarket.steps.scrape import scrape_board

    _sr_routes(board_server, page_size=100, fail=SR_IDS[1])
    source = make_source("smartrecruiters", board_server.url + "/sr", boards=("WesternDigital",))
    lake = Lake(tmp_path / "lake")
    dt = date(2026, 8, 3)
    manifest = scrape_board(client, lake, source, source.boards[0], dt, "test")
    assert manifest["status"] == "ok"
    assert "HTTP 500" in manifest["error"] and SR_IDS[1] in manifest["error"]  # recorded, not silent
    assert manifest["landed"] == ["page-0001", f"detail-{SR_IDS[0]}", f"detail-{SR_IDS[2]}"]
    assert board_server.hits.count(f"/sr/v1/companies/WesternDigital/postings/{SR_IDS[1]}") == 2  # retried once
    rows = parse_board_dir(lake, source, "WesternDigital", lake.raw_dir("smartrecruiters", "WesternDigital", dt),
                           manifest)
    assert sorted(r["native_id"] for r in rows) == sorted(SR_IDS)  # none dropped, none twice
    kept = {r["native_id"]: r for r in rows}[SR_IDS[1]]
    assert kept["title"] == "Intern - Data Science" and kept["description"] is None  # its list row
    assert all(r["description"] for r in rows if r["native_id"] != SR_IDS[1])


def test_smartrecruiters_page_cap_fails_instead_of_truncating(fixtures_dir, board_server, client):
    _sr_routes(board_server, page_size=1)
    source = make_source("smartrecruiters", board_server.url + "/sr", boards=("WesternDigital",),
                         page_size=1, max_pages=2)
    plans = get_adapter("smartrecruiters").fetch(client, source, source.boards[0])
    assert [p.name for p in plans] == ["page-0001", "page-0002"]
    assert "max_pages=2" in plans[-1].result.error and not plans[-1].result.ok


def test_workable_follows_next_page_then_lands_both(fixtures_dir, board_server, client, tmp_path):
    from jobmarket.core.lake import Lake
    from jobmarket.steps.parse import parse_board_dir
    from jobmarket.steps.scrape import scrape_board

    first = json.loads((BOARDS / "workable/apply_v3_jobs_subset3_TRIMMED.json").read_bytes())
    first["nextPage"] = "WyIyMDI2LTA1LTI5IiwgNTg1MTExNV0="
    board_server.add("/wk/api/v3/accounts/acme/jobs", json.dumps(first))
    board_server.add("/wk/api/v3/accounts/acme/jobs?token=WyIyMDI2LTA1LTI5IiwgNTg1MTExNV0%3D",
                     RECORDINGS / "workable/jobs_page2.json")
    source = make_source("workable", board_server.url + "/wk", boards=("acme",))
    lake = Lake(tmp_path / "lake")
    manifest = scrape_board(client, lake, source, source.boards[0], date(2026, 6, 3), "test")
    assert manifest["status"] == "ok", manifest["error"]
    assert manifest["landed"] == ["page-0001", "page-0002"]
    d = lake.raw_dir("workable", "acme", date(2026, 6, 3))
    rows = parse_board_dir(lake, source, "acme", d, manifest)
    assert len(rows) == first["total"] == 7
    ml = {r["native_id"]: r for r in rows}["0A1B2C3D4F"]
    assert ml["location"] == "Paris, Île-de-France, France; London, England, United Kingdom"
    assert (ml["workplace_type"], ml["remote"]) == ("hybrid", False)
    assert {r["native_id"]: r for r in rows}["F6A7B8C9D0"]["workplace_type"] == "onsite"


def test_workable_repeated_cursor_and_failed_page(fixtures_dir, board_server, client):
    page = json.loads((BOARDS / "workable/apply_v3_jobs_subset3_TRIMMED.json").read_bytes())
    page["nextPage"] = "abc"
    board_server.add("/wk/api/v3/accounts/loop/jobs", json.dumps(page))
    board_server.add("/wk/api/v3/accounts/loop/jobs?token=abc", json.dumps(page))  # server ignores the cursor
    board_server.add("/wk/api/v3/accounts/down/jobs", json.dumps(page))
    board_server.add("/wk/api/v3/accounts/down/jobs?token=abc", "busy", status=503)
    source = make_source("workable", board_server.url + "/wk", boards=("loop", "down"))
    adapter = get_adapter("workable")
    loop = adapter.fetch(client, source, source.boards[0])
    assert len(loop) == 2 and "repeated" in loop[-1].result.error
    down = adapter.fetch(client, source, source.boards[1])
    assert len(down) == 2 and down[0].result.ok and not down[-1].result.ok
    assert "503" in down[-1].result.error


def test_a_page_nested_too_deeply_is_a_failed_page_not_a_crash(fixtures_dir, board_server, client):
    """A list page that cannot be decoded (nested deeper than Python
    recurses) while paging: the board's fetch ends with that page landed and
    an error saying why, like any other page that is not the family's JSON."""
    deep = "[" * 100_000 + "]" * 100_000
    board_server.add("/wk/api/v3/accounts/deep/jobs", '{"results": ' + deep + "}")
    board_server.add("/an/api/job-board-api?page=1", '{"data": [], "links": ' + deep + "}")
    for family, base, board, says in (("workable", "/wk", "deep", "not a Workable jobs page (RecursionError"),
                                      ("arbeitnow", "/an", "all", "not an Arbeitnow page (RecursionError")):
        source = make_source(family, board_server.url + base, boards=(board,))
        plans = get_adapter(family).fetch(client, source, source.boards[0])
        assert len(plans) == 1 and plans[0].result.status == 200, family  # the response itself arrived
        assert says in plans[0].result.error


def test_arbeitnow_pages_by_links_next_on_our_own_host(fixtures_dir, board_server, client):
    data = json.loads((BOARDS / "arbeitnow/job_board_api_subset3_breteai.json").read_bytes())
    live = "https://www.arbeitnow.com/api/job-board-api"
    pages = [data["data"][:2], data["data"][2:]]
    for n, rows in enumerate(pages, start=1):
        body = {"data": rows,
                "links": {"first": f"{live}?page=1", "last": None, "prev": None,
                          "next": f"{live}?page={n + 1}" if n < len(pages) else None},
                "meta": {"current_page": n, "from": 1, "path": live, "per_page": 2, "to": 2,
                         "terms": "This is a free public API for jobs, please do not abuse. By using the API, you agree to the terms"}}
        board_server.add(f"/an/api/job-board-api?page={n}", json.dumps(body))
    source = make_source("arbeitnow", board_server.url + "/an", boards=("all", "nope"))
    adapter = get_adapter("arbeitnow")
    plans = adapter.fetch(client, source, source.boards[0])
    assert [p.name for p in plans] == ["page-0001", "page-0002"] and all(p.result.ok for p in plans)
    assert len(_parse_plans("arbeitnow", plans)) == 3
    unknown = adapter.fetch(client, source, source.boards[1])
    assert "unknown feed 'nope'" in unknown[0].result.error
    assert not any("nope" in h for h in board_server.hits)


def test_himalayas_reads_the_configured_window(fixtures_dir, board_server, client):
    page = json.loads((BOARDS / "other/himalayas_jobs_api_page1_2026-05.json").read_bytes())
    board_server.add("/hi/jobs/api?limit=20&offset=0", json.dumps(page))
    second = dict(page, offset=20, jobs=[dict(j, guid=j["guid"] + "-2") for j in page["jobs"]])
    board_server.add("/hi/jobs/api?limit=20&offset=20", json.dumps(second))
    source = make_source("himalayas", board_server.url + "/hi", boards=("all",), max_jobs=40)
    plans = get_adapter("himalayas").fetch(client, source, source.boards[0])
    assert [p.meta["offset"] for p in plans] == [0, 20] and all(p.result.ok for p in plans)
    assert len(_parse_plans("himalayas", plans)) == 40  # totalCount is 101667: the window stops it
    capped = make_source("himalayas", board_server.url + "/hi", boards=("all",), max_jobs=100, max_pages=2)
    plans = get_adapter("himalayas").fetch(client, capped, capped.boards[0])
    assert len(plans) == 2 and "max_pages=2" in plans[-1].result.error


def test_hn_finds_the_thread_then_reads_its_comments(fixtures_dir, board_server, client):
    board_server.add("/hn/api/v1/search_by_date?tags=story%2Cauthor_whoishiring&hitsPerPage=20", BOARDS / "hn/algolia_search_stories_author_whoishiring.json")
    board_server.add("/hn/api/v1/search?tags=comment%2Cstory_47975571&hitsPerPage=1000&page=0",
                     BOARDS / "hn/algolia_search_comments_story_47975571_may2026.json")
    source = make_source("hn", board_server.url + "/hn", boards=("whoishiring", "whoishiring-2026-04", "whoishiring-2019-01"))
    adapter = get_adapter("hn")
    plans = adapter.fetch(client, source, source.boards[0])
    assert [(p.name, p.kind) for p in plans] == [("stories", "other"), ("comments-0001", "list")]
    assert plans[0].meta["story_id"] == "47975571" and all(p.result.ok for p in plans)
    assert len(_parse_plans("hn", plans)) >= 207
    april = adapter.fetch(client, source, source.boards[1])
    assert april[0].meta["story_id"] == "47601859"
    assert not april[-1].result.ok  # not recorded here: 404, so the board fails
    missing = adapter.fetch(client, source, source.boards[2])
    assert len(missing) == 1 and "no 'Ask HN: Who is hiring?' story" in missing[0].result.error


def test_single_request_families(fixtures_dir, board_server, client):
    board_server.add("/ro/api", BOARDS / "remoteok/api_full_2026-05-16.json")
    board_server.add("/rv/api/remote-jobs?category=data", BOARDS / "remotive/remote_jobs_filtered_18_2026-05.json")
    board_server.add("/rc/exampleanalytics/api/offers/", RECORDINGS / "recruitee/offers.json")
    cases = [("remoteok", "/ro", "all", 99), ("remotive", "/rv", "data", 18), ("recruitee", "/rc", "exampleanalytics", 3)]
    for family, prefix, board, expected in cases:
        source = make_source(family, board_server.url + prefix, boards=(board,))
        plans = get_adapter(family).fetch(client, source, BoardConfig(board))
        assert len(plans) == 1 and plans[0].result.ok, (family, plans[0].result.error)
        assert len(_parse_plans(family, plans, board)) == expected


def test_jsonld_listing_then_details(fixtures_dir, board_server, client):
    html = "text/html; charset=utf-8"
    board_server.add("/site/careers", RECORDINGS / "jsonld/careers_listing.html", content_type=html)
    board_server.add("/careers/jobs/ml-engineer", RECORDINGS / "jsonld/job_ml_engineer_graph.html", content_type=html)
    board_server.add("/site/jobs/data-analyst", RECORDINGS / "jsonld/job_data_analyst_microdata.html", content_type=html)
    board_server.add("/site/jobs/1000.html", BOARDS / "jsonld/hire.rebase.network_jobs_1000.html", content_type=html)
    board_server.add("/site/open", RECORDINGS / "jsonld/listing_with_jsonld.html", content_type=html)
    board_server.add("/site/rebase", '<a href="jobs/1000.html">job</a><a href="jobs/404.html">gone</a>', content_type=html)
    per_board = {"open": {"listing_path": "/site/open"},
                 "rebase": {"listing_path": "/site/rebase", "detail_link_selector": "a"}}
    source = make_source("jsonld", board_server.url, boards=("careers", "open", "rebase"),
                         options={"boards": per_board}, detail_link_selector="a.job-link",
                         listing_path="/site/careers")
    adapter = get_adapter("jsonld")
    plans = adapter.fetch(client, source, source.boards[0])
    assert [(p.name, p.kind) for p in plans] == [("listing", "other"), ("detail-0001", "detail"), ("detail-0002", "detail")]
    assert plans[0].meta == {"links": 2}  # duplicate and off-site links dropped
    assert not any("elsewhere" in h for h in board_server.hits)
    rows = {r["title"]: r for r in _parse_plans("jsonld", plans, "careers")}
    ml = rows["Machine Learning Engineer"]
    assert ml["native_id"] == "ER-1042"
    assert ml["url"] == board_server.url + "/careers/jobs/ml-engineer"
    assert (ml["salary_min"], ml["salary_max"], ml["salary_currency"], ml["salary_period"]) == (70000.0, 90000.0, "EUR", "year")
    assert ml["location"] == "Munich, BY, DE" and ml["company"] == "Example Robotics GmbH"
    assert ml["description"].startswith("Train and deploy perception models")
    da = rows["Data Analyst"]  # microdata
    assert (da["remote"], da["salary_min"], da["salary_period"]) == (True, 25.0, "hour")
    assert da["location"] == "Berlin, DE" and da["employment_type"] == "PART_TIME"
    assert da["url"] == board_server.url + "/site/jobs/data-analyst"  # no url in the markup: the page's

    direct = adapter.fetch(client, source, source.boards[1])
    assert [(p.name, p.kind) for p in direct] == [("listing", "list")]  # postings on the listing itself
    rows = _parse_plans("jsonld", direct, "open")
    assert [r["title"] for r in rows] == ["Site Reliability Engineer", "Firmware Engineer"]
    assert rows[0]["location"] == "Remote (EU)" and rows[0]["remote"] is True
    assert rows[1]["company"] == "Example Robotics GmbH" and rows[1]["salary_text"] == "competitive EUR"

    broken = adapter.fetch(client, source, source.boards[2])
    assert broken[1].result.ok and not broken[2].result.ok  # a dead posting link fails the board
