"""Curate step: posting versions, skills, lifecycle and daily market counts.

Everything here for a date D is a function of the observations (and
successful crawls) of the dates up to D, and observations of a date are a
function of that date's raw alone. So the tables come out the same whatever
order dates are built in: before computing D, every earlier date that has raw
but no observations is derived first (from its raw, never by scraping).
"""

from __future__ import annotations

import logging
import os
from datetime import date
from typing import Any

from jobmarket.config import Settings, SourcesFile
from jobmarket.lake import Lake
from jobmarket.schema import (
    MARKET_DAILY,
    OBSERVATIONS,
    POSTING_LIFECYCLE,
    POSTINGS,
    SKILLS,
    SOURCE_HEALTH,
)

log = logging.getLogger(__name__)

CRAWLED = ("ok", "empty", "not_modified")  # a board status that proves we looked
MARKET_DIMENSIONS = ("archetype", "source", "company", "seniority", "work_arrangement", "country")


def close_after() -> int:
    """Consecutive successful crawls a posting must be absent to count as closed."""
    return int(os.environ.get("JOBMARKET_CLOSE_AFTER_MISSES", "2"))


def min_salary_cell() -> int:
    """Below this many postings a salary quantile is not published."""
    return int(os.environ.get("JOBMARKET_MIN_SALARY_CELL", "10"))


def _dates_with(path) -> list[date]:
    out = []
    if path.is_dir():
        for d in path.glob("dt=*"):
            if (d / "part-0.parquet").is_file() or (d / "_manifest.json").is_file():
                out.append(date.fromisoformat(d.name.split("=", 1)[1]))
    return sorted(set(out))


def raw_dates(lake: Lake) -> list[date]:
    dates: set[date] = set()
    raw = lake.root / "raw"
    if raw.is_dir():
        for d in raw.glob("source=*/board=*/dt=*"):
            if (d / "_manifest.json").is_file():
                dates.add(date.fromisoformat(d.name.split("=", 1)[1]))
    return sorted(dates)


def observation_dates(lake: Lake) -> list[date]:
    return _dates_with(lake.table_dir(OBSERVATIONS.path))


def derive_observations(
    dt: date, *, settings: Settings, sources: SourcesFile | None = None, run_id: str = "cli"
) -> dict[str, Any]:
    """Everything of ``dt`` that depends on its raw alone: parse, validate,
    tag, validate the tags, publish. The one sequence the CLI, the rebuild
    command and ``ensure_observations`` share (the DAG runs the same steps as tasks)."""
    from jobmarket.quality.curated import validate_tagged_date
    from jobmarket.transform import parse_date, publish_date, tag_date
    from jobmarket.validate import validate_date

    return {
        "parse": parse_date(dt, settings=settings, sources=sources, run_id=run_id),
        "validate": validate_date(dt, settings=settings, run_id=run_id),
        "tag": tag_date(dt, settings=settings),
        "validate_tagged": validate_tagged_date(dt, settings=settings, run_id=run_id),
        "publish": publish_date(dt, settings=settings),
    }


def ensure_observations(
    upto: date, *, settings: Settings, sources: SourcesFile | None = None, run_id: str = "cli"
) -> list[date]:
    """Derive observations for every date <= ``upto`` that has raw but none yet."""
    lake = Lake(settings.lake)
    have = set(observation_dates(lake))
    built = []
    for d in raw_dates(lake):
        if d > upto or d in have:
            continue
        log.warning("observations for %s are missing: deriving them from raw", d)
        derive_observations(d, settings=settings, sources=sources, run_id=run_id)
        built.append(d)
    return built


def _read_partitions(lake: Lake, table, upto: date, columns: list[str]):
    """Rows of ``table`` for every partition dt <= upto, with a `dt` column."""
    import pandas as pd
    import pyarrow.parquet as pq

    frames = []
    for d in _dates_with(lake.table_dir(table.path)):
        if d > upto:
            continue
        t = pq.read_table(lake.partition_dir(table.path, d) / "part-0.parquet", columns=columns)
        df = t.to_pandas()
        df["dt"] = d
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=[*columns, "dt"])
    return pd.concat(frames, ignore_index=True)


