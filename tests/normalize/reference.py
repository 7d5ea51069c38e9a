"""The plain implementations the package's fast paths must agree with.

``html_to_text``, ``salary._candidates``, ``salary._currency_windows``,
``title.normalize_title``, the location noise and company legal-form
stripping were rewritten for speed; these are the plain
versions they replaced, kept here (test-only code) and compared with the fast
ones on real fixture texts (``test_fast_paths.py``, ``test_fast_paths_title_candidates.py``).
"""

from __future__ import annotations

import html
import re

from jobmarket import text as text_mod
from jobmarket.normalize import salary
from jobmarket.normalize import title as title_mod

_DROP_XPATH = "//" + "|//".join(text_mod._DROP_TAGS)

def _squeeze_reference(text: str) -> str:
    """The plain implementation of :func:`_squeeze` (kept for the tests)."""
    text = text.replace("\u00ad", "")  # soft hyphens
    lines = (line.strip() for line in text_mod._SPACES.sub(" ", text).split("\n"))  # _SPACES never spans a newline
    return text_mod._BLANKS.sub("\n\n", "\n".join(lines)).strip()


def html_to_text_reference(value: str | None) -> str | None:
    """The plain implementation of :func:`html_to_text` (kept for the tests)."""
    if not isinstance(value, str):
        return None
    text = text_mod.scrub(value)
    if "<" not in text and "&lt;" in text:
        text = text_mod.scrub(html.unescape(text))
    if "<" not in text:
        out = _squeeze_reference(text_mod.scrub(html.unescape(text)))
        return out or None
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):
        return text_mod._tags_stripped(text)  # the fallback has its own known-answer tests
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        return text_mod._tags_stripped(text)
    for bad in root.xpath(_DROP_XPATH):
        bad.drop_tree()
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in text_mod._BLOCK_TAGS:
            el.tail = "\n" + text_mod.scrub(el.tail or "")
            if tag == "li":
                el.text = "- " + text_mod.scrub(el.text or "")
    out = _squeeze_reference(text_mod.scrub(root.text_content()))
    return out or None


def _candidates_reference(text: str, strict: bool) -> list[salary._Candidate]:
    """The plain implementation of :func:`_candidates` (kept for the tests)."""
    masked = salary._MASK.sub(lambda m: "#" * len(m.group(0)), salary._ESCAPES.sub("", text))
    amounts = []
    for m in salary._AMOUNT.finditer(masked):
        after = masked[m.end(): m.end() + 12]
        if salary._NOT_AMOUNT_AFTER.match(after) and not (m.group("pre") or m.group("post")):
            continue
        if not m.group("pre") and masked[max(0, m.start("num") - 1): m.start("num")].isalnum():
            continue  # part of a word or an id ("Q4", "B2B")
        value = salary._number(m.group("num"), m.group("mult"))
        if value is None or value <= 0:
            continue
        amounts.append((m, value))
    out: list[salary._Candidate] = []
    i = 0
    while i < len(amounts):
        m1, v1 = amounts[i]
        group = [(m1, v1)]
        if i + 1 < len(amounts):
            m2, v2 = amounts[i + 1]
            if salary._JOIN.match(masked[m1.end(): m2.start()]):
                group.append((m2, v2))
        i += len(group)
        last = group[-1][0]
        cur_tokens = [t for m, _ in group for t in (m.group("pre"), m.group("post")) if t]
        codes = [c for c in (salary._currency(t) for t in cur_tokens) if c and c not in ("$", "kr")]
        symbols = [c for c in (salary._currency(t) for t in cur_tokens) if c]
        currency = codes[-1] if codes else (symbols[0] if symbols else None)
        # look past a trailing currency code for the period: "$160k-$240k USD base"
        tail = masked[last.end(): last.end() + 40]
        period = salary._period_after(tail)
        for mm, _ in group[:-1]:
            period = period or salary._period_after(masked[mm.end(): mm.end() + 15])
        before = masked[max(0, group[0][0].start() - 60): group[0][0].start()]
        if period is None:
            for p, rx in salary._PERIOD_BEFORE:
                if rx.search(before):
                    period = p
                    break
        mults = [m.group("mult") for m, _ in group]
        values = [v for _, v in group]
        if len(values) == 2 and mults[1] and not mults[0] and values[0] < 1000:
            values[0] = salary._number(group[0][0].group("num"), mults[1]) or values[0]
        if currency is None and any(m and m.strip().lower().startswith(("lpa", "lakh", "lac")) for m in mults):
            currency = "INR"  # lakh per annum is an Indian unit
        has_unit = any(mults) or bool(currency)
        if not has_unit and max(values) < 1000 and period is None:
            continue  # bare small numbers: years, counts, versions
        pay_word = bool(salary._PAY_WORDS.search(before[-50:])) or bool(salary._PAY_WORDS.search(tail[:25]))
        if strict:
            if not currency or salary._NOT_PAY_BEFORE.search(before[-40:]) or salary._NOT_PAY_AFTER.match(tail[:30]):
                continue
            if not (len(values) == 2 or pay_word or period):
                continue
        if len(values) == 2:
            lo, hi = values
        else:
            lo = hi = values[0]
            if salary._UP_TO.search(before[-15:]):
                lo = None
            elif salary._FROM.search(before[-15:]) or masked[last.end(): last.end() + 2].strip().startswith("+"):
                hi = None
        out.append(salary._Candidate(lo, hi, currency, period, period is not None, len(values) == 2, pay_word,
                              group[0][0].start()))
    return out


