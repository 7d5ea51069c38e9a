"""``posting_lifecycle`` stored as monthly snapshots plus daily changes.

The lifecycle of a date D (every posting known as of D, see
``steps/curate.lifecycle``) is mostly yesterday's with a day added: an open
posting seen again gets ``last_seen = D`` and ``times_seen + 1``, and
``as_of`` / ``days_open`` follow from the date. Writing it whole every day
grows with days (about 2 GB a year at 100,000 open postings); this layout
grows with changes.

Layout of ``curated/posting_lifecycle/dt=D`` (same columns as before):

* **Snapshot** when D is the first observation date of its calendar month:
  every posting known as of D, exactly the old full partition.
* **Changes** on any other date, relative to P, the observation date before D:
  the full rows (as of D) of the postings whose row differs from the
  prediction made from their row as of P: new postings, closes, reopens, missed
  crawls, version and attribute changes. The prediction keeps every column
  and, when the posting was seen on P (``last_seen == P``), moves
  ``last_seen`` to D and adds one to ``times_seen``; ``as_of`` and
  ``days_open`` are never compared (they follow from D). When nothing
  differs, the first row is kept anyway, so that no changes partition is
  empty: DuckDB's ``read_parquet`` sees no date of a file without rows.

Which dates are snapshots and what P is are functions of the observation
dates alone, and the rows are functions of the lifecycles of D and P, which
are functions of the observations: a partition is the same whatever order the
dates were built in. Reading D needs the snapshot of D's month and every
changes partition after it up to D (:func:`lifecycle_as_of`); the DuckDB
views do the same in SQL (``report/views.sql``: ``posting_lifecycle_at(d)``
and ``posting_lifecycle_latest`` for one date, ``posting_lifecycle`` for all).
"""

from __future__ import annotations

from datetime import date

from jobmarket.core.lake import Lake, read_parquet
from jobmarket.core.schema import OBSERVATIONS, POSTING_LIFECYCLE

# Columns that follow from the as-of date, never compared nor trusted from a changes row.
DERIVED = ("as_of", "days_open")


class LifecycleNotBuilt(LookupError):
    """A partition the lifecycle of a date needs has not been written yet."""


def _as_date(d: date | str) -> date:
    return d if isinstance(d, date) else date.fromisoformat(str(d))


def chain(obs_dates: list[date], d: date) -> list[date]:
    """The dates whose partitions make up the lifecycle of ``d``: the first
    observation date of ``d``'s month (the snapshot) up to ``d``, every
    observation date in between. ``d`` itself is included even when it is
    not (yet) an observation date."""
    month = d.replace(day=1)
    return sorted({x for x in obs_dates if month <= x < d} | {d})


def base_date(obs_dates: list[date], d: date) -> date | None:
    """The date whose lifecycle the changes of ``d`` are relative to; None
    when ``d`` is a snapshot date (the first observation date of its month)."""
    dates = chain(obs_dates, d)
    return dates[-2] if len(dates) > 1 else None


