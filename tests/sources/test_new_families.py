"""The board families added for market coverage (Workday, Teamtailor, Personio,
BambooHR, Pinpoint, Rippling, Eightfold) and the SmartRecruiters detail and
Recruitee recordings: parsed from the real recordings in
``../shared/fixtures/boards`` (counts from its MANIFEST.tsv), through the CLI,
and scraped from a real HTTP server on 127.0.0.1 through the scrape layer."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date

import pytest
from jobmarket.sources import BoardContext, get_adapter
from jobmarket.sources.config import BoardConfig

from tests.sources.helpers import make_source
from tests.support import BOARDS, manifest_counts

# recording -> (family, board token as the registry and sources.yaml name it)
FILES = {
    "workday/nvidia_cxs_jobs_list_trimmed.json": ("workday", "nvidia.wd5/NVIDIAExternalCareerSite"),
    "workday/hitachi_cxs_jobs_list_page1.json": ("workday", "hitachi.wd1/hitachi"),
    "workday/accenture_cxs_job_detail.json": ("workday", "accenture.wd103/AccentureCareers"),
    "teamtailor/1komma5_jobs_json_feed.json": ("teamtailor", "1komma5"),
    "teamtailor/upcloud_jobs_json_feed.json": ("teamtailor", "upcloud"),
    "personio/personio_se_xml_trimmed.xml": ("personio", "personio"),
    "personio/clark_xml_feed.xml": ("personio", "clark"),
    "bamboohr/aca_careers_list.json": ("bamboohr", "aca"),
    "bamboohr/holisticai_list_plus_detail_COMPOSITE.json": ("bamboohr", "holisticai"),
    "pinpoint/aawdc_postings.json": ("pinpoint", "aawdc"),
    "rippling/11fs_board_jobs.json": ("rippling", "11fs-group-ltd"),
    "eightfold/fcx_apply_v2_jobs.json": ("eightfold", "fcx/fcx.com"),
    "smartrecruiters/boschgroup_posting_detail_jobad.json": ("smartrecruiters", "BoschGroup"),
    "recruitee/channable_offers_trimmed.json": ("recruitee", "channable"),
}
_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


def _parse(path: str, company: str | None = None):
    family, board = FILES[path]
    return get_adapter(family).parse_records((BOARDS / path).read_bytes(),
                                             BoardContext(family, board, company=company))


def _rows(path: str, company: str | None = None) -> dict[str, dict]:
    return {r["native_id"]: r for r in _parse(path, company).rows}


@pytest.mark.parametrize("path", sorted(FILES))
def test_every_recording_parses_to_its_manifest_count(fixtures_dir, path):
    parsed = _parse(path)
    assert len(parsed.rows) == manifest_counts()[path]
    ids = [r["posting_id"] for r in parsed.rows]
    assert len(set(ids)) == len(ids)
    for r in parsed.rows:
        assert r["title"] and r["company"] and r["url"].startswith("https://")
        assert r["source"] == FILES[path][0] and r["board"] == FILES[path][1]
        assert r["description"] is None or not _TAG.search(r["description"]), r["description"][:200]
        assert r["apply_url"] is None or r["apply_url"].startswith("https://")
    # The recorder appended a broken 4th item to UpCloud's feed: rejected with a reason.
    expect_rejected = 1 if path.startswith("teamtailor/upcloud") else 0
    assert [x.reasons for x in parsed.rejected] == [["id:missing"]] * expect_rejected


def test_workday_list_and_detail(fixtures_dir):
    nvidia = _rows("workday/nvidia_cxs_jobs_list_trimmed.json", company="NVIDIA")
    r = nvidia["Developer-Relations-Manager--Physical-AI-Healthcare_JR2018805"]
    assert r["title"] == "Developer Relations Manager, Healthcare Robotics"
    assert r["company"] == "NVIDIA" and r["location"] == "US, CA, Santa Clara"
    assert r["url"] == ("https://nvidia.wd5.myworkdayjobs.com/NVIDIAExternalCareerSite/job/US-CA-Santa-Clara/"
                        "Developer-Relations-Manager--Physical-AI-Healthcare_JR2018805")
    assert r["description"] is None and r["apply_url"] is None  # the list has no text
    hitachi = _rows("workday/hitachi_cxs_jobs_list_page1.json")
    assert hitachi["Maintenance-Worker_R0119001"]["location"] == "Kocaeli, Kocaeli, Turkey"
    assert {r["company"] for r in hitachi.values()} == {"hitachi"}  # the tenant, without a display name
    (d,) = _rows("workday/accenture_cxs_job_detail.json").values()
    assert d["native_id"] == "Data-Engineer_ATCI-5402250-S2026701-1" and d["title"] == "Data Engineer"
    assert d["location"] == "Bengaluru, India" and d["employment_type"] == "Full time"
    assert d["posted_at"].isoformat() == "2026-09-16T00:00:00+00:00"
    assert d["url"].startswith("https://accenture.wd103.myworkdayjobs.com/AccentureCareers/job/Bengaluru/")
    assert d["description"].startswith("Project Role : Data Engineer") and len(d["description"]) > 2000


def test_teamtailor_feed(fixtures_dir):
    up = _rows("teamtailor/upcloud_jobs_json_feed.json")
    bi = up["d8938509-ff5a-4755-a5f7-5f89a0ac791e"]
    assert (bi["title"], bi["company"]) == ("Business Intelligence Analyst", "UpCloud")
    assert bi["location"] == "Helsinki, Finland, FI"
    assert bi["url"] == "https://upcloud.teamtailor.com/jobs/8323453-business-intelligence-analyst"
    assert bi["description"].startswith("We are looking for a Business Intelligence Analyst")
    assert bi["posted_at"].isoformat() == "2026-09-04T11:50:13+00:00"
    komma = _rows("teamtailor/1komma5_jobs_json_feed.json")
    assert {r["company"] for r in komma.values()} == {"1KOMMA5° Sverige"}
    assert {r["location"] for r in komma.values()} >= {"Stockholm, Mälardalen, SE"}


def test_personio_feed(fixtures_dir):
    clark = _rows("personio/clark_xml_feed.xml")
    crm = clark["2415353"]
    assert (crm["title"], crm["company"]) == ("(Senior) CRM Manager (m/w/d)", "CLARK Holding SE")
    assert crm["location"] == "Berlin; Frankfurt am Main" and crm["department"] == "Group - Marketing"
    assert crm["employment_type"] == "Permanent, full-time"
    assert crm["url"] == "https://clark.jobs.personio.de/job/2415353"
    remote = clark["2377588"]
    assert remote["company"] == "Clark Germany GmbH" and (remote["remote"], remote["workplace_type"]) == (True, "remote")
    assert all(r["description"] is None for r in clark.values())  # the feed's <jobDescriptions> are empty
    (se,) = _rows("personio/personio_se_xml_trimmed.xml").values()
    assert se["company"] == "Personio SE & Co. KG" and se["location"] == "Munich; Berlin"


def test_personio_job_descriptions_and_bad_xml():
    body = (b'<?xml version="1.0"?><workzag-jobs><position><id>7</id><name>Data Engineer</name>'
            b'<office>Berlin</office><jobDescriptions><jobDescription><name>Your tasks</name>'
            b'<value><![CDATA[<ul><li>Build pipelines</li></ul>]]></value></jobDescription></jobDescriptions>'
            b'</position><position><name>No id</name></position></workzag-jobs>')
    out = get_adapter("personio").parse_records(body, BoardContext("personio", "acme", company="Acme"))
    (r,) = out.rows
    assert r["company"] == "Acme" and "Your tasks" in r["description"] and "Build pipelines" in r["description"]
    assert [x.reasons for x in out.rejected] == [["id:missing"]]
    from jobmarket.sources.base import ParseError

    with pytest.raises(ParseError, match="not valid XML"):
        get_adapter("personio").parse(b"<workzag-jobs><position>", BoardContext("personio", "acme"))
    entities = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><workzag-jobs><position><id>1</id>'
                b'<name>&a;</name></position><position><id>2</id><name>Ok &a;</name></position></workzag-jobs>')
    out = get_adapter("personio").parse_records(entities, BoardContext("personio", "acme"))
    assert [r["title"] for r in out.rows] == ["Ok"]  # entities are never expanded
    assert [x.reasons for x in out.rejected] == [["name:missing"]]


def test_personio_reads_all_the_text_of_an_element():
    """A comment or processing instruction inside a value, or a description
    sent as markup instead of CDATA: .text alone kept only what came first."""
    body = (b'<?xml version="1.0"?><workzag-jobs><position><id>1</id>'
            b'<name>Senior <!-- internal --> Data <?x y?>Engineer</name><office>Berlin</office>'
            b'<jobDescriptions><jobDescription><name>Tasks</name><value>Intro <p>Build Spark pipelines</p>'
            b'<ul><li>Python</li></ul></value></jobDescription></jobDescriptions></position></workzag-jobs>')
    (r,) = get_adapter("personio").parse(body, BoardContext("personio", "acme"))
    assert r["title"] == "Senior Data Engineer"
    assert r["description"] == "Tasks\nIntro Build Spark pipelines\n- Python"


def test_bamboohr_list_and_composite(fixtures_dir):
    aca = _rows("bamboohr/aca_careers_list.json")
    assert aca["39"]["title"] == "Aircraft Maintenance Engineer"
    assert aca["39"]["location"] == "Edmonton International Airport, Alberta"
    assert (aca["39"]["workplace_type"], aca["41"]["location"]) == ("onsite", "Edmonton, Alberta, Canada")
    assert (aca["44"]["remote"], aca["44"]["workplace_type"]) == (True, "remote")
    assert aca["39"]["url"] == "https://aca.bamboohr.com/careers/39" and aca["39"]["description"] is None
    holistic = _rows("bamboohr/holisticai_list_plus_detail_COMPOSITE.json", company="Holistic AI")
    d = holistic["89"]
    assert d["title"] == "Director of Product – London, United Kingdom" and d["company"] == "Holistic AI"
    assert d["salary_text"] == "£100,000" and d["posted_at"].isoformat() == "2026-09-17T00:00:00+00:00"
    assert d["description"].startswith("We're looking for a Director of Product")
    assert d["location"] == "London, United Kingdom" and d["workplace_type"] == "hybrid"


def test_pinpoint_rippling_eightfold(fixtures_dir):
    pp = _rows("pinpoint/aawdc_postings.json")
    wh = pp["515428"]
    assert wh["title"] == "Warehouse/Fleet Manager" and wh["department"] == "Transportation"
    assert (wh["salary_min"], wh["salary_max"], wh["salary_currency"], wh["salary_period"]) == (80000.0, 100000.0,
                                                                                               "USD", "year")
    assert wh["salary_text"] == "$80,000 - $100,000 / year" and wh["workplace_type"] == "onsite"
    assert "Key Responsibilities" in wh["description"] and "&nbsp;" not in wh["description"]
    assert (pp["512061"]["salary_min"], pp["512061"]["salary_period"]) == (17.0, "hour")
    rip = _rows("rippling/11fs_board_jobs.json", company="11FS")
    se = rip["3c36e9c8-1bee-45a2-94fe-09f10ccbe10f"]
    assert (se["title"], se["company"], se["location"], se["department"]) == (
        "Senior Sales Executive", "11FS", "London, United Kingdom", "Pulse")
    ef = _rows("eightfold/fcx_apply_v2_jobs.json", company="Freeport-McMoRan")
    m = ef["42478672"]
    assert (m["title"], m["location"], m["department"]) == (
        "Manager Engineering - Electrical", "New Orleans, LA USA 70112", "Engineering Services")
    assert m["url"] == "https://talent.fmjobs.com/careers/job/42478672" and m["workplace_type"] == "onsite"
    assert m["posted_at"].year == 2026 and m["company"] == "Freeport-McMoRan"


def test_smartrecruiters_detail_sections_and_apply_link(fixtures_dir):
    (r,) = _rows("smartrecruiters/boschgroup_posting_detail_jobad.json").values()
    assert (r["title"], r["company"], r["location"]) == ("Logistics Section Manager", "Bosch Group",
                                                        "Bursa, Nilüfer, Turkey")
    for heading in ("Company Description", "Job Description", "Qualifications"):
        assert heading in r["description"]
    assert r["url"] == "https://jobs.smartrecruiters.com/BoschGroup/744000151640889-logistics-section-manager"
    assert r["apply_url"] == r["url"] + "?oga=true"


def test_recruitee_real_recording(fixtures_dir):
    ch = _rows("recruitee/channable_offers_trimmed.json")
    ae = ch["2631774"]
    assert (ae["title"], ae["company"], ae["workplace_type"]) == ("Account Executive France", "Channable", "hybrid")
    assert (ae["salary_min"], ae["salary_max"], ae["salary_currency"], ae["salary_period"]) == (5253.0, 6152.0,
                                                                                               "EUR", "month")
    assert ae["url"] == "https://jobs.channable.com/o/account-executive-france-2028"
    assert ae["apply_url"] == "https://jobs.channable.com/o/account-executive-france-2028/c/new"


@pytest.mark.parametrize("path", [
    "workday/hitachi_cxs_jobs_list_page1.json", "teamtailor/upcloud_jobs_json_feed.json",
    "personio/clark_xml_feed.xml", "bamboohr/holisticai_list_plus_detail_COMPOSITE.json",
    "pinpoint/aawdc_postings.json", "rippling/11fs_board_jobs.json", "eightfold/fcx_apply_v2_jobs.json",
])
def test_cli_parse_every_new_family(fixtures_dir, path):
    family, board = FILES[path]
    proc = subprocess.run([sys.executable, "-m", "jobmarket.cli", "parse", "--source", family, "--board", board,
                           str(BOARDS / path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == manifest_counts()[path] and {r["source"] for r in rows} == {family}
    assert ("rejected: teamtailor:upcloud:<no id>: id:missing" in proc.stderr) == (family == "teamtailor")


# -- scraping against a real server on 127.0.0.1 -----------------------------------------------------------------

def _scrape(tmp_path, source, token: str):
    from jobmarket.core.lake import Lake
    from jobmarket.sources.http import PoliteClient
    from jobmarket.steps.parse import parse_board_dir
    from jobmarket.steps.scrape import scrape_board

    lake = Lake(tmp_path / "lake")
    dt = date(2026, 9, 30)
    board = next(b for b in source.boards if b.token == token)
    with PoliteClient("jobmarket-tests/0 (+tests@example.invalid)") as client:
        manifest = scrape_board(client, lake, source, board, dt, "t")
    landed = dict(lake.raw_boards(source.family, dt))
    rows = parse_board_dir(lake, source, token, landed[token], manifest) if manifest["status"] == "ok" else []
    return manifest, rows, landed


def _wd_detail(template: dict, posting: dict, tenant_site: str) -> bytes:
    info = dict(template["jobPostingInfo"], title=posting["title"],
                externalUrl=f"https://{tenant_site.split('/')[0]}.myworkdayjobs.com/{tenant_site.split('/')[1]}"
                            f"{posting['externalPath']}")
    return json.dumps({**template, "jobPostingInfo": info}).encode()


def test_workday_scrape_pages_by_post_and_keeps_the_list_row_of_a_failed_detail(fixtures_dir, board_server, tmp_path):
    hitachi = json.loads((BOARDS / "workday/hitachi_cxs_jobs_list_page1.json").read_bytes())
    nvidia = json.loads((BOARDS / "workday/nvidia_cxs_jobs_list_trimmed.json").read_bytes())
    detail = json.loads((BOARDS / "workday/accenture_cxs_job_detail.json").read_bytes())
    api = "/wd/hitachi.wd1/wday/cxs/hitachi/hitachi"
    # Workday gives the total on the first page only (later pages say 0).
    board_server.add(f"{api}/jobs#offset=0", json.dumps({**hitachi, "total": 22}))
    board_server.add(f"{api}/jobs#offset=20", json.dumps({**nvidia, "total": 0}))
    listed = hitachi["jobPostings"] + nvidia["jobPostings"]
    gone = listed[3]["externalPath"]
    for p in listed:
        board_server.add(api + p["externalPath"], _wd_detail(detail, p, "hitachi.wd1/hitachi"),
                         status=404 if p["externalPath"] == gone else 200)
    source = make_source("workday", board_server.url + "/wd", boards=("hitachi.wd1/hitachi",))
    manifest, rows, landed = _scrape(tmp_path, source, "hitachi.wd1/hitachi")

    assert [json.loads(b)["offset"] for b in board_server.posted] == [0, 20]
    assert all(json.loads(b)["limit"] == 20 for b in board_server.posted)
    assert manifest["status"] == "ok" and "HTTP 404" in manifest["error"] and gone in manifest["error"]
    assert "hitachi.wd1/hitachi" in landed and "%2F" in str(landed["hitachi.wd1/hitachi"])  # one folder
    assert len(rows) == 22 and len({r["posting_id"] for r in rows}) == 22
    by_id = {r["native_id"]: r for r in rows}
    kept = by_id[gone.rsplit("/", 1)[-1]]
    assert kept["title"] == listed[3]["title"] and kept["description"] is None  # the list row, not dropped
    assert kept["url"] == f"https://hitachi.wd1.myworkdayjobs.com/hitachi{gone}"
    described = [r for r in rows if r["description"]]
    assert len(described) == 21 and all(r["description"].startswith("Project Role") for r in described)
    lists = [f for f in manifest["files"] if f["kind"] == "list"]
    assert {tuple(f["meta"]["without_detail"]) for f in lists} == {(gone,)}


def test_workday_bad_token_fails_the_board_without_a_request(board_server, tmp_path):
    source = make_source("workday", board_server.url + "/wd", boards=("nvidia",))
    manifest, rows, _ = _scrape(tmp_path, source, "nvidia")
    assert manifest["status"] == "failed" and "<tenant>.wd<N>/<site>" in manifest["error"]
    assert board_server.hits == []


def test_bamboohr_scrape_list_then_details(fixtures_dir, board_server, tmp_path):
    composite = json.loads((BOARDS / "bamboohr/holisticai_list_plus_detail_COMPOSITE.json").read_bytes())
    listing = {**composite, "result": [{k: v for k, v in j.items() if k != "detail"} for j in composite["result"]]}
    board_server.add("/bh/holisticai/careers/list", json.dumps(listing))
    failing = composite["result"][1]["id"]
    for j in composite["result"]:
        board_server.add(f"/bh/holisticai/careers/{j['id']}/detail", json.dumps({"result": {"jobOpening": j["detail"]}}),
                         status=500 if j["id"] == failing else 200)
    source = make_source("bamboohr", board_server.url + "/bh", boards=("holisticai",))
    manifest, rows, _ = _scrape(tmp_path, source, "holisticai")
    assert manifest["status"] == "ok" and f"/careers/{failing}/detail" in manifest["error"]
    assert sorted(r["native_id"] for r in rows) == sorted(j["id"] for j in composite["result"])
    by_id = {r["native_id"]: r for r in rows}
    assert by_id[failing]["description"] is None and by_id[failing]["title"] == composite["result"][1]["jobOpeningName"]
    assert sum(1 for r in rows if r["description"]) == 11
    assert by_id["89"]["salary_text"] == "£100,000"


def test_details_stop_after_repeated_failures(fixtures_dir, board_server, tmp_path):
    composite = json.loads((BOARDS / "bamboohr/holisticai_list_plus_detail_COMPOSITE.json").read_bytes())
    listing = {**composite, "result": [{k: v for k, v in j.items() if k != "detail"} for j in composite["result"]]}
    board_server.add("/bh/holisticai/careers/list", json.dumps(listing))  # every detail answers 404
    source = make_source("bamboohr", board_server.url + "/bh", boards=("holisticai",), max_detail_failures=3)
    manifest, rows, _ = _scrape(tmp_path, source, "holisticai")
    assert sum("/detail" in h for h in board_server.hits) == 3  # the host is not asked 12 times
    assert manifest["status"] == "ok" and "9 detail(s) not requested" in manifest["error"]
    assert len(rows) == 12 and all(r["description"] is None for r in rows)


@pytest.mark.parametrize(("family", "path", "token", "route"), [
    ("teamtailor", "teamtailor/upcloud_jobs_json_feed.json", "upcloud", "/x/upcloud/jobs.json"),
    ("personio", "personio/clark_xml_feed.xml", "clark", "/x/clark/xml"),
    ("pinpoint", "pinpoint/aawdc_postings.json", "aawdc", "/x/aawdc/postings.json"),
    ("rippling", "rippling/11fs_board_jobs.json", "11fs-group-ltd",
     "/x/platform/api/ats/v1/board/11fs-group-ltd/jobs"),
])
def test_single_response_families_scrape(fixtures_dir, board_server, tmp_path, family, path, token, route):
    board_server.add(route, BOARDS / path)
    source = make_source(family, board_server.url + "/x", boards=(token,))
    manifest, rows, _ = _scrape(tmp_path, source, token)
    assert manifest["status"] == "ok" and board_server.hits == [route]
    assert len(rows) == manifest_counts()[path]


def test_teamtailor_broken_row_is_quarantined_not_fatal(fixtures_dir, board_server, tmp_path):
    from jobmarket.steps.parse import parse_board_units

    board_server.add("/x/upcloud/jobs.json", BOARDS / "teamtailor/upcloud_jobs_json_feed.json")
    source = make_source("teamtailor", board_server.url + "/x", boards=("upcloud",))
    manifest, rows, landed = _scrape(tmp_path, source, "upcloud")
    from jobmarket.core.lake import Lake

    units = parse_board_units(Lake(tmp_path / "lake"), source, "upcloud", landed["upcloud"], manifest)
    rejected = [x for _k, _c, _r, rej in units for x in rej]
    assert len(rows) == 3 and [x.reasons for x in rejected] == [["id:missing"]]


def test_eightfold_pages_and_refuses_a_truncated_board(fixtures_dir, board_server, tmp_path):
    data = json.loads((BOARDS / "eightfold/fcx_apply_v2_jobs.json").read_bytes())
    base = "/ef/fcx/api/apply/v2/jobs?domain=fcx.com"
    board_server.add(f"{base}&start=0&num=10", json.dumps({**data, "count": 3}))
    source = make_source("eightfold", board_server.url + "/ef", boards=("fcx/fcx.com",))
    manifest, rows, _ = _scrape(tmp_path, source, "fcx/fcx.com")
    assert manifest["status"] == "ok" and len(rows) == 3
    # count=256 as recorded: more pages than options.max_pages allows fails the board.
    board_server.add(f"{base}&start=0&num=10", json.dumps(data))
    board_server.add(f"{base}&start=10&num=10", json.dumps(data))
    source = make_source("eightfold", board_server.url + "/ef", boards=("fcx/fcx.com",), max_pages=2)
    manifest, rows, _ = _scrape(tmp_path / "2", source, "fcx/fcx.com")
    assert manifest["status"] == "failed" and "max_pages=2" in manifest["error"]


def test_tenant_site_tokens_validate():
    from jobmarket.core.settings import ConfigError
    from jobmarket.sources.config import parse_sources

    doc = {"http": {"contact": "a@b.c"}, "sources": {
        "workday": {"boards": ["nvidia.wd5/NVIDIAExternalCareerSite"]},
        "eightfold": {"boards": [{"token": "fcx/fcx.com", "company": "Freeport-McMoRan"}]}}}
    sources = parse_sources(doc, "x.yaml")
    assert sources.get("workday").boards == (BoardConfig("nvidia.wd5/NVIDIAExternalCareerSite"),)
    assert sources.get("workday").base_url == "https://{host}.myworkdayjobs.com"
    for bad in ("a/b/c", "/x", "../etc"):
        doc["sources"]["workday"]["boards"] = [bad]
        with pytest.raises(ConfigError, match="invalid board token"):
            parse_sources(doc, "x.yaml")
