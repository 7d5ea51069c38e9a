"""Lifecycle and skills bookkeeping on small hand-built inputs.

The history test closes after one missed crawl (K=1); here ``k=2`` checks
what only shows with a longer window: a single missed crawl is not a
reopening, a closing is confirmed on the k-th absent crawl, a failed crawl is
no absence. Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pyarrow as pa
import pytest
from jobmarket.steps.curate import _skills, lifecycle

D = [date(2026, 8, 1) + timedelta(days=i) for i in range(7)]  # D[1]..D[6] are used
# Board a is crawled on D1, D2, D4, D5, D6 (the D3 crawl failed); board b on D6 only.
CRAWLS = [("gh", "a", d) for d in (D[1], D[2], D[4], D[5], D[6])] + [("gh", "b", D[6])]
SEEN = {  # posting -> dates seen (version changes where noted)
    "gh:a:1": [D[1], D[2], D[5]],  # misses only D4: no reopening with k=2, open
    "gh:a:2": [D[1], D[6]],  # misses D2, D4, D5: reopened once, open
    "gh:a:3": [D[1], D[2]],  # absent D4, D5: closed on D4, confirmed on D5 (not today)
    "gh:a:4": [D[1], D[2], D[4]],  # absent D5, D6: closed on D5, confirmed today (D6)
    "gh:a:5": [D[2]],  # absent D4, D5: closed on D4; not left-censored
    "gh:b:6": [D[6]],  # its board's first crawl: left-censored, open, 0 days
}


def _obs():
    rows = []
    for pid, dates in SEEN.items():
        board = pid.split(":")[1]
        for d in dates:
            changed = pid == "gh:a:1" and d == D[5]
            rows.append({
                "posting_id": pid, "version_id": f"{pid}/{'v2' if changed else 'v1'}", "source": "gh",
                "board": board, "dt": d, "company": "Co", "title": "New title" if changed else "Title",
                "archetype": "analytics", "posted_at": pd.NaT, "updated_at": pd.NaT,
            })
    return pd.DataFrame(rows)


WANT = {  # first_seen, last_seen, times_seen, versions, reopened, closed_on, confirmed_today, left_censored, days_open
    "gh:a:1": (D[1], D[5], 3, 2, 0, None, False, True, 5),
    "gh:a:2": (D[1], D[6], 2, 1, 1, None, False, True, 5),
    "gh:a:3": (D[1], D[2], 2, 1, 0, D[4], False, True, 3),
    "gh:a:4": (D[1], D[4], 3, 1, 0, D[5], True, True, 4),
    "gh:a:5": (D[2], D[2], 1, 1, 0, D[4], False, False, 2),
    "gh:b:6": (D[6], D[6], 1, 1, 0, None, False, True, 0),
}


@pytest.mark.parametrize("shuffle", [False, True])
def test_lifecycle_closing_after_two_missed_crawls(shuffle):
    obs = _obs()
    if shuffle:  # row order must not matter
        obs = obs.sample(frac=1, random_state=3).reset_index(drop=True)
    crawls = pd.DataFrame(CRAWLS, columns=["source", "board", "dt"])
    life = lifecycle(obs, crawls, D[6], 2).set_index("posting_id")
    assert sorted(life.index) == sorted(SEEN)
    for pid, want in WANT.items():
        row = life.loc[pid]
        closed_on = None if pd.isna(row["closed_on"]) else row["closed_on"]
        got = (row["first_seen"], row["last_seen"], int(row["times_seen"]), int(row["versions"]),
               int(row["reopened_count"]), closed_on, bool(row["closed_confirmed_today"]),
               bool(row["left_censored"]), int(row["days_open"]))
        assert got == want, pid
        assert bool(row["is_open"]) == (closed_on is None)
    assert life.loc["gh:a:1", "title"] == "New title"  # attributes come from the latest row
    assert (life["as_of"] == D[6]).all()


def test_lifecycle_k1_counts_every_missed_crawl():
    life = lifecycle(_obs(), pd.DataFrame(CRAWLS, columns=["source", "board", "dt"]), D[6], 1).set_index("posting_id")
    assert int(life.loc["gh:a:1", "reopened_count"]) == 1
    assert life.loc["gh:a:1", "closed_on"] == D[6]
    assert bool(life.loc["gh:a:1", "closed_confirmed_today"])


def test_skills_pairs_each_skill_with_its_category():
    lists = pa.list_(pa.string())
    got = _skills(
        D[1],
        pa.array(["p1", "p2", "p3", "p4", "p5"]),
        pa.array(["v1", "v2", "v3", "v4", "v5"]),
        pa.chunked_array([pa.array([["sql", "python", "spark"], None, [], ["dbt"]], lists), pa.array([["aws"]], lists)]),
        pa.chunked_array([pa.array([["languages", "languages"], ["bi"], ["cloud"], None, ["cloud"]], lists)]),
    )
    # Pairs are cut to the shorter list (zip); a null list counts as empty.
    assert got.to_pylist() == [
        {"first_seen": D[1], "posting_id": "p1", "version_id": "v1", "skill": "sql", "category": "languages"},
        {"first_seen": D[1], "posting_id": "p1", "version_id": "v1", "skill": "python", "category": "languages"},
        {"first_seen": D[1], "posting_id": "p5", "version_id": "v5", "skill": "aws", "category": "cloud"},
    ]
    assert _skills(D[1], pa.array([], pa.string()), pa.array([], pa.string()),
                   pa.array([], lists), pa.array([], lists)).num_rows == 0
