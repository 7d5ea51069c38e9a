"""Hacker News "Ask HN: Who is hiring?" threads, through the HN Algolia API.

1. ``GET {base}/api/v1/search_by_date?tags=story,author_whoishiring&hitsPerPage=20``
   lists the monthly threads of the ``whoishiring`` account (landed as kind
   ``other``: it names the thread, it holds no postings).
2. ``GET {base}/api/v1/search?tags=comment,story_{id}&hitsPerPage=1000&page=N``
   returns the thread's comments; pages are read until ``nbPages``.

Board tokens: ``whoishiring`` reads the newest thread; ``whoishiring-YYYY-MM``
reads the thread of that month (failing the board if it is not among the
listed stories).

Only top-level comments (``parent_id == story_id``) can be job posts, and
only those that read as one (:func:`is_job_ad`): a header of ``|`` or ``;``
separated fields, or hiring words ("is hiring", "we're looking for", "join
us", "apply"), and not a job seeker's "Who wants to be hired?" layout
(RESUME / WILLING TO RELOCATE), a "not hiring" note, a thank-you or other meta
comment, or a flagged/deleted one. The first
line of a post is, by the thread's own rules, ``Company | Role | Location |
REMOTE/ONSITE | Salary | URL`` in any order; it is read segment by segment.
A post naming several roles (``A + B``, ``A, B & C``) becomes one posting per
role (native id ``<comment id>-<n>``); a post whose first line names no role
keeps that line as its title. ``company`` is read from the post (the header's
first field, "Role at Company", "Acme is hiring", "COMPANY:" lines, "Acme is
a ..." / "join Acme" in the text, else the domain of its first non-ATS link),
never the board token: a job ad naming no company is rejected
(``company:not_named``, quarantined). ``url`` is the comment's own page
``https://news.ycombinator.com/item?id=<comment id>`` (where the posting is
published); ``apply_url`` the post's apply link (a link whose text or target
mentions apply/careers/jobs, else the first link; a role's own link for posts
listing roles), null when the post has none. The description is the whole
comment as text.

Saved HTML pages of a thread parse too (:mod:`jobmarket.sources.hn_html`).
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
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
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
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
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
        from jobmarket.sources.hn_html import html_hits, looks_like_html

        data = {"hits": html_hits(body)} if looks_like_html(body) else load_json(body, ctx)
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
    text = re.split(r"\s+[-–—]\s+|\s+(?:is|are) hiring\b", text, maxsplit=1)[0]
    text = re.sub(r"^\s*(?:at|hey hn[!,.:]*|hi hn[!,.:]*)\s+", "", text, flags=re.I)
    text = re.sub(r"\s*[(\[](?:YC|Y Combinator)\b[^)\]]*(?:[)\]]|$)", "", text)  # "telli (YC F24)"
    text = _MULTI.sub("", text)
    text = re.sub(r"(?:\s*(?:\([^)]*\)|\[[^\]]*\]))+\s*$", "", text)  # "Apigee (Palo Alto, REMOTE)"
    return clean(text.strip(" ,:|-[]*"))


_PLACE = re.compile(
    r"\b(?:san francisco|sf|bay area|silicon valley|new york|nyc|brooklyn|manhattan|london|boston|berlin|seattle|"
    r"toronto|austin|los angeles|la|chicago|paris|amsterdam|munich|vienna|zurich|dublin|remote|onsite|europe|"
    r"usa?|uk|canada|palo alto|mountain view|san jose|san diego|denver|portland|atlanta|washington|dc|"
    r"tel aviv|singapore|sydney|bangalore|india|germany|worldwide|anywhere|sweden|stockholm|netherlands|spain|"
    r"france|japan|tokyo|china|israel|australia|switzerland|austria|poland|portugal|lisbon|barcelona|madrid|"
    r"emea|apac|latam|americas|hybrid|in[- ]office|relocation|visa|h1b|intern(?:s|ship)?|norway|oslo|denmark|"
    r"copenhagen|finland|helsinki|estonia|ireland|italy|milan|belgium|brussels|mexico|brazil|argentina|"
    r"korea|seoul|vietnam|philippines|indonesia|nigeria|kenya|egypt|uae|dubai|pakistan|miami|ny|ca|"
    r"cambridge|oakland|berkeley|santa monica|irvine|pittsburgh|philadelphia|baltimore|raleigh|durham|"
    r"montreal|vancouver|ottawa|waterloo|melbourne|auckland|hong kong|shanghai|beijing|taipei|bengaluru)\b|^[A-Z][a-z]+(?: [A-Z][a-z]+)*,\s?[A-Z]{2}\b",
    re.I)
_GLUE = {"the", "and", "or", "of", "in", "based", "area", "city", "greater", "only", "ok", "preferred", "office"}


def _is_place(text: str) -> bool:
    """Whether a header field names only places or work modes ("Bangalore,
    India", "San Francisco, CA", "REMOTE (EU)"), not a company ("The New York Times")."""
    if not _PLACE.search(text):
        return False
    rest = re.sub(r"[\W\d_]+", " ", _PLACE.sub(" ", text)).split()
    return all(w.lower() in _GLUE or (len(w) <= 2 and w.isupper()) for w in rest)


_LEAD_SPLIT = re.compile(r"\s+[-–—/]\s+|\s*[|;]\s*")
_SUFFIX = re.compile(r",\s*(?:inc|llc|ltd|gmbh|co|corp|s\.?a|b\.?v|ab|oy)\b\.?", re.I)


def _lead_name(header: str) -> str | None:
    """The company leading a short header without pipes ("MemSQL (YC11) -
    San Francisco, CA - Onsite", "Cielo24, Santa Barbara, California."),
    or following a leading place ("San Francisco - Grand Rounds - Full time")."""
    if not header or len(header) > 150:
        return None
    if _LABEL.match(header):
        return None  # "COMPANY: X" lines are read as labels
    for part in [p for p in _LEAD_SPLIT.split(header) if p.strip()][:2]:
        name = _company(part) or ""
        if _is_place(name):
            continue
        if "," in name and not _SUFFIX.search(name):
            name = name.split(",", 1)[0].strip()
        if (name and len(name.split()) <= 5 and not _is_place(name) and not _ROLE.search(name)
                and not _employment(name) and not _SALARY.search(name) and name[:1].isalnum()):
            return name
    return None


_MULTI = re.compile(r"\s+(?:multiple|various|several|many|open)\s+(?:roles|positions|openings)\b.*$", re.I)
_IS_HIRING = re.compile(r"^(?:(?:hey|hi|hello)\s+hn[!,.:]*\s+)?(.{2,80}?)(?:\s+in\s+[^,]{2,40}(?:,\s*[\w ]{2,30})?)?"
                        r"\s+(?:is|are)\s+(?:now\s+|currently\s+)?(?:hiring|looking)\b", re.I)
_NAME = r"[A-Z][\w.&'’-]*(?:\s+(?:[A-Z][\w.&'’-]*|AI|of|and|&)){0,3}"
_IS_A = re.compile(r"(?:^|\n|\.\s)\s*(" + _NAME + r")(?:\s*\([^)]{1,60}\))?,?\s+(?:is|are)\s+"
                   r"(?:a|an|the|one|building|on|hiring|looking|revolutionizing|rebuilding|creating|developing)\b")
_JOIN = re.compile(r"\bjoin\s+(?!us\b|our\b|the\b|a\b|an\b|me\b)(" + _NAME + r")")
_ATS_HOSTS = re.compile(r"greenhouse|lever\.co|ashbyhq|workable|recruitee|smartrecruiters|breezy|wellfound|"
                        r"workatastartup|linkedin|deel\.com|rippling|bamboohr|teamtailor|personio|pinpointhq|"
                        r"myworkdayjobs|google\.com|forms\.|typeform|notion\.|calendly|cal\.com|github\.com|"
                        r"ycombinator\.com|docs\.|jobs\.|careers\.", re.I)
_NOT_NAMES = {"we", "our", "the", "this", "it", "you", "they", "he", "she", "i", "company", "team", "role",
              "position", "job", "product", "platform", "what", "who", "everyone", "here", "there"}


def _company_in_text(text: str, links: list) -> str | None:
    """A company named in the post's prose, else the site its first own link points to."""
    head = text[:2000]
    for rx in (_IS_A, _JOIN):
        for m in rx.finditer(head):
            name = clean(m.group(1).strip(" .,'’"))
            if name and name.split()[0].lower() not in _NOT_NAMES and not _ROLE.search(name):
                return name
    from urllib.parse import urlsplit

    for a in links:
        host = (urlsplit(a.get("href") or "").hostname or "").lower()
        if host and not _ATS_HOSTS.search(host) and "." in host:
            return host.removeprefix("www.")
    return None


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
    if not is_job_ad(hit["comment_text"]):
        return []
    return parse_post(hit, ctx)


_HIRING = re.compile(r"\b(?:is|are|we'?re|we are|now|currently|actively)\s+hiring\b|\bhiring\s*(?::|for\b)|"
                     r"\b(?:we'?re|we are|is|are)\s+(?:\w+\s+){0,2}looking\s+(?:for|to\s+hire)\b|"
                     r"\bjoin\s+(?:us|our)\b|\b(?:open|new)\s+(?:roles?|positions?)\b|\b(?:roles?|positions?)\s+(?:open|available)\b|"
                     r"\ball\s+(?:positions|roles)\b|\bapply\b|\bopenings?\b", re.I)
_SEEKER = re.compile(r"\bwilling to relocate\b|^\s*(?:resume|cv)\s*:|\b(?:i'?m|i am)\s+(?:currently\s+)?"
                     r"(?:looking|searching|seeking)\s+(?:for\s+)?(?:a\s+)?(?:new\s+)?(?:job|work|role|position|"
                     r"opportunit)", re.I | re.M)
_NOT_AD = re.compile(r"^\s*(?:\[(?:flagged|dead|deleted)\]|not hiring\b|thank(?:s| you)\b)", re.I)


def is_job_ad(html: str) -> bool:
    """Whether a top-level comment reads as a job ad (see the module doc)."""
    text = (html_to_text(html.replace("<p>", "\n<p>")) or "").replace("\u2019", "'")
    if _NOT_AD.search(text) or _SEEKER.search(text):
        return False
    first = text.split("\n", 1)[0]
    if len([s for s in re.split(r"\s[|;]\s?|;\s", first) if s.strip()]) >= 2:
        return True
    return bool(_HIRING.search(text) or _labelled(text).get("company"))


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
    if len(segments) < 2 and ";" in header:  # "Krea; Fulltime; Onsite ..."
        segments = [s.strip() for s in header.split(";")]
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
        elif _MULTI.search(first):  # "Rad AI Multiple roles | ..."
            company = _company(first)
        elif _ROLE.search(first) and len(first) <= 120 and "role" not in kinds:
            roles.extend((r, None) for r in _split_roles(first))  # "Senior X Engineer | Remote | ..."
        else:
            company = _company(first)
        if company and _is_place(company):
            company = None  # "Stockholm, Sweden | ...": the thread once asked posts to lead with the place
        if not company:  # "Software Engineer | True Link Financial | San Francisco, CA"
            company = next((_company(seg) for seg, kind in zip(rest, kinds, strict=True)
                            if kind == "location" and not _is_place(seg) and len(seg.split()) <= 5
                            and not _URL_IN_TEXT.search(seg)), None)
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
        hiring = _IS_HIRING.match(header)
        if at:
            company = clean(at.group(1))
        elif hiring:
            company = _company(hiring.group(1))
        else:
            company = _lead_name(header)
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
    links = root.find_all("a")
    company = company or _company_in_text(description, links)
    if not company or company.lower() in ("whoishiring", ctx.board.lower()):
        raise RecordRejected("company:not_named", {"header": header[:200]})
    url = ITEM_URL.format(id=comment_id)
    apply_url = _apply_url(links)
    common = {
        "url": url,
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
        return [posting(ctx, comment_id, title=title, apply_url=role_url or apply_url, **common)]
    return [
        posting(ctx, f"{comment_id}-{n}", title=title, apply_url=role_url or apply_url, **common)
        for n, (title, role_url) in enumerate(roles, start=1)
    ]
