"""Small text helpers shared by the normalizers."""

from __future__ import annotations

import html
import re
import unicodedata

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
