"""Advertised pay: structured fields first, else parsed from text, annualized
and converted to one reporting currency at the posting date's ECB rate.

``normalize_salary(row, on_date)`` reads the normalized posting fields
``salary_min/max/currency/period`` (structured by the source: Lever
salaryRange, Ashby compensation, Greenhouse pay ranges, Himalayas, Remote OK,
SmartRecruiters, Recruitee, JSON-LD), ``salary_text`` and ``description``, plus
``location``/``remote``/``workplace_type`` to settle what a bare "$" means.

Order
-----
1. Structured fields (``salary_source = "structured"``) when at least one bound
   is a positive number and the result is plausible.
2. ``salary_text`` (the source's own salary sentence), then 3. the
   description (``salary_source = "text"``). Text is stricter in the
   description: an amount needs a currency and either a range, a pay word
   nearby ("salary", "compensation", "pay range", "OTE", "Gehalt"...) or a
   period marker, and no money-that-is-not-pay word nearby ("raised",
   "Series B", "revenue", "ARR", "bonus", "referral", "budget"...).

What text parsing understands
-----------------------------
Ranges with ``-``, ``–``, ``~``, ``to``, ``bis``, ``and`` ("between $110,900
and $150,100"), single amounts, "up to $200k" (max only), "from $90k" and
"$150k+" (min only); ``k`` (thousands), ``LPA``/``lakh`` (100,000 INR a year);
thousand separators ``,`` ``.`` ``'`` and spaces ("€60.000", "CHF 110'000",
"80 000 EUR"), decimal commas before ``k`` ("$31,2k"); a unit on one side
applies to both ("$150–175k"). Periods from markers (/hr, per hour, hourly,
/day, /week, /month, monthly, /Monat, per annum, p.a., /year, brutto/Jahr...);
without one, the magnitude decides: at least 10,000 USD-equivalent a period ->
year, at most 300 -> hour (flag ``period_inferred``; not in descriptions), in
between -> unknown (kept, not annualized, flag ``period_unknown``; dropped in
descriptions). Hourly rates under 5 USD are not pay ("$0.55 per image"). "3-5 years", percentages,
"401(k)" and "403(b)" are never amounts.

Currencies: ISO codes beside the number win over symbols ("$160k USD",
"$120-$130k CAD"); € £ ₹ ¥(JPY) zł CHF R$ and prefixed dollars (US$ CA$ C$ A$
AU$ NZ$ S$ HK$ MX$) are unambiguous. A bare "$" is USD when the posting's
location names the US or no country at all; CAD/AUD/NZD/SGD/HKD when every
country it names uses that dollar; otherwise the currency stays null (flag
``ambiguous_dollar``) and so do the converted values. "kr" is SEK/NOK/DKK only
with a Swedish/Norwegian/Danish location. Amounts with no currency at all keep
``salary_currency`` null (flag ``currency_unknown``): USD is never assumed.

Plausibility: the annualized amount, in USD at the day's rate when the
currency is known (raw otherwise), must lie in [1,000, 5,000,000]; hourly
rates above 1,000 USD are rejected; a range whose top is more than 10 times
its bottom is rejected. Currencies without an ECB rate (ARS, AED, TWD...)
cannot be judged: their values are kept, their period only from a marker. Implausible structured values are flagged
``structured_implausible`` and text is tried instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import ahocorasick

from jobmarket.core.currencies import iso4217_codes
from jobmarket.normalize.fx import fx_rate, to_date

PERIODS = ("year", "month", "week", "day", "hour")
# Declared annualization factors: 40 h x 52 weeks, 5 days x 52 weeks.
ANNUALIZATION = {"year": 1, "month": 12, "week": 52, "day": 260, "hour": 2080}
DEFAULT_REPORTING_CURRENCY = "EUR"
ANNUAL_MIN_USD, ANNUAL_MAX_USD = 1_000.0, 5_000_000.0
HOURLY_MIN_USD, HOURLY_MAX_USD = 5.0, 1_000.0
YEAR_IF_AT_LEAST_USD, HOUR_IF_AT_MOST_USD = 10_000.0, 300.0
MAX_RANGE_RATIO = 10.0

SALARY_FIELDS = (
    "salary_min", "salary_max", "salary_currency", "salary_period", "salary_source",
    "salary_annual_min", "salary_annual_max", "salary_min_reporting", "salary_max_reporting",
    "salary_reporting_currency", "salary_fx_date", "salary_flags",
)

_PERIOD_ALIASES = {
    "year": "year", "yearly": "year", "annual": "year", "annually": "year", "yr": "year",
    "month": "month", "monthly": "month", "mo": "month", "week": "week", "weekly": "week",
    "day": "day", "daily": "day", "hour": "hour", "hourly": "hour", "hr": "hour",
}
_DOLLAR_COUNTRIES = {"US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "SG": "SGD", "HK": "HKD"}
_KRONA_COUNTRIES = {"SE": "SEK", "NO": "NOK", "DK": "DKK"}
_CODES = (
    "USD|EUR|GBP|CAD|AUD|NZD|CHF|INR|SEK|NOK|DKK|PLN|JPY|SGD|HKD|CNY|RMB|BRL|MXN|ZAR|CZK|HUF|RON|"
    "BGN|ILS|TRY|KRW|PHP|IDR|MYR|THB|ISK|ARS|COP|CLP|PEN|UAH|AED|SAR|TWD|VND|NGN|KES|EGP|PKR|"
    "UYU|GEL|RSD"
)
_SYMBOLS = {
    "us$": "USD", "u$s": "USD", "ca$": "CAD", "c$": "CAD", "cad$": "CAD", "a$": "AUD", "au$": "AUD",
    "aud$": "AUD", "nz$": "NZD", "s$": "SGD", "sg$": "SGD", "hk$": "HKD", "r$": "BRL", "mx$": "MXN",
    "€": "EUR", "£": "GBP", "₹": "INR", "¥": "JPY", "￥": "JPY", "zł": "PLN", "zl": "PLN", "₩": "KRW",
    "₪": "ILS", "₱": "PHP", "rs": "INR", "rs.": "INR", "chf": "CHF", "fr.": "CHF", "euro": "EUR",
    "euros": "EUR", "eur": "EUR", "rmb": "CNY", "$": "$", "kr": "kr", "kr.": "kr", "sek": "SEK",
}
_CUR = (
    r"(?:US\$|U\$S|CA\$|CAD\$|C\$|AUD?\$|A\$|NZ\$|SG?\$|HK\$|R\$|MX\$|\$|€|£|₹|¥|￥|₩|₪|₱|zł|"
    r"Rs\.?(?=\s?\d)|Fr\.(?=\s?\d)|kr\.?|euros?|(?<![A-Za-z])(?:" + _CODES + r")(?![A-Za-z]))"
)
# Indian grouping first ("10,00,000" is ten lakh; read as 10.00 it failed
# every plausibility check and the pay was lost), then thousands groups, then plain.
_LAKH = r"\d{1,2}(?:,\d{2})+,\d{3}"
_NUM = (_LAKH + r"(?![\d,])|"
        r"\d{1,3}(?:(?:[,.'’]|\s|\u00a0|\u202f)\d{3})+(?:[.,]\d{1,2})?(?!\d)|\d+(?:[.,]\d{1,2})?(?!\d)")
_MULT = r"\s?(?:[kK](?![a-zA-Z])|LPA\b|lpa\b|[Ll]akhs?\b|[Ll]acs?\b|L\b|M\b|mn\b|million\b)"
_AMOUNT = re.compile(
    r"(?P<pre>" + _CUR + r")?\s?(?P<num>" + _NUM + r")(?P<mult>" + _MULT + r")?"
    r"(?:\s?(?P<post>" + _CUR + r"))?",
    re.I,
)
_JOIN = re.compile(
    r"^\s*(?:/?\s*(?:year|yr|annum|hour|hr|month)\s*)?(?:-|–|—|~|to|bis|and|until|a|à)\s*$", re.I
)
_MASK = re.compile(r"\b40[13]\s?\(?[kKbB]\)?|\b\d+(?:\.\d+)?\s?%|\b\d+\s?(?:-|–|to)\s?\d+\+?\s?(?:years|yrs|jahre)\b",
                   re.I)
_NOT_AMOUNT_AFTER = re.compile(
    r"^\s?(?:\+\s?)?(?:years?|yrs?|jahre?|hours?|hrs?\b(?!\s*/)|days?\b(?!\s*/)|weeks?|months?\b(?!ly)|"
    r"employees|people|users|customers|countries|%|x\b|st\b|nd\b|rd\b|th\b)",
    re.I,
)
_PERIOD_AFTER = (
    ("hour", re.compile(r"^\s?(?:[a-z]{3}\s)?(?:/\s?|per\s|an?\s|p\.?\s?)(?:hour|hr|h|stunde)\b|^\s?(?:[a-z]{3}\s)?hourly\b|^\s?(?:[a-z]{3}\s)?/\s?std\b", re.I)),
    ("day", re.compile(r"^\s?(?:[a-z]{3}\s)?(?:/\s?|per\s|a\s)(?:day|tag)\b|^\s?(?:[a-z]{3}\s)?daily\b", re.I)),
    ("week", re.compile(r"^\s?(?:[a-z]{3}\s)?(?:/\s?|per\s|a\s)(?:week|wk)\b|^\s?(?:[a-z]{3}\s)?weekly\b", re.I)),
    ("month", re.compile(r"^\s?(?:[a-z]{3}\s)?(?:gross\s|brutto\s?)?(?:/\s?|per\s|a\s|pro\s|por\s|al\s|par\s)(?:month|mo|mth|monat|mån|mes|mês|mois)\b|^\s?(?:[a-z]{3}\s)?(?:monthly\b|mensal|monatlich)", re.I)),
    ("year", re.compile(r"^\s?(?:[a-z]{3}\s)?(?:base\s|gross\s|brutto\s?|ote\s)?(?:/\s?|per\s|an?\s|p\.?\s?|pro\s|im\s)(?:year|yr|annum|a\.|jahr|an)\b|^\s?(?:[a-z]{3}\s)?(?:base\s)?(?:annual(?:ly)?|yearly|jährlich|p\.?\s?a\b\.?)|^\s?(?:[a-z]{3}\s)?/\s?(?:annual|y)\b", re.I)),
)
_PERIOD_BEFORE = (
    ("hour", re.compile(r"\b(?:hourly|per hour|stundenlohn)\b[^.\n]{0,25}$", re.I)),
    ("day", re.compile(r"\b(?:day rate|daily rate|tagessatz)\b[^.\n]{0,25}$", re.I)),
    ("month", re.compile(r"\b(?:monthly|per month|monatlich|monatsgehalt)\b[^.\n]{0,25}$", re.I)),
    ("year", re.compile(r"\b(?:annual|yearly|per annum|per year|jahresgehalt|p\.a\.)\b[^.\n]{0,25}$", re.I)),
)
_UP_TO = re.compile(r"\b(?:up to|upto|max(?:imum)?|bis zu|until)\s*$", re.I)
_FROM = re.compile(r"\b(?:from|starting(?: at| from)?|min(?:imum)?|at least|ab)\s*$", re.I)
_PAY_WORDS = re.compile(
    r"\b(?:salary|salaries|compensation|comp|pay|paid|wage|rate|ote|base|range|gehalt|vergütung|"
    r"verguetung|brutto|gross|remuneration|stipend|earnings|package|band|tc)\b",
    re.I,
)
# Money that is not pay: words just before the amount ("raised $54M", "referral
# bonus of $10,000") or just after it ("$5 trillion in trade", "$1k revenue").
_NOT_PAY_BEFORE = re.compile(
    r"\b(?:raised?|raising|funding|funded|series [a-e]|seed|revenue|arr|valuation|valued|assets|aum|"
    r"bonus|referral|budget|grant|prize|award|reward|investment|investors?|saves?|saving|spend|"
    r"customers|market|gmv|loans?|sales of|round|worth|managing)\b[^.;:\n\w]*(?:\w+[^.;:\n\w]+){0,2}$",
    re.I,
)
_NOT_PAY_AFTER = re.compile(
    r"^\W{0,3}(?:\+\s?)?(?:trillion|billion|million|bn|mn|in (?:funding|revenue|assets|sales|trade|"
    r"loans|investment|savings|arr)|revenue|arr\b|series|valuation|raised|funding|(?:signing |sign-on |"
    r"referral |relocation |joining )bonus|referral|budget|prize|grant|stipend for|credits?\b|"
    r"(?:of|in) assets|under management|gmv)",
    re.I,
)
_ESCAPES = re.compile(r"\\(?=[-+.*_#()\[\]!])")  # markdown escapes: "$80\-95"
_ANY_CURRENCY = re.compile(r"[$€£₹¥￥₩₪₱]|\b(?:" + _CODES + r"|zł|chf|euros?|kr|lpa|lakhs?)\b", re.I)


@dataclass
class _Candidate:
    lo: float | None
    hi: float | None
    currency: str | None
    period: str | None
    period_explicit: bool
    is_range: bool
    pay_word: bool
    start: int


_NUMBER_SEPARATORS = re.compile(r"[,.'’ ]")


_LAKH_GROUPS = re.compile(_LAKH)


def _number(text: str, mult: str | None) -> float | None:
    raw = text.replace("\u00a0", " ").replace("\u202f", " ")
    m = mult.strip().lower() if mult else ""
    groups = _NUMBER_SEPARATORS.split(raw)
    if _LAKH_GROUPS.fullmatch(raw):
        value = float(raw.replace(",", ""))
    elif len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        value = float("".join(groups))
    elif len(groups) > 2 and all(len(g) == 3 for g in groups[1:-1]) and len(groups[-1]) <= 2:
        value = float("".join(groups[:-1]) + "." + groups[-1])
    elif len(groups) == 2:
        value = float(groups[0] + "." + groups[1])
    else:
        try:
            value = float(raw)
        except ValueError:
            return None
    if m == "k":
        value *= 1_000
    elif m in ("lpa", "lakh", "lakhs", "lac", "lacs", "l"):
        value *= 100_000
    elif m in ("m", "mn", "million"):
        value *= 1_000_000
    return value


_CODE_FULL = re.compile(_CODES)


def _currency(token: str | None) -> str | None:
    if not token:
        return None
    key = token.strip().lower()
    if key in _SYMBOLS:
        return _SYMBOLS[key]
    upper = token.strip().upper()
    if _CODE_FULL.fullmatch(upper):
        return "CNY" if upper == "RMB" else upper
    return None


# The same few tokens ("$", "€", "USD") recur in every description.
_currency_cached = lru_cache(maxsize=1024)(_currency)


def _resolve_local(symbol: str | None, countries: list[str]) -> tuple[str | None, str | None]:
    """A '$' or 'kr' settled by the posting's countries; (currency, flag)."""
    if symbol == "$":
        if not countries or "US" in countries:
            return "USD", None
        found = {_DOLLAR_COUNTRIES.get(c) for c in countries}
        if len(found) == 1 and None not in found:
            return found.pop(), "currency_from_location"
        return None, "ambiguous_dollar"
    if symbol == "kr":
        found = {_KRONA_COUNTRIES.get(c) for c in countries}
        if len(found) == 1 and None not in found:
            return found.pop(), "currency_from_location"
        return None, "ambiguous_krona"
    return symbol, None


