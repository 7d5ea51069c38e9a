"""A year of curated partitions for the analyst queries, written with pyarrow.

    .venv/bin/python bench/analyst.py --lake DIR --rows-from LAKE [--days 365] [--open 100000]

Running the pipeline 365 times is not needed to measure reads: the tables are
generated directly in the lake's layout (``curated/<table>/dt=YYYY-MM-DD/
part-0.parquet``, zstd, dictionary encoding, the schema's column types).

* Posting attributes (company, board, title, location, country, work
  arrangement, archetype, seniority, pay) are real published rows, resampled
  from the curated observations of a bench lake (``--rows-from``: the
  20,000-posting night), and each posting's skills are those of the row it
  was resampled from.
* Churn follows the 22-board Greenhouse history: about 4.3% of postings are
  gone three days later and as many are new, i.e. a 1.45% daily close
  probability; the population starts at ``--open`` postings and stays near it.
* Tables: ``observations`` (one row per open posting per day),
  ``postings`` (one row per posting version: the first sighting, and a new
  version for 2% of postings per month; no description column, see
  docs/performance.md), ``skills`` (per new version), ``market_daily`` (the
  curate step's long-form counts and salary cells) and ``posting_lifecycle``
  for the last day only (the pipeline writes a full snapshot per day, see
  docs/performance.md).

Then it times the report's queries in DuckDB, compacts the small files per
partition-month (bench/compact.py) and times them again.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DAILY_CLOSE = 0.0145
OBS_COLUMNS = [
    "version_id", "posting_id", "source", "board", "company", "title", "location", "workplace_type",
    "url", "scraped_date", "company_key", "loc_country", "loc_city", "work_arrangement",
    "salary_min_reporting", "salary_max_reporting", "salary_reporting_currency", "dup_cluster_id",
    "archetype", "secondary", "confidence", "seniority", "tagger_version",
]


def _base_rows(lake: Path):
    """Published rows of a bench night (attributes to resample) and their skills."""
    import pyarrow.parquet as pq

    obs = pq.read_table(lake / "curated" / "observations",
                        columns=[c for c in OBS_COLUMNS if c not in ("scraped_date",)])
    skills = pq.read_table(lake / "curated" / "skills", columns=["posting_id", "skill", "category"])
    return obs, skills


def generate(out: Path, rows_from: Path, days: int, open_target: int, seed: int = 7) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from jobmarket.core.schema import POSTING_LIFECYCLE

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    base, base_skills = _base_rows(rows_from)
    nb = base.num_rows
    end = date(2026, 8, 22)
    start = end - timedelta(days=days - 1)
    # Population: open_target postings open on day 0 (opened up to a year
    # before), then ~open_target * DAILY_CLOSE new ones per day.
    n0 = open_target
    new_per_day = rng.poisson(open_target * DAILY_CLOSE, size=days)
    first = np.concatenate([np.zeros(n0, dtype=np.int32)] +
                           [np.full(k, d, dtype=np.int32) for d, k in enumerate(new_per_day) if d > 0])
    n = len(first)
    life = rng.geometric(DAILY_CLOSE, size=n).astype(np.int32)
    last = first + life - 1  # last day seen (may be beyond the year: still open)
    src = rng.integers(0, nb, size=n)  # which real row each posting resamples
    # Posting ids, versions: a new version for ~2% of postings a month.
    pid = np.array([f"greenhouse:{b}:{i}" for i, b in
                    zip(range(n), base.column("board").take(pa.array(src)).to_pylist(), strict=True)])
    change_day = np.where(rng.random(n) < 0.02 * days / 30, first + rng.integers(0, 60, size=n), -1)
    attrs = base.take(pa.array(src)).drop_columns(["posting_id", "version_id", "dup_cluster_id", "url"])
    attrs = attrs.append_column("posting_id", pa.array(pid))
    attrs = attrs.append_column("dup_cluster_id", pa.array(pid))
    attrs = attrs.append_column("url", pa.array(np.char.add("https://boards.greenhouse.io/j/", pid)))
    v1 = pa.array(np.char.add(pid, ":v1"))
    v2 = pa.array(np.char.add(pid, ":v2"))

    out_cur = out / "curated"
    days_list = [start + timedelta(days=d) for d in range(days)]
    mid = pc.divide(pc.add(attrs.column("salary_min_reporting"), attrs.column("salary_max_reporting")), 2.0)

    def write(table_name: str, dt, tbl) -> None:
        d = out_cur / table_name / f"dt={dt}"
        d.mkdir(parents=True, exist_ok=True)
        pq.write_table(tbl, d / "part-0.parquet", compression="zstd", use_dictionary=True)

    # skills of each base row
    sk_idx: dict[int, list[int]] = {}
    base_pids = base.column("posting_id").to_pylist()
    pos = {p: i for i, p in enumerate(base_pids)}
    for j, p in enumerate(base_skills.column("posting_id").to_pylist()):
        sk_idx.setdefault(pos.get(p, -1), []).append(j)
    sk_count = np.array([len(sk_idx.get(i, ())) for i in range(nb)])
    obs_rows = 0
    for d, dt in enumerate(days_list):
        open_idx = np.nonzero((first <= d) & (last >= d))[0]
        version = pa.array(np.where(change_day[open_idx] >= 0, change_day[open_idx] <= d, False))
        t = attrs.take(pa.array(open_idx))
        vid = pc.if_else(version, v2.take(pa.array(open_idx)), v1.take(pa.array(open_idx)))
        t = t.append_column("version_id", vid)
        t = t.append_column("scraped_date", pa.array([dt] * len(open_idx), type=pa.date32()))
        t = t.select([c for c in OBS_COLUMNS])
        write("observations", dt, t)
        obs_rows += t.num_rows
        # new versions: first sightings and changes on this day
        newv = np.nonzero(((first == d) & (d > 0)) | (change_day == d))[0] if d else open_idx
        pv = attrs.take(pa.array(newv)).select(["posting_id", "source", "board", "company", "title", "location",
                                                 "archetype", "seniority", "loc_country",
                                                 "salary_min_reporting", "salary_max_reporting"])
        pv = pv.append_column("version_id", pc.if_else(pa.array(change_day[newv] == d),
                                                       v2.take(pa.array(newv)), v1.take(pa.array(newv))))
        pv = pv.append_column("first_seen", pa.array([dt] * len(newv), type=pa.date32()))
        write("postings", dt, pv)
        rep = np.repeat(newv, sk_count[src[newv]])
        sk_rows = [j for i in newv for j in sk_idx.get(int(src[i]), ())]
        sk = base_skills.take(pa.array(sk_rows, type=pa.int64())).select(["skill", "category"])
        sk = sk.append_column("posting_id", pa.array(pid[rep]))
        sk = sk.append_column("version_id", pc.if_else(pa.array(change_day[rep] == d),
                                                       v2.take(pa.array(rep)), v1.take(pa.array(rep))))
        sk = sk.append_column("first_seen", pa.array([dt] * len(rep), type=pa.date32()))
        write("skills", dt, sk)
        # market_daily: long-form counts (open/new/closed per dimension value) + salary cells
        is_new = pa.array(first[open_idx] == d)
        closed_idx = np.nonzero(last == d - 2)[0] if d >= 2 else np.array([], dtype=np.int64)
        md = _market_daily(dt, t, is_new, attrs.take(pa.array(closed_idx)), mid.take(pa.array(open_idx)))
        write("market_daily", dt, md)
    # posting_lifecycle as of the last day: every posting seen so far
    seen = np.nonzero(first <= days - 1)[0]
    is_open = last[seen] >= days - 2
    lc = pa.table({
        "as_of": pa.array([days_list[-1]] * len(seen), type=pa.date32()),
        "posting_id": pa.array(pid[seen]),
        "source": attrs.column("source").take(pa.array(seen)),
        "board": attrs.column("board").take(pa.array(seen)),
        "company": attrs.column("company").take(pa.array(seen)),
        "title": attrs.column("title").take(pa.array(seen)),
        "archetype": attrs.column("archetype").take(pa.array(seen)),
        "first_seen": pa.array([days_list[i] for i in first[seen]], type=pa.date32()),
        "last_seen": pa.array([days_list[min(i, days - 1)] for i in last[seen]], type=pa.date32()),
        "times_seen": pa.array(np.minimum(last[seen], days - 1) - first[seen] + 1, type=pa.int32()),
        "versions": pa.array(np.where(change_day[seen] >= 0, 2, 1), type=pa.int32()),
        "is_open": pa.array(is_open),
        "closed_on": pa.array([None if o else days_list[min(i + 1, days - 1)] for o, i in
                               zip(is_open, last[seen], strict=True)], type=pa.date32()),
        "reopened_count": pa.array(np.zeros(len(seen)), type=pa.int32()),
        "left_censored": pa.array(first[seen] == 0),
        "days_open": pa.array(np.minimum(last[seen], days - 1) - first[seen] + 1, type=pa.int32()),
        "source_posted_at": pa.nulls(len(seen), pa.timestamp("us", tz="UTC")),
        "source_updated_at": pa.nulls(len(seen), pa.timestamp("us", tz="UTC")),
    })
    lc = lc.select(POSTING_LIFECYCLE.column_names).cast(POSTING_LIFECYCLE.arrow_schema())
    write("posting_lifecycle", days_list[-1], lc)
    # The lifecycle is stored as changes since the month's first date: those
    # dates need a partition too. One row each (a posting of the last day's
    # table, whose newer row wins), so the views read the last day's table.
    for dt in days_list:
        if dt.month == days_list[-1].month and dt != days_list[-1]:
            write("posting_lifecycle", dt, lc.slice(0, 1))
    return {"days": days, "postings": int(n), "observation_rows": obs_rows,
            "avg_open": obs_rows / days, "seconds": time.perf_counter() - t0}


def _market_daily(dt, today, is_new, closed, mid):
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = []
    dims = {"all": None, "archetype": "archetype", "source": "source", "company": "company",
            "seniority": "seniority", "work_arrangement": "work_arrangement", "country": "loc_country"}
    t = today.append_column("is_new", is_new).append_column("mid", mid)
    for dim, col in dims.items():
        key = pa.array(["all"] * t.num_rows) if col is None else pc.fill_null(t.column(col), "unknown")
        g = pa.table({"v": key, "new": pc.cast(t.column("is_new"), pa.int64())}).group_by("v").aggregate(
            [("v", "count"), ("new", "sum")])
        ck = (pa.array(["all"] * closed.num_rows) if col is None
              else pc.fill_null(closed.column(col), "unknown"))
        cl = dict(zip(*pa.table({"v": ck}).group_by("v").aggregate([("v", "count")]).to_pydict().values(),
                      strict=True)) if closed.num_rows else {}
        for v, n, k in zip(g.column("v").to_pylist(), g.column("v_count").to_pylist(),
                           g.column("new_sum").to_pylist(), strict=True):
            rows.append({"dt": dt, "dimension": dim, "value": v, "open": n, "new": k,
                         "closed": cl.get(v, 0), "open_unique": n})
    cell = pc.binary_join_element_wise(pc.fill_null(t.column("archetype"), "unknown"),
                                       pc.fill_null(t.column("seniority"), "unknown"), "|")
    st = pa.table({"c": cell, "mid": t.column("mid")}).group_by("c").aggregate(
        [("c", "count"), ("mid", "count"), ("mid", "tdigest", pc.TDigestOptions(q=[0.25, 0.5, 0.75]))])
    for c, n, paid, q in zip(*[st.column(k).to_pylist() for k in ("c", "c_count", "mid_count", "mid_tdigest")],
                             strict=True):
        ok = paid >= 10
        rows.append({"dt": dt, "dimension": "archetype_seniority", "value": c, "open": n, "new": 0, "closed": 0,
                     "open_unique": n, "salary_n": paid, "salary_p25": q[0] if ok else None,
                     "salary_p50": q[1] if ok else None, "salary_p75": q[2] if ok else None,
                     "salary_currency": "EUR"})
    from jobmarket.core.schema import MARKET_DAILY

    return pa.Table.from_pylist(rows, schema=MARKET_DAILY.arrow_schema())


QUERIES = {
    "archetype mix by day": """
        SELECT dt, archetype, count(*) AS open,
               round(count(*) / sum(count(*)) OVER (PARTITION BY dt), 4) AS share
        FROM read_parquet('{obs}', hive_partitioning=true)
        GROUP BY dt, archetype ORDER BY dt, archetype""",
    "open/new/closed over time": """
        SELECT dt, open, new, closed FROM read_parquet('{md}', hive_partitioning=true)
        WHERE dimension = 'all' ORDER BY dt""",
    "top skills per archetype (90 d)": """
        WITH s AS (
          SELECT p.archetype, k.skill, count(*) AS n
          FROM read_parquet('{skills}', hive_partitioning=true) k
          JOIN read_parquet('{postings}', hive_partitioning=true) p USING (version_id)
          WHERE k.first_seen >= DATE '{since90}'
          GROUP BY 1, 2)
        SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY archetype ORDER BY n DESC, skill) AS r FROM s)
        WHERE r <= 10 ORDER BY archetype, r""",
    "salary bands (last 30 d)": """
        SELECT archetype, seniority, count(*) AS n,
               quantile_cont(m, [0.25, 0.5, 0.75]) AS p25_p50_p75
        FROM (SELECT DISTINCT ON (posting_id) posting_id, archetype, seniority,
                     (salary_min_reporting + salary_max_reporting) / 2 AS m
              FROM read_parquet('{obs}', hive_partitioning=true)
              WHERE dt >= DATE '{since30}' AND salary_min_reporting IS NOT NULL)
        GROUP BY 1, 2 HAVING count(*) >= 10 ORDER BY 1, 2""",
    "top companies (last 30 d)": """
        SELECT company, count(DISTINCT posting_id) AS postings
        FROM read_parquet('{obs}', hive_partitioning=true)
        WHERE dt >= DATE '{since30}'
        GROUP BY 1 ORDER BY 2 DESC LIMIT 20""",
    "open postings per archetype (lifecycle)": """
        SELECT archetype, count(*) FILTER (WHERE is_open) AS open, median(days_open) AS median_days_open
        FROM read_parquet('{lc}', hive_partitioning=true) GROUP BY 1 ORDER BY 2 DESC""",
}
FLOOR_QUERY = "SELECT count(*), sum(length(archetype)) FROM read_parquet('{obs}', hive_partitioning=true)"


def paths(root: Path, layout: str) -> dict[str, str]:
    out = {}
    for k, t in (("obs", "observations"), ("md", "market_daily"), ("skills", "skills"),
                 ("postings", "postings"), ("lc", "posting_lifecycle")):
        if layout == "monthly" and (root / "compacted" / t).is_dir():
            out[k] = str(root / "compacted" / t / "month=*" / "*.parquet")
        else:  # daily layout, or a table the compaction left alone
            out[k] = str(root / "curated" / t / "dt=*" / "*.parquet")
    return out


def run_queries(root: Path, layout: str, end: date, repeat: int = 3) -> dict[str, dict]:
    """Each query: cold (first) time and best of ``repeat`` warm runs, seconds."""
    import duckdb

    p = paths(root, layout)
    p["since30"] = str(end - timedelta(days=29))
    p["since90"] = str(end - timedelta(days=89))
    con = duckdb.connect()
    out = {}
    for name, sql in {"floor: scan archetype": FLOOR_QUERY, **QUERIES}.items():
        q = sql.format(**p)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            res = con.execute(q).fetchall()
            times.append(time.perf_counter() - t0)
        out[name] = {"first": times[0], "best": min(times), "rows": len(res)}
    return out


def lake_stats(root: Path) -> dict[str, dict]:
    out = {}
    for sub in ("curated", "compacted"):
        base = root / sub
        if not base.is_dir():
            continue
        for t in sorted(p for p in base.iterdir() if p.is_dir()):
            files = list(t.rglob("*.parquet"))
            out[f"{sub}/{t.name}"] = {"files": len(files), "bytes": sum(f.stat().st_size for f in files)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lake", required=True, type=Path)
    ap.add_argument("--rows-from", required=True, type=Path)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--open", type=int, default=100_000)
    args = ap.parse_args()
    import compact

    gen = generate(args.lake, args.rows_from, args.days, args.open)
    end = date(2026, 8, 22)
    before = lake_stats(args.lake)
    q_daily = run_queries(args.lake, "daily", end)
    t0 = time.perf_counter()
    comp = compact.compact_lake(args.lake / "curated", args.lake / "compacted")
    comp_s = time.perf_counter() - t0
    after = lake_stats(args.lake)
    q_month = run_queries(args.lake, "monthly", end)
    print("BENCH-JSON " + json.dumps({"generate": gen, "stats": {**before, **after}, "queries_daily": q_daily,
                                      "queries_monthly": q_month, "compaction": comp, "compaction_s": comp_s},
                                     default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
