"""Hacker News "Who is hiring?" on the real May 2026 thread (hn.algolia.com recording)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from jobmarket.sources import BoardContext, get_adapter
from jobmarket.sources.hn import pick_thread

from tests.support import BOARDS

COMMENTS = "hn/algolia_search_comments_story_47975571_may2026.json"
STORIES = "hn/algolia_search_stories_author_whoishiring.json"


@pytest.fixture(scope="module")
def thread():
    if not (BOARDS / COMMENTS).is_file():
        pytest.skip("../shared/fixtures is not present")
    body = (BOARDS / COMMENTS).read_bytes()
    rows = get_adapter("hn").parse(body, BoardContext("hn", "whoishiring"))
    return json.loads(body), rows


def _posts(rows, comment_id: str):
    return [r for r in rows if r["native_id"] == comment_id or r["native_id"].startswith(comment_id + "-")]


NOT_ADS = {
    "48099220": "Not hiring, but actively helping healthcare AI startups",
    "47980052": "[flagged]",
    "48009523": "LOCATION: Poland (EU) ... WILLING TO RELOCATE: No",  # a job seeker
    "47986051": "I'm a full-stack developer with 3 years of experience",  # a job seeker
    "47987473": "Here are the listings this thread that allow remote work",  # meta
    "47980592": "Fuck mosquitoes, go get em",
}


def test_job_ads_yield_postings_replies_and_other_comments_none(thread):
    data, rows = thread
    top = [h for h in data["hits"] if h["parent_id"] == h["story_id"] and h["comment_text"]]
    replies = [h for h in data["hits"] if h["parent_id"] != h["story_id"]]
    assert len(top) == 207 and len(replies) == 193
    comment_ids = {r["native_id"].split("-")[0] for r in rows}
    assert comment_ids <= {h["objectID"] for h in top}
    assert not comment_ids & {h["objectID"] for h in replies}
    assert not comment_ids & set(NOT_ADS)
    assert len(comment_ids) == 191 and len(rows) == 245  # 207 top-level: 191 ads read, 4 name no company, 12 no ads
    parsed = get_adapter("hn").parse_records(json.dumps(data), BoardContext("hn", "whoishiring"))
    assert {r.reasons[0] for r in parsed.rejected} == {"company:not_named"} and len(parsed.rejected) == 4
    ids = [r["posting_id"] for r in rows]
    assert len(set(ids)) == len(ids)


def test_every_posting_carries_company_title_item_page_and_apply_link_where_present(thread):
    data, rows = thread
    by_comment = {h["objectID"]: h for h in data["hits"]}
    for r in rows:
        assert r["company"] and r["title"] and r["description"]
        assert r["company"] not in ("whoishiring", "hn")  # never the board token
        assert r["posted_at"] is not None and r["posted_at"].tzinfo is not None
        comment_id = r["native_id"].split("-")[0]
        assert r["url"] == f"https://news.ycombinator.com/item?id={comment_id}"  # where it is published
        html = by_comment[comment_id]["comment_text"]
        hrefs = [a.get("href") for a in BeautifulSoup(html, "lxml").find_all("a")]
        if any(h and h.startswith("http") for h in hrefs):
            assert r["apply_url"] in hrefs  # the apply link is one of the post's own links
        else:
            assert r["apply_url"] is None


def test_woosmap_pipe_header(thread):
    (r,) = _posts(thread[1], "48147597")
    assert r["posting_id"] == "hn:whoishiring:48147597"
    assert r["company"] == "Woosmap"
    assert r["title"] == "Backend Engineer (Mid-level & Senior)"
    assert r["location"] == "HYBRID (London, Paris, Montpellier) or REMOTE (UTC-1 to UTC+2)"
    assert (r["remote"], r["workplace_type"]) == (True, "remote")  # remote is one of the options
    assert r["employment_type"] == "Full-time"
    assert r["url"] == "https://news.ycombinator.com/item?id=48147597"
    assert r["apply_url"] == "https://www.linkedin.com/jobs/view/4410617739/"  # the apply link, not the homepage
    assert r["posted_at"] == datetime(2026, 5, 15, 12, 6, 57, tzinfo=UTC)
    assert r["description"].startswith("Woosmap | https://www.woosmap.com/ | Backend Engineer")
    assert "\nWe run location APIs." in r["description"]


def test_one_posting_per_role(thread):
    campus = _posts(thread[1], "48067640")
    assert [r["title"] for r in campus] == ["Software Engineers", "Product Managers", "Data Scientists"]
    assert [r["native_id"] for r in campus] == ["48067640-1", "48067640-2", "48067640-3"]
    assert {r["company"] for r in campus} == {"Campus"}
    assert {r["workplace_type"] for r in campus} == {"hybrid"}
    steel = _posts(thread[1], "48054246")
    assert [r["title"] for r in steel] == ["Applied AI Engineer", "Infrastructure Engineer"]
    assert {r["salary_text"] for r in steel} == {"$160k-$240k USD base + equity"}
    assert {(r["remote"], r["workplace_type"]) for r in steel} == {(False, "onsite")}
    assert {r["url"] for r in steel} == {"https://news.ycombinator.com/item?id=48054246"}
    assert {r["apply_url"] for r in steel} == {None}  # no link in the post


def test_roles_listed_with_their_own_links(thread):
    tether = _posts(thread[1], "48040612")
    assert tether[0]["company"] == "Tether"
    assert [r["title"] for r in tether][:2] == ["Mobile Developer (React Native)", "Lead Mobile Developer (React Native)"]
    assert len(tether) == 8
    assert tether[0]["apply_url"].startswith("https://careers.tether.io/o/react-native-developer-wallet-team")
    assert len({r["apply_url"] for r in tether}) == 8
    baton = _posts(thread[1], "47982224")
    assert [r["title"] for r in baton][1] == "Group Product Manager, Platform"  # pay in parentheses dropped
    assert len(baton) == 7


def test_salary_employment_and_labelled_layout(thread):
    (forage,) = _posts(thread[1], "48113023")
    assert forage["company"] == "Forage" and forage["title"] == "Senior Mobile Engineer (React Native)"
    assert forage["salary_text"] == "$185,000 - $200,000 per year base"
    assert (forage["workplace_type"], forage["remote"]) == ("hybrid", False)
    (nyt,) = _posts(thread[1], "48039466")  # "Role at Company | ..."
    assert (nyt["company"], nyt["title"]) == ("The New York Times", "Graphics/Multimedia Editor for The Upshot")
    assert nyt["apply_url"] == "https://job-boards.greenhouse.io/thenewyorktimes/jobs/4669945005"
    (wildkind,) = _posts(thread[1], "48023051")  # COMPANY: / ROLE: / SALARY: lines
    assert (wildkind["company"], wildkind["title"]) == ("Wildkind", "Performance Marketing Manager")
    assert wildkind["salary_text"] == "£54,000 to £65,000."
    assert wildkind["employment_type"] == "Full-time" and wildkind["workplace_type"] == "hybrid"


def test_company_read_from_the_comment_in_its_many_layouts(thread):
    rows = thread[1]
    expect = {
        "48006232": "telli",  # "telli (YC F24) is hiring across ..."
        "47978920": "Air Space Intelligence",  # "Hey HN! Air Space Intelligence (https://...) is hiring."
        "48030333": "Rad AI",  # "Rad AI Multiple roles | On-site San Francisco | ..."
        "47979455": "Ping Data Intelligence",  # "Senior ML Engineer | Ping Data Intelligence | REMOTE ..."
        "47979383": "SwingVision",  # "SwingVision is the AI tennis & pickleball app ..."
        "47979550": "ParadeDB",  # "ParadeDB (YC S23, https://paradedb.com) | ..."
    }
    for comment_id, company in expect.items():
        assert {r["company"] for r in _posts(rows, comment_id)} == {company}, comment_id
    assert not _posts(rows, "48099220")  # "Not hiring, but ...": no posting


@pytest.mark.parametrize(("first_line", "company"), [
    ("Addepar is hiring | Engineers | NYC, SF, Seattle | Hybrid", "Addepar"),
    ("Krea; Fulltime; Onsite in San Francisco; Software Engineers", "Krea"),
    ("exe.dev | full time | Remote (US) | Founding Engineer", "exe.dev"),
    ("Stockholm, Sweden | Instabridge | Senior Ruby Developer", "Instabridge"),
    ("Thank you to everyone who submitted!", None),
])
def test_company_forms_named_in_the_issue(first_line, company):
    hit = {"objectID": "1", "parent_id": 9, "story_id": 9, "created_at_i": 1_700_000_000,
           "comment_text": f"{first_line}<p>We build things. Apply at https://example.com/jobs"}
    rows = get_adapter("hn").parse(json.dumps({"hits": [hit]}), BoardContext("hn", "whoishiring"))
    assert [r["company"] for r in rows] == ([company] if company else [])


def test_saved_html_thread_pages_parse(fixtures_dir):
    """The 2015 (single page) and 2012 (first page) layouts of news.ycombinator.com."""
    adapter = get_adapter("hn")
    for name, comments, postings in (("hn_item_page_whoishiring_2015-07.html", 699, 779),
                                     ("hn_item_page_whoishiring_2012-12_page1.html", 58, 69)):
        parsed = adapter.parse_records((BOARDS / "hn" / name).read_bytes(), BoardContext("hn", "whoishiring"))
        rows = parsed.rows
        assert len({r["native_id"].split("-")[0] for r in rows}) == comments and len(rows) == postings
        assert all(r["company"] not in ("whoishiring", "hn") and r["url"].startswith(
            "https://news.ycombinator.com/item?id=") for r in rows)
        assert all(x.reasons == ["company:not_named"] for x in parsed.rejected)
    rows = adapter.parse((BOARDS / "hn" / "hn_item_page_whoishiring_2015-07.html").read_bytes(),
                         BoardContext("hn", "whoishiring"))
    julia = next(r for r in rows if r["native_id"] == "9812644")
    assert julia["company"] == "Julia Computing Inc" and julia["location"] == "Cambridge, MA"
    assert "LLVM engineer" in julia["description"] and "<" not in julia["description"]


def test_pick_thread_newest_or_by_month(fixtures_dir):
    hits = json.loads((BOARDS / STORIES).read_bytes())["hits"]
    assert pick_thread(hits)["objectID"] == "47975571"
    assert pick_thread(hits, 2026, 4)["title"] == "Ask HN: Who is hiring? (April 2026)"
    assert pick_thread(hits, 2025, 6)["objectID"] == "44159528"
    assert pick_thread(hits, 2024, 1) is None
    other = [dict(hits[0], title="Ask HN: Who wants to be hired? (May 2026)", created_at_i=2_000_000_000)]
    assert pick_thread(other + hits)["objectID"] == "47975571"  # only "Who is hiring?" threads count
