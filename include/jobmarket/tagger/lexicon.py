"""Load the versioned skill taxonomy and archetype lexicon; match them with Aho-Corasick.

Matches must sit on word boundaries ("spark" does not match "sparkling"). The two
one-letter-ish languages, R and Go, are matched by context rules only, so "R&D" and
"go to market" stay silent while "Python or R" and "written in Go" count.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import ahocorasick

DATA_DIR = Path(__file__).resolve().parent / "data"

ARCHETYPES = (
    "data_engineer",
    "analytics",
    "applied_ml",
    "ml_engineer",
    "research",
    "ai_engineer",
    "other",
)


def _load(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text("utf-8"))


def _variants(phrase: str) -> set[str]:
    out = {phrase}
    if "-" in phrase:
        out.add(phrase.replace("-", " "))
    if " " in phrase and len(phrase.split()) <= 3:
        out.add(phrase.replace(" ", "-"))
    for v in list(out):
        if v[-1].isalpha() and not v.endswith("s") and len(v) > 2:
            out.add(v + "s")
    return out


class Matcher:
    """One Aho-Corasick automaton; values are lists of payload tuples."""

    def __init__(self, entries: dict[str, list[tuple]]):
        self.automaton = ahocorasick.Automaton()
        for key, payloads in entries.items():
            # store the key length and which edges need a word-boundary check
            value = (key, len(key) - 1, key[0].isalnum(), key[-1].isalnum(), tuple(payloads))
            self.automaton.add_word(key, value)
        self.automaton.make_automaton()

    def find(self, text: str) -> list[tuple[int, str, tuple]]:
        """(start, key, payloads) for longest, non-overlapping, word-bounded matches."""
        last = len(text) - 1
        out = []
        append = out.append
        for end, (key, span, left, right, payloads) in self.automaton.iter_long(text):
            start = end - span
            if left and start > 0 and text[start - 1].isalnum():
                continue
            if right and end < last and text[end + 1].isalnum():
                continue
            append((start, key, payloads))
        return out


@lru_cache(maxsize=1)
def combined_matcher() -> Matcher:
    """One automaton for archetype phrases, skill aliases and section line marks.

    The tagger scans each body once. Each key carries three payloads: the archetype
    phrases, the skills and the line mark (boilerplate / role cue) it stands for. A key
    that exists for one purpose only also carries what the other matchers would find
    inside it ("apache spark" is a skill alias and holds the phrase "spark"), so the
    longest-match rule of the shared pass loses almost nothing. Line marks are plain
    substrings ("equal opportunit"), matched without word-boundary checks.
    """
    from .text import RESP, ROLE_CUE_PHRASES, ZERO, ZERO_LINE_PHRASES

    phrases = phrase_matcher()
    skills = skill_matcher()
    ph_entries = {k: v[4] for k, v in phrases.automaton.items()}
    sk_entries = {k: v[4] for k, v in skills.automaton.items()}
    line_kind = {p: ZERO for p in ZERO_LINE_PHRASES}
    line_kind.update({p: RESP for p in ROLE_CUE_PHRASES})
    auto = ahocorasick.Automaton()
    for key in sorted(set(ph_entries) | set(sk_entries) | set(line_kind), key=_trie_order):
        ph = ph_entries.get(key)
        if ph is None:
            ph = tuple(p for _s, _k, pl in phrases.find(key) for p in pl)
        sk = sk_entries.get(key)
        if sk is None:
            sk = tuple(p for _s, _k, pl in skills.find(key) for p in pl)
        kind = line_kind.get(key)
        if kind is None:
            kind = next((k for p, k in line_kind.items() if p in key), None)
        if key in ph_entries or key in sk_entries:
            left, right = key[0].isalnum(), key[-1].isalnum()
        else:  # a line mark only: substring semantics
            left = right = False
        # (scan's form of the phrases: ((archetype, name), weight) pairs, and whether one
        # is a research credential, whose archetype depends on the line it is on)
        scan_ph = tuple(((a, name), w) for a, w, name in ph)
        cred = any(a == CREDENTIAL for a, _w, _n in ph)
        auto.add_word(key, (key, len(key) - 1, left, right, (ph, sk, kind), scan_ph, cred))
    auto.make_automaton()
    m = CombinedMatcher.__new__(CombinedMatcher)
    m.automaton = auto
    return m


# The automaton looks up each character among a node's children one by one, in the order
# they were added. Adding the keys sorted by how common their characters are in English
# text puts frequent characters first: the same automaton (same matches), a faster scan.
_COMMON_FIRST = " etaoinsrhldcumfpgwybvkxjqz\n.,-/:;()'\"*[“0123456789"
_CHAR_RANK = {c: i for i, c in enumerate(_COMMON_FIRST)}


def _trie_order(key: str) -> tuple[int, ...]:
    return tuple(_CHAR_RANK.get(c, len(_CHAR_RANK) + ord(c)) for c in key)


class CombinedMatcher(Matcher):
    """``combined_matcher``'s automaton, with a single-pass ``scan`` for the tagger.

    Its values carry two more fields than other matchers' (for ``scan``); ``find`` returns
    the same ``(start, key, payloads)`` as ever.
    """

    def find(self, text: str) -> list[tuple[int, str, tuple]]:
        last = len(text) - 1
        out = []
        append = out.append
        for end, (key, span, left, right, payloads, _ph, _cred) in self.automaton.iter_long(text):
            start = end - span
            if left and start > 0 and text[start - 1].isalnum():
                continue
            if right and end < last and text[end + 1].isalnum():
                continue
            append((start, key, payloads))
        return out

    def scan(self, low_text: str) -> tuple[list, list, list[dict[str, str]]]:
        """(phrase hits, line marks, skills) of ``low_text`` in one pass over the matches.

        Same results as ``find`` followed by the three consumers of its matches: phrase
        hits are ``(start, ((archetype, name), weight) pairs, has a research credential)``
        for matches with phrases, line marks ``(start, kind)`` and skills
        ``skills_from_matches(low_text, find(low_text))``. Sorting the matches out while
        they are produced saves a list of every match and two more loops over it.
        """
        last = len(low_text) - 1
        hits: list[tuple[int, tuple, bool]] = []
        marks: list[tuple[int, str]] = []
        seen: dict[str, str] = {}
        for start, _ in _edge_candidates(low_text):  # (skills_from_matches looks at these first)
            _confirm_context(seen, "r", low_text, start, 1)
        add_hit, add_mark, setdefault = hits.append, marks.append, seen.setdefault
        for end, value in self.automaton.iter_long(low_text):
            _key, span, left, right, (ph, sk, kind), scan_ph, cred = value
            start = end - span
            if left and start > 0 and low_text[start - 1].isalnum():
                continue
            if right and end < last and low_text[end + 1].isalnum():
                continue
            if ph:
                add_hit((start, scan_ph, cred))
            if kind is not None:
                add_mark((start, kind))
            if sk:
                for name, category in sk:
                    if category is CONTEXT:
                        _confirm_context(seen, name, low_text, start, span + 1)
                    else:
                        setdefault(name, category)
        return hits, marks, [{"name": n, "category": c} for n, c in sorted(seen.items())]


def _confirm_context(
    seen: dict[str, str], name: str, low_text: str, start: int, length: int
) -> None:
    """Add a context skill (R, Go) if its rule holds in a window around the candidate."""
    if name not in seen:
        cat, rx = CONTEXT_SKILLS[name]
        if rx.search(low_text[max(0, start - 45) : start + length + 45]):
            seen[name] = cat


def skills_from_matches(low_text: str, matches) -> list[dict[str, str]]:
    """``find_skills`` on the matches of ``combined_matcher`` (same result, no second scan)."""
    seen: dict[str, str] = {}
    edge = [(st, "r", ((), (("r", CONTEXT),), None)) for st, _ in _edge_candidates(low_text)]
    for start, key, (_ph, sk, _kind) in edge + matches:
        for name, category in sk:
            if category is CONTEXT:
                if name not in seen:
                    cat, rx = CONTEXT_SKILLS[name]
                    window = low_text[max(0, start - 45) : start + len(key) + 45]
                    if rx.search(window):
                        seen[name] = cat
            else:
                seen.setdefault(name, category)
    return [{"name": n, "category": c} for n, c in sorted(seen.items())]


@lru_cache(maxsize=1)
def skill_taxonomy() -> dict:
    return _load("skills.json")


@lru_cache(maxsize=1)
def lexicon() -> dict:
    return _load("archetype_lexicon.json")


@lru_cache(maxsize=1)
def skill_matcher() -> Matcher:
    entries: dict[str, list[tuple]] = {}
    for s in skill_taxonomy()["skills"]:
        for alias in s["aliases"]:
            for v in {alias, alias.replace("-", " ")}:
                entries.setdefault(v, []).append((s["name"], s["category"]))
    for name in CONTEXT_SKILLS:  # candidates only; confirmed by the context rule
        for key in _candidate_keys(name):
            entries.setdefault(key, []).append((name, CONTEXT))
    return Matcher(entries)


# A bare one-letter key ("r") would fire inside every word that contains the letter and
# cost a rejected match each time; R candidates are keyed with the characters around them
# instead (" r,", "(r)", "/r "), which only occur where R stands alone.
_R_LEFT = ' \n(/,;:[*"“'
_R_RIGHT = ' \n,./);:!?]*"”'


def _candidate_keys(name: str) -> list[str]:
    if len(name) > 1:
        return [name]
    return [left + name + right for left in _R_LEFT for right in _R_RIGHT]


def _edge_candidates(low_text: str) -> list[tuple[int, str]]:
    """R at the very start or end of a text, where no boundary character surrounds it."""
    out = []
    if low_text[:1] == "r" and (len(low_text) == 1 or low_text[1] in _R_RIGHT):
        out.append((0, "r"))
    if len(low_text) > 1 and low_text[-1] == "r" and low_text[-2] in _R_LEFT:
        out.append((len(low_text) - 1, "r"))
    return out


@lru_cache(maxsize=1)
def phrase_matcher() -> Matcher:
    group_of = {
        v: g
        for g, members in lexicon().get("groups", {}).items()
        for m in members
        for v in _variants(m)
    }
    best: dict[str, dict[str, float]] = {}
    for archetype, by_weight in lexicon()["phrases"].items():
        for weight, phrases in by_weight.items():
            for phrase in phrases:
                for v in _variants(phrase):
                    cur = best.setdefault(v, {})
                    cur[archetype] = max(cur.get(archetype, 0.0), float(weight))
    # payload: (archetype, weight, evidence name); grouped phrases share one evidence name
    return Matcher(
        {k: [(a, w, group_of.get(k, k)) for a, w in sorted(v.items())] for k, v in best.items()}
    )


CONTEXT = "__context__"
# The pseudo-archetype of research credentials ("phd", "publications"): the tagger counts
# them apart when they sit on a requirement line.
CREDENTIAL = "research_credential"
_LANGS = r"(?:python|sql|sas|stata|matlab|scala|julia|java|spss|excel|c\+\+|rust|ruby|kotlin|typescript|javascript|node(?:\.js)?)"
_SEP = r"\s*(?:,|/|\bor\b|\band\b|&)\s*"
CONTEXT_SKILLS = {
    "r": (
        "languages",
        re.compile(
            _LANGS
            + _SEP
            + r"r\b(?![&'’+-])|(?<![\w&'’.-])r"
            + _SEP
            + _LANGS
            + r"|(?<![\w&'’.-])r (?:programming|language|studio|shiny|packages?|scripts?)\b"
            + r"|\b(?:in|using|with) r\b(?![&'’+.-])|\brstudio\b|\btidyverse\b|\bggplot2?\b"
        ),
    ),
    "go": (
        "languages",
        re.compile(
            _LANGS
            + _SEP
            + r"go\b(?![-\s]*to\b)(?!-)|(?<![\w'’-])go"
            + _SEP
            + _LANGS
            + r"|\bgo \(golang\)|\b(?:written in|in|using|with) go(?: and| or|,|\.|\)|$)(?![-\s]*to\b)"
            + r"|\bgo (?:programming|developer|engineer|services|microservices)\b"
        ),
    ),
}


def find_skills(low_text: str) -> list[dict[str, str]]:
    seen: dict[str, str] = {}
    edge = [(st, "r", (("r", CONTEXT),)) for st, _ in _edge_candidates(low_text)]
    for start, key, payloads in edge + skill_matcher().find(low_text):
        for name, category in payloads:
            if category is CONTEXT:
                if name not in seen:
                    cat, rx = CONTEXT_SKILLS[name]
                    window = low_text[max(0, start - 45) : start + len(key) + 45]
                    if rx.search(window):
                        seen[name] = cat
            else:
                seen.setdefault(name, category)
    return [{"name": n, "category": c} for n, c in sorted(seen.items())]
