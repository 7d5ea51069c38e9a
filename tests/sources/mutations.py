"""Mutations of the real recordings, as a board might one day send them (issue #18).

Each case is one real recording of ../shared/fixtures/boards and where its
posting objects sit. A mutation changes one value: deleted, null, another
type, a 1 MB string, control characters, an object where a string was,
invalid Unicode (a lone surrogate, or bytes that are not UTF-8), or the body
cut short. Most land inside a posting (``scope == "posting"``); the others hit
the response around the postings (``scope == "response"``), which may fail
the board but never with a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from tests.support import BOARDS

BIG = 1_000_000
OTHER_TYPES: tuple[Any, ...] = (0, -1, 1.5, True, False, "", "x", [], [1, "a", None], {}, 10**30)
CONTROL = "\x00\x01\x08\x0b\x1b\x7f\x85\x9f"
AN_OBJECT = {"label": "x", "nested": {"a": [1, None]}}
KINDS = ("delete", "null", "type", "big", "control", "object", "surrogate", "bad_utf8", "deep")
_BAD_UTF8_MARK = "\ue000BADUTF8\ue000"
# A value nested DEPTH levels deep, ending in a control character (so the
# parse scrubs it, recursing once a level): 600 levels decode but cannot be
# scrubbed; 100,000 cannot be decoded, so the whole response is bad. The
# value stands in the document as a mark that the body's text replaces.
DEPTHS = (600, 100_000)
UNDECODABLE = 100_000


def _deep_mark(depth: int) -> str:
    return f"\ue000DEEP{depth}\ue000"


def _with_deep(text: str, mutation: Mutation) -> str:
    """The document's text with a deep mark replaced by its nested value;
    a value too deep to decode makes the mutation one of the whole body."""
    for depth in DEPTHS:
        mark = json.dumps(_deep_mark(depth))
        if mark in text:
            text = text.replace(mark, "[" * depth + '"\\u0000"' + "]" * depth)
            if depth >= UNDECODABLE:
                mutation.scope = "body"
    return text


@dataclass(frozen=True)
class Case:
    family: str
    file: str
    # paths (tuples of keys/indices) of the posting objects inside the document
    postings: Callable[[Any], list[tuple]]
    prepare: Callable[[Any], Any] = lambda doc: doc
    # a posting object the family leaves out on purpose (unlisted, unpublished)
    skip: Callable[[Any], bool] = lambda obj: False

    def expected(self, doc: Any) -> int:
        """How many postings the (mutated) document holds, by the family's own rules."""
        return sum(1 for p in self.postings(doc) if not self.skip(get(doc, p)))

    @property
    def id(self) -> str:
        return f"{self.family}:{self.file.split('/')[-1]}"

    def document(self) -> Any:
        return self.prepare(json.loads((BOARDS / self.file).read_text()))


def _under(key: str) -> Callable[[Any], list[tuple]]:
    def paths(doc):
        items = doc.get(key) if isinstance(doc, dict) else None
        return [(key, i) for i in range(len(items))] if isinstance(items, list) else []
    return paths


def _top_list(doc):
    return [(i,) for i in range(len(doc))] if isinstance(doc, list) else []


def _remoteok(doc):
    return [(i,) for i, j in enumerate(doc) if not (isinstance(j, dict) and "legal" in j and "id" not in j)]


def _anthropic(doc):
    doc["jobs"] = doc["jobs"][:25]
    doc["meta"]["total"] = 25
    return doc


def _hn(doc):
    doc["hits"] = doc["hits"][:25]
    return doc


def _unlisted(obj) -> bool:
    return isinstance(obj, dict) and obj.get("isListed") is False


def _unpublished(obj) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("status"), str) and obj["status"] != "published"


def jobpostings(doc: Any) -> int:
    """JobPosting objects anywhere in a JSON-LD document."""
    if isinstance(doc, list):
        return sum(jobpostings(v) for v in doc)
    if not isinstance(doc, dict):
        return 0
    kind = doc.get("@type")
    own = kind == "JobPosting" or (isinstance(kind, list) and "JobPosting" in kind)
    return int(own) + sum(jobpostings(v) for v in doc.values())


def _top_level_comments(doc):
    hits = doc.get("hits") if isinstance(doc, dict) else None
    if not isinstance(hits, list):
        return []
    return [("hits", i) for i, h in enumerate(hits)
            if isinstance(h, dict) and h.get("parent_id") == h.get("story_id") and h.get("comment_text")]


