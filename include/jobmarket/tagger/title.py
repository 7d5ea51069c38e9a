"""What the title alone suggests: an archetype and a seniority level.

Titles are weak evidence (the body decides), but they are all a title-only posting has,
and they are the baseline the body-based tagger is measured against.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

# --- fast search ---------------------------------------------------------------------------
# A title only asks each rule "is there a match anywhere?". Python's regex engine can skip
# straight to the possible first characters of a match when every top-level alternative
# starts with a literal character; most rules start alternatives with "\b" or a group,
# so it would try every alternative at every position instead (most of a title's cost).
# ``_searchable`` rewrites a pattern into one with the same matches-somewhere answer:
#   (?:a|b)rest  ->  arest|brest        (order is irrelevant to whether one matches)
#   \bxrest      ->  x(?<!\w.)rest      (x a word character: "no word character before x")
#   ^xrest       ->  x(?<=^x)rest       ("x is at the start")
# Alternatives in any other form are kept as they are (still correct, just not sped up).
_QUANTIFIERS = "?*+{"


def _split_top(pattern: str, sep: str = "|") -> list[str]:
    """Split a pattern at ``sep`` outside groups, character classes and escapes."""
    parts, depth, start, i, n = [], 0, 0, 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # skip the class: "]" right after "[" or "[^" is a literal
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")" and depth:
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def _leading_group(alt: str, prefix: str) -> tuple[list[str], str] | None:
    """(inner alternatives, rest) if ``alt`` is prefix + "(?:...)" + rest, unquantified."""
    if not alt.startswith(prefix + "(?:"):
        return None
    body = alt[len(prefix) + 3 :]
    inner = _split_top(body, ")")  # the first top-level ")" closes the group
    if len(inner) < 2:
        return None
    group, rest = inner[0], body[len(inner[0]) + 1 :]
    if rest[:1] and rest[0] in _QUANTIFIERS:
        return None
    return _split_top(group), rest


def _searchable_alternatives(alt: str) -> list[str]:
    for prefix in ("", "\\b"):
        split = _leading_group(alt, prefix)
        if split is not None:
            inner, rest = split
            return [a for part in inner for a in _searchable_alternatives(prefix + part + rest)]
    for prefix, check in (("\\b", "(?<!\\w.)"), ("^", None)):
        if alt.startswith(prefix) and len(alt) > len(prefix):
            x = alt[len(prefix)]
            after = alt[len(prefix) + 1 : len(prefix) + 2]
            if (x.isascii() and x.isalnum()) and not (after and after in _QUANTIFIERS):
                return [x + (check or f"(?<=^{x})") + alt[len(prefix) + 1 :]]
    return [alt]


def _searchable(pattern: str) -> re.Pattern[str]:
    """A regex that matches somewhere in a string exactly when ``pattern`` does (see above)."""
    return re.compile(
        "|".join(a for alt in _split_top(pattern) for a in _searchable_alternatives(alt))
    )


_RULE_PATTERNS: list[tuple[str, str]] = [
    (
        "other",
        r"data entry|\bclerk\b|typist|\bdata (?:collection|labell?ing|annotat)|"
        r"\bai (?:trainer|tutor)\b|\bcoder\b.*\btraining\b|\bsdet\b|\bqa\b|quality assurance|"
        r"\bproduct (?:manager|management|owner|director)\b|account (?:executive|manager)|"
        r"\bsales\b|recruit|designer|solutions? (?:architect|engineer)|\bfull[ -]?stack\b|"
        r"front[ -]?end|\bios\b|android|devops|\bsre\b|site reliability|security|"
        r"immunology|biology|chemist|clinical|\bnurse\b|therapist|counsel",
    ),
    (
        "ai_engineer",
        r"\b(?:llm|genai|gen ai|generative ai|prompt|agentic|ai agents?|conversational ai)\b"
        r"|\bai (?:engineer|developer|software engineer|application|product engineer)|"
        r"\bapplied ai engineer|forward deployed .*\b(?:ai|agent)",
    ),
    (
        "ml_engineer",
        r"mlops|ml ?ops|machine learning operations|\bml (?:platform|infra|infrastructure|systems?)\b|"
        r"machine learning (?:platform|infrastructure|systems?)|\bai (?:platform|infrastructure)\b|"
        r"inference",
    ),
    (
        "research",
        r"research (?:scientist|engineer|lead|director|fellow)|\bresearcher\b|"
        r"\bresearch\b.*\b(?:ai|ml|machine learning|deep learning|nlp|vision|rl)\b|"
        r"\b(?:ai|ml|machine learning)\b.*\bresearch|chief scientist|chief science",
    ),
    (
        "ml_engineer",
        r"machine learning engineer|\bml engineer|\bmle\b|\bai/ml engineer|\bml/ai engineer|"
        r"machine learning software engineer|\bml software engineer",
    ),
    (
        "applied_ml",
        r"machine learning scientist|\bml scientist|applied scientist|applied ai scientist|"
        r"\bnlp\b|computer vision|deep learning|\bperception\b|\bquantitative research|"
        r"data scientist.*\b(?:machine learning|ml|modeling|ai)\b|recommend|ranking|"
        r"\bdecision scien",
    ),
    (
        "analytics",
        r"data scien.*\b(?:analytics|product|marketing|insights|business|growth)\b|"
        r"\b(?:product|marketing|business|growth) data scien",
    ),
    (
        "data_engineer",
        r"data engineer|\betl\b|data architect|big data|data platform|"
        r"data infrastructure|analytics engineer|data warehouse|\bdwh\b|data pipeline|"
        r"data integration|database engineer|data modell?er",
    ),
    ("applied_ml", r"data scien|machine learning|\bml\b|artificial intelligence|\bai\b"),
    (
        "analytics",
        r"data analy|\banalytics\b|business intelligence|\bbi\b|statistic|biostat|"
        r"\binsights?\b|reporting|\bquantitative analyst|business analyst|"
        r"(?:marketing|product|financial|pricing|operations|growth) analyst",
    ),
]
_RULES = [(a, _searchable(p)) for a, p in _RULE_PATTERNS]

_CLEAN_RE = re.compile(r"[^a-z0-9/+&.' -]+")


def norm_title(title: str | None) -> str:
    return _CLEAN_RE.sub(" ", (title or "").lower()).strip()


@lru_cache(maxsize=16384)  # titles repeat heavily across a nightly crawl
def title_archetype(title: str | None) -> str | None:
    t = norm_title(title)
    if not t:
        return None
    for archetype, rx in _RULES:
        if rx.search(t):
            return archetype
    return "other"


_SENIORITY_PATTERNS: list[tuple[str, str]] = [
    (
        "intern",
        r"\bintern(?:ship)?s?\b|\bpraktik|\bwerkstudent|\bapprentice|\btrainee\b|"
        r"\bco-?op\b|\bstudent\b",
    ),
    (
        "director_plus",
        r"\bdirector\b|\bvp\b|vice president|\bchief\b|\bhead of\b|\bhead,|^head\b|"
        r"\bc[tdeo]o\b|\bsvp\b|\bevp\b",
    ),
    ("manager", r"\bmanager\b|\bmanagement\b|\bmgr\b"),
    ("staff_principal", r"\bstaff\b|\bprincipal\b|\bdistinguished\b|\bfellow\b|\barchitect\b"),
    (
        "senior",
        r"\bsenior\b|\bsr\b|\bsr\.|\blead\b|\biii\b|\biv\b|\bexpert\b|\blevel (?:3|4)\b",
    ),
    (
        "junior",
        r"\bjunior\b|\bjr\b|\bjr\.|\bentry[ -]level\b|\bgraduate\b|\bnew grad|"
        r"\bassociate\b|\bi\b|\blevel 1\b|\bearly career\b",
    ),
    ("mid", r"\bmid(?:-level| level|-senior)?\b|\bintermediate\b|\bii\b"),
]
_SENIORITY = [(s, _searchable(p)) for s, p in _SENIORITY_PATTERNS]

_NON_MGMT_MANAGER = re.compile(r"product manager|account manager|project manager|program manager")


@lru_cache(maxsize=16384)
def title_seniority(title: str | None) -> str | None:
    t = norm_title(title)
    if not t:
        return None
    for level, rx in _SENIORITY:
        if rx.search(t):
            if level == "manager" and _NON_MGMT_MANAGER.search(t):
                continue
            return level
    return None


# --- title families: the one rule the report and ``title_mismatch`` share -------------------
# Finer than the archetypes: what a reader calls the job from its title. Each family lists the
# archetypes its body may describe without surprise; a body-tagged posting whose archetype is
# outside that list is a title mismatch. Families with no list (other analysts, everything
# else) are never mismatches: their title promises no data or ML role. First match wins.
# The patterns run on ``norm_title`` in Python and, rendered by ``title_family_sql``, on
# DuckDB's RE2 in the report's views: so they use only syntax both engines read alike
# (no lookaround, no backreferences; ``\b`` is ASCII in both after ``norm_title``).
# ``title_archetype`` above is deliberately left alone: the trained model reads it as a feature.
TITLE_FAMILIES: list[tuple[str, str, str, tuple[str, ...]]] = [
    # (family, pattern, exclusion pattern or "", archetypes consistent with the title)
    ("Analytics Engineer", r"\banalytics engineer", "", ("data_engineer", "analytics")),
    ("Data Engineer",
     r"\bdata (engineer|architect|platform|infrastructure|warehous|pipeline|integration)|\betl\b|\bbig data\b"
     r"|\bdatabase engineer|\bdata modell?er",
     r"\b(sales|solutions?|customer|support) engineer", ("data_engineer",)),
    ("Data Scientist", r"\b(data|decision|product) scien", "", ("applied_ml", "analytics")),
    ("ML Scientist", r"\b(machine learning|ml|applied|ai) scientist|\bapplied scien", "", ("applied_ml", "research")),
    ("Research Scientist",
     r"\bresearch (scientist|engineer|lead|fellow|director)|\bresearcher\b|\bscientist\b",
     r"\b(ux|user|design|market|marketing|customer|clinical) research|\bresearch (administrator|coordinator"
     r"|assistant|associate|manager|operations|program)|\b(clinical|lab|laboratory|medical|food) scientist",
     ("research", "applied_ml")),
    ("ML Engineer",
     r"\b(ml|mlops|machine learning|deep learning|computer vision|nlp|perception|ml platform|ml infrastructure)\b"
     r".*\b(engineer|developer|architect)|\bmle\b|\b(engineer|developer)\b.*\b(ml|machine learning|mlops)\b",
     r"\b(sales|solutions?|customer|support|field) engineer", ("ml_engineer", "applied_ml")),
    ("AI Engineer",
     r"\b(ai|genai|gen ai|llms?|generative|artificial intelligence|agents?|agentic|prompt)\b.*\b(engineer|developer)"
     r"|\b(engineer|developer)\b.*\b(ai|genai|llms?|generative ai|agents?|agentic)\b",
     r"\b(sales|solutions?|customer|support|field|deployment|account) engineer", ("ai_engineer",)),
    ("Data Analyst", r"\bdata analy|\b(product|marketing|growth|people|web|digital|quantitative) analy"
     r"|\banalytics (analyst|manager|lead)", "", ("analytics",)),
    ("Business Analyst", r"\bbusiness (intelligence|analyst|analytics)|\bbi (analyst|developer|engineer)\b"
     r"|\binsights? analyst|\breporting analyst", "", ("analytics",)),
    ("Other Analyst", r"\banalyst\b", "", ()),
]
FAMILY_NAMES = [f for f, *_ in TITLE_FAMILIES] + ["Other"]
# Part of tagger_version: a change of the families changes title_mismatch, so cached tags go stale.
TITLE_FAMILIES_DIGEST = hashlib.sha256(repr(TITLE_FAMILIES).encode()).hexdigest()[:8]
_FAMILY_RULES = [
    (f, re.compile(p), re.compile(x) if x else None, arch) for f, p, x, arch in TITLE_FAMILIES
]
_FAMILY_ARCHETYPES = {f: arch for f, _, _, arch in TITLE_FAMILIES}


@lru_cache(maxsize=16384)
def title_family(title: str | None) -> str:
    """The title family of a title ("Other" when no family's rule matches, or no title)."""
    t = norm_title(title)
    for family, rx, exclude, _ in _FAMILY_RULES:
        if rx.search(t) and not (exclude and exclude.search(t)):
            return family
    return "Other"


def family_archetypes(family: str) -> tuple[str, ...]:
    """Archetypes a body may describe without contradicting a title of ``family``."""
    return _FAMILY_ARCHETYPES.get(family, ())


def is_title_mismatch(title: str | None, archetype: str | None) -> bool:
    """True when the title's family promises archetypes and ``archetype`` is none of them."""
    expected = family_archetypes(title_family(title))
    return bool(expected) and archetype not in expected


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def title_family_sql() -> str:
    """DuckDB macros ``norm_title(t)``, ``title_family(t)`` and ``family_archetypes(f)`` from
    the same patterns (the report's views define them; a test checks both agree)."""
    norm = f"trim(regexp_replace(lower(coalesce(t, '')), {_sql_str(_CLEAN_RE.pattern)}, ' ', 'g'))"
    whens = []
    for family, pattern, exclude, _ in TITLE_FAMILIES:
        cond = f"regexp_matches(norm_title(t), {_sql_str(pattern)})"
        if exclude:
            cond += f" AND NOT regexp_matches(norm_title(t), {_sql_str(exclude)})"
        whens.append(f"    WHEN {cond} THEN {_sql_str(family)}")
    arch = [f"    WHEN {_sql_str(f)} THEN [{', '.join(_sql_str(a) for a in a_)}]::VARCHAR[]"
            for f, _, _, a_ in TITLE_FAMILIES]
    return (
        f"CREATE OR REPLACE MACRO norm_title(t) AS {norm};\n"
        "CREATE OR REPLACE MACRO title_family(t) AS CASE\n" + "\n".join(whens) + "\n    ELSE 'Other'\nEND;\n"
        "CREATE OR REPLACE MACRO family_archetypes(f) AS CASE f\n" + "\n".join(arch)
        + "\n    ELSE []::VARCHAR[]\nEND;\n"
    )