def _period_after(text: str) -> str | None:
    for period, rx in _PERIOD_AFTER:
        if rx.search(text):
            return period
    return None


# A match of _AMOUNT is an optional currency token (at most 5 characters:
# "euros"), an optional space, then the number, which starts with a digit. So
# no match starts more than 6 characters before the next digit; 8 is a margin.
_AMOUNT_LEAD = 8


def _amount_matches(masked: str) -> list[re.Match[str]]:
    """The matches of ``_AMOUNT.finditer(masked)``, found faster.

    Trying the big case-insensitive currency alternation at every position is
    most of the cost of :func:`_candidates`; a match can only start within
    ``_AMOUNT_LEAD`` characters before a digit, so the search jumps there
    (``Pattern.search(text, pos)`` sees the text before ``pos`` for ``\\b``
    and look-behinds, exactly as ``finditer`` does when it resumes).
    """
    out = []
    search, digit = _AMOUNT.search, _DIGIT.search
    pos, size = 0, len(masked)
    while pos <= size:
        d = digit(masked, pos)
        if d is None:
            break
        m = search(masked, max(pos, d.start() - _AMOUNT_LEAD))
        if m is None:
            break
        out.append(m)
        pos = m.end()  # never empty: the number is required
    return out


def _candidates(text: str, strict: bool) -> list[_Candidate]:
    """Pay amounts and ranges in ``text``, in order of appearance.

    Same result as ``_candidates_reference`` (tests/normalize/reference.py): amounts come from
    :func:`_amount_matches`, a match's groups are read once, currency tokens
    are mapped through the cached :func:`_currency_cached`, and in ``strict``
    mode a group without a currency is dropped before its period and pay-word
    regexes run (the reference drops it after them).
    """
    masked = _MASK.sub(lambda m: "#" * len(m.group(0)), _ESCAPES.sub("", text))
    amounts = []
    for m in _amount_matches(masked):
        pre, num, mult, post = m.group("pre", "num", "mult", "post")
        if not (pre or post) and _NOT_AMOUNT_AFTER.match(masked[m.end(): m.end() + 12]):
            continue
        if not pre:
            num_start = m.start("num")
            if masked[max(0, num_start - 1): num_start].isalnum():
                continue  # part of a word or an id ("Q4", "B2B")
        value = _number(num, mult)
        if value is None or value <= 0:
            continue
        amounts.append((m, value, pre, post, mult))
    out: list[_Candidate] = []
    i = 0
    while i < len(amounts):
        group = [amounts[i]]
        if i + 1 < len(amounts) and _JOIN.match(masked[amounts[i][0].end(): amounts[i + 1][0].start()]):
            group.append(amounts[i + 1])
        i += len(group)
        first, last = group[0][0], group[-1][0]
        symbols = [c for g in group for t in (g[2], g[3]) if t and (c := _currency_cached(t))]
        codes = [c for c in symbols if c not in ("$", "kr")]
        currency = codes[-1] if codes else (symbols[0] if symbols else None)
        mults = [g[4] for g in group]
        if currency is None and any(m and m.strip().lower().startswith(("lpa", "lakh", "lac")) for m in mults):
            currency = "INR"  # lakh per annum is an Indian unit
        if strict and not currency:
            continue
        # look past a trailing currency code for the period: "$160k-$240k USD base"
        tail = masked[last.end(): last.end() + 40]
        period = _period_after(tail)
        for g in group[:-1]:
            period = period or _period_after(masked[g[0].end(): g[0].end() + 15])
        before = masked[max(0, first.start() - 60): first.start()]
        if period is None:
            for p, rx in _PERIOD_BEFORE:
                if rx.search(before):
                    period = p
                    break
        values = [g[1] for g in group]
        if len(values) == 2 and mults[1] and not mults[0] and values[0] < 1000:
            values[0] = _number(first.group("num"), mults[1]) or values[0]
        has_unit = any(mults) or bool(currency)
        if not has_unit and max(values) < 1000 and period is None:
            continue  # bare small numbers: years, counts, versions
        pay_word = bool(_PAY_WORDS.search(before[-50:])) or bool(_PAY_WORDS.search(tail[:25]))
        if strict:
            if _NOT_PAY_BEFORE.search(before[-40:]) or _NOT_PAY_AFTER.match(tail[:30]):
                continue
            if not (len(values) == 2 or pay_word or period):
                continue
        if len(values) == 2:
            lo, hi = values
        else:
            lo = hi = values[0]
            if _UP_TO.search(before[-15:]):
                lo = None
            elif _FROM.search(before[-15:]) or masked[last.end(): last.end() + 2].strip().startswith("+"):
                hi = None
        out.append(_Candidate(lo, hi, currency, period, period is not None, len(values) == 2, pay_word,
                              first.start()))
    return out


