"""Small text helpers shared by the normalizers."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

_SPACES = re.compile(r"\s+")
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]")


def fix_text(text: str) -> str:
    """Decode entities, repair UTF-8 read as Latin-1 ("KrakÃ³w") and squeeze spaces."""
    if "&" in text:
        text = html.unescape(text)
    if _MOJIBAKE.search(text):
        try:
            text = text.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Matching key: accents stripped, case folded, dots dropped, spaces squeezed.

    ``"São Paulo"`` and ``"sao paulo"`` fold alike; ``"U.S."`` folds to ``"us"``.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace(".", "").replace("\u2019", "'")
    return _SPACES.sub(" ", text).strip()


def trailing_run_start(words: list[str], forms: frozenset[tuple[str, ...]],
                       joined: Callable[[int], bool] = lambda i: True) -> int | None:
    """The smallest ``k >= 1`` such that ``words[k:]`` is a sequence of
    ``forms`` (tuples of words), or None: where a regex such as
    ``(\\s+(?:only|metro area))+$`` would start matching, found in one pass
    from the end (the regex restarts at every word of a long run that does not
    end the text, which is quadratic). ``joined(i)``: words ``i`` and ``i + 1``
    may be two words of one form."""
    n = len(words)
    if n < 2 or not any(form[-1] == words[-1] for form in forms):
        return None  # the usual case: the text does not end with a form
    widest = max(map(len, forms))
    ok = [False] * (n + 1)  # ok[k]: words[k:] is a sequence of forms
    ok[n] = True
    for k in range(n - 1, 0, -1):
        for width in range(1, min(widest, n - k) + 1):
            if width > 1 and not joined(k + width - 2):
                break
            if ok[k + width] and tuple(words[k:k + width]) in forms:
                ok[k] = True
                break
    return next((k for k in range(1, n) if ok[k]), None)
