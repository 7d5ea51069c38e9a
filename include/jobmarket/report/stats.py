"""The few statistics the report needs, small enough to check by hand.

* ``min_n()``: the one minimum sample size below which no share or quantile is
  published (``JOBMARKET_MIN_N``, default 10; the curate step's salary
  quantiles read the same setting).
* ``report_currency()``: the currency pay is shown in (``JOBMARKET_REPORT_CURRENCY``, USD).
* ``wilson(k, n)``: the Wilson score interval of a share, 90% by default.
* ``kaplan_meier(...)``: survival of postings (still open) by days since they
  were posted, with late entry (postings already open when first crawled enter
  the risk set only from the day we first saw them) and right censoring
  (postings still open, or not yet confirmed closed, at the report date).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Z90 = 1.6448536269514722  # two-sided 90%: the report's intervals


def min_n() -> int:
    from jobmarket.steps.curate import min_cell

    return min_cell()


def report_currency() -> str:
    """Currency the report states pay in (``JOBMARKET_REPORT_CURRENCY``, default USD): the
    lake keeps each posting's own currency, and the report converts at the ECB rate of the
    report date."""
    import os

    return (os.environ.get("JOBMARKET_REPORT_CURRENCY") or "USD").upper()


def wilson(k: int, n: int, z: float = Z90) -> tuple[float, float]:
    """Wilson score interval of k successes out of n (0..1); (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def kaplan_meier(
    exit_: Sequence[float], event: Sequence[bool], entry: Sequence[float] | None = None
) -> list[dict[str, float]]:
    """Product-limit estimate with late entry.

    Subject i is at risk at time t when ``entry[i] < t <= exit_[i]`` (entered
    strictly before t); ``event[i]`` says whether exit_ is a closing (True) or
    a censoring (False). Returns one row per distinct event time:
    ``{"t", "at_risk", "events", "survival"}``, survival being S(t) after the
    events at t. Times are days; ties of events and censorings at t count the
    censored as still at risk at t (the usual convention).
    """
    n = len(exit_)
    entry = list(entry) if entry is not None else [0.0] * n
    if len(event) != n or len(entry) != n:
        raise ValueError("exit_, event and entry must have the same length")
    times = sorted({t for t, e in zip(exit_, event, strict=True) if e})
    out, s = [], 1.0
    for t in times:
        at_risk = sum(1 for a, b in zip(entry, exit_, strict=True) if a < t <= b)
        d = sum(1 for b, e in zip(exit_, event, strict=True) if e and b == t)
        if at_risk == 0:
            continue
        s *= 1 - d / at_risk
        out.append({"t": t, "at_risk": at_risk, "events": d, "survival": s})
    return out


def km_median(curve: list[dict[str, float]]) -> float | None:
    """First time the survival reaches 0.5 or below; None when it never does."""
    return next((r["t"] for r in curve if r["survival"] <= 0.5), None)
