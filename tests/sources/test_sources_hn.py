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


def test_every_top_level_comment_yields_postings_and_replies_none(thread):
    data, rows = thread
    top = [h for h in data["hits"] if h["parent_id"] == h["story_id"] and h["comment_text"]]
    replies = [h for h in data["hits"] if h["parent_id"] != h["story_id"]]
    assert len(top) == 207 and len(replies) == 193
    assert len(rows) >= len(top)
    comment_ids = {r["native_id"].split("-")[0] for r in rows}
    assert comment_ids == {h["objectID"] for h in top}
    assert not comment_ids & {h["objectID"] for h in replies}
    ids = [r["posting_id"] for r in rows]
    assert len(set(ids)) == len(ids)


def test_every_posting_carries_company_title_and_apply_link_where_present(thread):
    data, rows = thread
    by_comment = {h["objectID"]: h for h in data["hits"]}
    for r in rows:
        assert r["company"] and r["title"] and r["description"]
        assert r["posted_at"] is not None and r["posted_at"].tzinfo is not None
        html = by_comment[r["native_id"].split("-")[0]]["comment_text"]
        hrefs = [a.get("href") for a in BeautifulSoup(html, "lxml").find_all("a")]
        if any(h and h.startswith("http") for h in hrefs):
            assert r["url"] in hrefs  # the apply link is one of the post's own links
        else:
            assert r["url"] == f"https://news.ycombinator.com/item?id={r['native_id'].split('-')[0]}"
    # Most posts follow the "Company | Role | ..." convention: their company is read.
    assert sum(r["company"] != "whoishiring" for r in rows) / len(rows) > 0.85


def test_woosmap_pipe_header(thread):
    (r,) = _posts(thread[1], "48147597")
    assert r["posting_id"] == "hn:whoishiring:48147597"
    assert r["company"] == "Woosmap"
    assert r["title"] == "Backend Engineer (Mid-level & Senior)"
    assert r["location"] == "HYBRID (London, Paris, Montpellier) or REMOTE (UTC-1 to UTC+2)"
    assert (r["remote"], r["workplace_type"]) == (True, "remote")  # remote is one of the options
    assert r["employment_type"] == "Full-time"
    assert r["url"] == "https://www.linkedin.com/jobs/view/4410617739/"  # the apply link, not the homepage
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
    assert {r["url"] for r in steel} == {"https://news.ycombinator.com/item?id=48054246"}  # no link in the post


def test_roles_listed_with_their_own_links(thread):
    tether = _posts(thread[1], "48040612")
    assert tether[0]["company"] == "Tether"
    assert [r["title"] for r in tether][:2] == ["Mobile Developer (React Native)", "Lead Mobile Developer (React Native)"]
    assert len(tether) == 8
    assert tether[0]["url"].startswith("https://careers.tether.io/o/react-native-developer-wallet-team")
    assert len({r["url"] for r in tether}) == 8
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
    assert nyt["url"] == "https://job-boards.greenhouse.io/thenewyorktimes/jobs/4669945005"
    (wildkind,) = _posts(thread[1], "48023051")  # COMPANY: / ROLE: / SALARY: lines
    assert (wildkind["company"], wildkind["title"]) == ("Wildkind", "Performance Marketing Manager")
    assert wildkind["salary_text"] == "£54,000 to £65,000."
    assert wildkind["employment_type"] == "Full-time" and wildkind["workplace_type"] == "hybrid"


def test_non_posts_are_kept_with_their_first_line_as_title(thread):
    (r,) = _posts(thread[1], "48099220")
    assert r["title"].startswith("Not hiring, but actively helping")
    assert r["company"] == "whoishiring"  # the board token: no company named


def test_pick_thread_newest_or_by_month(fixtures_dir):
    hits = json.loads((BOARDS / STORIES).read_bytes())["hits"]
    assert pick_thread(hits)["objectID"] == "47975571"
    assert pick_thread(hits, 2026, 4)["title"] == "Ask HN: Who is hiring? (April 2026)"
    assert pick_thread(hits, 2025, 6)["objectID"] == "44159528"
    assert pick_thread(hits, 2024, 1) is None
    other = [dict(hits[0], title="Ask HN: Who wants to be hired? (May 2026)", created_at_i=2_000_000_000)]
    assert pick_thread(other + hits)["objectID"] == "47975571"  # only "Who is hiring?" threads count