def _usd(value: float, currency: str | None, on_date: date) -> float | None:
    """USD-equivalent for plausibility checks: the raw value when the currency is
    unknown, None when it is known but has no ECB rate (cannot be judged)."""
    if not currency:
        return value
    rate, _ = fx_rate(currency, "USD", on_date)
    return value * rate if rate else None


def _settle(lo: float | None, hi: float | None, currency: str | None, period: str | None,
            on_date: date, flags: list[str], infer_hour: bool = True) -> tuple[str | None, bool]:
    """Infer a missing period from the magnitude and check plausibility.
    Returns (period, plausible)."""
    values = [v for v in (lo, hi) if v is not None]
    if not values or any(not math.isfinite(v) or v <= 0 for v in values):
        return period, False
    if lo is not None and hi is not None and (lo > hi or hi / lo > MAX_RANGE_RATIO):
        return period, False
    top = _usd(max(values), currency, on_date)
    if top is None:  # e.g. ARS, AED: no ECB rate to judge magnitudes; keep the marker's period
        if period is None:
            flags.append("period_unknown")
        return period, True
    if period is None:
        if top >= YEAR_IF_AT_LEAST_USD:
            period = "year"
        elif top <= HOUR_IF_AT_MOST_USD and currency and infer_hour:
            period = "hour"
            flags.append("period_inferred")
        else:
            flags.append("period_unknown")
            return None, True
    if period == "hour" and (top > HOURLY_MAX_USD or _usd(min(values), currency, on_date) < HOURLY_MIN_USD):
        return period, False
    annual_low = _usd(min(values), currency, on_date) * ANNUALIZATION[period]
    annual_top = top * ANNUALIZATION[period]
    return period, ANNUAL_MIN_USD <= annual_low and annual_top <= ANNUAL_MAX_USD


