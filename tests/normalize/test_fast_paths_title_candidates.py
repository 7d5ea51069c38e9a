"""Second round of fast paths: same answers as the kept plain implementations.

``salary._candidates`` (amounts found by ``_amount_matches`` instead of
``_AMOUNT.finditer``, early drop of currency-less groups in strict mode) and
``title.normalize_title`` (substitutions skipped when they cannot match) keep
``*_reference`` copies of the old code. ``location.is_place`` and
``location._clean_part`` are now cached: compared with their uncached
``__wrapped__`` functions. Inputs are the real fixture texts, read at test
time, plus hand-written edge cases and seeded random strings.
"""

from __future__ import annotations

import json
import random
from functools import cache

import pytest
from jobmarket.normalize import location, salary, title
from jobmarket.text import html_to_text

from tests.normalize import reference
from tests.support import FIXTURES

LABELLED_DEV = FIXTURES / "postings" / "labelled_dev.jsonl"
CRAWL = FIXTURES / "greenhouse-crawl"


@cache
def descriptions() -> tuple[str, ...]:
    """Every labelled_dev description, as HTML and as plain text."""
    rows = [json.loads(line) for line in LABELLED_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    raw = [r["description"] for r in rows if isinstance(r.get("description"), str)]
    return tuple(raw + [html_to_text(d) or "" for d in raw])


@cache
def crawl_jobs() -> tuple[tuple[str, str], ...]:
    """(title, location name) of every job in the recorded Greenhouse crawl."""
    out = []
    for path in sorted(CRAWL.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        for job in data.get("jobs", []) if isinstance(data, dict) else []:
            loc = job.get("location") or {}
            out.append((job.get("title") or "", (loc.get("name") if isinstance(loc, dict) else None) or ""))
    return tuple(out)


SALARY_EDGES = [
    "", "no digits here", "Pay: $25-$30/hr", "Salary $8,000 per month", "Range: $120k-150k", "$150–175k",
    "€60.000 - €80.000 brutto/Jahr", "CHF 110'000", "80 000 EUR", "£45,000 - £55,000 per annum", "₹12 LPA",
    "12 lakhs", "$31,2k", "between $110,900 and $150,100 USD", "up to $200k", "from $90k", "$150k+",
    "C$90,000-100,000", "kr 45 000 per month", "raised $54M Series B", "401(k) and 3-5 years, 20% bonus",
    "$80\\-95k base salary", "US$ 5000", "euros 4000 al mes", "Rs. 50000", "Fr. 9000", "usd100 and 200usd",
    "Q4 B2B 2024 v3.2", "$160k-$240k USD base", "salary: 95.000,50 EUR", "AUD$120,000 + super",
]
_ALPHABET = "0123456789 ,.'’-–/$€£₹kKmMLlusdUSDeurosEURchfCHFRrs.Fr.kr lpaLPAlakh\u00a0\u202f٣hr year per%()#\\ab\n"


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 60))) for _ in range(n)]


def _sig(matches):
    return [(m.span(), m.groupdict()) for m in matches]


def test_amount_matches_identical_to_finditer():
    texts = [*descriptions(), *SALARY_EDGES, *_random_texts(4000, 11)]
    for text in texts:
        assert _sig(salary._amount_matches(text)) == _sig(salary._AMOUNT.finditer(text)), text[:200]


@pytest.mark.parametrize("strict", [True, False])
def test_candidates_identical_to_reference(strict):
    texts = list(descriptions()) + SALARY_EDGES + _random_texts(3000, 5 + strict)
    texts += [salary._currency_windows(t) for t in descriptions()]
    for text in texts:
        assert salary._candidates(text, strict) == reference._candidates_reference(text, strict), text[:200]


TITLE_EDGES = [
    "", None, "Senior Data Engineer (m/w/d) - Berlin", "Sr. Software Eng - Remote", "Sr.Eng", "sr.eng lead",
    "Mgr, Sales (REQ-12345)", "Engineer - Mobile", "Staff Engineer, Platform (Remote, US)", "VP Eng | London, UK",
    "Dev/Ops Engineer", "Assoc. Dir., Finance (f/m/x)", "Job ID: 123456 Analyst", "#4567 Nurse", "JR-0012 Dev",
    "Ingénieur·e (H/F) – Paris", "Product Manager [Hybrid]", "Data Scientist — Remote", "ENG MGR II",
]


def test_normalize_title_identical_to_reference():
    titles = {t for t, _ in crawl_jobs()} | {t for t in TITLE_EDGES if t}
    titles |= set(_random_texts(500, 3))
    for t in sorted(titles):
        assert title.normalize_title(t) == reference._normalize_title_reference(t), t
    assert title.normalize_title(None) == reference._normalize_title_reference(None) == ""


def test_cached_location_helpers_identical_to_uncached():
    texts = {loc for _, loc in crawl_jobs()} | {t for t in TITLE_EDGES if t}
    texts |= {"Remote - US", "Remote (Canada)", "Berlin", "San Francisco, CA", "EMEA", "Hybrid", "in office"}
    for text in sorted(texts):
        assert location.is_place(text) == location.is_place.__wrapped__(text), text
        assert location._clean_part(text) == location._clean_part.__wrapped__(text), text
