"""The new families' parsers on the real recordings in ../shared/fixtures/boards."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from jobmarket.core.schema import RECORD_COLUMNS
from jobmarket.sources import REGISTRY, BoardContext, ParseError, get_adapter

from tests.sources.helpers import RECORDINGS
from tests.support import BOARDS, manifest_counts

NEW_FAMILIES = ("smartrecruiters", "workable", "recruitee", "remoteok", "remotive", "arbeitnow",
                "himalayas", "hn", "jsonld")

# (family, recording, expected postings). None: the count in boards/MANIFEST.tsv.
CASES = [
    ("smartrecruiters", "smartrecruiters/postings_list_3.json", None),
    ("smartrecruiters", "smartrecruiters/westerndigital_posting_detail.json", None),
    ("workable", "workable/apply_v3_jobs_subset3_TRIMMED.json", None),
    ("remoteok", "remoteok/api_full_2026-05-16.json", 99),
    ("remoteok", "remoteok/api_subset_breteai.json", None),
    ("remotive", "remotive/remote_jobs_filtered_18_2026-05.json", 18),
    ("remotive", "remotive/remote_jobs_subset3_breteai.json", None),
    ("arbeitnow", "arbeitnow/job_board_api_subset3_breteai.json", None),
    ("himalayas", "other/himalayas_jobs_api_page1_2026-05.json", 20),
    ("jsonld", "jsonld/hire.rebase.network_jobs_1000.html", None),
    ("jsonld", "jsonld/icims_sig_job_jsonld_wrapper.html", None),
]


def parse(family: str, rel: str, board: str = "b", **ctx):
    body = (BOARDS / rel).read_bytes()
    return get_adapter(family).parse(body, BoardContext(family, board, **ctx))


def by_id(rows):
    return {r["native_id"]: r for r in rows}


def test_registry_has_every_known_family():
    from jobmarket.sources.config import KNOWN_FAMILIES

    assert set(KNOWN_FAMILIES) <= set(REGISTRY)
    for family in NEW_FAMILIES:
        adapter = get_adapter(family)
        assert adapter.family == family and adapter.default_base_url.startswith("https://")


@pytest.mark.parametrize(("family", "rel", "expected"), CASES, ids=[c[1] for c in CASES])
def test_counts_equal_recorded_counts(fixtures_dir, family, rel, expected):
    rows = parse(family, rel)
    assert len(rows) == (expected if expected is not None else manifest_counts()[rel])
    if expected is not None and rel in manifest_counts():
        assert expected == manifest_counts()[rel]
    ids = [r["posting_id"] for r in rows]
    assert len(set(ids)) == len(ids)
    for r in rows:
        assert set(r) == {c.name for c in RECORD_COLUMNS} - {"scraped_date", "run_id"}
        assert r["title"] and r["company"] and r["native_id"]
        assert r["url"].startswith("https://")
        assert r["posting_id"] == f"{family}:b:{r['native_id']}"
        assert r["remote"] in (True, False, None)
        assert r["workplace_type"] in ("remote", "hybrid", "onsite", None)
        assert r["posted_at"] is None or r["posted_at"].tzinfo is not None


# -- specific real postings ------------------------------------------------------------

def test_smartrecruiters_detail_has_job_ad_and_hourly_pay(fixtures_dir):
    (r,) = parse("smartrecruiters", "smartrecruiters/westerndigital_posting_detail.json", board="WesternDigital")
    assert r["posting_id"] == "smartrecruiters:WesternDigital:744000140949875"
    assert r["title"] == "Summer 2027 Intern - Hardware Engineering"
    assert r["company"] == "Western Digital"
    assert r["url"] == ("https://jobs.smartrecruiters.com/WesternDigital/"
                        "744000140949875-summer-2027-intern-hardware-engineering")
    assert r["location"] == "San Jose, CA, United States"
    assert (r["workplace_type"], r["remote"]) == ("hybrid", False)
    assert r["employment_type"] == "Intern"
    assert (r["salary_min"], r["salary_max"], r["salary_currency"], r["salary_period"]) == (34.0, 47.0, "USD", "hour")
    assert r["posted_at"] == datetime(2026, 7, 31, 15, 44, 17, 247000, tzinfo=UTC)
    text = r["description"]
    assert text.startswith("Company Description\nWD is building the infrastructure")
    for heading in ("Job Description", "Qualifications", "Additional Information"):
        assert heading in text
    assert "<p>" not in text


def test_smartrecruiters_list_entries_without_text(fixtures_dir):
    rows = by_id(parse("smartrecruiters", "smartrecruiters/postings_list_3.json", board="WesternDigital"))
    r = rows["744000141229015"]
    assert r["title"] == "Intern - Data Science"
    assert r["location"] == "Bayan Lepas, Penang, Malaysia"
    assert (r["workplace_type"], r["remote"]) == ("onsite", False)
    assert r["description"] is None
    assert r["url"] == "https://jobs.smartrecruiters.com/WesternDigital/744000141229015"


def test_smartrecruiters_list_in_the_pipeline_yields_only_postings_without_detail(fixtures_dir):
    """Landed by a scrape, a list page carries ``meta.without_detail``: it
    gives records only for those postings, the details give the others."""
    body = (BOARDS / "smartrecruiters/postings_list_3.json").read_bytes()
    adapter = get_adapter("smartrecruiters")
    assert adapter.parse_kind("detail") and adapter.parse_kind("list")
    none = adapter.parse(body, BoardContext("smartrecruiters", "WesternDigital", meta={"without_detail": []}))
    one = adapter.parse(body, BoardContext("smartrecruiters", "WesternDigital",
                                           meta={"without_detail": ["744000141229015"]}))
    assert none == [] and [r["native_id"] for r in one] == ["744000141229015"]


def test_workable_fields(fixtures_dir):
    rows = by_id(parse("workable", "workable/apply_v3_jobs_subset3_TRIMMED.json", board="acme"))
    r = rows["97904BAC90"]
    assert r["title"] == "Data/Infrastructure Advocate Engineer - EMEA Remote"
    assert r["url"] == "https://apply.workable.com/acme/j/97904BAC90/"
    assert r["location"] == "Paris, Île-de-France, France"
    assert (r["workplace_type"], r["remote"]) == ("remote", True)
    assert r["department"] == "Product" and r["employment_type"] == "Full-time"
    assert r["posted_at"] == datetime(2026, 5, 29, tzinfo=UTC)
    assert r["description"] is None  # the list endpoint carries none
    assert rows["F8427A442D"]["location"] == "United States"


def test_remoteok_skips_the_legal_notice_and_reads_salary(fixtures_dir):
    data = json.loads((BOARDS / "remoteok/api_full_2026-05-16.json").read_bytes())
    assert len(data) == 100 and "legal" in data[0]
    rows = by_id(parse("remoteok", "remoteok/api_full_2026-05-16.json", board="all"))
    r = rows["1131572"]
    assert r["company"] == "Wealthsimple Technologies"
    assert r["title"] == "Senior AI System Software Developer"
    assert (r["salary_min"], r["salary_max"], r["salary_currency"], r["salary_period"]) == (151200.0, 189000.0, "USD", "year")
    assert r["remote"] is True and r["workplace_type"] == "remote"
    assert r["url"].startswith("https://remoteOK.com/remote-jobs/")
    first = rows["1131612"]
    assert first["company"] == "Avalere Health"  # trailing space trimmed
    assert first["location"] == "London"
    assert first["salary_min"] is None and first["salary_currency"] is None  # 0 means "not given"
    assert first["posted_at"] == datetime(2026, 5, 16, 8, 0, 12, tzinfo=UTC)
    assert first["description"].startswith("About Avalere Health")
    hourly = rows["1131523"]  # a poster typed 21-24: no period invented
    assert (hourly["salary_min"], hourly["salary_max"], hourly["salary_period"]) == (21.0, 24.0, None)
    assert sum(r["salary_min"] is not None for r in rows.values()) == 10


def test_remotive_fields(fixtures_dir):
    rows = by_id(parse("remotive", "remotive/remote_jobs_filtered_18_2026-05.json", board="all"))
    r = rows["2090883"]
    assert r["title"] == "Marketing Manager, Content & AI Enablement"
    assert r["company"] == "Expion Health"
    assert r["url"] == "https://remotive.com/remote-jobs/marketing/marketing-manager-content-ai-enablement-2090883"
    assert r["salary_text"] == "$75k - $95k" and r["salary_min"] is None
    assert r["location"] == "USA" and r["remote"] is True
    assert r["employment_type"] == "Full-time"
    assert r["posted_at"] == datetime(2026, 5, 15, 6, 54, 14, tzinfo=UTC)
    assert rows["2088711"]["salary_text"] is None  # "" in the source
    assert rows["2089994"]["salary_text"] is None  # "-" placeholder
    assert rows["1185979"]["salary_text"] == "$50-$75 /hour"
    assert rows["1185979"]["employment_type"] == "Freelance"


def test_arbeitnow_fields(fixtures_dir):
    rows = by_id(parse("arbeitnow", "arbeitnow/job_board_api_subset3_breteai.json", board="all"))
    r = rows["remote-senior-account-executive-enterprise-165386"]
    assert r["company"] == "veeamsoftware" and r["title"] == "Senior Account Executive, Enterprise"
    assert r["remote"] is True and r["workplace_type"] == "remote"
    assert r["description"].startswith("Veeam is the Data and AI Trust Company")  # entity-escaped HTML
    assert "&lt;" not in r["description"]
    g = rows["quereinsteiger-redaktion-marketing-vertrieb-berlin-308023"]
    assert g["remote"] is False and g["workplace_type"] is None
    assert g["employment_type"] == "Side" and g["location"] == "Berlin"
    assert g["posted_at"] == datetime.fromtimestamp(1786806026, tz=UTC)
    assert g["url"].startswith("https://www.arbeitnow.com/jobs/companies/gito-mbh-verlag/")


def test_himalayas_fields(fixtures_dir):
    rows = by_id(parse("himalayas", "other/himalayas_jobs_api_page1_2026-05.json", board="all"))
    r = rows["https://himalayas.app/companies/caci-international-inc/jobs/dhs-experienced-case-reviewer-7696739532"]
    assert r["title"] == "DHS Experienced Case Reviewer" and r["company"] == "CACI International Inc"
    assert (r["salary_min"], r["salary_max"], r["salary_currency"], r["salary_period"]) == (54800.0, 115000.0, "USD", "year")
    assert r["location"] == "United States" and r["remote"] is True
    assert r["employment_type"] == "Full Time"
    eur = rows["https://himalayas.app/companies/asper-brothers/jobs/flutter-developer"]
    assert (eur["salary_min"], eur["salary_currency"], eur["employment_type"]) == (55200.0, "EUR", "Contractor")
    sixt = rows["https://himalayas.app/companies/sixt/jobs/business-development-manager"]
    assert sixt["salary_min"] is None and sixt["salary_currency"] is None  # no amount: no currency either
    many = rows["https://himalayas.app/companies/flh-media/jobs/inside-sales-manager-m-w-d-7080641140"]
    assert many["location"] == "Austria, Germany, Switzerland"


def test_jsonld_messy_real_values_do_not_crash(fixtures_dir):
    (r,) = parse("jsonld", "jsonld/hire.rebase.network_jobs_1000.html", board="rebase")
    assert r["title"] == "[远程] CMC TOP15CEX 招聘 业务测试工程师(衍生品方向) 3,000 - 6,500U"
    assert r["company"] == "CMC TOP15 CEX"
    assert r["employment_type"] == "全职"
    assert r["location"] == "远程"  # address given as a plain string
    assert r["remote"] is True and r["workplace_type"] == "remote"  # TELECOMMUTE
    assert r["salary_text"] == "2.3-5年" and r["salary_min"] is None and r["salary_max"] is None
    assert r["url"] == r["native_id"] == "https://hire.rebase.network/jobs/1000.html"
    assert r["posted_at"] == datetime(2025, 12, 31, 8, 27, 57, tzinfo=UTC)


def test_jsonld_icims_posting(fixtures_dir):
    (r,) = parse("jsonld", "jsonld/icims_sig_job_jsonld_wrapper.html", board="sig")
    assert r["title"] == "Trading System Engineering Internship: Summer 2027"
    assert r["company"] == "Susquehanna International Group, LLP"
    assert r["location"] == "Hong Kong, HK"  # UNAVAILABLE placeholders dropped
    assert r["url"].startswith("https://careers-sig.icims.com/jobs/11169/")
    assert r["description"].startswith("Overview\n")
    assert r["remote"] is None


def test_recruitee_own_recording():
    body = (RECORDINGS / "recruitee/offers.json").read_bytes()
    rows = by_id(get_adapter("recruitee").parse(body, BoardContext("recruitee", "exampleanalytics")))
    assert len(rows) == 3
    r = rows["1874301"]
    assert r["company"] == "Example Analytics B.V." and r["title"] == "Senior Data Engineer"
    assert r["url"] == "https://exampleanalytics.recruitee.com/o/senior-data-engineer"
    assert (r["salary_min"], r["salary_max"], r["salary_currency"], r["salary_period"]) == (65000.0, 80000.0, "EUR", "year")
    assert (r["workplace_type"], r["remote"]) == ("hybrid", False)
    assert r["employment_type"] == "Full-time" and r["department"] == "Data"
    assert r["posted_at"] == datetime(2026, 5, 2, 9, 30, tzinfo=UTC)
    assert "Airflow or Dagster" in r["description"]  # requirements appended
    assert rows["1874302"]["remote"] is True and rows["1874302"]["salary_min"] is None
    assert rows["1874303"]["salary_period"] == "hour" and rows["1874303"]["workplace_type"] == "onsite"


def test_recruitee_base_url_template():
    from jobmarket.sources.config import BoardConfig

    from tests.sources.helpers import make_source

    adapter = get_adapter("recruitee")
    live = make_source("recruitee", adapter.default_base_url)
    assert adapter.board_url(live, BoardConfig("acme")) == "https://acme.recruitee.com/api/offers/"
    proxied = make_source("recruitee", "http://127.0.0.1:9/recruitee")
    assert adapter.board_url(proxied, BoardConfig("acme")) == "http://127.0.0.1:9/recruitee/acme/api/offers/"


# -- malformed bodies and schema drift ----------------------------------------------------

JSON_FAMILIES = ["smartrecruiters", "workable", "recruitee", "remoteok", "remotive", "arbeitnow", "himalayas", "hn"]


@pytest.mark.parametrize("family", JSON_FAMILIES)
def test_malformed_json_is_a_parse_error(family):
    with pytest.raises(ParseError, match="not valid JSON"):
        get_adapter(family).parse(b'{"jobs": [', BoardContext(family, "b"))


DRIFT = [
    # (family, recording, path to the record list, renamed field)
    ("smartrecruiters", "smartrecruiters/westerndigital_posting_detail.json", None, "name"),
    ("smartrecruiters", "smartrecruiters/postings_list_3.json", "content", "id"),
    ("workable", "workable/apply_v3_jobs_subset3_TRIMMED.json", "results", "shortcode"),
    ("remoteok", "remoteok/api_full_2026-05-16.json", "", "position"),
    ("remotive", "remotive/remote_jobs_filtered_18_2026-05.json", "jobs", "company_name"),
    ("arbeitnow", "arbeitnow/job_board_api_subset3_breteai.json", "data", "slug"),
    ("himalayas", "other/himalayas_jobs_api_page1_2026-05.json", "jobs", "guid"),
    ("hn", "hn/algolia_search_comments_story_47975571_may2026.json", "hits", "comment_text"),
]


@pytest.mark.parametrize(("family", "rel", "where", "field"), DRIFT, ids=[f"{d[0]}-{d[3]}" for d in DRIFT])
def test_renamed_field_is_a_parse_error_naming_it(fixtures_dir, family, rel, where, field):
    data = json.loads((BOARDS / rel).read_bytes())
    if where is None:
        records = [data]
    elif where == "":
        records = [r for r in data if "id" in r]
    else:
        records = data[where]
    for r in records:
        r[field + "_v2"] = r.pop(field)
    with pytest.raises(ParseError, match=f"lacks required field '{field}'"):
        get_adapter(family).parse(json.dumps(data), BoardContext(family, "b"))


@pytest.mark.parametrize(("family", "rel", "key"), [
    ("workable", "workable/apply_v3_jobs_subset3_TRIMMED.json", "results"),
    ("remotive", "remotive/remote_jobs_filtered_18_2026-05.json", "jobs"),
    ("arbeitnow", "arbeitnow/job_board_api_subset3_breteai.json", "data"),
    ("himalayas", "other/himalayas_jobs_api_page1_2026-05.json", "jobs"),
    ("hn", "hn/algolia_search_comments_story_47975571_may2026.json", "hits"),
])
def test_renamed_envelope_is_a_parse_error(fixtures_dir, family, rel, key):
    data = json.loads((BOARDS / rel).read_bytes())
    data["items"] = data.pop(key)
    with pytest.raises(ParseError, match=f"'{key}'"):
        get_adapter(family).parse(json.dumps(data), BoardContext(family, "b"))


def test_recruitee_drift_and_remotive_count_mismatch(fixtures_dir):
    data = json.loads((RECORDINGS / "recruitee/offers.json").read_bytes())
    for offer in data["offers"]:
        offer["careers_link"] = offer.pop("careers_url")
    with pytest.raises(ParseError, match="every posting lacks required field 'careers_url'"):
        get_adapter("recruitee").parse(json.dumps(data), BoardContext("recruitee", "b"))
    # One offer without it is that offer's problem (issue #18): rejected, the others parse.
    data = json.loads((RECORDINGS / "recruitee/offers.json").read_bytes())
    data["offers"][0]["careers_link"] = data["offers"][0].pop("careers_url")
    out = get_adapter("recruitee").parse_records(json.dumps(data), BoardContext("recruitee", "b"))
    assert [r.reasons for r in out.rejected] == [["careers_url:missing"]]
    assert out.rejected[0].raw["careers_link"] == data["offers"][0]["careers_link"]
    assert len(out.rows) == len(get_adapter("recruitee").parse(
        (RECORDINGS / "recruitee/offers.json").read_bytes(), BoardContext("recruitee", "b"))) - 1
    data = json.loads((BOARDS / "remotive/remote_jobs_filtered_18_2026-05.json").read_bytes())
    data["jobs"] = data["jobs"][:17]
    with pytest.raises(ParseError, match="job-count says 18"):
        get_adapter("remotive").parse(json.dumps(data), BoardContext("remotive", "b"))


def test_jsonld_page_without_markup_is_a_parse_error():
    adapter = get_adapter("jsonld")
    with pytest.raises(ParseError, match="no schema.org JobPosting"):
        adapter.parse(b"<html><body><h1>Careers</h1></body></html>", BoardContext("jsonld", "b"))
    with pytest.raises(ParseError, match="not valid JSON"):
        adapter.parse(b'<script type="application/ld+json">{"@type": "JobPosting",</script>',
                      BoardContext("jsonld", "b"))


def test_jsonld_block_nested_too_deeply_is_a_bad_block_not_a_crash():
    adapter = get_adapter("jsonld")
    deep = "[" * 100_000 + "]" * 100_000
    block = '<script type="application/ld+json">%s</script>'
    with pytest.raises(ParseError, match="not valid JSON: maximum recursion depth"):
        adapter.parse((block % deep).encode(), BoardContext("jsonld", "b"))
    posting = {"@type": "JobPosting", "title": "Data Engineer", "description": "<p>Spark pipelines</p>",
               "url": "https://example.com/jobs/1", "hiringOrganization": {"name": "Example"}}
    rows = adapter.parse((block % deep + block % json.dumps(posting)).encode(), BoardContext("jsonld", "b"))
    assert [r["title"] for r in rows] == ["Data Engineer"], "the page's good block still parses"


def test_arbeitnow_promo_line_is_dropped(fixtures_dir):
    for r in parse("arbeitnow", "arbeitnow/job_board_api_subset3_breteai.json"):
        assert "Arbeitnow" not in r["description"]
        assert "<" not in r["description"]