CASES: tuple[Case, ...] = (
    Case("greenhouse", "greenhouse/gitlab_jobs_content_subset3.json", _under("jobs")),
    Case("greenhouse", "greenhouse/anthropic_jobs_list.json", _under("jobs"), _anthropic),
    Case("greenhouse", "greenhouse/stripe_job_8026689_single.json", lambda doc: [()]),
    Case("lever", "lever/plaid_postings_first20.json", _top_list, lambda d: d[:8]),
    Case("ashby", "ashby/cursor_job_board.json", _under("jobs"), lambda d: {**d, "jobs": d["jobs"][:15]},
         _unlisted),
    Case("ashby", "ashby/ramp_board_subset1_internradar.json", _under("jobs"), skip=_unlisted),
    Case("ashby", "ashby/notion_board_subset3_breteai.json", _under("jobs"), skip=_unlisted),
    Case("smartrecruiters", "smartrecruiters/westerndigital_posting_detail.json", lambda doc: [()]),
    Case("smartrecruiters", "smartrecruiters/postings_list_3.json", _under("content")),
    Case("workable", "workable/apply_v3_jobs_subset3_TRIMMED.json", _under("results")),
    Case("recruitee", "recruitee/channable_offers_trimmed.json", _under("offers"), skip=_unpublished),
    Case("remoteok", "remoteok/api_subset_breteai.json", _remoteok),
    Case("remoteok", "remoteok/api_full_2026-05-16.json", _remoteok, lambda d: d[:12]),
    Case("remotive", "remotive/remote_jobs_subset3_breteai.json", _under("jobs")),
    Case("remotive", "remotive/remote_jobs_filtered_18_2026-05.json", _under("jobs"),
         lambda d: {**d, "jobs": d["jobs"][:8], "job-count": 8}),
    Case("arbeitnow", "arbeitnow/job_board_api_subset3_breteai.json", _under("data")),
    Case("himalayas", "other/himalayas_jobs_api_page1_2026-05.json", _under("jobs"),
         lambda d: {**d, "jobs": d["jobs"][:8]}),
    Case("hn", "hn/algolia_search_comments_story_47975571_may2026.json", _top_level_comments, _hn),
    Case("workday", "workday/hitachi_cxs_jobs_list_page1.json", _under("jobPostings"),
         lambda d: {**d, "jobPostings": d["jobPostings"][:8]}),
    Case("workday", "workday/accenture_cxs_job_detail.json", lambda doc: [()]),
    Case("teamtailor", "teamtailor/upcloud_jobs_json_feed.json", _under("items")),
    Case("bamboohr", "bamboohr/holisticai_list_plus_detail_COMPOSITE.json", _under("result"),
         lambda d: {**d, "result": d["result"][:6], "meta": {"totalCount": 6}}),
    Case("pinpoint", "pinpoint/aawdc_postings.json", _under("data")),
    Case("rippling", "rippling/11fs_board_jobs.json", _top_list),
    Case("eightfold", "eightfold/fcx_apply_v2_jobs.json", _under("positions")),
)
FAMILIES = tuple(dict.fromkeys(c.family for c in CASES)) + ("jsonld",)