def changes(life, prev, prev_dt: date | None, d: date):
    """The rows of ``life`` (the full lifecycle as of ``d``: an Arrow table of
    POSTING_LIFECYCLE's schema, sorted by posting_id) to store for ``d``: all
    of them on a snapshot date (``prev`` None), else those the prediction from
    ``prev`` (the lifecycle as of ``prev_dt``) gets wrong (see the module doc)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if prev is None or life.num_rows == 0:
        return life
    pos = pc.index_in(life.column("posting_id"), value_set=prev.column("posting_id"))
    old = prev.take(pos)  # null rows for postings new on d
    seen = pc.fill_null(pc.equal(old.column("last_seen"), pa.scalar(prev_dt, pa.date32())), False)
    predicted = {
        "last_seen": pc.if_else(seen, pa.scalar(d, pa.date32()), old.column("last_seen")),
        "times_seen": pc.add(old.column("times_seen"), pc.cast(seen, pa.int32())),
    }
    differs = pc.is_null(pos)
    for col in life.column_names:
        if col in DERIVED or col == "posting_id":
            continue
        a, b = life.column(col), predicted.get(col, old.column(col))
        same = pc.or_(pc.fill_null(pc.equal(a, b), False), pc.and_(pc.is_null(a), pc.is_null(b)))
        differs = pc.or_(differs, pc.invert(same))
    if not pc.any(differs).as_py():
        return life.slice(0, 1)  # no empty changes partition (see the module doc)
    return life.filter(differs)


def replay(parts: list, d: date):
    """The lifecycle as of ``d`` from ``parts``: (date, Arrow table) of the
    snapshot of ``d``'s chain then every changes partition up to ``d``, in
    date order. Returns an Arrow table of POSTING_LIFECYCLE's schema, by posting_id."""
    import pyarrow as pa
    import pyarrow.compute as pc

    schema = POSTING_LIFECYCLE.arrow_schema()
    day = pa.scalar(d, pa.date32())
    n_d = len(parts) - 1
    pieces, taken = [], None
    # Newest partition first: each posting's row is the one of the last partition holding it.
    for n, (x, t) in reversed(list(enumerate(parts))):
        t = t.select(schema.names).cast(schema)
        if taken is not None and t.num_rows:
            t = t.filter(pc.invert(pc.is_in(t.column("posting_id"), value_set=taken)))
        if not t.num_rows:
            continue
        ids = t.column("posting_id").combine_chunks()
        taken = ids if taken is None else pa.concat_arrays([taken, ids])
        # Seen on the date of its row and no row since: seen on every date since.
        streak = pc.equal(t.column("last_seen"), pa.scalar(x, pa.date32()))
        t = t.set_column(schema.get_field_index("times_seen"), "times_seen",
                         pc.if_else(streak, pc.add(t.column("times_seen"), pa.scalar(n_d - n, pa.int32())),
                                    t.column("times_seen")))
        t = t.set_column(schema.get_field_index("last_seen"), "last_seen", pc.if_else(streak, day, t.column("last_seen")))
        pieces.append(t)
    if not pieces:
        return schema.empty_table()
    out = pa.concat_tables(pieces)
    out = out.take(pc.sort_indices(out.column("posting_id")))
    end = pc.coalesce(out.column("closed_on"), day)
    days_open = pc.subtract(end.cast(pa.int32()), out.column("first_seen").cast(pa.int32()))
    out = out.set_column(schema.get_field_index("as_of"), "as_of", pa.array([d] * out.num_rows, pa.date32()))
    out = out.set_column(schema.get_field_index("days_open"), "days_open", days_open)
    return out.cast(schema)  # set_column's fields are nullable: the schema's own, as the old partitions had


def to_arrow(frame):
    """A lifecycle frame as an Arrow table of POSTING_LIFECYCLE's schema."""
    import pyarrow as pa

    return pa.Table.from_pandas(frame[POSTING_LIFECYCLE.column_names], schema=POSTING_LIFECYCLE.arrow_schema(),
                                preserve_index=False)


def _read_date(lake: Lake, d: date):
    import pyarrow as pa

    files = lake.committed_files(POSTING_LIFECYCLE.path, [str(d)])
    if not files:
        return None
    tables = [read_parquet(f) for f in files]
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def lifecycle_as_of(lake: Lake, as_of: date | str):
    """Every posting known as of ``as_of`` (a pyarrow Table, POSTING_LIFECYCLE's
    columns, by posting_id): the rows the full daily snapshot had. Raises
    LifecycleNotBuilt when a partition it needs is missing (the date, or an
    earlier date of its month, has observations but was not curated)."""
    d = _as_date(as_of)
    built = {date.fromisoformat(x) for x in lake.partition_dates(POSTING_LIFECYCLE.path)}
    obs_dates = [date.fromisoformat(x) for x in lake.partition_dates(OBSERVATIONS.path)]
    dates = chain(obs_dates, d)
    missing = [x for x in dates if x not in built]
    if missing:
        raise LifecycleNotBuilt(
            f"posting_lifecycle as of {d} needs the partitions of {', '.join(map(str, missing))}: "
            f"run `jobmarket curate` for {'that date' if len(missing) == 1 else 'those dates'}")
    parts = []
    for x in dates:
        t = _read_date(lake, x)
        if t is None:
            raise LifecycleNotBuilt(f"posting_lifecycle/dt={x} was replaced while read: retry")
        parts.append((x, t))
    return replay(parts, d)
