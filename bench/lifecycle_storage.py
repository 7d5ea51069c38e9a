"""posting_lifecycle storage for a simulated year: full daily snapshots against
monthly snapshots plus changes (jobmarket.incremental.lifecycle).

    .venv/bin/python bench/lifecycle_storage.py [--open 100000] [--days 365] [--churn 0.02] [--updates 0.01]

A market of ``--open`` open postings on ~400 boards; every day ``--churn`` of
them close (absent from their board's crawl, k=1) and as many new ones
appear, ``--updates`` of the open ones change (board's updated_at; a third of
those a new version and title), and one board in 200 fails its crawl (its
postings are missed, not closed). Each day's full lifecycle is built by
hand (what curate computes) and written twice into a temporary lake through
``Lake.write_partition``: whole (the old layout) and as
``incremental.lifecycle.changes`` stores it. Prints both totals, then the
time to read one date: the old partition file, ``lifecycle_as_of`` and the
DuckDB view ``posting_lifecycle_latest`` (checked equal to the full one).
About 3 CPU minutes at the defaults (8 minutes wall on a busy 2-core machine).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START = date(2026, 1, 1)
sys.path.insert(0, str(ROOT / "include"))


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*.parquet"))


def simulate(n_open: int, days: int, churn: float, updates: float, seed: int = 7):
    """Yield (date, full lifecycle as an Arrow table sorted by posting_id) for each day."""
    import numpy as np
    import pyarrow as pa
    from jobmarket.core.schema import POSTING_LIFECYCLE

    rng = np.random.default_rng(seed)
    n_boards, n_titles = 400, 5000
    start = np.datetime64(START, "D")
    cap = n_open + int(n_open * churn * 1.05) * days + 1  # room for every posting of the year
    col = {  # one slot per posting, in the order postings appear (= posting_id order)
        "board": rng.integers(0, n_boards, cap), "title": rng.integers(0, n_titles, cap),
        "archetype": rng.integers(0, 8, cap), "first_seen": np.full(cap, start),
        "last_seen": np.full(cap, start), "times_seen": np.ones(cap, "int32"), "versions": np.ones(cap, "int32"),
        "is_open": np.ones(cap, bool), "closed_on": np.full(cap, np.datetime64("NaT", "D")),
        "posted": start.astype("datetime64[us]") - rng.integers(0, 30, cap).astype("timedelta64[D]"),
    }
    col["updated"] = col["posted"].copy()
    ids = np.array([f"greenhouse:{i:09d}" for i in range(cap)], dtype=object)
    boards = np.array([f"board{i:03d}" for i in range(n_boards)], dtype=object)
    companies = np.array([f"Company {i}" for i in range(n_boards)], dtype=object)
    titles = np.array([f"Data Scientist {i}" for i in range(n_titles)], dtype=object)
    archetypes = np.array(["ml_engineer", "data_scientist", "data_engineer", "analytics", "research",
                           "mlops", "bi", "other"], dtype=object)
    n = n_open
    for i in range(days):
        d = start + i
        if i:
            open_idx = np.flatnonzero(col["is_open"][:n])
            closing = rng.choice(open_idx, int(churn * len(open_idx)), replace=False)
            failed = np.isin(col["board"][:n], rng.choice(n_boards, max(1, n_boards // 200), replace=False))
            seen = col["is_open"][:n].copy()
            seen[closing] = False
            seen &= ~failed
            col["last_seen"][:n][seen] = d
            col["times_seen"][:n] += seen
            col["is_open"][closing] = False
            col["closed_on"][closing] = d
            changed = rng.choice(np.flatnonzero(seen), int(updates * len(open_idx)), replace=False)
            col["updated"][changed] = d.astype("datetime64[us]")
            new_version = changed[: len(changed) // 3]
            col["versions"][new_version] += 1
            col["title"][new_version] = rng.integers(0, n_titles, len(new_version))
            new = slice(n, n + len(closing))  # as many new postings as closed ones
            col["first_seen"][new] = col["last_seen"][new] = d
            col["posted"][new] = col["updated"][new] = d.astype("datetime64[us]")
            n += len(closing)
        end = np.where(np.isnat(col["closed_on"][:n]), d, col["closed_on"][:n])
        b = col["board"][:n]
        table = {
            "as_of": np.full(n, d), "posting_id": ids[:n], "source": np.full(n, "greenhouse", dtype=object),
            "board": boards[b], "company": companies[b], "title": titles[col["title"][:n]],
            "archetype": archetypes[col["archetype"][:n]], "first_seen": col["first_seen"][:n],
            "last_seen": col["last_seen"][:n], "times_seen": col["times_seen"][:n], "versions": col["versions"][:n],
            "is_open": col["is_open"][:n], "closed_on": col["closed_on"][:n],
            "reopened_count": np.zeros(n, "int32"), "left_censored": col["first_seen"][:n] == start,
            "days_open": (end - col["first_seen"][:n]).astype("int32"),
            "source_posted_at": col["posted"][:n], "source_updated_at": col["updated"][:n],
        }
        schema = POSTING_LIFECYCLE.arrow_schema()
        yield d.astype(object), pa.Table.from_arrays(
            # Copies: Arrow would share the numpy buffers, which the next day changes in place.
            [pa.array(np.array(table[f.name], copy=True)).cast(f.type) for f in schema], schema=schema)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--open", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--churn", type=float, default=0.02)
    ap.add_argument("--updates", type=float, default=0.01)
    ap.add_argument("--keep", action="store_true", help="keep the temporary lakes")
    args = ap.parse_args()

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from jobmarket.core.lake import Lake
    from jobmarket.core.schema import OBSERVATIONS, POSTING_LIFECYCLE
    from jobmarket.incremental import lifecycle as store
    from jobmarket.report.views import connect

    work = Path(tempfile.mkdtemp(prefix="jobmarket-lifecycle-"))
    before, after = Lake(work / "before"), Lake(work / "after")
    print(f"{args.open:,} open postings, {args.days} days, churn {args.churn:.1%}/day, "
          f"updates {args.updates:.1%}/day; lakes under {work}")
    t0 = time.perf_counter()
    prev = prev_dt = None
    dates, rows_full, rows_stored = [], 0, 0
    end = START + timedelta(days=args.days - 1)
    for d, life in simulate(args.open, args.days, args.churn, args.updates):
        before.write_partition(POSTING_LIFECYCLE.path, d, life)
        # The observation dates the store's chain is made of. Rows only in the
        # last month: the DuckDB view checks that month's observation dates.
        if (d.year, d.month) == (end.year, end.month):
            seen = pc.equal(life.column("last_seen"), pa.scalar(d, pa.date32()))
            obs = life.filter(seen).select(["posting_id", "source", "board", "company", "title", "archetype"])
            obs = obs.append_column("version_id", obs.column("posting_id"))  # what the other views join on
            after.write_partition(OBSERVATIONS.path, d, obs.append_column(
                "tag_flags", pa.nulls(obs.num_rows, pa.list_(pa.string()))))
        else:
            after.partition_dir(OBSERVATIONS.path, d).mkdir(parents=True, exist_ok=True)
        base = store.base_date([*dates, d], d)
        stored = store.changes(life, None if base is None else prev, base, d)
        after.write_partition(POSTING_LIFECYCLE.path, d, stored)
        rows_full, rows_stored = rows_full + life.num_rows, rows_stored + stored.num_rows
        dates.append(d)
        prev, prev_dt = life, d
        if d.day == 1:
            print(f"  {d}: {life.num_rows:,} postings known, {time.perf_counter() - t0:.0f} s", flush=True)
    build_s = time.perf_counter() - t0
    table = before.table_dir(POSTING_LIFECYCLE.path)
    b_bytes, a_bytes = _size(table), _size(after.table_dir(POSTING_LIFECYCLE.path))
    print(f"built in {build_s:.0f} s")
    print(f"{'layout':32} {'files':>5} {'rows':>12} {'MB':>9}")
    print(f"{'full snapshot every day':32} {len(dates):5} {rows_full:12,} {b_bytes / 1e6:9.1f}")
    print(f"{'monthly snapshot + changes':32} {len(dates):5} {rows_stored:12,} {a_bytes / 1e6:9.1f}")
    print(f"ratio {b_bytes / a_bytes:.1f}x smaller; last day: {prev.num_rows:,} postings known")

    last = prev_dt
    timings = {}
    t = time.perf_counter()
    old = pq.read_table(before.partition_dir(POSTING_LIFECYCLE.path, last) / "part-0.parquet")
    timings["old: read the full partition"] = time.perf_counter() - t
    t = time.perf_counter()
    new = store.lifecycle_as_of(after, last)
    timings[f"lifecycle_as_of ({last.day} partitions)"] = time.perf_counter() - t
    assert new.equals(old), "the reader differs from the full snapshot"
    con = connect(after.root, as_of=last)
    t = time.perf_counter()
    n = con.execute("SELECT count(*), sum(times_seen) FROM posting_lifecycle_latest").fetchone()
    timings["DuckDB posting_lifecycle_latest"] = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(f"SELECT count(*) FROM posting_lifecycle WHERE dt = DATE '{last}'").fetchone()
    timings["DuckDB posting_lifecycle WHERE dt = <date>"] = time.perf_counter() - t
    assert n[0] == old.num_rows and n[1] == sum(old.column("times_seen").to_pylist())
    for name, s in timings.items():
        print(f"read as of {last}: {name:40} {s:6.2f} s")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