_DIGIT = re.compile(r"\d")
_WINDOW = 90


_CURRENCY_WORDS = frozenset(
    [c.lower() for c in _CODES.split("|")] + ["zł", "chf", "euro", "euros", "kr", "lpa", "lakh", "lakhs"]
)
_CURRENCY_SYMBOLS = "$€£₹¥￥₩₪₱"
# Symbols, or any 2-5 letter word (every currency word is one): checking the
# word against a set is ~3x faster than trying ~60 case-insensitive
# alternatives at every word boundary, and finds the same matches as
# _ANY_CURRENCY (a `\bWORD\b` match is a whole run of word characters).
_CURRENCY_CANDIDATE = re.compile(r"[$€£₹¥￥₩₪₱]|\b[^\W\d_]{2,5}\b")
# The non-ASCII characters whose lower case is or holds an ASCII letter or "ł"
# (Kelvin sign, dotted capital I, Ł, ł): only with one of them can a currency
# word be spelled with a non-ASCII character. Such texts take the reference.
_NON_ASCII_CURRENCY_LETTERS = "\u212a\u0130\u0141\u0142"
# Bytes -> ASCII letters lower-cased, everything else (digits, "_", punctuation,
# "?" from non-ASCII characters) a space.
_LETTERS_ONLY = bytes(c | 0x20 if 65 <= c <= 90 or 97 <= c <= 122 else 32 for c in range(256))