def all_paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path below ``obj`` (not ``obj`` itself)."""
    out: list[tuple] = []
    stack = [(obj, prefix)]
    while stack:
        node, path = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            out.append((*path, k))
            stack.append((v, (*path, k)))
    out.sort(key=lambda p: [str(x) for x in p])
    return out


def get(doc: Any, path: tuple) -> Any:
    for k in path:
        doc = doc[k]
    return doc


@dataclass
class Mutation:
    kind: str
    path: tuple
    scope: str  # posting | response | body
    posting: tuple | None = None  # the posting object's path, for scope posting

    def __str__(self) -> str:
        return f"{self.kind} at {'/'.join(map(str, self.path)) or '<root>'} ({self.scope})"


def _value(kind: str, old: Any, draw) -> Any:
    if kind == "null":
        return None
    if kind == "type":
        return draw(st.sampled_from([v for v in OTHER_TYPES if type(v) is not type(old)]))
    if kind == "big":
        return draw(st.sampled_from(["x" * BIG, "<p>" + "word " * (BIG // 5) + "</p>", "&lt;p&gt;" * (BIG // 9)]))
    if kind == "control":
        base = old if isinstance(old, str) else "text"
        at = draw(st.integers(0, len(base)))
        return base[:at] + draw(st.text(alphabet=CONTROL, min_size=1, max_size=4)) + base[at:]
    if kind == "object":
        return draw(st.sampled_from([AN_OBJECT, [AN_OBJECT], {"@value": None}]))
    if kind == "surrogate":
        base = old if isinstance(old, str) else "text"
        at = draw(st.integers(0, len(base)))
        return base[:at] + draw(st.sampled_from(["\ud800", "\udfff", "\udc80x"])) + base[at:]
    if kind == "bad_utf8":
        return (old if isinstance(old, str) else "text") + _BAD_UTF8_MARK
    if kind == "deep":
        return _deep_mark(draw(st.sampled_from(DEPTHS)))
    raise ValueError(kind)


@st.composite
def mutated(draw, case: Case) -> tuple[bytes, Mutation, Any]:
    """(body, mutation, document) for one mutation of the case's recording."""
    doc = case.document()
    postings = case.postings(doc)
    if draw(st.integers(0, 19)) == 0:  # the body cut short: a response-level fault
        body = json.dumps(doc).encode()
        cut = draw(st.integers(1, len(body) - 1))
        return body[:cut], Mutation("truncate", (), "body"), None
    in_posting = bool(postings) and draw(st.integers(0, 9)) < 9
    if in_posting:
        where = draw(st.sampled_from(postings))
        candidates = all_paths(get(doc, where), where)
        if draw(st.booleans()):  # the posting's own fields, which the parsers read most
            candidates = [p for p in candidates if len(p) == len(where) + 1]
        if not candidates:
            in_posting = False
    if not in_posting:
        where = None
        inside = set()
        for p in postings:
            inside.add(p)
        candidates = [p for p in all_paths(doc) if not any(p[: len(q)] == q for q in inside)] or [()]
    path = draw(st.sampled_from(candidates))
    kind = draw(st.sampled_from(KINDS))
    if path == ():
        kind = "type"
    if kind == "delete":
        parent = get(doc, path[:-1])
        if isinstance(parent, list) and path[:-1] == ():
            kind = "null"  # a posting removed from the top-level array is not a mutation of it
    mutation = Mutation(kind, path, "posting" if where is not None else "response", where)
    if kind == "delete":
        parent = get(doc, path[:-1])
        del parent[path[-1]]
    elif path == ():
        doc = _value(kind, doc, draw)
    else:
        parent = get(doc, path[:-1])
        parent[path[-1]] = _value(kind, parent[path[-1]], draw)
    text = _with_deep(json.dumps(doc), mutation)
    body = text.encode()
    if _BAD_UTF8_MARK in text or json.dumps(_BAD_UTF8_MARK)[1:-1] in text:
        body = body.replace(json.dumps(_BAD_UTF8_MARK)[1:-1].encode(), b"\xff\xc3(\xed\xa0\x80")
    return body, mutation, doc


# -- JSON-LD pages: the JSON-LD document inside the real page is mutated ---------------

JSONLD_FILES = ("jsonld/hire.rebase.network_jobs_1000.html", "jsonld/icims_sig_job_jsonld_wrapper.html")
_LD = re.compile(r'(<script[^>]*application/ld\+json[^>]*>)(.*?)(</script>)', re.S | re.I)


@st.composite
def mutated_page(draw) -> tuple[bytes, Mutation, Any]:
    page = (BOARDS / draw(st.sampled_from(JSONLD_FILES))).read_text()
    m = _LD.search(page)
    doc = json.loads(m.group(2))
    holder = {"doc": doc}
    path = draw(st.sampled_from(all_paths(holder)))
    kind = draw(st.sampled_from(KINDS))
    if path == ("doc",):
        kind = draw(st.sampled_from(["type", "object", "null"]))
    if kind == "delete":
        del get(holder, path[:-1])[path[-1]]
    else:
        parent = get(holder, path[:-1])
        parent[path[-1]] = _value(kind, parent[path[-1]], draw)
    mutation = Mutation(kind, path, "posting")
    text = _with_deep(json.dumps(holder["doc"]), mutation).replace("</", "<\\/")
    body = (page[: m.start(2)] + text + page[m.end(2):]).encode()
    if json.dumps(_BAD_UTF8_MARK)[1:-1] in text:
        body = body.replace(json.dumps(_BAD_UTF8_MARK)[1:-1].encode(), b"\xff\xc3(")
    return body, mutation, holder["doc"]