def _drop_held_back(lake: Lake, crawls, upto: date):
    """A source (or board) whose rows a quality gate held back on a date was
    not observed that date: its postings must not count as absent."""
    from jobmarket.quality.tables import GATE_RESULTS

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
    import numpy as np
    import pandas as pd

    crawls = pd.concat([crawls[["source", "board", "dt"]], obs[["source", "board", "dt"]]]).drop_duplicates()
    crawls = crawls.sort_values(["source", "board", "dt"]).reset_index(drop=True)
    crawls["ci"] = crawls.groupby(["source", "board"]).cumcount()
    board_dates = {key: grp["dt"].tolist() for key, grp in crawls.groupby(["source", "board"], sort=False)}

    o = obs.merge(crawls, on=["source", "board", "dt"], how="left").sort_values(["posting_id", "dt"])
    o["gap"] = o.groupby("posting_id")["ci"].diff().fillna(1) - 1  # crawls missed before this sighting
    agg = o.groupby("posting_id").agg(
        source=("source", "last"),
        board=("board", "last"),
        first_seen=("dt", "min"),
        last_seen=("dt", "max"),
        times_seen=("dt", "size"),
        versions=("version_id", "nunique"),
        last_ci=("ci", "max"),
        reopened_count=("gap", lambda g: int((g >= k).sum())),
    )
    latest = o.groupby("posting_id").tail(1).set_index("posting_id")
    for col in ("company", "title", "archetype", "posted_at", "updated_at"):
        agg[col] = latest[col]

    closed_on, confirmed_today, censored = [], [], []
    for (source, board), first_seen, last_ci in zip(
        zip(agg["source"], agg["board"], strict=True), agg["first_seen"], agg["last_ci"], strict=True
    ):
        dates = board_dates[(source, board)]
        misses = len(dates) - 1 - int(last_ci)
        if misses >= k:
            closed_on.append(dates[int(last_ci) + 1])
            confirmed_today.append(dates[int(last_ci) + k] == as_of)
        else:
            closed_on.append(None)
            confirmed_today.append(False)
        censored.append(first_seen == dates[0])
    agg["closed_on"] = closed_on
    agg["closed_confirmed_today"] = confirmed_today
    agg["left_censored"] = censored
    agg["is_open"] = agg["closed_on"].isna()
    end = agg["closed_on"].where(agg["closed_on"].notna(), as_of)
    agg["days_open"] = np.array([(e - f).days for e, f in zip(end, agg["first_seen"], strict=True)], dtype="int32")
    agg["as_of"] = as_of
    return agg.reset_index()