def _currency_word_automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for word in _CURRENCY_WORDS:
        if word.isascii():  # "zł" is left to the reference (see above)
            auto.add_word(f" {word} ", len(word))
    auto.make_automaton()
    return auto


# " usd ", " eur "...: the currency words between spaces, found in C.
_CURRENCY_WORD_AUTOMATON = _currency_word_automaton()


def _currency_windows(text: str) -> str:
    """Only the stretches of a long description around currency marks, joined by
    blank lines (a description has many numbers; few of them are money).

    Same result as :func:`_currency_windows_plain` (which runs the Python
    loop over every short word), ~6x faster. The text is mapped to a same-length
    ASCII string of lower-case letters and spaces (each character one: non-ASCII
    ones become "?", then spaces), where the automaton finds the currency words
    standing between spaces. A whole-word match in the text always shows there
    (its neighbours are not letters); a candidate counts only where
    ``_CURRENCY_CANDIDATE`` matches exactly it in the text, which rejects
    "usd" in "usd100", "usd_x" or "éusd". Symbols are found with ``str.find``.
    """
    if any(c in text for c in _NON_ASCII_CURRENCY_LETTERS):
        return _currency_windows_plain(text)
    letters = " " + text.encode("ascii", "replace").translate(_LETTERS_ONLY).decode("ascii") + " "
    hits: list[tuple[int, int]] = []
    match = _CURRENCY_CANDIDATE.match
    for space_after, size in _CURRENCY_WORD_AUTOMATON.iter(letters):
        # letters[i] is text[i - 1]: the word is text[space_after - 1 - size:space_after - 1]
        first, stop = space_after - 1 - size, space_after - 1
        m = match(text, first)
        if m is not None and m.end() == stop:
            hits.append((first, stop))
    for symbol in _CURRENCY_SYMBOLS:
        i = text.find(symbol)
        while i >= 0:
            hits.append((i, i + 1))
            i = text.find(symbol, i + 1)
    hits.sort()
    spans: list[list[int]] = []
    for first, stop in hits:
        start, end = max(0, first - _WINDOW), stop + _WINDOW
        if spans and start <= spans[-1][1]:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return "\n\n".join(text[a:b] for a, b in spans)


