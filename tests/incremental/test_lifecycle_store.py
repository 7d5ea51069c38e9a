"""posting_lifecycle as monthly snapshots plus changes, on hand-built inputs.

The postings and crawls of ``tests/steps/test_curate_lifecycle_units.py``
(closings after two missed crawls, a failed crawl, a reopening, a version
change, a board first crawled late) moved so the dates cross a month: every
date's full lifecycle (``curate.lifecycle``, what was stored whole every day)
must come back from the snapshot of its month plus the changes after it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from jobmarket.incremental import lifecycle as store
from jobmarket.steps.curate import lifecycle

from tests.steps.test_curate_lifecycle_units import CRAWLS, D, _obs


def _moved(start: date):
    """The units scenario with D[i] moved to start + i days; D3 (board a's
    failed crawl) is an observation date without rows."""
    shift = {d: start + timedelta(days=i) for i, d in enumerate(D)}
    obs = _obs()
    obs["dt"] = obs["dt"].map(shift)
    crawls = pd.DataFrame([(s, b, shift[d]) for s, b, d in CRAWLS], columns=["source", "board", "dt"])
    return obs, crawls, [shift[d] for d in D[1:]]


def _full(obs, crawls, d, k):
    life = lifecycle(obs[obs["dt"] <= d].reset_index(drop=True), crawls[crawls["dt"] <= d], d, k)
    life = life.rename(columns={"posted_at": "source_posted_at", "updated_at": "source_updated_at"})
    return store.to_arrow(life.sort_values("posting_id"))


def _stored(obs, crawls, dates, k):
    out = {}
    for d in dates:
        prev = store.base_date(dates, d)
        out[d] = store.changes(_full(obs, crawls, d, k), None if prev is None else _full(obs, crawls, prev, k), prev, d)
    return out


def _parts(stored, dates, d, skip=None):
    return [(x, stored[x]) for x in store.chain(dates, d) if x != skip]


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("start", [date(2026, 7, 29), date(2026, 8, 1)])  # a month starts on D3 / none does
def test_snapshot_plus_changes_reproduce_every_date(start, k):
    obs, crawls, dates = _moved(start)
    stored = _stored(obs, crawls, dates, k)
    for d in dates:
        parts = _parts(stored, dates, d)
        want = _full(obs, crawls, d, k)
        got = store.replay(parts, d)
        assert got.schema.equals(want.schema), d
        pd.testing.assert_frame_equal(got.to_pandas(), want.to_pandas(), obj=str(d))
        if store.base_date(dates, d) is None:  # a snapshot: the whole lifecycle
            assert stored[d].equals(want)


def test_a_quiet_day_stores_only_what_changed():
    """D5 -> D6 with k=2: gh:a:2 reopens, gh:a:4 closes, gh:b:6 is new, gh:a:1
    is missed; gh:a:3 and gh:a:5 (closed before) do not change."""
    obs, crawls, dates = _moved(date(2026, 8, 1))
    stored = _stored(obs, crawls, dates, 2)
    assert sorted(stored[dates[-1]].column("posting_id").to_pylist()) == ["gh:a:1", "gh:a:2", "gh:a:4", "gh:b:6"]
    assert stored[dates[0]].num_rows == 4  # the snapshot: every posting known on the first date


def test_a_day_without_change_keeps_one_row():
    """Every posting seen again: nothing differs from the prediction, yet the
    partition holds a row (DuckDB sees no date of an empty file)."""
    d1, d2 = date(2026, 8, 3), date(2026, 8, 4)
    obs = pd.DataFrame([{"posting_id": p, "version_id": p, "source": "gh", "board": "a", "dt": d, "company": "Co",
                         "title": "T", "archetype": "analytics", "posted_at": pd.NaT, "updated_at": pd.NaT}
                        for p in ("gh:a:1", "gh:a:2") for d in (d1, d2)])
    crawls = pd.DataFrame([("gh", "a", d1), ("gh", "a", d2)], columns=["source", "board", "dt"])
    got = store.changes(_full(obs, crawls, d2, 2), _full(obs, crawls, d1, 2), d1, d2)
    assert got.column("posting_id").to_pylist() == ["gh:a:1"]
    replayed = store.replay([(d1, _full(obs, crawls, d1, 2)), (d2, got)], d2)
    assert replayed.column("times_seen").to_pylist() == [2, 2] and replayed.column("last_seen").to_pylist() == [d2, d2]


def test_a_missing_changes_partition_is_noticed():
    """The replay is only as good as its chain: leaving out one day's changes
    gives a different lifecycle (the reader refuses such a chain)."""
    obs, crawls, dates = _moved(date(2026, 8, 1))
    stored = _stored(obs, crawls, dates, 2)
    d = dates[-1]
    assert not store.replay(_parts(stored, dates, d, skip=dates[-2]), d).equals(_full(obs, crawls, d, 2))


def test_chain_and_base_dates():
    dates = [date(2026, 7, 30), date(2026, 7, 31), date(2026, 8, 2), date(2026, 8, 5)]
    assert store.base_date(dates, date(2026, 7, 30)) is None
    assert store.base_date(dates, date(2026, 7, 31)) == date(2026, 7, 30)
    assert store.base_date(dates, date(2026, 8, 2)) is None  # first date of August: a snapshot
    assert store.chain(dates, date(2026, 8, 5)) == [date(2026, 8, 2), date(2026, 8, 5)]
