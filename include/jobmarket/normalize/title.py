"""Titles reduced to what identifies the role, for duplicate detection and reports.

``normalize_title("Senior Data Engineer (m/w/d) - Berlin")`` -> ``"senior data engineer"``.

Removed: gender markers ("(m/w/d)", "(f/m/x)", "(w/m/div.)", "(H/F)",
"(all genders)", "(gn)"), requisition ids ("R12345", "REQ-1234", "Job ID:
123456", "#4567", "JR-0012"), workplace words in brackets or after a dash
("(Remote)", "- Hybrid"), and a trailing " - X", " | X", ", X" or "(X)" when X
reads entirely as places or workplace words (``location.is_place``; city names
that are also common title words, e.g. "Mobile", "Reading", are not places
here). Then lower case, accents folded, punctuation to spaces.
Kept on purpose: seniority and level ("Senior", "II", "L5", "Staff"): two
postings that differ only in level are different jobs. Abbreviations are
spelled out ("Sr." -> "senior", "Jr." -> "junior", "Mgr" -> "manager",
"Eng" -> "engineer") so the same title written two ways compares equal.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jobmarket.normalize._text import fix_text, fold

_GENDER = re.compile(
    r"[(\[]\s*(?:[mwfdhxi]\s*[/|,]\s*){1,3}(?:[mwfdhxi]|div\.?|divers|nb)\s*[)\]]\*?|"
    r"\b(?:[mwfd]\s*/\s*){2}(?:[mwfdx]|div\.?)\b\*?|"
    r"[(\[]\s*(?:all genders?|gn|gn\*|genderneutral|alle geschlechter|w/m/d|m/w/d|m/f/d|f/m/d|f/m/x|m/f/x|"
    r"h/f|f/h|e/r|mf|hf|fh)\s*[)\]]",
    re.I,
)
_REQ = re.compile(
    r"\b(?:req(?:uisition)?|job\s*(?:id|code|ref)?|ref(?:erence)?|jr|r|id|posting)\s*[-#:.]?\s*\d{3,}[-\w]*\b|"
    r"#\s?\d{3,}\b|[(\[]\s*\d{4,}\s*[)\]]|\b\d{5,}\b",
    re.I,
)
_WORKPLACE = re.compile(
    r"[(\[]\s*(?:fully\s+)?(?:remote|hybrid|on-?site|in-?office|wfh)[^)\]]{0,40}[)\]]|"
    r"\s[-–—|]\s*(?:fully\s+)?(?:remote|hybrid|on-?site|in-?office)\b[^-–—|]*$",
    re.I,
)
_TRAIL = re.compile(r"^(?P<head>.+?)(?:\s+[-–—|@]\s+|,\s+|\s+[(\[])(?P<tail>[^-–—|()\[\],]+(?:,[^-–—|()\[\]]+)?)[)\]]?\s*$")
_ABBREV = (
    (re.compile(r"\bsr\b\.?", re.I), "senior"),
    (re.compile(r"\bsnr\b\.?", re.I), "senior"),
    (re.compile(r"\bjr\b\.?", re.I), "junior"),
    (re.compile(r"\bmgr\b\.?", re.I), "manager"),
    (re.compile(r"\beng\b\.?", re.I), "engineer"),
    (re.compile(r"\bengr\b\.?", re.I), "engineer"),
    (re.compile(r"\bdev\b\.?", re.I), "developer"),
    (re.compile(r"\bassoc\b\.?", re.I), "associate"),
    (re.compile(r"\bdir\b\.?", re.I), "director"),
    (re.compile(r"\bvp\b\.?", re.I), "vice president"),
)
_PUNCT = re.compile(r"[^\w+#]+|_")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
# Any of the _ABBREV words: most titles have none, and one search is cheaper
# than ten substitutions that would change nothing.
_ANY_ABBREV = re.compile(r"\b(?:sr|snr|jr|mgr|eng|engr|dev|assoc|dir|vp)\b", re.I)


@lru_cache(maxsize=131072)
def normalize_title(title: str | None) -> str:
    """Comparable form of a posting title ("" for none); see the module doc.

    Same result as ``_normalize_title_reference`` (tests/normalize/reference.py); the substitutions that
    cannot match (no bracket, dash, digit or abbreviation) are skipped.
    """
    if not title:
        return ""
    from jobmarket.normalize.location import is_place

    text = fix_text(str(title))
    # Each pattern needs a character most titles lack; skip its sub without one.
    if "(" in text or "[" in text or "/" in text:  # every _GENDER branch has a bracket or a slash
        text = _GENDER.sub(" ", text)
    if any(c in text for c in "([-–—|"):  # a bracket, or a dash/bar before the workplace word
        text = _WORKPLACE.sub(" ", text)
    if _DIGIT.search(text):  # every _REQ branch has \d{3,}
        text = _REQ.sub(" ", text)
    text = _SPACES.sub(" ", text).strip(" -–—|,:/")
    for _ in range(2):
        m = _TRAIL.match(text)
        if not m or not is_place(m.group("tail")):
            break
        text = m.group("head").strip(" -–—|,:/")
    if _ANY_ABBREV.search(text):
        for rx, word in _ABBREV:
            text = rx.sub(word, text)
    text = _PUNCT.sub(" ", fold(text))
    return _SPACES.sub(" ", text).strip()


