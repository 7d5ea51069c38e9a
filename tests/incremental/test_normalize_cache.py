"""Only postings whose content changed are normalized again."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from jobmarket.core.lake import Lake
from jobmarket.incremental.normalize_cache import NormalizeCache, normalize_rows
from jobmarket.sources import BoardContext, get_adapter

from tests.support import BOARDS


@pytest.fixture()
def plaid(fixtures_dir):
    body = (BOARDS / "lever" / "plaid_postings_first20.json").read_bytes()
    return get_adapter("lever").parse(body, BoardContext("lever", "plaid"))


def test_cache_gives_identical_rows_and_skips_unchanged(plaid, tmp_path, monkeypatch):
    lake = Lake(tmp_path)
    dt = date(2026, 8, 22)
    cold = normalize_rows(copy.deepcopy(plaid), dt, "r1", lake)
    cache = NormalizeCache(lake)
    assert len(cache.entries) == 20

    calls = []
    import jobmarket.normalize.columns as norm

    real = norm.normalize_posting
    monkeypatch.setattr(norm, "normalize_posting", lambda r: calls.append(r["posting_id"]) or real(r))
    changed = copy.deepcopy(plaid)
    changed[3]["salary_text"] = "The base salary range is $150,000 - $180,000 per year."
    warm = normalize_rows(changed, dt, "r2", lake)
    assert calls == [plaid[3]["posting_id"]], "only the changed posting is normalized again"
    assert (warm[3]["salary_annual_min"], warm[3]["salary_source"]) != (cold[3]["salary_annual_min"], None)
    for a, b in zip(cold, warm, strict=True):
        if a["posting_id"] != plaid[3]["posting_id"]:
            assert {k: v for k, v in a.items() if k != "run_id"} == {k: v for k, v in b.items() if k != "run_id"}
    assert len(NormalizeCache(lake).entries) == 21


def test_rate_date_is_part_of_the_key(plaid):
    row = dict(plaid[0], scraped_date=date(2026, 8, 22))
    later = dict(row, posted_at=None, scraped_date=date(2026, 9, 1))
    row["posted_at"] = None
    assert NormalizeCache.key(row) != NormalizeCache.key(later)
