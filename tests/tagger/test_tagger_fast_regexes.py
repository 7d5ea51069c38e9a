"""Regexes the tagger rewrites for speed give the same answers as the rules as written.

``title._searchable`` rewrites each title rule so that the regex engine can skip ahead;
``text._ANY_HEADER_RE`` asks all header rules at once. Both must answer exactly like the
readable rules they are built from, for rules edited later too: these tests build strings
from each rule's own words glued with the separators that matter ("\\b", "^", groups).
"""

from __future__ import annotations

import random
import re

import pytest
from jobmarket.tagger import text, title

_SEPARATORS = ["", " ", "-", "/", "+", "&", ".", "'", ",", "x", "1", "_", "é", "\n", "  ", "^"]


def _words(pattern: str) -> list[str]:
    return sorted(set(re.findall(r"[a-z0-9]+", pattern)))


def _strings(pattern: str, n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    words = _words(pattern)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rnd.randint(1, 5)):
            w = rnd.choice(words)
            if rnd.random() < 0.15:  # a piece of a word: boundaries that fail
                w = w[rnd.randint(0, len(w) - 1) :]
            parts.append(rnd.choice(_SEPARATORS) + w)
        s = "".join(parts) + rnd.choice(_SEPARATORS)
        out.append(s.upper() if rnd.random() < 0.05 else s)
    return out


@pytest.mark.parametrize(("name", "pattern"), title._RULE_PATTERNS + title._SENIORITY_PATTERNS)
def test_searchable_title_rule_matches_where_the_rule_does(name, pattern):
    plain, fast = re.compile(pattern), title._searchable(pattern)
    for s in _strings(pattern, 4000, seed=len(pattern)):
        assert (plain.search(s) is None) == (fast.search(s) is None), (name, s)


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bab\b|^cd|(?:ef|gh)ij|\b(?:kl|m?n)o|p(?:q|r)?s|\b[tu]v|w\bx|(?:y|z)+a|\bb?c|d(?:e(?:f|g))h",
        r"(?:a|[|)]b)c|\(d|e\|f|[^]|]g|\b(?:h|(?:i|j)k)l",
    ],
)
def test_searchable_handles_other_forms(pattern):
    plain, fast = re.compile(pattern), title._searchable(pattern)
    alphabet = "abcdefghijklmnopqrstuvwxyz |()]^-"
    rnd = random.Random(7)
    for _ in range(20000):
        s = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 8)))
        assert (plain.search(s) is None) == (fast.search(s) is None), s


def _header_reference(core: str) -> tuple[str, int] | None:
    """First header rule matching ``core`` and where its match ends (one regex per rule)."""
    for sec, rx in text._HEADER_RES:
        m = rx.match(core)
        if m:
            return sec, m.end()
    return None


def test_one_header_regex_finds_the_first_matching_rule():
    words = sorted({w for _sec, pat in text._HEADERS for w in re.findall(r"[a-z']+", pat)})
    rnd = random.Random(11)
    for _ in range(20000):
        core = " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 4)))
        core += rnd.choice(["", "s", " and more", "/ops", ":", " x"])
        m = text._ANY_HEADER_RE.match(core)
        got = None if m is None else (text._HEADER_RES[m.lastindex - 1][0], m.end())
        assert got == _header_reference(core), core
