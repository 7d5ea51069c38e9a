"""DuckDB views over the Parquet lake, for analysts and for the report.

``create_views(lake, db_path)`` writes a DuckDB database file holding only
views (no data is copied): one base view per curated table, then the derived
views of ``views.sql`` (``postings_current``, ``posting_lifecycle_latest``,
...). The report opens the same views in memory, so what the report shows is
what an analyst gets from the same query.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from jobmarket.core.store import require_local

VIEWS_SQL = Path(__file__).with_name("views.sql")

_DUCK_TYPES = {
    "string": "VARCHAR",
    "bool": "BOOLEAN",
    "float64": "DOUBLE",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "date32": "DATE",
    "timestamp[us, tz=UTC]": "TIMESTAMPTZ",
    "list<string>": "VARCHAR[]",
}


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def curated_tables():
    """(view name, Table) for every curated table of the data dictionary."""
    from jobmarket.core.schema import TABLES

    return [(t.name, t) for t in TABLES if t.path.startswith("curated/")]


def _has_files(lake: Path, table_path: str) -> bool:
    return any((lake / table_path).glob("dt=*/part-0.parquet"))


def base_view_sql(lake: Path, name: str, table) -> str:
    """A view over ``<lake>/<table>/dt=*/part-0.parquet`` with ``dt`` from the
    partition; typed and empty when the table has no partition yet."""
    if _has_files(lake, table.path):
        glob = _sql_string(str(lake / table.path / "dt=*" / "part-0.parquet"))
        return (
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({glob}, "
            "hive_partitioning = true, hive_types = {'dt': DATE}, union_by_name = true)"
        )
    cols = [
        f"CAST(NULL AS {_DUCK_TYPES[c.type]}) AS {c.name}" for c in table.columns if c.name != "dt"
    ]
    cols.append("CAST(NULL AS DATE) AS dt")
    return f"CREATE OR REPLACE VIEW {name} AS SELECT {', '.join(cols)} WHERE false"


def define_views(con, lake: str | os.PathLike[str]) -> None:
    """Define the base and derived views on an open DuckDB connection."""
    from jobmarket.tagger.title import title_family_sql

    # The views glob local files; DuckDB reads s3:// only with httpfs, which
    # it downloads on first use (see docs/analysts.md for object-store lakes).
    lake = require_local(lake, "DuckDB views (jobmarket views, the report)")
    for name, table in curated_tables():
        con.execute(base_view_sql(lake, name, table))
    con.execute(title_family_sql())
    con.execute(VIEWS_SQL.read_text(encoding="utf-8"))


def create_views(lake: str | os.PathLike[str], db_path: str | os.PathLike[str]) -> Path:
    """Write ``db_path``: a DuckDB file with views over the lake (replaced if present).

    Rerun it after a new table appears in the lake (a table with no partition
    yet gets an empty view); new partitions of existing tables are picked up
    at query time.
    """
    import duckdb

    lake = require_local(lake, "DuckDB views (jobmarket views, the report)")  # before any file is written
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.tmp")
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        define_views(con, lake)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, db_path)
    return db_path


def connect(lake: str | os.PathLike[str], as_of: date | None = None):
    """An in-memory DuckDB connection with the views, as of ``as_of`` when given."""
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET threads TO 2")
    define_views(con, lake)
    if as_of is not None:
        con.execute(f"SET VARIABLE as_of = DATE '{as_of.isoformat()}'")
    return con
