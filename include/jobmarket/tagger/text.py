"""Turn a raw posting body (HTML or text, possibly mojibake) into weighted lines.

The tagger scores phrases by the section they sit in: responsibilities count more than
nice-to-have lists, and company boilerplate, benefits and EEO text count nothing.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, compress
from operator import not_

import ahocorasick

MAX_CHARS = 40_000  # after cleaning; longer bodies are cut and flagged "truncated"

# "[^<>]" in the tag patterns, not "[^>]": a "<" ends a candidate, so a body
# of many "<a" and no ">" is one pass rather than one pass per "<" (7 s for
# 99,000 of them). A tag holding a "<" is no tag anyway.
_TAG_RE = re.compile(r"<[a-zA-Z/!][^<>]*>")
_BLOCK_RE = re.compile(
    r"<\s*(?:/?(?:p|div|ul|ol|h[1-6]|tr|table|section|article|header|footer|blockquote|pre)"
    r"|br\s*/?|li)\b[^<>]*>",
    re.I,
)
_LI_RE = re.compile(r"<\s*li\b[^<>]*>", re.I)
_SCRIPT_OPEN_RE = re.compile(r"<(script|style)\b", re.I)
_SCRIPT_CLOSE_RE = {name: re.compile(r"</" + name + r"\s*>", re.I) for name in ("script", "style")}
# Runs of blanks, but not a lone " " (replacing every single space with itself is slow).
# This is the definition; ``_squeeze_blanks`` computes the same thing about 3x faster.
_WS_RE = re.compile(r"[\t\r\f\v\u00a0\u200b][ \t\r\f\v\u00a0\u200b]*| [ \t\r\f\v\u00a0\u200b]+")
_OTHER_BLANKS = "\t\r\f\v\u00a0\u200b"
_SPACES_RE = re.compile("  +")  # (a literal two-space prefix lets the regex engine skip ahead)
_NL_RE = re.compile(r"\n\s*\n+")
# Only ever used to ask whether a text has mojibake. (It used to end in "|â€", which the
# first branch already covers; a pattern that opens with a character class lets the
# regex engine skip to candidate characters, which matters on texts without any.)
_MOJIBAKE_RE = re.compile(
    "[ÃÂâ][\u0080-\u00bf\u20ac\u201a-\u203a\u0152\u0153\u0160\u0161\u017d\u017e\u0178]"
)
# One scan for what used to be several substring tests ("<script" in s or "<style" in s ...).
_SCRIPT_START_RE = re.compile("<(?:script|style|SCRIPT|STYLE)")
_LI_START_RE = re.compile("<(?:li|LI)")
_BULLET_RE = re.compile(r"^[\s•·\-\*–—●▪◦o]+(?=\S)")


def looks_like_html(s: str) -> bool:
    return "<" in s and _TAG_RE.search(s) is not None


def _without_scripts(s: str) -> str:
    r"""``s`` with each ``<script ...>...</script>`` (and style) replaced by a
    space, as ``re.sub(r"<(script|style)\b.*?</\1\s*>", " ", s, flags=re.I | re.S)``
    does, in one pass: that pattern scanned to the end from every opening
    with no closing after it."""
    out, pos, unclosed = [], 0, set()
    while (m := _SCRIPT_OPEN_RE.search(s, pos)) is not None:
        kind = m.group(1).lower()
        close = None if kind in unclosed else _SCRIPT_CLOSE_RE[kind].search(s, m.end())
        if close is None:  # none after any later opening of this kind either: the regex kept them
            unclosed.add(kind)
            out.append(s[pos:m.end()])
            pos = m.end()
            continue
        out.append(s[pos:m.start()])
        out.append(" ")
        pos = close.end()
    out.append(s[pos:])
    return "".join(out)


def html_to_text(s: str) -> str:
    """Cheap, deterministic HTML-to-text: block tags become newlines, other tags vanish."""
    if _SCRIPT_START_RE.search(s):  # "<script", "<style", "<SCRIPT" or "<STYLE"
        s = _without_scripts(s)
    s = _LI_RE.sub("\n• ", s) if _LI_START_RE.search(s) else s  # "<li" or "<LI"
    s = _BLOCK_RE.sub("\n", s)
    s = _TAG_RE.sub(" ", s)
    return html.unescape(s) if "&" in s else s


_MOJI_SEQ_RE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{1,3}"
)


def _fix_seq(m: re.Match) -> str:
    return _fix_seq_text(m.group())


@lru_cache(maxsize=4096)  # the same few sequences ("â€™", "â€”") make up most damage
def _fix_seq_text(seq: str) -> str:
    """Re-decode one UTF-8 sequence that was read as cp1252/latin-1 ("â€™" -> "’")."""
    lead = ord(seq[0])
    need = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4  # bytes in the UTF-8 sequence
    if len(seq) > need:  # the class also matched a following, unrelated character
        return _fix_seq_exact(seq[:need]) + seq[need:]
    return _fix_seq_exact(seq)


def _fix_seq_exact(seq: str) -> str:
    raw = bytearray()
    for ch in seq:
        o = ord(ch)
        if o < 256:
            raw.append(o)
        else:
            try:
                raw += ch.encode("cp1252")
            except UnicodeError:
                return seq
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return seq


def fix_mojibake(s: str) -> tuple[str, bool]:
    # Cheap pre-check: every pattern starts with one of these three characters.
    if ("â" not in s and "Ã" not in s and "Â" not in s) or _MOJIBAKE_RE.search(s) is None:
        return s, False
    fixed = _MOJI_SEQ_RE.sub(_fix_seq, s)  # fast path for the common, sequence-local damage
    if _MOJIBAKE_RE.search(fixed):
        lines = fixed.split("\n")
        for i, line in enumerate(lines):  # repair only the damaged lines: ftfy is slow on long text
            if _MOJIBAKE_RE.search(line):
                lines[i] = _ftfy_line(line)
        fixed = "\n".join(lines)
    return fixed, fixed != s


@lru_cache(maxsize=8192)
def _ftfy_line(line: str) -> str:
    """``ftfy.fix_text`` of one damaged line (2 ms each). A damaged line is
    usually a company's boilerplate (a broken bullet, "â¢", in its benefits
    list), repeated in each of its postings: a night repairs each once."""
    import ftfy  # imported lazily: only bodies the fast path cannot repair pay for it

    return ftfy.fix_text(line)


def _squeeze_blanks(s: str) -> str:
    """``_WS_RE.sub(" ", s)``: every run of blanks (not newlines) becomes one space.

    The regex visits every character and tries two branches there; replacing the rare
    blank characters with str.replace (a fast C scan each, skipped when absent) and
    then collapsing runs of spaces is equivalent and much cheaper.
    """
    for ch in _OTHER_BLANKS:
        if ch in s:
            s = s.replace(ch, " ")
    return _SPACES_RE.sub(" ", s) if "  " in s else s


def clean(description: str) -> tuple[str, list[str]]:
    """Return plain text (lines, single spaced) and flags raised while cleaning."""
    flags: list[str] = []
    s = description
    if len(s) > 4 * MAX_CHARS:  # do not even parse megabytes of markup
        s = s[: 4 * MAX_CHARS]
        flags.append("truncated")
    if "<" not in s and "&lt;" in s:  # entity-escaped HTML (Greenhouse content)
        s = html.unescape(s)
    if looks_like_html(s):
        s = html_to_text(s)
    elif "&" in s:
        s = html.unescape(s)
    s, fixed = fix_mojibake(s)
    if fixed:
        flags.append("mojibake_fixed")
    s = _squeeze_blanks(s)
    s = _NL_RE.sub("\n", s).strip()
    if len(s) > MAX_CHARS:
        s = s[:MAX_CHARS]
        if "truncated" not in flags:
            flags.append("truncated")
    return s, flags


# --- sections ---------------------------------------------------------------------------

RESP, REQ, NICE, COMPANY, ZERO, INTRO = (
    "responsibilities",
    "requirements",
    "nice",
    "company",
    "zero",
    "intro",
)
UNKNOWN = "unknown"
SECTION_WEIGHT = {RESP: 1.5, REQ: 1.0, NICE: 0.45, COMPANY: 0.15, ZERO: 0.0, INTRO: 0.9}

_HEADERS = [
    (
        RESP,
        r"what to expect|about the (?:job|position)|position description|the work|what we expect",
    ),
    (REQ, r"expertise|your area of expertise|technical skills|tech stack|our stack"),
    (
        NICE,
        r"nice[ -]to[ -]haves?|bonus(?: points)?|preferred(?: qualifications| skills| experience)?|"
        r"desired(?: skills| qualifications)?|pluses|it'?s a plus|good to have|extra credit|ideally|"
        r"would be great|would be a plus|even better|additional (?:skills|qualifications)",
    ),
    (
        RESP,
        r"(?:key |your |main |primary |core |job )?(?:responsibilities|duties|accountabilities)|"
        r"what you(?:'ll| will)?(?: get to)? (?:do|be doing|work on|achieve|own|build)|you will|you'll|in this role|"
        r"the role|role overview|about the role|your role|the opportunity|day[ -]to[ -]day|"
        r"your impact|the impact you'?ll have|what the job involves|your mission|the job|"
        r"job description|position summary|job summary|overview of the role|what'?s the role|"
        r"essential functions|key tasks|your tasks|tasks",
    ),
    (
        REQ,
        r"(?:minimum |basic |required |key |essential |must[ -]have |your )?(?:qualifications|"
        r"requirements|skills|experience|competencies)|what you(?:'ll| will)? bring|who you are|"
        r"you have|you are|about you|we'?re looking for|what we(?: are|'re) looking for|"
        r"what you need|must haves?|you might be a fit|you may be a good fit|ideal candidate|"
        r"your profile|your background|education",
    ),
    (
        COMPANY,
        r"(?:more )?about (?:us|the company|the team|our company)|who we are|our mission|company overview|"
        r"our story|why join(?: us)?|life at|our culture|our values|about [a-z0-9&.' -]{2,30}",
    ),
    (
        ZERO,
        r"benefits|perks|what we offer|compensation|salary|pay(?: range| transparency)?|total rewards|"
        r"why you'?ll love|equal (?:employment )?opportunity|eeo|diversity|accommodations?|"
        r"privacy|how to apply|application process|location|working hours|our benefits|"
        r"the package|what'?s in it for you|we offer|additional information|disclaimer|"
        r"u\.?s\.? pay range|base pay|job details|hiring process|interview process",
    ),
]
_LEAD_SYMBOLS_RE = re.compile(r"^[^\w(]+")
_HEADER_RES = [(sec, re.compile(r"^(?:" + pat + r")\b")) for sec, pat in _HEADERS]
# All of _HEADER_RES in one regex, one group per rule in order: the group that matches is
# the first rule that matches, at the same length (most short lines match none: one
# regex call instead of seven).
_ANY_HEADER_RE = re.compile("^(?:" + "|".join(f"({pat})\\b" for _sec, pat in _HEADERS) + ")")

# Lines containing any of these are legal / benefits boilerplate and weigh nothing.
ZERO_LINE_PHRASES = (
    "equal opportunit",
    "equal employment opportunit",
    "without regard to",
    "regardless of race",
    "regardless of age",
    "regardless of gender",
    "regardless of sex",
    "race, color",
    "race, colour",
    "sexual orientation",
    "gender identity",
    "protected veteran",
    "veteran status",
    "reasonable accommodation",
    "e-verify",
    "affirmative action",
    "pay transparency",
    "salary range",
    "base salary",
    "base pay",
    "compensation range",
    "pay range",
    "401(k)",
    "401k",
    "health insurance",
    "dental",
    "paid time off",
    "parental leave",
    "privacy policy",
    "privacy notice",
    "applicants with",
    "applicants who",
    "background check",
    "drug-free",
    "drug free",
    "at-will",
    "we are committed to building",
    "we are committed to creating",
    "we are committed to diversity",
    "diverse and inclusive",
    "diverse & inclusive",
    "fraudulent",
    "recruitment agenc",
    "unsolicited resum",
)
# A line with one of these describes the role, even inside an "About us" block.
ROLE_CUE_PHRASES = (
    "you will",
    "you'll",
    "in this role",
    "the role",
    "this role",
    "we are looking",
    "we are seeking",
    "we are hiring",
    "we're looking",
    "we're seeking",
    "we're hiring",
    "your responsibilities",
    "responsibilities",
    "the candidate",
    "the successful candidate",
    "join us as",
    "join our team as",
)


@lru_cache(maxsize=1)
def _line_automaton() -> ahocorasick.Automaton:
    a = ahocorasick.Automaton()
    for p in ZERO_LINE_PHRASES:
        a.add_word(p, ZERO)
    for p in ROLE_CUE_PHRASES:
        a.add_word(p, RESP)
    a.make_automaton()
    return a


def _line_marks(
    low: str, starts: list[int], marks: list[tuple[int, str]] | None = None
) -> tuple[set[int], set[int]]:
    """Indices of boilerplate lines and of lines with role cues.

    ``marks`` are (offset, kind) pairs already found by the caller's single matching pass
    (``lexicon.combined_matcher``); without them the line automaton scans the text.
    """
    zero: set[int] = set()
    cue: set[int] = set()
    if marks is None:
        marks = list(_line_automaton().iter(low))
    for pos, kind in marks:
        line = bisect.bisect_right(starts, pos) - 1
        (zero if kind == ZERO else cue).add(line)
    return zero, cue


@dataclass
class Doc:
    text: str  # lower-cased cleaned text, lines joined by "\n"
    starts: list[int] = field(default_factory=list)  # start offset of each line
    weights: list[float] = field(default_factory=list)  # section weight of each line
    sections: list[str] = field(default_factory=list)
    n_words: int = 0
    n_content_words: int = 0  # words on lines with non-zero weight
    lines: list[str] = field(default_factory=list)  # text split on "\n"


def _header(line: str) -> str | None:
    """Section kind if the line looks like a header ("What you'll do:", "Requirements")."""
    if len(line) > 70:
        return None
    stripped = line.strip()
    if not stripped or stripped[-1] == ".":  # sentences are not headers
        return None
    colon = stripped.endswith(":")
    bullet = _BULLET_RE.match(stripped) is not None
    if bullet and not colon:
        return None
    core = _BULLET_RE.sub("", stripped).strip("#*:–—-|. ").strip()
    if core and not core[0].isalnum():  # "🏠 What we offer", "→ Requirements"
        core = _LEAD_SYMBOLS_RE.sub("", core)
    if not core or len(core.split()) > (8 if colon else 5):
        return None
    m = _ANY_HEADER_RE.match(core)
    if m is not None:
        first = m.lastindex - 1  # rules before this one do not match
        for sec, rx in _HEADER_RES[first:]:
            m = rx.match(core) if m is None else m
            if m:
                rest = core[m.end() :].lstrip()
                if (
                    colon
                    or not rest
                    or rest[0] in "&/,(-"
                    or rest.startswith("and ")
                    or len(rest.split()) <= 1
                ):
                    return sec
            m = None
    if colon or (len(core.split()) <= 5 and not bullet and core[-1:].isalpha() and len(core) > 3):
        return UNKNOWN
    return None


# ``_header`` results by line. Header lines repeat across postings ("Requirements:",
# "About the role"), so most lookups hit; the cache is emptied when it fills up.
_HEADER_CACHE: dict[str, str | None] = {}
_HEADER_CACHE_SIZE = 1 << 15
_MISS = object()
_MAX_HEADER_LEN = 70  # longer lines are never headers (see ``_header``)


def segment(text: str, marks: list[tuple[int, str]] | None = None, lowered: bool = False) -> Doc:
    """Split into lines, find the section headers and give each line its section and weight.

    A line's section is the one its last header opened, so lines are handled in runs
    between headers; only three things make a line differ from its run: boilerplate
    ("zero") lines, a role cue inside an "About us" block (which switches the block to
    responsibilities) and company blurbs ahead of the first header.
    """
    low = text if lowered else text.lower()
    lines = low.split("\n")
    n = len(lines)
    lens = list(map(len, lines))
    starts = list(accumulate(map((1).__add__, lens[:-1]), initial=0))  # + 1 for the "\n"
    zero_lines, cue_lines = _line_marks(low, starts, marks)

    headers: list[tuple[int, str | None]] = []
    cache = _HEADER_CACHE
    for i in compress(range(n), map(_MAX_HEADER_LEN.__ge__, lens)):
        line = lines[i]
        if line[:2] == "• " and not line.rstrip().endswith(":"):  # plain bullets are never headers
            continue
        sec = cache.get(line, _MISS)
        if sec is _MISS:
            if len(cache) >= _HEADER_CACHE_SIZE:
                cache.clear()
            sec = cache[line] = _header(line)
        if sec is not None:
            headers.append((i, sec))
    n_headers = len(headers)
    headers.append((n, None))  # the last run ends with the text

    weights: list[float] = []
    sections: list[str] = []
    current = INTRO
    seen_header = False
    prev = 0
    for h, sec in headers:
        if h > prev:  # the run of body lines prev .. h-1
            current_w = SECTION_WEIGHT[current]
            if current == COMPANY and cue_lines:
                # the first role cue (outside boilerplate lines) switches to responsibilities
                cue = min(
                    (i for i in cue_lines if prev <= i < h and i not in zero_lines), default=h
                )
                sections += [COMPANY] * (cue - prev)
                weights += [current_w] * (cue - prev)
                if cue < h:
                    current = RESP
                    sections += [RESP] * (h - cue)
                    weights += [SECTION_WEIGHT[RESP]] * (h - cue)
            else:
                sections += [current] * (h - prev)
                run_w = [current_w] * (h - prev)
                if current == INTRO and not seen_header:  # company blurbs weigh less
                    for i in compress(range(h - prev), map(_BLURB_RE.match, lines[prev:h])):
                        run_w[i] = _BLURB_WEIGHT
                weights += run_w
        if sec is None:
            break
        if sec is UNKNOWN:
            if current == COMPANY or current == ZERO:
                current = INTRO
        else:
            current = sec
            seen_header = True
        weights.append(0.0)  # a header line itself weighs nothing
        sections.append(current)
        prev = h + 1
    if zero_lines:  # boilerplate lines weigh nothing, whatever their section (headers stay)
        header_lines = {h for h, _ in headers}
        for i in zero_lines:
            if i not in header_lines:
                weights[i] = 0.0
                sections[i] = ZERO

    # A line has (spaces + 1) words, an empty line none; the counts run over whole texts in
    # C: all words, minus those of header lines (never empty) or of lines weighing nothing.
    all_words = low.count(" ") + n - lens.count(0)
    n_words = all_words - sum([lines[h].count(" ") + 1 for h, _ in headers[:n_headers]])
    weightless = list(compress(lines, map(not_, weights)))  # (header lines included)
    n_content = all_words - (
        "\n".join(weightless).count(" ") + len(weightless) - weightless.count("")
    )
    return Doc(low, starts, weights, sections, n_words, n_content, lines)


_BLURB_RE = re.compile(
    r"^(?:at |founded in|we are (?:a|an|the) |[a-z0-9&.' -]{2,40} (?:is|are) (?:a|an|the|one of) "
    r"(?:leading|global|world|fast|premier|top|largest|pioneer|innovative|mission)|our mission|"
    r"headquartered|with (?:offices|over|more than) )"
)
_BLURB_WEIGHT = SECTION_WEIGHT[COMPANY] * 2


def _looks_like_company_blurb(line: str) -> bool:
    return _BLURB_RE.match(line) is not None


# --- language -----------------------------------------------------------------------------

_EN = frozenset(
    "the and of to in for with you we our a an is are will be on as or your this that "
    "experience team work data from have has who what about at by".split()
)
_NON_EN = frozenset(
    # de, fr, es, pt, it, nl, el function words that are not English words
    "und der die das mit für wir sie ist ein eine zu von auf bei den dem des nicht oder "
    "les des une pour avec dans nous vous est sur pas sont aux du "
    "el los las una por con para del que como sus nuestro "
    "uma com não são os da em "
    "il di che per sono della gli nel "
    "het een van voor zijn wij jij bij "
    "και το της την των για με στο ή".split()
)


_PUNCT = ".,;:!?()[]{}\"'“”‘’«»•-–—/*"


def detect_language(low_text: str) -> str:
    """'en', 'non_en' or 'unknown' from stopword counts in the first few KB."""
    strip = str.strip
    raw = low_text[:2500].split()
    if len(raw) > 60:  # clear cases first, on the raw tokens (no punctuation stripping)
        en = sum(map(_EN.__contains__, raw))
        if en >= 12 and en >= 4 * sum(map(_NON_EN.__contains__, raw)):
            return "en"
    words = [strip(w, _PUNCT) for w in raw]
    if len(words) < 12 or sum(map(str.isalpha, words)) < 12:
        return "unknown"
    en = sum(map(_EN.__contains__, words))
    other = sum(map(_NON_EN.__contains__, words))
    if en >= 3 and en >= 1.5 * other:
        return "en"
    if other >= 3 and other > en:
        return "non_en"
    return "unknown"
