"""Facts stated in the body: years of experience, PhD requirement, seniority hints."""

from __future__ import annotations

import re
from bisect import bisect_right

_NUM_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
}
_NUM = r"(\d{1,2}|" + "|".join(_NUM_WORDS) + r")"
_YEARS_RE = re.compile(
    r"(?:(?:minimum|at least|min\.?|over|more than)\s+(?:of\s+)?)?"
    + _NUM
    + r"(?:\s*\(\d{1,2}\))?\s*(?:\+|plus)?\s*(?:(?:-|–|to)\s*\d{1,2}\s*\+?\s*)?(?:years?|yrs?)\b"
    r"([^.\n;]{0,80})"
)
_EXP_CONTEXT = re.compile(
    r"experience|background|working|industry|professional|hands-on|in (?:a|an|the) |of (?:building|developing|working)|work "
)
_NOT_EXP = re.compile(r"^\s*(?:old|of age|ago|in business|history|warranty)|founded|anniversary")


# Where "year" or "yr" starts. One regex scan finds both words (the engine skips to each
# "y"); occurrences cannot overlap, so these are exactly the positions that searching for
# each word in turn would visit.
_YEAR_WORD_RE = re.compile("y(?:ear|r)")


def _iter_year_matches(low_text: str):
    """Run the years regex only in windows around "year"/"yr" (a whole-text scan is slow)."""
    last_end = -1
    n = len(low_text)
    for w in _YEAR_WORD_RE.finditer(low_text):
        y = w.start()
        lo = max(0, y - 40, last_end)
        for m in _YEARS_RE.finditer(low_text, lo, min(n, y + 100)):
            if m.start() > y:  # later matches start later still: none can contain y
                break
            if y <= m.end():
                last_end = m.end()
                yield m
                break


def min_years(low_text: str) -> int | None:
    found: list[int] = []
    for m in _iter_year_matches(low_text):
        raw, tail = m.group(1), m.group(2)
        n = int(raw) if raw.isdigit() else _NUM_WORDS[raw]
        if not 0 < n <= 20 or _NOT_EXP.search(tail):
            continue
        before = low_text[max(0, m.start() - 40) : m.start()]
        if _EXP_CONTEXT.search(tail) or "experience" in before:
            found.append(n)
    return min(found) if found else None


_PHD_RE = re.compile(r"\bph\.?\s?d\b|\bdoctorate\b|\bdoctoral degree\b|\bdphil\b")
_SOFT_RE = re.compile(
    r"prefer|plus\b|nice|bonus|ideal|desir|advantage|a strong plus|or equivalent|equivalent experience|"
    r"or master|master'?s?(?: degree)?(?: or|/|,)|\bms(?: or|/|,)|\bm\.s\.|\bbs\b|bachelor|or related|"
    r"is a plus|welcome|beneficial|helpful|or phd|/phd|, phd|candidates? (?:currently|pursuing)|pursuing"
)


def degree(
    lines: list[str],
    sections: list[str],
    low_text: str | None = None,
    starts: list[int] | None = None,
) -> str:
    """phd_required / phd_preferred / not_mentioned, from lines that mention a PhD.

    With ``low_text`` (the lines joined by newlines) and ``starts`` (each line's offset in
    it), only the lines holding "ph" or "doctor" are visited: a search of the whole text
    for each word finds them faster than a test of every line.
    """
    if low_text is not None and starts is not None:
        found: set[int] = set()
        for word in ("ph", "doctor"):  # ("dphil" contains "ph")
            i = low_text.find(word)
            while i >= 0:
                found.add(bisect_right(starts, i) - 1)
                i = low_text.find(word, i + 1)
        if not found:
            return "not_mentioned"
        candidates = [(lines[i], sections[i]) for i in sorted(found)]
    else:
        candidates = zip(lines, sections, strict=False)
    mentioned = False
    for line, sec in candidates:
        if "ph" not in line and "doctor" not in line and "dphil" not in line:
            continue
        if sec == "zero" or _PHD_RE.search(line) is None:
            continue
        mentioned = True
        if sec != "nice" and _SOFT_RE.search(line) is None:
            return "phd_required"
    return "phd_preferred" if mentioned else "not_mentioned"


def seniority_from_years(years: int | None) -> str | None:
    if years is None:
        return None
    if years <= 1:
        return "junior"
    if years <= 4:
        return "mid"
    if years <= 9:
        return "senior"
    return "staff_principal"