def _currency_windows_reference(text: str) -> str:
    """The plain implementation of :func:`_currency_windows` (kept for the tests)."""
    spans: list[list[int]] = []
    for m in salary._CURRENCY_CANDIDATE.finditer(text):
        word = m.group()
        if len(word) > 1 and word.lower() not in salary._CURRENCY_WORDS:
            continue
        start, end = max(0, m.start() - salary._WINDOW), m.end() + salary._WINDOW
        if spans and start <= spans[-1][1]:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return "\n\n".join(text[a:b] for a, b in spans)


def _normalize_title_reference(title: str | None) -> str:
    """The plain implementation of :func:`normalize_title` (uncached; kept for the tests)."""
    if not title:
        return ""
    from jobmarket.normalize.location import is_place

    text = title_mod.fix_text(str(title))
    text = title_mod._GENDER.sub(" ", text)
    text = title_mod._WORKPLACE.sub(" ", text)
    text = title_mod._REQ.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip(" -–—|,:/")
    for _ in range(2):
        m = title_mod._TRAIL.match(text)
        if not m or not is_place(m.group("tail")):
            break
        text = m.group("head").strip(" -–—|,:/")
    for rx, word in title_mod._ABBREV:
        text = rx.sub(word, text)
    text = title_mod._PUNCT.sub(" ", title_mod.fold(text))
    return re.sub(r"\s+", " ", text).strip()


_NOISE_EDGE = re.compile(
    r"^(?:(?:anywhere in|anywhere|in|from|within|the|near|based in|located in|across|greater|eligible|"
    r"downtown|all)\s+)+"
    r"|(?:\s+(?:only|based|hq|headquarters|metro|metropolitan area|area|office|offices|ok|"
    r"preferred|friendly|first|select locations|locations|location|required))+$",
    re.I,
)
_LEGAL = re.compile(
    r"(?:[,\s]+(?:inc|incorporated|llc|l l c|ltd|limited|gmbh|mbh|ag|sa|s a|sas|sarl|srl|spa|s p a|bv|b v|nv|"
    r"plc|pbc|corp|corporation|co|company|lp|llp|pty|pte|oy|ab|as|aps|kg|ug|se|sl|kk|"
    r"gmbh co kg|co kg|holdings?|group)\b)+\s*$"
)


def noise_edges_reference(part: str) -> str:
    """The regex location.py used to strip noise words from both ends of a part
    (quadratic in a long run of trailing words that does not end the part)."""
    return _NOISE_EDGE.sub("", part)


def legal_suffix_reference(text: str) -> str:
    """The regex company.py used to strip trailing legal forms (quadratic likewise)."""
    return _LEGAL.sub("", text)
