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

from jobmarket.core.lake import Lake

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


def _parquet_source(lake: Lake, table_path: str) -> str | None:
    """What ``read_parquet`` reads for a table, or None when it has no partition.

    A local lake is globbed, so a view file keeps seeing new partitions. An
    object-store lake is listed: only each partition's committed attempt
    (``dt=D/_attempts/<id>/``, named by ``_COMMIT.json``) may be read, and a
    glob would also match superseded and crashed attempts.
    """
    if lake.is_local:
        base = Path(lake.location.path) / table_path  # absolute: the view file may be opened elsewhere
        if not any(base.glob("dt=*/part-0.parquet")):
            return None
        return _sql_string(str(base / "dt=*" / "part-0.parquet"))
    files = lake.committed_files(table_path)
    if not files:
        return None
    return "[" + ", ".join(_sql_string(str(f)) for f in files) + "]"


def base_view_sql(lake: Lake | str | os.PathLike[str], name: str, table) -> str:
    """A view over the table's committed Parquet files with ``dt`` from the
    partition; typed and empty when the table has no partition yet."""
    lake = Lake.of(lake)
    source = _parquet_source(lake, table.path)
    if source is not None:
        return (
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({source}, "
            "hive_partitioning = true, hive_types = {'dt': DATE}, union_by_name = true)"
        )
    cols = [
        f"CAST(NULL AS {_DUCK_TYPES[c.type]}) AS {c.name}" for c in table.columns if c.name != "dt"
    ]
    cols.append("CAST(NULL AS DATE) AS dt")
    return f"CREATE OR REPLACE VIEW {name} AS SELECT {', '.join(cols)} WHERE false"


def register_lake_filesystem(con, lake: Lake | str | os.PathLike[str]) -> None:
    """Let ``con`` read the lake's ``s3://`` paths through the lake's own
    filesystem (pyarrow's S3 client: same endpoint, region and credentials as
    the pipeline). A no-op for a local lake.

    DuckDB's own S3 reader is the httpfs extension, which DuckDB downloads on
    first use; this works without it (offline, or where extension downloads
    are blocked). With httpfs, ``CREATE SECRET (TYPE s3, ...)`` does the same
    job (docs/analysts.md)."""
    lake = Lake.of(lake)
    if lake.is_local:
        return
    from fsspec.implementations.arrow import ArrowFSWrapper

    class LakeS3(ArrowFSWrapper):
        protocol = (lake.location.scheme,)
        root_marker = ""

    con.register_filesystem(LakeS3(lake.fs))


def define_views(con, lake: Lake | str | os.PathLike[str]) -> None:
    """Define the base and derived views on an open DuckDB connection."""
    from jobmarket.tagger.title import title_family_sql

    lake = Lake.of(lake)
    register_lake_filesystem(con, lake)
    for name, table in curated_tables():
        con.execute(base_view_sql(lake, name, table))
    con.execute(title_family_sql())
    con.execute(VIEWS_SQL.read_text(encoding="utf-8"))


def create_views(lake: str | os.PathLike[str], db_path: str | os.PathLike[str]) -> Path:
    """Write ``db_path``: a DuckDB file with views over the lake (replaced if present).

    Rerun it after a new table appears in the lake (a table with no partition
    yet gets an empty view). On a local lake new partitions of existing
    tables are picked up at query time; on an object-store lake the views
    name the files committed when they were made, so rerun it after each
    night (or use ``connect``), and open the file with the S3 reader set up
    (``register_lake_filesystem`` or httpfs, docs/analysts.md).
    """
    import duckdb

    lake = Lake(lake)  # parsed before any file is written: a bad URI stops here
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
    """An in-memory DuckDB connection with the views (of the lake's current
    committed files on either kind of lake), as of ``as_of`` when given."""
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET threads TO 2")
    define_views(con, lake)
    if as_of is not None:
        con.execute(f"SET VARIABLE as_of = DATE '{as_of.isoformat()}'")
    return con