def curate_date(
    dt: date,
    *,
    settings: Settings | None = None,
    sources: SourcesFile | None = None,
    run_id: str = "cli",
) -> dict[str, Any]:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from jobmarket.quality.tables import TAGGED_VALID_STEP
    from jobmarket.transform import PipelineError

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    built = ensure_observations(dt, settings=settings, sources=sources, run_id=run_id)
    if dt not in observation_dates(lake):
        raise PipelineError(f"no observations for {dt}: publish it first")
    k = close_after()

    cols = ["posting_id", "version_id", "source", "board", "company", "title", "archetype",
            "seniority", "work_arrangement", "loc_country", "dup_cluster_id", "posted_at", "updated_at",
            "salary_min_reporting", "salary_max_reporting", "salary_reporting_currency"]
    obs = _read_partitions(lake, OBSERVATIONS, dt, cols)
    health = _read_partitions(lake, SOURCE_HEALTH, dt, ["source", "family", "board", "status"])
    crawls = health[health["status"].isin(CRAWLED)][["family", "board", "dt"]].rename(columns={"family": "source"})
    crawls = _drop_held_back(lake, crawls, dt)

    # Posting versions first seen on dt, with their text, from the tag step's output.
    earlier = set(obs.loc[obs["dt"] < dt, "version_id"])
    tagged_path = lake.partition_dir(f"work/{TAGGED_VALID_STEP}", dt) / "part-0.parquet"
    if not tagged_path.is_file():
        raise PipelineError(f"missing {tagged_path}: rerun parse/validate/tag for {dt}")
    tagged = pq.read_table(tagged_path)
    is_new = pc.invert(pc.is_in(tagged.column("version_id"), value_set=pa.array(sorted(earlier), type=pa.string())))
    new_versions = tagged.filter(is_new)
    new_versions = new_versions.take(pc.sort_indices(new_versions, sort_keys=[("posting_id", "ascending")]))
    first_seen = pa.array([dt] * new_versions.num_rows, type=pa.date32())
    new_versions = new_versions.append_column("first_seen", first_seen)
    lake.write_partition(POSTINGS.path, dt, new_versions.select(POSTINGS.column_names).cast(POSTINGS.arrow_schema()))

    skill_rows = []
    for pid, vid, skills, cats in zip(
        new_versions.column("posting_id").to_pylist(),
        new_versions.column("version_id").to_pylist(),
        new_versions.column("skills").to_pylist(),
        new_versions.column("skill_categories").to_pylist(),
        strict=True,
    ):
        for skill, cat in zip(skills or [], cats or [], strict=False):
            skill_rows.append({"first_seen": dt, "posting_id": pid, "version_id": vid, "skill": skill, "category": cat})
    lake.write_partition(SKILLS.path, dt, pa.Table.from_pylist(skill_rows, schema=SKILLS.arrow_schema()))

    life = lifecycle(obs, crawls, dt, k)
    life_out = life.rename(columns={"posted_at": "source_posted_at", "updated_at": "source_updated_at"})
    life_out = life_out.sort_values("posting_id")[POSTING_LIFECYCLE.column_names]
    lake.write_partition(
        POSTING_LIFECYCLE.path,
        dt,
        pa.Table.from_pandas(life_out, schema=POSTING_LIFECYCLE.arrow_schema(), preserve_index=False),
    )

    today = obs[obs["dt"] == dt].merge(life[["posting_id", "first_seen"]], on="posting_id", how="left")
    today["is_new"] = today["first_seen"] == dt
    closed_ids = set(life.loc[life["closed_confirmed_today"], "posting_id"])
    last_obs = obs.sort_values("dt").groupby("posting_id").tail(1)
    closed = last_obs[last_obs["posting_id"].isin(closed_ids)]
    market = market_daily(dt, today, closed)
    lake.write_partition(MARKET_DAILY.path, dt, pa.Table.from_pandas(market, schema=MARKET_DAILY.arrow_schema(), preserve_index=False))
    _ = pd  # pandas is used through the frames above
    return {
        "dt": str(dt),
        "derived_missing_dates": [str(d) for d in built],
        "new_versions": new_versions.num_rows,
        "open": int(len(today)),
        "new": int(today["is_new"].sum()),
        "closed": int(len(closed)),
        "known_postings": int(len(life)),
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
    today["_cluster"] = dup
    rows = []
    for dim in ("all", *MARKET_DIMENSIONS):
        open_ = today.groupby(dim).size()
        new = today[today["is_new"]].groupby(dim).size()
        uniq = today.groupby(dim)["_cluster"].nunique()
        cl = closed.groupby(dim).size()
        for value in sorted(set(open_.index) | set(cl.index)):
            rows.append({
                "dt": dt, "dimension": dim, "value": value,
                "open": int(open_.get(value, 0)), "new": int(new.get(value, 0)),
                "closed": int(cl.get(value, 0)), "open_unique": int(uniq.get(value, 0)),
                "salary_n": None, "salary_p25": None, "salary_p50": None, "salary_p75": None,
                "salary_currency": None,
            })
    rows.extend(_salary_cells(dt, today))
    return pd.DataFrame(rows, columns=MARKET_DAILY.column_names)


def _salary_cells(dt: date, today) -> list[dict]:
    """Salary quantiles by archetype x seniority over the postings open on dt.

    The figure is the midpoint of the annualized range in the reporting
    currency (ECB rate of the posting's date); a cell with fewer postings
    stating a salary than the minimum publishes its counts but no quantiles.
    """
    import pandas as pd

    df = today.copy()
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