def _currency_windows_plain(text: str) -> str:
    """The plain implementation of :func:`_currency_windows`, for texts with
    non-ASCII currency letters (the fast path handles ASCII only)."""
    spans: list[list[int]] = []
    for m in _CURRENCY_CANDIDATE.finditer(text):
        word = m.group()
        if len(word) > 1 and word.lower() not in _CURRENCY_WORDS:
            continue
        start, end = max(0, m.start() - _WINDOW), m.end() + _WINDOW
        if spans and start <= spans[-1][1]:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return "\n\n".join(text[a:b] for a, b in spans)


def parse_salary_text(text: str | None, on_date: date | datetime | str | None = None,
                      countries: Iterable[str] = (), strict: bool = False) -> dict[str, Any] | None:
    """Parse one text into ``{"min", "max", "currency", "period", "flags"}`` or None.

    ``strict=True`` is the description mode (see the module doc). ``countries``
    (ISO alpha-2) settle a bare "$" or "kr".
    """
    if not text or not _DIGIT.search(text):
        return None
    if strict:
        text = _currency_windows(text)
        if not text:
            return None
    day = to_date(on_date) or date.today()
    countries = list(countries)
    for cand in sorted(_candidates(text, strict),
                       key=lambda c: (not c.pay_word, not c.is_range, c.start) if strict else c.start):
        flags: list[str] = []
        currency, flag = _resolve_local(cand.currency, countries)
        if flag:
            flags.append(flag)
        if cand.currency is None:
            flags.append("currency_unknown")
        period, ok = _settle(cand.lo, cand.hi, currency, cand.period, day, flags, infer_hour=not strict)
        if not ok or (strict and period is None):
            continue
        return {"min": cand.lo, "max": cand.hi, "currency": currency, "period": period, "flags": flags}
    return None


