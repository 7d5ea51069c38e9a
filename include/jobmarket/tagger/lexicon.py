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
    # R and Go are not automaton keys: a one-letter key would fire inside every word
    # with an "r" in it. They are found by _CONTEXT_CANDIDATE_RE and confirmed by context.
    return Matcher(entries)


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


_CONTEXT_CANDIDATE_RE = re.compile(r"(?<![^\W_])(r|go)(?![^\W_])")


def find_skills(low_text: str) -> list[dict[str, str]]:
    seen: dict[str, str] = {}
    for _start, _key, payloads in skill_matcher().find(low_text):
        for name, category in payloads:
            seen.setdefault(name, category)
    for m in _CONTEXT_CANDIDATE_RE.finditer(low_text):
        name = m.group(1)
        if name not in seen:  # candidate only; confirmed by the context rule
            cat, rx = CONTEXT_SKILLS[name]
            start = m.start()
            if rx.search(low_text[max(0, start - 45) : start + len(name) + 45]):
                seen[name] = cat
    return [{"name": n, "category": c} for n, c in sorted(seen.items())]
