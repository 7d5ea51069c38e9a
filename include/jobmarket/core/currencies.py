"""ISO 4217 currency codes, shipped as data (``iso4217.txt``, source named there)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

CODES_FILE = Path(__file__).with_name("iso4217.txt")


@cache
def iso4217_codes() -> frozenset[str]:
    lines = CODES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#"))


def regenerate_from_babel(on: str = "2026-01-01") -> list[str]:
    """The list as Babel's CLDR data gives it (maintainers' tool; Babel is a
    transitive dependency, not one the pipeline relies on)."""
    from datetime import date

    from babel.core import get_global
    from babel.numbers import get_territory_currencies

    d = date.fromisoformat(on)
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes |= set(get_territory_currencies(territory, start_date=d, end_date=d, tender=True))
    return sorted(codes)
