"""Task ``curate``: posting versions, skills, lifecycle and daily market counts.

Everything here for a date D is a function of the observations (and
successful crawls) of the dates up to D, and observations of a date are a
function of that date's raw alone. So the tables come out the same whatever
order dates are built in, provided every earlier date that has raw has its
observations: ``jobmarket.pipeline.catch_up`` derives the missing ones (from
their raw, never by scraping) before this step runs.
"""

from __future__ import annotations

import logging
import os
from datetime import date
from typing import Any

from jobmarket.core.handoffs import TAGGED_VALID_STEP, PipelineError, input_path
from jobmarket.core.lake import Lake, file_stamp, parquet_file, read_parquet, releases_memory
from jobmarket.core.schema import (
    GATE_RESULTS,
    MARKET_DAILY,
    OBSERVATIONS,
    POSTING_LIFECYCLE,
    POSTINGS,
    SKILLS,
    SOURCE_HEALTH,
)
from jobmarket.core.settings import Settings
from jobmarket.incremental import lifecycle as stored_lifecycle

log = logging.getLogger(__name__)

CRAWLED = ("ok", "empty", "not_modified")  # a board status that proves we looked
MARKET_DIMENSIONS = ("archetype", "source", "company", "seniority", "work_arrangement", "country")


def close_after() -> int:
    """Consecutive successful crawls a posting must be absent to count as closed."""
    return int(os.environ.get("JOBMARKET_CLOSE_AFTER_MISSES", "2"))


def min_cell() -> int:
    """The one minimum sample size: below it no share or quantile is published (salary
    quantiles here, every share and quantile of the report). ``JOBMARKET_MIN_N``;
    ``JOBMARKET_MIN_SALARY_CELL`` is its older name, still read."""
    return int(os.environ.get("JOBMARKET_MIN_N") or os.environ.get("JOBMARKET_MIN_SALARY_CELL") or "10")


def min_salary_cell() -> int:
    """Below this many postings a salary quantile is not published (= ``min_cell()``)."""
    return min_cell()


def _dates_with(path) -> list[date]:
    out = []
    if path.is_dir():
        for d in path.glob("dt=*"):
            if (d / "part-0.parquet").is_file() or (d / "_manifest.json").is_file():
                out.append(date.fromisoformat(d.name.split("=", 1)[1]))
    return sorted(set(out))


def observation_dates(lake: Lake) -> list[date]:
    return _dates_with(lake.table_dir(OBSERVATIONS.path))


# Observation columns curate reads: the keys, read for every date, and the
# attributes, read only for the rows that need them (each posting's latest
# row and the rows of the date curated).
OBS_KEYS = ["posting_id", "version_id", "source", "board"]
OBS_ATTRS = ["company", "title", "archetype", "seniority", "work_arrangement", "loc_country", "dup_cluster_id",
             "posted_at", "updated_at", "salary_min_reporting", "salary_max_reporting", "salary_reporting_currency"]
LATEST_ATTRS = ["company", "title", "archetype", "posted_at", "updated_at"]  # lifecycle's, from the latest row


def _read_arrow(lake: Lake, table, upto: date, columns: list[str], files: list | None = None):
    """Rows of ``table`` for every partition dt <= upto, with a date32 `dt`
    column: one Arrow table, a list of tables when the partitions' schemas
    differ, or None when there is no partition. ``files``, if given, gets a
    ``(dt, path, stamp, rows)`` per partition, in row order."""
    import numpy as np
    import pyarrow as pa

    parts = []
    for d in _dates_with(lake.table_dir(table.path)):
        if d > upto:
            continue
        path = lake.partition_dir(table.path, d) / "part-0.parquet"
        stamp = _stamp(path) if files is not None else None
        t = read_parquet(path, columns=columns)
        parts.append(t.append_column("dt", pa.array(np.full(t.num_rows, np.datetime64(d, "D")), type=pa.date32())))
        if files is not None:
            files.append((d, path, stamp, t.num_rows))
    return _concat(parts)


def _concat(parts):
    import pyarrow as pa

    if not parts:
        return None
    try:
        return pa.concat_tables(parts)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return parts  # schemas differ between partitions: converted to pandas one by one


