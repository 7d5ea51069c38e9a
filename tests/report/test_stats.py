"""The report's statistics against values worked out by hand."""

from __future__ import annotations

import math

import pytest
from jobmarket.report.stats import kaplan_meier, km_median, wilson


def test_wilson_90_matches_the_formula_by_hand():
    # 5 of 10, z = 1.6449: centre 0.5, half-width z*sqrt(.025 + z^2/400)/(1 + z^2/10) = 0.2308
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.2692, abs=1e-4) and hi == pytest.approx(0.7308, abs=1e-4)
    # 0 of 23: the lower bound is 0 and the upper z^2/(n+z^2) = 2.7055/25.7055
    lo, hi = wilson(0, 23)
    assert lo == 0 and hi == pytest.approx(2.7055 / 25.7055, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


def test_kaplan_meier_with_late_entry_and_censoring_by_hand():
    # Five postings, days since posted: (entry, exit, closed?)
    #   A (0, 3, yes)  B (0, 5, no)  C (2, 5, yes)  D (4, 8, yes)  E (6, 7, no)
    # t=3: at risk A,B,C (D enters at 4, E at 6) -> S = 1 - 1/3 = 2/3
    # t=5: at risk B,C,D (B censored at 5 still counts) -> S = 2/3 * (1 - 1/3) = 4/9
    # t=8: at risk D only (E censored at 7) -> S = 0
    entry = [0, 0, 2, 4, 6]
    exit_ = [3, 5, 5, 8, 7]
    event = [True, False, True, True, False]
    curve = kaplan_meier(exit_, event, entry)
    assert [(c["t"], c["at_risk"], c["events"]) for c in curve] == [(3, 3, 1), (5, 3, 1), (8, 1, 1)]
    assert [c["survival"] for c in curve] == pytest.approx([2 / 3, 4 / 9, 0.0])
    assert km_median(curve) == 5
    # Without late entry D and E would be at risk from 0: a different (wrong) answer.
    naive = kaplan_meier(exit_, event)
    assert naive[0]["at_risk"] == 5 and not math.isclose(naive[0]["survival"], 2 / 3)


def test_kaplan_meier_median_not_reached():
    curve = kaplan_meier([10, 20, 30], [True, False, False])
    assert curve[0]["survival"] == pytest.approx(2 / 3) and km_median(curve) is None
