"""Lifecycle of the real 22-board history, night by night, and the backfill check.

    .venv/bin/python bench/history_lifecycle.py [--close-after 2]

Replays each of the 10 recorded dates of ``../shared/fixtures/greenhouse-history``
through ``jobmarket.pipeline.run_date`` in order (as nightly runs would), and
prints per date: postings open, new and closed, how many rows the parse step
reused from the night before and how many it parsed, and how many verdicts
validation carried. Then it rebuilds every date from raw in reverse order into
a second lake (``rebuild_dates``, never scraping) and compares every curated
table of every date with the nightly build (``run_id`` excluded).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

TABLES = ("observations", "postings", "skills", "posting_lifecycle", "market_daily", "source_health",
          "quarantine")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--close-after", type=int, default=2)
    args = ap.parse_args()
    os.environ["JOBMARKET_CLOSE_AFTER_MISSES"] = str(args.close_after)

    import logging

    import pyarrow.parquet as pq
    from jobmarket.core.settings import Settings
    from jobmarket.pipeline import rebuild_dates, run_date
    from jobmarket.replay import ReplayServer, history_bundle, history_dates, sources_yaml
    from jobmarket.sources.config import load_sources

    logging.basicConfig(level=logging.ERROR)
    work = Path(tempfile.mkdtemp(prefix="jobmarket-history-"))
    nightly, rebuilt = work / "nightly", work / "rebuilt"
    dates = history_dates(FIXTURES)
    print(f"{len(dates)} dates, close after {args.close_after} missed crawls; lakes under {work}")
    print(f"{'date':10}  {'open':>5} {'new':>4} {'closed':>6}  {'reused':>6} {'parsed':>6}  {'carried':>7}  {'s':>5}")
    seen: set[str] = set()
    t_all = time.perf_counter()
    for d in dates:
        bundle = history_bundle(FIXTURES, d)
        with ReplayServer(bundle) as server:
            path = work / f"sources-{d}.yaml"
            path.write_text(sources_yaml(bundle, server.url))
            t0 = time.perf_counter()
            out = run_date(date.fromisoformat(d), settings=Settings(lake=nightly), sources=load_sources(path),
                           run_id=f"nightly-{d}")
        cur, parse, val = out["curate"], out["parse"], out["validate"]
        obs = pq.read_table(nightly / "curated" / "observations" / f"dt={d}" / "part-0.parquet",
                            columns=["posting_id"])
        seen |= set(obs.column("posting_id").to_pylist())
        print(f"{d}  {cur['open']:>5} {cur['new']:>4} {cur['closed']:>6}  {parse['reused']:>6} "
              f"{parse['parsed']:>6}  {val['carried']:>7}  {time.perf_counter() - t0:>5.1f}")
    print(f"postings seen: {len(seen)}; nightly build {time.perf_counter() - t_all:.0f} s")

    # The backfill: the same raw, dates rebuilt newest first, in another lake.
    shutil.copytree(nightly / "raw", rebuilt / "raw")
    sources = load_sources(work / f"sources-{dates[-1]}.yaml")
    t0 = time.perf_counter()
    for d in reversed(dates):  # one backfill run per date, newest first
        rebuild_dates([date.fromisoformat(d)], settings=Settings(lake=rebuilt), sources=sources,
                      run_id=f"backfill-{d}")
    print(f"rebuild, newest date first: {time.perf_counter() - t0:.0f} s")
    diffs = 0
    for table in TABLES:
        for d in dates:
            a = pq.read_table(nightly / "curated" / table / f"dt={d}" / "part-0.parquet")
            b = pq.read_table(rebuilt / "curated" / table / f"dt={d}" / "part-0.parquet")
            if "run_id" in a.column_names:
                a, b = a.drop_columns(["run_id"]), b.drop_columns(["run_id"])
            if not a.equals(b):
                diffs += 1
                print(f"DIFFERENT: {table} dt={d} ({a.num_rows} vs {b.num_rows} rows)")
    print(f"backfill equality: {len(TABLES)} tables x {len(dates)} dates compared, {diffs} different")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "include"))
    raise SystemExit(main())
