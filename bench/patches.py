"""Proposed fixes for hot spots found by the benchmark, applied by monkeypatching.

The package modules are owned elsewhere; these functions are drop-in
replacements with the same results, so ``bench/run.py --patch all`` measures
the gain before the fixes land. docs/performance.md has the same changes as
diffs. Each entry names what it replaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# -- jobmarket.normalize.salary._currency_windows ------------------------------
# The original scans with one case-insensitive alternation of ~60 words tried at
# every word boundary (~300 us per 3 KB description, 29% of parse). Matching
# any 2-5 letter word and checking a set finds the same words: `\bWORD\b` with
# WORD one of the codes is exactly "a maximal run of word characters equal to
# WORD", and every code is 2 to 5 letters long.


def _salary_patch() -> None:
    from jobmarket.normalize import salary

    words = {w.lower() for w in salary._CODES.split("|")}
    words |= {"zł", "chf", "euro", "euros", "kr", "lpa", "lakh", "lakhs"}
    candidates = re.compile(r"[$€£₹¥￥₩₪₱]|\b[^\W\d_]{2,5}\b")
    window = salary._WINDOW

    def _currency_windows(text: str) -> str:
        spans: list[list[int]] = []
        for m in candidates.finditer(text):
            g = m.group()
            if len(g) > 1 and g.lower() not in words:
                continue
            start, end = max(0, m.start() - window), m.end() + window
            if spans and start <= spans[-1][1]:
                spans[-1][1] = end
            else:
                spans.append([start, end])
        return "\n\n".join(text[a:b] for a, b in spans)

    salary._currency_windows = _currency_windows


# -- jobmarket.normalize.dedup._signature -------------------------------------
# MinHash(num_perm, seed) draws its 64 permutations from a new RandomState for
# every posting; they are the same for every call. Build them once.


def _dedup_patch() -> None:
    import zlib

    from datasketch import MinHash
    from jobmarket.normalize import dedup

    template = MinHash(num_perm=dedup.NUM_PERM, seed=dedup._SEED, hashfunc=dedup._identity)

    def _signature(text: str):
        words = dedup._WORD.findall(text.lower())
        if len(words) >= dedup.SHINGLE:
            grams = {" ".join(words[i: i + dedup.SHINGLE]) for i in range(len(words) - dedup.SHINGLE + 1)}
        else:
            grams = set(words)
        m = MinHash(num_perm=dedup.NUM_PERM, seed=dedup._SEED, hashfunc=dedup._identity,
                    permutations=template.permutations, scheme=template.scheme)
        m.update_batch([zlib.crc32(g.encode("utf-8")) for g in grams])
        return m

    dedup._signature = _signature


# -- jobmarket.text._squeeze ---------------------------------------------------
# One regex call per line (a description has ~60 lines) becomes one per text:
# _SPACES never matches a newline, so substituting over the whole text and
# then stripping each line gives the same string.


def _text_patch() -> None:
    from jobmarket import text

    spaces, blanks = text._SPACES, text._BLANKS

    def _squeeze(value: str) -> str:
        lines = (line.strip() for line in spaces.sub(" ", value).split("\n"))
        return blanks.sub("\n\n", "\n".join(lines)).strip()

    text._squeeze = _squeeze


PATCHES: dict[str, Callable[[], None]] = {
    "salary": _salary_patch,
    "dedup": _dedup_patch,
    "text": _text_patch,
}


def apply(names: list[str]) -> list[str]:
    chosen = list(PATCHES) if names == ["all"] else names
    for n in chosen:
        PATCHES[n]()
    return chosen
