"""HTML descriptions to readable plain text."""

from __future__ import annotations

import html as _html
import re

_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer blockquote pre hr dt dd".split()
)
_DROP_XPATH = "//script|//style|//noscript|//template|//iframe"
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_BLANKS = re.compile(r"\n\s*\n+")


def _squeeze(text: str) -> str:
    lines = (line.strip() for line in _SPACES.sub(" ", text).split("\n"))  # _SPACES never spans a newline
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(value: str | None) -> str | None:
    """Convert an HTML (or plain) description to text.

    Block elements become line breaks and list items keep a bullet, so the
    tagger can still see the structure of sections. Greenhouse sends its
    content entity-escaped (``&lt;p&gt;``), so a body with escaped tags but no
    real ones is unescaped once before parsing.
    """
    if value is None:
        return None
    text = value
    if "<" not in text and "&lt;" in text:
        text = _html.unescape(text)
    if "<" not in text:
        out = _squeeze(_html.unescape(text))
        return out or None
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        out = _squeeze(_html.unescape(re.sub(r"<[^>]+>", " ", text)))
        return out or None
    for bad in root.xpath(_DROP_XPATH):
        bad.drop_tree()
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if tag == "li":
                el.text = "- " + (el.text or "")
    out = _squeeze(root.text_content())
    return out or None