def _stamp(path) -> tuple:
    return file_stamp(path)


def _to_pandas(t, columns: list[str], **options):
    import pandas as pd

    if t is None:
        return pd.DataFrame(columns=[*columns, "dt"])
    if isinstance(t, list):
        return pd.concat([p.to_pandas(**options) for p in t], ignore_index=True)
    return t.to_pandas(**options)


def _as_dates(values):
    """Dates as python ``date`` objects (from datetime64 or dates)."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(values):
        return np.asarray(values, dtype="datetime64[D]").astype(object)
    return np.asarray(values, dtype=object)


def _read_partitions(lake: Lake, table, upto: date, columns: list[str]):
    """Rows of ``table`` for every partition dt <= upto, with a `dt` column."""
    return _to_pandas(_read_arrow(lake, table, upto, columns), columns)


def _obs_rows(obs_keys, files: list, rows, columns: list[str]):
    """Rows ``rows`` (sorted, unique positions) of ``obs_keys``, which
    ``_read_arrow`` read from ``files``, with ``columns`` added from the same
    files: each file is read again but only the rows asked for are kept."""
    import numpy as np
    import pandas as pd

    pieces, offset = [], 0
    for _d, path, stamp, n in files:
        lo, hi = np.searchsorted(rows, [offset, offset + n])
        if hi > lo:
            t = read_parquet(path, columns=columns)
            if t.num_rows != n or _stamp(path) != stamp:
                raise PipelineError(f"{path} was replaced while curate read it: rerun")
            pieces.append(t.take(rows[lo:hi] - offset))
        offset += n
    if not pieces and files:  # no row asked for: an empty frame with the columns' types
        pieces = [read_parquet(files[-1][1], columns=columns).slice(0, 0)]
    extra = _to_pandas(_concat(pieces), columns)[columns]
    keys = obs_keys.iloc[rows].reset_index(drop=True)
    keys["dt"] = _as_dates(keys["dt"])
    out = pd.concat([keys, extra.reset_index(drop=True)], axis=1)
    return out[[*(c for c in keys.columns if c != "dt"), *columns, "dt"]]


def _drop_held_back(lake: Lake, crawls, upto: date):
    """A source (or board) whose rows a quality gate held back on a date was
    not observed that date: its postings must not count as absent."""
    gates = _read_partitions(lake, GATE_RESULTS, upto, ["source", "board", "held_back_rows"])
    held = gates[gates["held_back_rows"] > 0]
    if held.empty:
        return crawls
    whole = set(zip(held.loc[held["board"].isna(), "source"], held.loc[held["board"].isna(), "dt"], strict=True))
    boards = set(zip(held["source"], held["board"], held["dt"], strict=True))
    keep = [
        (s, d) not in whole and (s, b, d) not in boards
        for s, b, d in zip(crawls["source"], crawls["board"], crawls["dt"], strict=True)
    ]
    return crawls[keep]


def lifecycle(obs, crawls, as_of: date, k: int):
    """Posting lifecycle as of ``as_of`` from observations and board crawls.

    ``obs``: posting_id, source, board, dt (+ attributes of the latest row).
    ``crawls``: source, board, dt of every successful crawl.
    A posting is closed once absent from ``k`` consecutive successful crawls
    of its board; failed crawls are not absences. ``closed_on`` is the first
    of those absent crawl dates.
    """
    life, last_row = _lifecycle(obs, crawls, as_of, k)
    return _with_latest(life, obs.iloc[last_row])


def _with_latest(life, latest):
    """``life`` (from ``_lifecycle``) with the attributes of each posting's
    latest row (``latest``, in the same order), as ``lifecycle`` returns it."""
    at = life.columns.get_loc("reopened_count") + 1
    for i, col in enumerate(LATEST_ATTRS):
        life.insert(at + i, col, latest[col].set_axis(life.index))
    return life.reset_index()


def _lifecycle_columns(life):
    """``lifecycle``'s frame as POSTING_LIFECYCLE's columns, by posting_id."""
    out = life.rename(columns={"posted_at": "source_posted_at", "updated_at": "source_updated_at"})
    if not out["posting_id"].is_monotonic_increasing:  # it is (ids are unique): no sorted copy
        out = out.sort_values("posting_id")
    return out[POSTING_LIFECYCLE.column_names].reset_index(drop=True)


def _days(values):
    """Dates (python ``date`` objects) as int64 days since the epoch."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return np.asarray(uniques, dtype="datetime64[D]").astype("int64")[codes]