def _positive(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _countries_of(row: Mapping[str, Any]) -> list[str]:
    from jobmarket.normalize.location import parse_location

    return parse_location(row.get("location"), row.get("remote"), row.get("workplace_type"))["countries"]


def normalize_salary(row: Mapping[str, Any], on_date: date | datetime | str | None,
                     reporting_currency: str = DEFAULT_REPORTING_CURRENCY,
                     countries: Iterable[str] | None = None) -> dict[str, Any]:
    """Normalized pay of one posting (keys: :data:`SALARY_FIELDS`).

    ``on_date`` picks the exchange rate (use the posting's ``posted_at`` date,
    else the partition date). ``countries`` are the posting's ISO countries
    (``parse_location(...)["countries"]``); parsed from ``row["location"]``
    when not given. Every key is present; unknowns are None, flags a list.
    """
    day = to_date(on_date) or date.today()
    reporting_currency = reporting_currency.upper()
    flags: list[str] = []
    out: dict[str, Any] = dict.fromkeys(SALARY_FIELDS)
    out["salary_reporting_currency"] = reporting_currency
    out["salary_flags"] = flags

    found = None
    lo, hi = _positive(row.get("salary_min")), _positive(row.get("salary_max"))
    if lo is not None or hi is not None:
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
            flags.append("bounds_swapped")
        currency = (str(row.get("salary_currency") or "").strip().upper() or None)
        if currency and currency not in iso4217_codes():
            # "TBD", "BTC": kept, the normalized suite's salary_currency:iso4217 quarantined the whole posting
            flags.append("currency_not_iso4217")
            currency = None
        period = _PERIOD_ALIASES.get(str(row.get("salary_period") or "").lower()) or None
        local: list[str] = []
        if currency is None:
            local.append("currency_unknown")
        period, ok = _settle(lo, hi, currency, period, day, local)
        if ok:
            found = {"min": lo, "max": hi, "currency": currency, "period": period, "flags": local}
            out["salary_source"] = "structured"
        else:
            flags.append("structured_implausible")
    if found is None:
        needs_text = row.get("salary_text") or row.get("description")
        if needs_text:
            where = list(countries) if countries is not None else _countries_of(row)
            found = parse_salary_text(row.get("salary_text"), day, where)
            if found is None:
                found = parse_salary_text(row.get("description"), day, where, strict=True)
            if found is not None:
                out["salary_source"] = "text"
    if found is None:
        return out
    flags.extend(found["flags"])
    out.update(salary_min=found["min"], salary_max=found["max"], salary_currency=found["currency"],
               salary_period=found["period"])
    if found["period"]:
        factor = ANNUALIZATION[found["period"]]
        out["salary_annual_min"] = found["min"] * factor if found["min"] is not None else None
        out["salary_annual_max"] = found["max"] * factor if found["max"] is not None else None
        if found["currency"]:
            rate, used = fx_rate(found["currency"], reporting_currency, day)
            if rate is None:
                flags.append("fx_unavailable")
            else:
                out["salary_fx_date"] = used
                for key in ("min", "max"):
                    annual = out[f"salary_annual_{key}"]
                    out[f"salary_{key}_reporting"] = round(annual * rate, 2) if annual is not None else None
    return out
