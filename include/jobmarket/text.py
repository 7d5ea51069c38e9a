"""HTML descriptions to readable plain text."""

from __future__ import annotations

import html as _html
import re
import threading

from jobmarket.hygiene import scrub

# Elements whose end is a line break in the text. Table cells and the other
# block elements here are too: lxml's text_content() joins the text of
# adjacent elements with nothing between ("<td>Python</td><td>Go</td>" was
# "PythonGo", and neither skill was found).
_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer blockquote pre hr dt dd "
    "td th caption dl figure figcaption main aside nav address details summary fieldset legend".split()
)
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_BLANKS = re.compile(r"\n\s*\n+")
# _SPACES as str.replace of each character but " ", then runs of spaces.
_SPACE_LIKE = ("\t", "\r", "\f", "\v", "\u00a0", "\u200b")
_SPACE_RUNS = re.compile("  +")
_NEWLINE_RUNS = re.compile("\n\n\n+")
# The references that make up nearly every "&" of real descriptions
# (Greenhouse's entity-escaped HTML is ~90 "&lt;"/"&gt;" per posting).
_COMMON_REFS = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&nbsp;", "\u00a0"))


def _common_refs(text: str) -> list[tuple[str, str]] | None:
    """The references of :data:`_COMMON_REFS` in ``text`` (``&amp;`` aside), or
    None if some "&" starts none of them nor ``&amp;``."""
    left = text.count("&") - text.count("&amp;")
    found = []
    for ref, char in _COMMON_REFS:
        if not left:
            break
        n = text.count(ref)
        if n:
            found.append((ref, char))
            left -= n
    return None if left else found


def unescape(text: str, *, scrubbed: bool = False) -> str:
    """``html.unescape(text)``, in under half the time when every "&" starts
    ``&amp;`` or one of :data:`_COMMON_REFS`.

    Each reference starts at an "&" and holds no other, so two never overlap
    and ``str.replace`` of each finds exactly the matches ``html.unescape``
    would; ``&amp;`` goes last, so the "&" it yields never starts another.
    Any other "&" (a numeric or rarer named reference, a bare "&") takes
    ``html.unescape`` itself, which calls a Python function per reference.

    ``scrubbed``: ``text`` is scrubbed and so must the result be. The fast
    path only makes ``< > " ' & U+00A0``; ``html.unescape`` can make a
    control character ("&#12;"), so its result is scrubbed again.
    """
    if "&" not in text:
        return text
    found = _common_refs(text)
    if found is None:
        out = _html.unescape(text)
        return scrub(out) if scrubbed else out
    for ref, char in found:
        text = text.replace(ref, char)
    return text.replace("&amp;", "&")


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
    # A soft hyphen is a line-break hint inside a word (German "Daten&shy;bank"):
    # kept, the word no longer matched anything that reads the text.
    text = text.replace("\u00ad", "")
    for char in _SPACE_LIKE:
        text = text.replace(char, " ")
    if "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    text = "\n".join(map(str.strip, text.split("\n")))
    if "\n\n\n" in text:
        text = _NEWLINE_RUNS.sub("\n\n", text)
    return text.strip()


_PARSERS = threading.local()  # a parser keeps its last parse's error log: one per thread


def _html_parser():
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        import lxml.html

        parser = _PARSERS.parser = lxml.html.HTMLParser(huge_tree=True)
    return parser


_DROP_OPEN = re.compile(r"<(" + "|".join(_DROP_TAGS) + r")\b[^<>]*>", re.I)
# A tag, or one cut off by the end of the text (scrub caps strings at
# MAX_CHARS). "[^<>]", not "[^>]": each "<" ends a candidate, so a text of
# many "<" and no ">" is one pass, not one pass per "<".
_TAG = re.compile(r"<[^<>]+>|<[a-zA-Z/!?][^<>]*$")


def _without_dropped(text: str) -> str:
    """``text`` without the contents of scripts, styles and the other
    :data:`_DROP_TAGS`; one left open runs to the end, as in a parser. One
    pass: each search starts where the last one ended."""
    out, pos = [], 0
    while (m := _DROP_OPEN.search(text, pos)) is not None:
        out.append(text[pos:m.start()])
        close = re.compile(r"</" + m.group(1) + r"\s*>", re.I).search(text, m.end())
        if close is None:
            return " ".join(out)
        out.append(" ")
        pos = close.end()
    out.append(text[pos:])
    return "".join(out)


def _tags_stripped(text: str) -> str | None:
    """The words of HTML lxml could not make a tree of, without its structure
    (what the tree would drop, scripts and styles, dropped here too)."""
    out = _squeeze(unescape(_TAG.sub(" ", _without_dropped(text)), scrubbed=True))
    return out or None


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
        text = unescape(text, scrubbed=True)
    if "<" not in text:
        out = _squeeze(unescape(text, scrubbed=True))
        return out or None
    import lxml.html
    from lxml import etree

    parser = _html_parser()
    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):
        return _tags_stripped(text)
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        # Elements nested deeper than libxml2 builds (2,048 with huge_tree;
        # 256 without, which a few hundred unclosed <span>s reach) are dropped
        # from the tree with nothing but this log entry: keep the words.
        return _tags_stripped(text)
    # lxml picks the elements by name in C: the same ones as the XPath and the
    # walk over every node in html_to_text_reference (tests/normalize/reference.py);
    # each block element's change is its own, so the order does not matter.
    for bad in list(root.iter(*_DROP_TAGS)):
        bad.drop_tree()
    for el in root.iter(*_BLOCK_TAGS):
        tail = el.tail or ""
        try:
            el.tail = "\n" + tail
        except ValueError:  # it holds a control character lxml decoded from a reference (&#1;): no setting it back
            el.tail = "\n" + scrub(tail)
        if el.tag == "li":
            head = el.text or ""
            try:
                el.text = "- " + head
            except ValueError:
                el.text = "- " + scrub(head)
    content = root.text_content()
    if "&#" in text:  # the input was scrubbed; only a numeric reference can bring a control character back
        content = scrub(content)
    out = _squeeze(content)
    return out or None
