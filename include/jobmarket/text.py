"""HTML descriptions to readable plain text."""

from __future__ import annotations

import html as _html
import re

from jobmarket.hygiene import scrub

_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer blockquote pre hr dt dd".split()
)
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_BLANKS = re.compile(r"\n\s*\n+")
# _SPACES as str.replace of each character but " ", then runs of spaces.
_SPACE_LIKE = ("\t", "\r", "\f", "\v", "\u00a0", "\u200b")
_SPACE_RUNS = re.compile("  +")
_NEWLINE_RUNS = re.compile("\n\n\n+")


def _squeeze(text: str) -> str:
    """Runs of spaces (tabs, no-break and zero-width spaces) become one space,
    lines are stripped, runs of blank lines become one; the result is stripped.

    Same result as ``_squeeze_reference`` (tests/normalize/reference.py), ~8x faster: ``_SPACES.sub`` made
    a match for every single space. Replacing each other space-like character
    by " " keeps the runs where they are, and only runs of two or more spaces
    then need a regex. Once every line is stripped, whitespace next to a
    newline can only be another newline, so ``_BLANKS`` matches exactly the
    runs of two or more newlines, and only runs of three or more change.
    """
    for char in _SPACE_LIKE:
        text = text.replace(char, " ")
    if "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    text = "\n".join(map(str.strip, text.split("\n")))
    if "\n\n\n" in text:
        text = _NEWLINE_RUNS.sub("\n\n", text)
    return text.strip()


def html_to_text(value: str | None) -> str | None:
    """Convert an HTML (or plain) description to text.

    Block elements become line breaks and list items keep a bullet, so the
    tagger can still see the structure of sections. Greenhouse sends its
    content entity-escaped (``&lt;p&gt;``), so a body with escaped tags but no
    real ones is unescaped once before parsing.
    """
    if not isinstance(value, str):  # a board sent a number or an object: no description
        return None
    text = scrub(value)
    if "<" not in text and "&lt;" in text:
        text = scrub(_html.unescape(text))  # "&#0;" unescapes to a control character
    if "<" not in text:
        out = _squeeze(scrub(_html.unescape(text)))
        return out or None
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        out = _squeeze(scrub(_html.unescape(re.sub(r"<[^>]+>", " ", text))))
        return out or None
    # lxml picks the elements by name in C: the same ones, in the same order, as
    # the XPath in html_to_text_reference (tests/normalize/reference.py), in a third of the time.
    for bad in list(root.iter(*_DROP_TAGS)):
        bad.drop_tree()
    for el in root.iter():
        tag = el.tag  # a function (not in the set) for comments and processing instructions
        if tag in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if tag == "li":
                el.text = "- " + (el.text or "")
    out = _squeeze(root.text_content())
    return out or None


