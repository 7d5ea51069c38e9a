"""The parse step skips scrubbing a posting object when its JSON dump shows
nothing to scrub (hygiene.dumped_is_clean). The check must never miss: an
object it calls clean is one scrub_posting returns unchanged with no notes."""

from __future__ import annotations

import json

import pytest
from jobmarket.hygiene import MAX_CHARS, dumped_is_clean, encoded_is_clean, scrub_posting
from jobmarket.incremental.parse_reuse import encoded_payload

from tests.support import BOARDS

BAD = ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x80", "\x9f", "\ud800", "\udfff", "\ufffe",
       "\uffff"]
FINE = ["\t", "\n", "\r", " ", "é", "€", "\u2028", "\ufeff", "😀", "\\u0080 written out", "\\b", "\u00a0"]


def _dump(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), default=str)


# Both checks: the json.dumps one, and the one of msgspec's UTF-8 encoding
# (parse_reuse.encoded_payload), which never sees a lone surrogate: msgspec
# refuses to decode one, so such a document takes the json.dumps path.
CHECKS = {
    "dumped": lambda obj: dumped_is_clean(_dump(obj)),
    "encoded": lambda obj: encoded_is_clean(encoded_payload(obj)),
}


@pytest.mark.parametrize(("check", "ch"), [(c, ch) for c in sorted(CHECKS) for ch in BAD
                                           if c == "dumped" or not "\ud800" <= ch <= "\udfff"])
@pytest.mark.parametrize("where", ["value", "key", "nested"])
def test_every_character_scrub_removes_is_seen_in_the_dump(ch, where, check):
    obj = {"title": f"Data{ch}Engineer"} if where == "value" else (
        {f"ti{ch}tle": "Data Engineer"} if where == "key" else {"offices": [{"name": f"Ber{ch}lin"}]})
    cleaned, notes = scrub_posting(obj)
    assert notes and cleaned != obj
    assert not CHECKS[check](obj)


@pytest.mark.parametrize("ch", FINE)
def test_characters_scrub_keeps_are_clean_or_a_false_alarm(ch):
    obj = {"title": f"Data{ch}Engineer", "n": 3, "ok": True, "x": None}
    assert scrub_posting(obj) == (obj, [])
    if ch not in ("😀", "\\u0080 written out", "\\b"):  # a surrogate pair, written-out escapes: false alarms
        assert dumped_is_clean(_dump(obj))


def test_a_value_scrub_would_cap_is_not_clean():
    obj = {"content": "a" * (MAX_CHARS + 1)}
    assert scrub_posting(obj)[1] == ["capped:content"] and not dumped_is_clean(_dump(obj))


def test_no_recorded_posting_is_called_clean_when_scrub_changes_it():
    """Every posting object of every recorded board response."""
    checked = clean = 0
    for path in sorted(BOARDS.rglob("*.json")):
        try:
            doc = json.loads(path.read_bytes())
        except ValueError:
            continue
        objs = doc.get("jobs") or doc.get("content") or doc.get("data") or [] if isinstance(doc, dict) else doc
        for obj in objs if isinstance(objs, list) else []:
            if dumped_is_clean(_dump(obj)):
                assert scrub_posting(obj) == (obj, []), path
                clean += 1
            checked += 1
    assert checked > 500 and clean > checked // 2, (checked, clean)
