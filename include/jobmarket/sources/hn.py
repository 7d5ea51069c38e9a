"""Hacker News "Ask HN: Who is hiring?" threads, through the HN Algolia API.

1. ``GET {base}/api/v1/search_by_date?tags=story,author_whoishiring&hitsPerPage=20``
   lists the monthly threads of the ``whoishiring`` account (landed as kind
   ``other``: it names the thread, it holds no postings).
2. ``GET {base}/api/v1/search?tags=comment,story_{id}&hitsPerPage=1000&page=N``
   returns the thread's comments; pages are read until ``nbPages``.

Board tokens: ``whoishiring`` reads the newest thread; ``whoishiring-YYYY-MM``
reads the thread of that month (failing the board if it is not among the
listed stories).

Only top-level comments (``parent_id == story_id``) are job posts. The first
line of a post is, by the thread's own rules, ``Company | Role | Location |
REMOTE/ONSITE | Salary | URL`` in any order; it is read segment by segment.
A post naming several roles (``A + B``, ``A, B & C``) becomes one posting per
role (native id ``<comment id>-<n>``); a post whose first line names no role
keeps that line as its title. ``url`` is the post's apply link (a link whose
text or target mentions apply/careers/jobs, else the first link), else the
comment's permalink. The description is the whole comment as text.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from jobmarket.sources.base import (
    Adapter,
    BoardContext,
    FetchPlan,
    Parsed,
    ParseError,
    RecordRejected,
    clean,
    load_json,
    positive_option,
    posting,
    require,
    schema_changed,
    to_utc,
)
from jobmarket.text import html_to_text

HITS_PER_PAGE = 1000  # Algolia's maximum
DEFAULT_MAX_PAGES = 10
THREAD_PREFIX = "Ask HN: Who is hiring?"
ITEM_URL = "https://news.ycombinator.com/item?id={id}"
_MONTHS = ("january february march april may june july august september october november december").split()
_TOKEN = re.compile(r"^whoishiring(?:-(\d{4})-(\d{2}))?$")

_ROLE = re.compile(
    r"\b(engineers?|engineering manager|developers?|devs?|scientists?|designers?|managers?|leads?|head of|"
    r"directors?|analysts?|researchers?|architects?|sres?|devops|administrators?|sysadmins?|consultants?|"
    r"specialists?|recruiters?|technicians?|writers?|editors?|cto|vp|coordinators?|representatives?|"
    r"operators?|advocates?|officers?|roles|positions|programmers?|marketers?|executives?|accountants?|"
    r"counsel|generalists?|strategists?|product owners?|pms?|tpms?|sdets?|qa|it support|hackers?|"
    r"founding \w+|physicists?|mathematicians?|quants?|traders?|nurses?|physicians?|clinicians?)\b",
    re.I,
)
_EMPLOYMENT = [
    (re.compile(r"\bfull[\s-]?time\b|\bfte\b|\bpermanent\b", re.I), "Full-time"),
    (re.compile(r"\bpart[\s-]?time\b", re.I), "Part-time"),
    (re.compile(r"\bcontract(or|ors|-to-hire)?\b|\b1099\b", re.I), "Contract"),
    (re.compile(r"\bfreelance(r|rs)?\b", re.I), "Freelance"),
    (re.compile(r"\bintern(s|ship|ships)?\b", re.I), "Internship"),
]
_SALARY = re.compile(
    r"[$€£¥₹]\s?\d|\d\s?[$€£]|\b\d+(?:[.,]\d+)?\s?[kK]\b|\b(?:usd|eur|gbp|cad|aud|chf|sgd)\b|"
    r"\bsalary\b|\bequity\b|\bote\b|\bcompensation\b|\b\d{2,3},\d{3}\b",
    re.I,
)
_PAY_WORD = re.compile(r"\b(salary|salaries|compensation|pay|ote)\b", re.I)
_VISA = re.compile(r"\bvisa\b|\bsponsor", re.I)
_REMOTE = re.compile(r"\bremote(ly)?\b|\bwfh\b|\bwork from (home|anywhere)\b|\bdistributed\b", re.I)
_NOT_REMOTE = re.compile(r"\b(no|not|non)[\s-]remote\b", re.I)
_HYBRID = re.compile(r"\bhybrid\b", re.I)
_ONSITE = re.compile(r"\bon[\s-]?site\b|\bin[\s-](office|person)\b|\bonsite\b", re.I)
_DOMAIN = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", re.I)
_URL_IN_TEXT = re.compile(r"\(?\s*(?:https?://|www\.)\S+\s*\)?|\(\s*[\w-]+(?:\.[\w-]+)+\s*\)")
_APPLY_HINT = re.compile(r"apply|career|jobs?\b|/job|greenhouse|lever\.co|ashbyhq|workable|recruitee|"
                         r"smartrecruiters|breezy|wellfound|workatastartup|forms?\b|typeform", re.I)
_SPLIT_ROLES = re.compile(r"\s+\+\s+|\s*,\s*(?:and\s+|&\s+)?|\s+&\s+|\s+and\s+|\s*;\s*")



def _max_pages(source) -> int | None:
    return positive_option(source, "max_pages", DEFAULT_MAX_PAGES)


def pick_thread(hits: list[dict[str, Any]], year: int | None = None, month: int | None = None) -> dict | None:
    """The newest "Who is hiring?" story, or the one of ``year``-``month``."""
    threads = [h for h in hits if isinstance(h, dict) and str(h.get("title") or "").startswith(THREAD_PREFIX)]
    threads.sort(key=lambda h: h.get("created_at_i") or 0, reverse=True)
    if year is None:
        return threads[0] if threads else None
    label = f"({_MONTHS[month - 1]} {year})"
    for h in threads:
        if label in str(h.get("title")).lower():
            return h
    return None


class HackerNewsAdapter(Adapter):
    family = "hn"
    default_base_url = "https://hn.algolia.com"
    id_field = "objectID"

    def stories_url(self, source) -> str:
        query = urlencode({"tags": "story,author_whoishiring", "hitsPerPage": 20})
        return f"{source.base_url}/api/v1/search_by_date?{query}"

    def comments_url(self, source, story_id: Any, page: int) -> str:
        query = urlencode({"tags": f"comment,story_{story_id}", "hitsPerPage": HITS_PER_PAGE, "page": page})
        return f"{source.base_url}/api/v1/search?{query}"

    def board_url(self, source, board) -> str:
        return self.stories_url(source)

    def fetch(self, client, source, board, conditional=None) -> list[FetchPlan]:
        from jobmarket.sources.http import FetchResult

        m = _TOKEN.match(board.token)
        max_pages = _max_pages(source)
        why = None
        if not m or (m.group(2) and not 1 <= int(m.group(2)) <= 12):
            why = f"board token {board.token!r} must be 'whoishiring' or 'whoishiring-YYYY-MM'"
        elif max_pages is None:
            why = "options.max_pages must be a positive integer"
        if why:
            return [FetchPlan(name="stories", result=FetchResult(url=self.stories_url(source), error=why), kind="other")]
        year, month = (int(m.group(1)), int(m.group(2))) if m.group(1) else (None, None)
        stories = client.get(self.stories_url(source), source=source)
        plans = [FetchPlan(name="stories", result=stories, kind="other")]
        if not stories.ok:
            return plans
        try:
            hits = json.loads(stories.body)["hits"]
            thread = pick_thread(hits, year, month)
        except (ValueError, KeyError, TypeError) as exc:
            stories.error = f"not an Algolia story search ({type(exc).__name__}: {exc})"
            return plans
        if thread is None or not thread.get("objectID"):
            wanted = f"{year}-{month:02d}" if year else "the newest month"
            stories.error = f"no '{THREAD_PREFIX}' story by whoishiring found for {wanted}"
            return plans
        story_id = thread["objectID"]
        plans[0].meta = {"story_id": story_id, "title": thread.get("title")}
        page, fetched = 0, 0
        while True:
            result = client.get(self.comments_url(source, story_id, page), source=source)
            plans.append(FetchPlan(name=f"comments-{page + 1:04d}", result=result, kind="list",
                                   meta={"story_id": story_id, "page": page}))
            if not result.ok:
                return plans
            try:
                data = json.loads(result.body)
                fetched += len(data["hits"])
                nb_pages = int(data.get("nbPages") or 0)
            except (ValueError, KeyError, TypeError) as exc:
                result.error = f"not an Algolia comment search ({type(exc).__name__}: {exc}); cannot page"
                return plans
            page += 1
            if page >= nb_pages or not data["hits"]:
                nb_hits = data.get("nbHits")
                if data.get("exhaustiveNbHits") is True and isinstance(nb_hits, int) and nb_hits > fetched:
                    result.error = f"Algolia reports {nb_hits} comments but served {fetched}; refusing a partial thread"
                return plans
            if page >= max_pages:
                result.error = f"options.max_pages={max_pages} reached with {nb_pages} pages; refusing a partial thread"
                return plans

    def parse_records(self, body: bytes | str, ctx: BoardContext) -> Parsed:
        data = load_json(body, ctx)
        hits = require(data, "hits", ctx, where="response")
        if not isinstance(hits, list):
            raise ParseError(f"{ctx.family}/{ctx.board}: 'hits' is {type(hits).__name__}, expected a list")
        out = Parsed()
        for hit in hits:
            if isinstance(hit, dict) and hit.get("comment_text") in (None, "") and "comment_text" in hit:
                continue  # a deleted comment
            out.extend(self.one(hit, ctx, build=_post))
        schema_changed(out, len(hits), ctx)
        return out


def _header(soup) -> tuple[str, list]:
    """The first line of a post and the links in it."""
    from bs4 import NavigableString, Tag

    parts: list[str] = []
    links: list = []
    for node in soup.contents:
        if isinstance(node, Tag) and node.name in ("p", "pre"):
            break
        if isinstance(node, NavigableString):
            text = str(node)
            if "\n" in text:
                parts.append(text.split("\n", 1)[0])
                break
            parts.append(text)
        elif isinstance(node, Tag):
            if node.name == "a":
                links.append(node)
            links.extend(node.find_all("a"))
            parts.append(node.get_text())
    return " ".join("".join(parts).split()), links


def _classify(segment: str) -> str:
    if _DOMAIN.match(segment):
        return "url"
    if len(segment) > 120:
        return "other"
    if _VISA.search(segment) and not _ROLE.search(_VISA.sub("", segment)):
        return "visa"
    if _SALARY.search(segment) and (not _ROLE.search(segment) or _PAY_WORD.search(segment)):
        return "salary"
    if _ROLE.search(segment) and len(segment.split()) <= 14:
        return "role"
    if any(rx.search(segment) for rx, _ in _EMPLOYMENT):
        return "employment"
    return "location"


def _split_roles(segment: str) -> list[str]:
    """``A + B`` / ``A, B & C`` into roles, but only when every part is a role
    (``AI / Systems Engineer`` and ``Backend (Go, Rust)`` stay whole)."""
    masked = re.sub(r"\([^)]*\)", lambda m: "\0" * len(m.group()), segment)
    pieces, start = [], 0
    for m in _SPLIT_ROLES.finditer(masked):
        pieces.append(segment[start:m.start()])
        start = m.end()
    pieces.append(segment[start:])
    pieces = [p.strip(" -–—:") for p in pieces if p.strip(" -–—:")]
    if len(pieces) > 1 and all(_ROLE.search(p) for p in pieces):
        return pieces
    return [segment]


def _company(segment: str) -> str | None:
    text = _URL_IN_TEXT.sub(" ", segment)
    text = re.split(r"\s+[-–—]\s+|\s+is hiring\b", text, maxsplit=1)[0]
    text = re.sub(r"^\s*at\s+", "", text, flags=re.I)
    return clean(text.strip(" ,:|-"))


def _employment(text: str) -> str | None:
    for rx, label in _EMPLOYMENT:
        if rx.search(text):
            return label
    return None


def _apply_url(links: list) -> str | None:
    hrefs = [(a.get("href") or "", a.get_text() or "") for a in links if (a.get("href") or "").startswith("http")]
    for href, text in hrefs:
        if _APPLY_HINT.search(href) or _APPLY_HINT.search(text):
            return href
    return hrefs[0][0] if hrefs else None


_LABEL = re.compile(r"^\s*(company|role|roles|position|positions|title|job title|location|locations|salary|"
                    r"compensation|pay|type|remote|onsite|on-site)\s*:\s*(.+)$", re.I)
_BULLET = re.compile(r"^\s*[-*\u2022]\s*(.{3,120}?)\s*[:\-\u2013\u2014]?\s*$")
_DASHES = re.compile(r"\s+[\u2014\u2013-]\s+")


def _labelled(text: str) -> dict[str, str]:
    """``COMPANY: X`` / ``ROLE: Y`` / ``LOCATION: Z`` lines, another common post layout."""
    out: dict[str, str] = {}
    for line in text.split("\n")[:30]:
        m = _LABEL.match(line)
        if m:
            key = m.group(1).lower()
            key = {"roles": "role", "position": "role", "positions": "role", "title": "role", "job title": "role",
                   "locations": "location", "compensation": "salary", "pay": "salary", "on-site": "onsite"}.get(key, key)
            out.setdefault(key, clean(m.group(2)) or "")
    return out


def _bullet_roles(root) -> list[tuple[str, str]]:
    """``- Role title: <a href=...>`` lines: a post listing each role with its own link."""
    roles = []
    for a in root.find_all("a"):
        href = a.get("href") or ""
        before = []
        for sib in a.previous_siblings:
            if getattr(sib, "name", None) in ("p", "br"):
                break
            text = sib.get_text() if hasattr(sib, "get_text") else str(sib)
            if "\n" in text:
                before.append(text.rsplit("\n", 1)[-1])
                break
            before.append(text)
        line = "".join(reversed(before))
        m = _BULLET.match(line)
        if not m or not href.startswith("http"):
            continue
        # "Role - $150k + bonus": keep the role, drop the pay part.
        unpaid = re.sub(r"\s*\([^)]*\)", lambda g: "" if _SALARY.search(g.group()) else g.group(), m.group(1))
        parts = [p for p in _DASHES.split(unpaid) if not _SALARY.search(p)]
        title = " - ".join(parts).strip(" :-\u2013\u2014")
        bare = re.sub(r"\([^)]*\)", "", title)
        # A role line is short, capitalised and names a role; prose bullets are not.
        if (_ROLE.search(bare) and not _SALARY.search(bare) and len(bare.split()) <= 12
                and title[:1].isupper()):
            roles.append((title, href))
    return roles


def _post(hit: dict[str, Any], ctx: BoardContext) -> list[dict[str, Any]]:
    for key in ("objectID", "parent_id", "story_id", "comment_text"):
        require(hit, key, ctx, where="comment")
    if not isinstance(hit["objectID"], str | int) or isinstance(hit["objectID"], bool):
        raise RecordRejected("objectID:type", {"objectID": hit["objectID"]})
    if not isinstance(hit["comment_text"], str):
        raise RecordRejected("comment_text:type", {"comment_text": hit["comment_text"]})
    if hit["parent_id"] != hit["story_id"] or not clean(hit["comment_text"]):
        return []  # replies and blank comments are not job posts
    return parse_post(hit, ctx)


def parse_post(hit: dict[str, Any], ctx: BoardContext) -> list[dict[str, Any]]:
    """One top-level comment to one posting per role it names."""
    from bs4 import BeautifulSoup

    comment_id = str(hit["objectID"])
    html = hit["comment_text"]
    soup = BeautifulSoup(html, "lxml")
    root = soup.body or soup
    header, _ = _header(root)
    # HN leaves the first paragraph bare before the first <p>: keep them apart.
    description = html_to_text(html.replace("<p>", "\n<p>")) or ""
    segments = [s.strip() for s in header.split("|")]
    if len(segments) < 2:
        dashed = [s.strip() for s in _DASHES.split(header)]
        segments = dashed if len(dashed) >= 2 and any(_ROLE.search(s) for s in dashed[1:]) else []
    segments = [s for s in segments if s]

    company = None
    roles: list[tuple[str, str | None]] = []
    locations: list[str] = []
    employment = None
    salary = None
    if segments:
        first, rest = segments[0], segments[1:]
        kinds = [_classify(seg) for seg in rest]
        at = re.match(r"^(.*\S)\s+(?:at|@)\s+(.+)$", first)
        if _ROLE.search(first) and at and not _ROLE.search(at.group(2)):
            roles.append((at.group(1), None))
            company = _company(at.group(2))
        elif _ROLE.search(first) and len(first) <= 120 and "role" not in kinds:
            roles.extend((r, None) for r in _split_roles(first))  # "Senior X Engineer | Remote | ..."
        else:
            company = _company(first)
        for seg, kind in zip(rest, kinds, strict=True):
            if kind == "role":
                seg = re.sub(r"^(?:we'?re\s+)?hiring:?\s+", "", seg, flags=re.I)
                roles.extend((r, None) for r in _split_roles(seg))
            elif kind == "location":
                locations.append(seg)
            elif kind == "salary" and salary is None:
                salary = seg
            if kind in ("role", "employment", "location") and employment is None:
                employment = _employment(seg)
    else:
        at = re.match(r"^at\s+([^\s(,]+(?:\s+[A-Z][\w.-]*)*)", header, flags=re.I)
        if at:
            company = clean(at.group(1))
    labels = _labelled(description)
    company = company or labels.get("company")
    if not roles and labels.get("role"):
        roles = [(r, None) for r in _split_roles(labels["role"])]
    if not roles:
        roles = [(t, u) for t, u in _bullet_roles(root)]
    if not locations and labels.get("location"):
        locations = [labels["location"]]
    salary = salary or labels.get("salary")
    employment = employment or _employment(labels.get("type") or "")

    flags = " ".join([header, labels.get("location", ""), labels.get("remote", ""), labels.get("onsite", "")])
    remote, workplace_type = None, None
    if _REMOTE.search(flags) and not _NOT_REMOTE.search(flags):
        workplace_type, remote = "remote", True
    elif _HYBRID.search(flags):
        workplace_type, remote = "hybrid", False
    elif _ONSITE.search(flags) or _NOT_REMOTE.search(flags):
        workplace_type, remote = "onsite", False

    if not roles:
        roles = [(header[:200] or description[:200], None)]
    url = _apply_url(root.find_all("a")) or ITEM_URL.format(id=comment_id)
    common = {
        "company": company,
        "location": clean("; ".join(locations)) if locations else None,
        "remote": remote,
        "workplace_type": workplace_type,
        "employment_type": employment,
        "posted_at": to_utc(hit.get("created_at_i")) or to_utc(hit.get("created_at")),
        "updated_at": to_utc(hit.get("updated_at")),
        "description": description or None,
        "salary_text": clean(salary),
    }
    if len(roles) == 1:
        title, role_url = roles[0]
        return [posting(ctx, comment_id, title=title, url=role_url or url, **common)]
    return [
        posting(ctx, f"{comment_id}-{n}", title=title, url=role_url or url, **common)
        for n, (title, role_url) in enumerate(roles, start=1)
    ]
