"""Read real job-board postings from the recorded fixtures, for benchmarks and own labels.

Each posting is addressed by ``source`` (a path relative to ``fixtures/boards``) and the
board's own ``id``; nothing is copied into the repository.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

_HERE = Path(__file__).resolve()
DEFAULT_FIXTURES = _HERE.parents[3].parent / "shared" / "fixtures"


def _ashby(d):
    for j in d.get("jobs", []):
        yield str(j["id"]), j.get("title"), j.get("descriptionHtml") or j.get("descriptionPlain")


def _lever(d):
    for j in d:
        parts = [j.get("description") or ""]
        for lst in j.get("lists") or []:
            parts.append(f"<h3>{lst.get('text', '')}</h3><ul>{lst.get('content', '')}</ul>")
        parts.append(j.get("additional") or "")
        yield str(j["id"]), j.get("text"), "\n".join(parts)


def _remoteok(d):
    for j in d:
        if "id" in j and "position" in j:
            yield str(j["id"]), j.get("position"), j.get("description")


def _remotive(d):
    for j in d.get("jobs", []):
        yield str(j["id"]), j.get("title"), j.get("description")


def _himalayas(d):
    for j in d.get("jobs", []):
        yield str(j.get("guid")), j.get("title"), j.get("description")


def _jobicy(d):
    for j in d.get("jobs", []):
        yield str(j["id"]), j.get("jobTitle"), j.get("jobDescription")


def _arbeitnow(d):
    for j in d.get("data", []):
        yield str(j["slug"]), j.get("title"), j.get("description")


def _greenhouse(d):
    import html

    jobs = d.get("jobs", [d]) if isinstance(d, dict) else d
    for j in jobs:
        content = j.get("content")
        yield str(j["id"]), j.get("title"), html.unescape(content) if content else content


def _smartrecruiters(d):
    sections = (d.get("jobAd") or {}).get("sections") or {}
    body = "\n".join(
        f"<h3>{s.get('title', '')}</h3>{s.get('text', '')}" for s in sections.values() if s
    )
    yield str(d["id"]), d.get("name"), body


_HN_PAGE_RE = None


def _hn_page(raw: str):
    """Top-level comments of a saved "Who is hiring?" item page (news.ycombinator.com HTML)."""
    import re

    global _HN_PAGE_RE
    if _HN_PAGE_RE is None:
        _HN_PAGE_RE = re.compile(
            r'<img src="s.gif" height="1" width="(\d+)"></td><td valign="top" class="votelinks">'
            r'<center><a id="up_(\d+)".*?<span class="comment">\s*<span class="c[0-9a-f]+">(.*?)'
            r"<span>\s*</span><div class='reply'>",
            re.S,
        )
    for m in _HN_PAGE_RE.finditer(raw):
        if m.group(1) == "0":  # indent 0: a job post, not a reply
            text = m.group(3)
            yield m.group(2), text.split("<p>", 1)[0][:200], text


def _hn(d):
    for h in d.get("hits", []):
        text = h.get("comment_text") or ""
        first = text.split("<p>", 1)[0]
        yield str(h.get("objectID")), first[:200], text


READERS = {
    "ashby/cursor_job_board.json": _ashby,
    "ashby/notion_board_subset3_breteai.json": _ashby,
    "ashby/ramp_board_subset1_internradar.json": _ashby,
    "ashby/truelogic_board_subset3_lcarlini.json": _ashby,
    "lever/plaid_postings_first20.json": _lever,
    "remoteok/api_full_2026-05-16.json": _remoteok,
    "remotive/remote_jobs_filtered_18_2026-05.json": _remotive,
    "remotive/remote_jobs_subset3_breteai.json": _remotive,
    "other/himalayas_jobs_api_page1_2026-05.json": _himalayas,
    "other/jobicy_api_subset5_lcarlini.json": _jobicy,
    "other/jobicy_api_subset3_breteai.json": _jobicy,
    "arbeitnow/job_board_api_subset3_breteai.json": _arbeitnow,
    "greenhouse/gitlab_jobs_content_subset3.json": _greenhouse,
    "greenhouse/stripe_job_8026689_single.json": _greenhouse,
    "smartrecruiters/westerndigital_posting_detail.json": _smartrecruiters,
    "hn/algolia_search_comments_story_47975571_may2026.json": _hn,
    "hn/hn_item_page_whoishiring_2015-07.html": _hn_page,
}
RAW_TEXT = {"hn/hn_item_page_whoishiring_2015-07.html"}  # readers that take the file text, not JSON
# The benchmark corpus: every reader above except the 2015 HN page, which was added later
# (for labels). Keeping the list fixed keeps throughput figures comparable across versions.
BENCH_SOURCES = [s for s in READERS if s not in RAW_TEXT]


def iter_board_postings(
    fixtures: Path | None = None, sources: list[str] | None = None
) -> Iterator[dict]:
    """Yield ``{"source", "id", "title", "description"}`` for every posting with a body."""
    root = Path(fixtures or DEFAULT_FIXTURES) / "boards"
    for rel in sources or READERS:
        path = root / rel
        if not path.exists():
            continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            data = fh.read() if rel in RAW_TEXT else json.load(fh)
        for pid, title, desc in READERS[rel](data):
            if desc:
                yield {"source": rel, "id": pid, "title": title or "", "description": desc}