def _lifecycle(obs, crawls, as_of: date, k: int):
    """The lifecycle (indexed by posting_id, without the latest row's
    attributes) and, per posting in the same order, the position in ``obs``
    of its latest row. Needs posting_id, version_id, source, board, dt.

    A posting's rows, ordered by date, are a contiguous run of one sorted
    array, so every per-posting figure is a numpy reduction over runs.
    """
    import numpy as np
    import pandas as pd

    keys = ["source", "board", "dt"]
    # Each row's (board, date), as a number into `seen`: the distinct ones.
    by_crawl = obs.groupby(keys, sort=False, dropna=False)
    crawl_of_row = by_crawl.ngroup().to_numpy(dtype="int64")
    one_row = np.zeros(by_crawl.ngroups, dtype="int64")
    one_row[crawl_of_row] = np.arange(len(obs))  # any row of each group: they share the keys
    seen = obs[keys].iloc[one_row].reset_index(drop=True)
    seen["dt"] = _as_dates(seen["dt"])

    crawls = pd.concat([crawls[keys], seen]).drop_duplicates()
    crawls = crawls.sort_values(keys).reset_index(drop=True)
    per_board = crawls.groupby(["source", "board"])
    ci = per_board.cumcount().to_numpy(dtype="int64")  # index of the crawl among its board's crawls
    # A board's crawls are contiguous rows: its crawl i is row `start + i`.
    board_start = np.arange(len(crawls)) - ci
    board_n = per_board["dt"].transform("size").to_numpy(dtype="int64")
    crawl_dates = crawls["dt"].to_numpy(dtype=object)
    crawl_days = _days(crawl_dates)
    at = seen.merge(crawls.assign(at=np.arange(len(crawls))), on=keys, how="left")["at"].to_numpy(dtype="int64")
    row_crawl = at[crawl_of_row]  # each obs row's crawl, as a row of `crawls`
    days = crawl_days[row_crawl]

    pid, posting_ids = pd.factorize(obs["posting_id"], sort=True)
    if len(days) < 2 or bool((days[1:] >= days[:-1]).all()):
        order = np.argsort(pid, kind="stable")  # rows already by date: by posting, then date
    else:
        order = np.lexsort((days, pid))
    run = pid[order]
    starts = np.flatnonzero(np.r_[True, run[1:] != run[:-1]]) if len(run) else np.zeros(0, dtype="int64")
    ends = np.r_[starts[1:], len(run)] - 1
    first_row, last_row = order[starts], order[ends]

    ci_sorted = ci[row_crawl[order]]
    gap = np.empty(len(ci_sorted), dtype="int64")  # crawls missed before this sighting
    gap[1:] = ci_sorted[1:] - ci_sorted[:-1] - 1
    gap[starts] = 0
    if len(run):
        reopened = np.add.reduceat((gap >= k).astype("int64"), starts)
        last_ci = np.maximum.reduceat(ci_sorted, starts)
    else:
        reopened = last_ci = np.zeros(0, dtype="int64")

    vid, versions_seen = pd.factorize(obs["version_id"])
    width = len(versions_seen) + 1
    has_vid = vid >= 0
    pairs = pd.unique(pid[has_vid].astype("int64") * width + vid[has_vid])  # distinct (posting, version)
    versions = np.bincount(pairs // width, minlength=len(starts)).astype("int64")

    index = pd.Index(posting_ids, name="posting_id")
    dts = crawl_dates[row_crawl]
    life = pd.DataFrame(
        {
            "source": obs["source"].iloc[last_row].set_axis(index),
            "board": obs["board"].iloc[last_row].set_axis(index),
            "first_seen": dts[first_row],
            "last_seen": dts[last_row],
            "times_seen": (ends - starts + 1).astype("int64"),
            "versions": versions,
            "last_ci": last_ci,
            "reopened_count": reopened,
        },
        index=index,
    )

    as_of_day = _days([as_of])[0]
    last_crawl = row_crawl[last_row]
    start, n = board_start[last_crawl], board_n[last_crawl]
    closed = n - 1 - last_ci >= k
    closed_on = np.full(len(life), None, dtype=object)
    closed_on[closed] = crawl_dates[start[closed] + last_ci[closed] + 1]
    confirmed_today = np.zeros(len(life), dtype=bool)
    confirmed_today[closed] = crawl_days[start[closed] + last_ci[closed] + k] == as_of_day
    first_day = days[first_row]
    end_day = np.full(len(life), as_of_day, dtype="int64")
    end_day[closed] = crawl_days[start[closed] + last_ci[closed] + 1]
    life["closed_on"] = closed_on
    life["closed_confirmed_today"] = confirmed_today
    life["left_censored"] = first_day == crawl_days[start]
    life["is_open"] = ~closed
    life["days_open"] = (end_day - first_day).astype("int32")
    life["as_of"] = as_of
    return life, last_row


def _new_version_batches(path, earlier, columns: list[str], batch_size: int = 5_000):
    """Record batches of the tagged partition at ``path`` holding the rows
    whose version_id is not in ``earlier``, with ``columns`` only, in file order."""
    import pyarrow.compute as pc

    version_id = read_parquet(path, columns=["version_id"]).column("version_id")
    is_new = pc.invert(pc.is_in(version_id, value_set=earlier.cast(version_id.type))).combine_chunks()
    del version_id
    if not is_new.true_count:
        return
    offset = 0
    for batch in parquet_file(path).iter_batches(batch_size=batch_size, columns=columns):
        keep = is_new.slice(offset, batch.num_rows)
        offset += batch.num_rows
        if keep.true_count == batch.num_rows:
            yield batch
        elif keep.true_count:
            yield batch.filter(keep)


def _skills(dt: date, posting_id, version_id, skills, categories):
    """Long-form skills: a row per (skill, category) pair of each version,
    pairs cut to the shorter of the two lists, a null list counting as empty."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def lists(col):
        arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        lengths = pc.fill_null(pc.list_value_length(arr), 0).to_numpy(zero_copy_only=False).astype("int64")
        return pc.list_flatten(arr), lengths, np.cumsum(lengths) - lengths

    skill_values, skill_len, skill_start = lists(skills)
    cat_values, cat_len, cat_start = lists(categories)
    parent = np.repeat(np.arange(len(skill_len)), skill_len)  # version of each flattened skill
    pos = np.arange(len(parent)) - skill_start[parent]  # position within its list
    keep = np.flatnonzero(pos < np.minimum(skill_len, cat_len)[parent])
    rows = parent[keep]
    return pa.Table.from_arrays(
        [
            pa.array(np.full(len(rows), np.datetime64(dt, "D")), type=pa.date32()),
            posting_id.take(rows),
            version_id.take(rows),
            skill_values.take(keep),
            cat_values.take(cat_start[rows] + pos[keep]),
        ],
        schema=SKILLS.arrow_schema(),
    )


@releases_memory
def curate_date(
    dt: date,
    *,
    settings: Settings | None = None,
    run_id: str = "cli",
) -> dict[str, Any]:
    """The curated tables of ``dt`` from the observations up to it (see the module doc)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    if dt not in observation_dates(lake):
        raise PipelineError(f"no observations for {dt}: publish it first")
    k = close_after()

    files: list = []
    keys = _read_arrow(lake, OBSERVATIONS, dt, OBS_KEYS, files)
    # Version ids observed before dt: those versions are in `postings` already.
    before = pa.scalar(dt, type=pa.date32())
    parts = keys if isinstance(keys, list) else [] if keys is None else [keys]
    earlier = [t.column("version_id").filter(pc.less(t.column("dt"), before)).cast(pa.string()) for t in parts]
    earlier = pc.unique(pa.chunked_array([c for e in earlier for c in e.chunks], type=pa.string()))
    del parts
    obs = _to_pandas(keys, OBS_KEYS, date_as_object=False)  # dt as datetime64: cheaper than date objects
    del keys
    health = _read_partitions(lake, SOURCE_HEALTH, dt, ["source", "family", "board", "status"])
    crawls = health[health["status"].isin(CRAWLED)][["family", "board", "dt"]].rename(columns={"family": "source"})
    crawls = _drop_held_back(lake, crawls, dt)

    # Posting versions first seen on dt, with their text, from the tag step's output.
    tagged_path = input_path(lake, TAGGED_VALID_STEP, dt)
    out_names = POSTINGS.column_names
    read = [*(c for c in out_names if c != "first_seen"), "skill_categories"]
    # Streamed a batch at a time, in the tag step's row order (sources and
    # boards in configuration order, deterministic for a date): sorting by
    # posting_id would need every new description in memory at once, which
    # on a first night at 200,000 postings is over a gigabyte.
    n_new = 0
    skill_parts = []
    schema = POSTINGS.arrow_schema()
    with lake.partition_writer(POSTINGS.path, dt, schema) as writer:
        for batch in _new_version_batches(tagged_path, earlier, read):
            n = batch.num_rows
            cols = {name: batch.column(name) for name in read}
            cols["first_seen"] = pa.array(np.full(n, np.datetime64(dt, "D")), type=pa.date32())
            writer.write_table(pa.Table.from_arrays([cols[c] for c in out_names], names=out_names).cast(schema))
            skill_parts.append(_skills(dt, cols["posting_id"], cols["version_id"], cols["skills"],
                                       cols["skill_categories"]))
            n_new += n
    skills = pa.concat_tables(skill_parts) if skill_parts else SKILLS.arrow_schema().empty_table()
    lake.write_partition(SKILLS.path, dt, skills)
    del skills, skill_parts

    life, last_row = _lifecycle(obs, crawls, dt, k)
    # The lifecycle of the observation date before dt, from the observations
    # (a prefix of `obs`: files are read in date order), never from its
    # stored partition: what dt stores must not depend on what was built before.
    prev_dt = stored_lifecycle.base_date([d for d, *_ in files], dt)
    if prev_dt is not None:
        n_prev = sum(n for d, _p, _s, n in files if d <= prev_dt)
        life_prev, last_row_prev = _lifecycle(obs.iloc[:n_prev], crawls[crawls["dt"] <= prev_dt], prev_dt, k)
    else:
        last_row_prev = np.zeros(0, dtype="int64")
    # The full observation rows needed: each posting's latest (as of dt and
    # as of prev_dt), and those of dt.
    offset = sum(n for d, _p, _s, n in files if d < dt)
    today_rows = np.arange(offset, offset + sum(n for d, _p, _s, n in files if d == dt))
    rows = np.union1d(np.union1d(last_row, today_rows), last_row_prev)
    got = _obs_rows(obs, files, rows, OBS_ATTRS)
    del obs
    life = _with_latest(life, got.iloc[np.searchsorted(rows, last_row)])
    life_out = stored_lifecycle.to_arrow(_lifecycle_columns(life))
    life_prev = None if prev_dt is None else stored_lifecycle.to_arrow(_lifecycle_columns(
        _with_latest(life_prev, got.iloc[np.searchsorted(rows, last_row_prev)])))
    stored = stored_lifecycle.changes(life_out, life_prev, prev_dt, dt)
    lake.write_partition(POSTING_LIFECYCLE.path, dt, stored)
    n_stored = stored.num_rows
    del life_out, life_prev, stored

    today = got.iloc[np.searchsorted(rows, today_rows)]
    today = today.merge(life[["posting_id", "first_seen"]], on="posting_id", how="left")
    today["is_new"] = today["first_seen"] == dt
    # The latest observation of each posting whose closing is confirmed on dt.
    closed = got.iloc[np.searchsorted(rows, last_row[life["closed_confirmed_today"].to_numpy(dtype=bool)])]
    market = market_daily(dt, today, closed)
    lake.write_partition(MARKET_DAILY.path, dt, pa.Table.from_pandas(market, schema=MARKET_DAILY.arrow_schema(), preserve_index=False))
    return {
        "dt": str(dt),
        "new_versions": n_new,
        "open": int(len(today)),
        "new": int(today["is_new"].sum()),
        "closed": int(len(closed)),
        "known_postings": int(len(life)),
        "lifecycle_rows_stored": n_stored,
        "close_after": k,
    }


def market_daily(dt: date, today, closed):
    """Long-form counts per dimension value, and salary quantiles per cell."""
    import pandas as pd

    today = today.copy()
    closed = closed.copy()
    for frame in (today, closed):
        frame["all"] = "all"
        frame["country"] = frame["loc_country"]
        for col in ("all", *MARKET_DIMENSIONS):
            frame[col] = frame[col].fillna("unknown").astype(str)
    dup = today["dup_cluster_id"] if "dup_cluster_id" in today else today["posting_id"]
    today["_cluster"] = _codes(dup)  # counting distinct numbers is cheaper than strings
    rows = []
    for dim in ("all", *MARKET_DIMENSIONS):
        open_ = today.groupby(dim).size().to_dict()
        new = today[today["is_new"]].groupby(dim).size().to_dict()
        uniq = today.groupby(dim)["_cluster"].nunique().to_dict()
        cl = closed.groupby(dim).size().to_dict()
        for value in sorted(set(open_) | set(cl)):
            rows.append({
                "dt": dt, "dimension": dim, "value": value,
                "open": int(open_.get(value, 0)), "new": int(new.get(value, 0)),
                "closed": int(cl.get(value, 0)), "open_unique": int(uniq.get(value, 0)),
                "salary_n": None, "salary_p25": None, "salary_p50": None, "salary_p75": None,
                "salary_currency": None,
            })
    rows.extend(_salary_cells(dt, today))
    return pd.DataFrame(rows, columns=MARKET_DAILY.column_names)


def _codes(values):
    """``values`` as float numbers, equal where the values are, NaN where
    they are missing: the same ``nunique`` as the values themselves."""
    import numpy as np
    import pandas as pd

    codes = pd.factorize(values)[0].astype("float64")
    codes[codes < 0] = np.nan
    return pd.Series(codes, index=values.index)


def _salary_cells(dt: date, today) -> list[dict]:
    """Salary quantiles by archetype x seniority over the postings open on dt.

    The figure is the midpoint of the annualized range in the reporting
    currency (ECB rate of the posting's date); a cell with fewer postings
    stating a salary than the minimum publishes its counts but no quantiles.
    """
    import pandas as pd

    df = today[["archetype", "seniority", "salary_min_reporting", "salary_max_reporting",
                "salary_reporting_currency", "is_new"]].copy()
    df["dup_cluster_id"] = _codes(today["dup_cluster_id"])
    df["mid"] = df[["salary_min_reporting", "salary_max_reporting"]].mean(axis=1, skipna=True)
    df["seniority"] = df["seniority"].fillna("unknown").astype(str)
    minimum = min_salary_cell()
    out = []
    for (arch, sen), grp in df.groupby([df["archetype"].astype(str), df["seniority"]]):
        paid = grp["mid"].dropna()
        n = len(paid)
        q = paid.quantile([0.25, 0.5, 0.75]) if n >= minimum else pd.Series([None] * 3, index=[0.25, 0.5, 0.75])
        currency = grp["salary_reporting_currency"].dropna()
        out.append({
            "dt": dt, "dimension": "archetype_seniority", "value": f"{arch}|{sen}",
            "open": int(len(grp)), "new": int(grp["is_new"].sum()), "closed": 0,
            "open_unique": int(grp["dup_cluster_id"].nunique()),
            "salary_n": int(n),
            "salary_p25": None if q[0.25] is None else float(q[0.25]),
            "salary_p50": None if q[0.5] is None else float(q[0.5]),
            "salary_p75": None if q[0.75] is None else float(q[0.75]),
            "salary_currency": str(currency.iloc[0]) if len(currency) else None,
        })
    return out
