"""The parse step keys and checks posting objects through msgspec when it can
(``parse_reuse.decode_body``, ``encoded_payload``; ``hygiene.encoded_is_clean``).
Three things must hold, or a posting changes:

* ``decode_body`` gives exactly what ``json.loads`` gives, and says "exact"
  only for documents whose objects msgspec encodes without ambiguity;
* ``encoded_is_clean`` never calls an object clean that ``scrub_posting``
  would change (it may raise a false alarm; the characters scrub removes, in
  keys, values and nested, are checked beside the json.dumps check in
  test_hygiene_fast_path.py);
* an object keyed from its encoding changes key when any value changes.
"""

from __future__ import annotations

import json

import pytest
from jobmarket.hygiene import MAX_CHARS, encoded_is_clean, scrub_posting
from jobmarket.incremental.parse_reuse import decode_body, encoded_payload, object_key

from tests.support import BOARDS, FIXTURES

FINE = ["\t", "\n", "\r", " ", "é", "€", "\u2028", "\ufeff", "😀", "\\u0080 written out", "\u00a0", "\\"]


@pytest.mark.parametrize("ch", FINE)
def test_characters_scrub_keeps_are_clean(ch):
    obj = {"title": f"Data{ch}Engineer", "n": 3, "ok": True, "x": None, "f": 1.5}
    assert scrub_posting(obj) == (obj, [])
    assert encoded_is_clean(encoded_payload(obj))


def test_an_escaped_backslash_before_b_is_a_false_alarm_only():
    obj = {"title": "C:\\bin"}
    assert scrub_posting(obj) == (obj, []) and not encoded_is_clean(encoded_payload(obj))


def test_every_code_point_clean_means_scrub_changes_nothing():
    """Every code point below U+3000 and every 7th above it (no surrogates:
    see the next test): an encoding called clean is never one scrub changes,
    and every character scrub removes or replaces is caught."""
    points = [*range(0x3000), *range(0x3000, 0x110000, 7), 0xFFFE, 0xFFFF]
    missed, caught = [], 0
    for cp in points:
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        obj = {"t": f"a{ch}b", f"k{ch}": [ch]}
        changed = scrub_posting(obj) != (obj, [])
        clean = encoded_is_clean(encoded_payload(obj))
        if clean and changed:
            missed.append(hex(cp))
        caught += changed and not clean
    assert not missed
    assert caught == 0x20 - 3 + 1 + 0x20 + 2  # C0 but tab/newline/return, DEL, C1, U+FFFE/U+FFFF


@pytest.mark.parametrize("body", [
    b'{"t": "a\\ud800b"}', b'{"t": "\\udfff"}', b'{"x": NaN}', b'{"x": [Infinity]}', b'{"x": -Infinity}',
    b'{"x": 1e400}', b'\xef\xbb\xbf{"t": "bom"}',
])
def test_documents_msgspec_could_not_encode_exactly_fall_back_to_json_loads(body):
    value, exact = decode_body(body)
    assert not exact
    assert repr(value) == repr(json.loads(body))  # repr: NaN != NaN


@pytest.mark.parametrize("body", [b'{"a": 1,', b"", b"\xff\xfe", b'{"a": "x\x01y"}', b"[1,]", b"01"])
def test_what_json_loads_refuses_is_refused(body):
    with pytest.raises(ValueError):
        json.loads(body)
    assert decode_body(body) == (None, False)


def test_values_are_json_loads_values():
    body = (b'{"a":1,"a":2,"big":123456789012345678901234567890,"neg":-99999999999999999999,'
            b'"f":[0.1,1e22,1E-7,1.5e-324,-0.0,1.0000000000000002],"u":"\\u00e9\\ud83d\\ude00\\u0000","n":null}')
    value, exact = decode_body(body)
    assert exact and repr(value) == repr(json.loads(body))
    assert list(value) == list(json.loads(body))  # key order kept


def _recorded_bodies():
    for base, pattern in ((BOARDS, "*.json"), (FIXTURES / "greenhouse-crawl", "*.json"),
                          (FIXTURES / "greenhouse-history", "*.json")):
        yield from sorted(base.rglob(pattern))


def test_every_recorded_response_decodes_to_the_json_loads_value():
    """Every recorded JSON response (the boards, the 390-board crawl, the
    history): the same values in the same order, and each posting object's
    clean verdict is never wrong."""
    files = exact_files = objects = 0
    for path in _recorded_bodies():
        body = path.read_bytes()
        try:
            expected = json.loads(body)
        except ValueError:
            assert decode_body(body) == (None, False), path
            continue
        value, exact = decode_body(body)
        assert repr(value) == repr(expected), path
        files += 1
        exact_files += exact
        doc = value
        objs = doc.get("jobs") or doc.get("content") or doc.get("data") or [] if isinstance(doc, dict) else doc
        for obj in objs if isinstance(objs, list) and exact else []:
            if encoded_is_clean(encoded_payload(obj)):
                assert scrub_posting(obj) == (obj, []), path
            objects += 1
    assert files > 600 and exact_files == files and objects > 60_000, (files, exact_files, objects)


def test_any_changed_value_changes_the_key():
    base = {"id": 1, "title": "Data Engineer", "pay": 1.0, "remote": False, "tags": ["a"], "x": None}
    variants = [{**base, "id": "1"}, {**base, "pay": 1}, {**base, "remote": 0}, {**base, "tags": ["a", "b"]},
                {**base, "x": "null"}, {**base, "title": "Data Engineer "}, {**base, "remote": None},
                {**base, "pay": 1.0000000000000002}]
    keys = {object_key("greenhouse", "b", "c", o, encoded_payload(o)) for o in [base, *variants]}
    assert len(keys) == len(variants) + 1


def test_a_value_scrub_would_cap_is_not_clean():
    obj = {"content": "a" * (MAX_CHARS + 1)}
    assert scrub_posting(obj)[1] == ["capped:content"] and not encoded_is_clean(encoded_payload(obj))
    assert encoded_is_clean(encoded_payload({"content": "a" * (MAX_CHARS - 20)}))
