"""Text hygiene: what every string from a board goes through before any
parser (lxml, BeautifulSoup) or the Parquet writer sees it.

* NUL and the other control characters (C0 but tab, newline and carriage
  return; DEL; C1) are removed: lxml refuses them ("All strings must be XML
  compatible") and they carry nothing a reader could use.
* Lone surrogates (``"\\ud800"`` is valid JSON, not valid UTF-8) and the
  non-characters U+FFFE/U+FFFF become U+FFFD: Arrow and lxml cannot encode them.
* A string longer than :data:`MAX_CHARS` characters is cut to it. The longest
  real description in the 390-board crawl is under 60,000 characters; a
  longer value is a broken or hostile response, and 200,000 is also the
  upper bound of the ``description:length`` expectation (quality.yaml).

Each change is recorded on the posting's ``text_flags`` as ``<kind>:<field>``
(``capped:content``, ``control_chars:title``, ``invalid_unicode:content``)
so a cut or cleaned value is never mistaken for what the board sent.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_CHARS = 200_000
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_UNENCODABLE = re.compile("[\ud800-\udfff\ufffe\uffff]")
_ANY_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def scrub(text: str, notes: list[str] | None = None, field: str = "text") -> str:
    """``text`` made safe for the parsers and Parquet; what was changed is
    appended to ``notes`` as ``<kind>:<field>``."""
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        if notes is not None:
            notes.append(f"capped:{field}")
    if not _ANY_BAD.search(text):  # the usual case: one scan, no copy
        return text
    cleaned = _CONTROL.sub("", text)
    if notes is not None and len(cleaned) != len(text):
        notes.append(f"control_chars:{field}")
    out = _UNENCODABLE.sub("\ufffd", cleaned)
    if notes is not None and out != cleaned:
        notes.append(f"invalid_unicode:{field}")
    return out


def scrub_object(obj: Any, notes: list[str] | None = None, field: str | None = None) -> Any:
    """A parsed JSON value with every string (keys too) scrubbed; ``field`` is
    the top-level key a note is filed under (None: the keys of ``obj``)."""
    if isinstance(obj, str):
        return scrub(obj, notes, field or "value")
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            key = scrub(k, notes, field or "key") if isinstance(k, str) else k
            out[key] = scrub_object(v, notes, field or str(key))
        return out
    if isinstance(obj, list):
        return [scrub_object(v, notes, field or "item") for v in obj]
    return obj


# What a bad character looks like once json.dumps (ensure_ascii, the default)
# has written it: every character outside printable ASCII becomes an escape
# (\uXXXX, or \b \f \n \r \t), except DEL, which stays as it is. C0 but
# tab/newline/return, C1, surrogates (a non-BMP character is a surrogate
# pair too: a false alarm, never a miss) and U+FFFE/U+FFFF.
_DUMPED_BAD = re.compile(r"\\(?:u(?:00[0189]|007f|d[89a-f]|fff[ef])|[bf])")


# The same once msgspec has written it as UTF-8 (``parse_reuse.encoded_payload``):
# C0 but tab/newline/return escaped (\b, \f, \u00XX), DEL as it is, C1 and
# U+FFFE/U+FFFF as their UTF-8 bytes (\xc2 and \xef always lead a character,
# so these byte pairs are exactly those characters). It cannot write a lone
# surrogate (the encoding fails instead), so those need no pattern. One
# pattern per lead byte: each is a fast scan for a literal, where one
# alternation of all four is tried at every byte (2.5 times the CPU).
_ENCODED_ESCAPE = re.compile(rb"\\(?:u00[01]|[bf])")
_ENCODED_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_ENCODED_NONCHAR = re.compile(rb"\xef\xbf[\xbe\xbf]")


def encoded_is_clean(encoded: bytes) -> bool:
    """:func:`dumped_is_clean` for an object msgspec encoded as UTF-8 JSON. No
    string is longer in characters than the whole encoding is in bytes, so
    the length test is safe; an escaped backslash followed by ``b``, ``f`` or
    ``u00`` gives a false alarm, which only means "scrub it"."""
    return (len(encoded) <= MAX_CHARS and b"\x7f" not in encoded and _ENCODED_ESCAPE.search(encoded) is None
            and (b"\xc2" not in encoded or _ENCODED_C1.search(encoded) is None)
            and (b"\xef\xbf" not in encoded or _ENCODED_NONCHAR.search(encoded) is None))


def dumped_is_clean(dumped: str) -> bool:
    """Whether the object ``json.dumps(obj)`` wrote as ``dumped`` would come
    out of :func:`scrub_posting` unchanged and without notes. A false answer
    only means "scrub it": an escaped backslash followed by ``u0080`` or a
    non-BMP character gives one. The parse step dumps every object anyway
    (its reuse key), and this check costs a twentieth of scrubbing it."""
    return len(dumped) <= MAX_CHARS and "\x7f" not in dumped and _DUMPED_BAD.search(dumped) is None


def scrub_posting(obj: Any) -> tuple[Any, list[str]]:
    """One raw posting object, scrubbed, and its notes (sorted, unique)."""
    notes: list[str] = []
    clean = scrub_object(obj, notes)
    return clean, sorted(set(notes))


def json_text(value: Any, **dumps) -> str:
    """``json.dumps(value, ensure_ascii=False, **dumps)``: readable UTF-8, or,
    when ``value`` holds a lone surrogate (which UTF-8 cannot carry: Parquet
    and a UTF-8 stream refuse it), ASCII with that character escaped."""
    text = json.dumps(value, ensure_ascii=False, **dumps)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, **dumps)
    return text
