"""The DuckDB views file analysts open (`jobmarket views`)."""

from __future__ import annotations

import duckdb
import pandas as pd
from jobmarket.core.lake import Lake
from jobmarket.incremental.lifecycle import lifecycle_as_of
from jobmarket.report import create_views

from tests.report.conftest import DATES


def test_views_file_reads_the_lake(small_lake, tmp_path):
    db = create_views(small_lake, tmp_path / "jm.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert {"observations", "postings", "skills", "posting_lifecycle", "market_daily", "source_health", "quarantine",
            "validation_runs", "gate_results", "postings_current", "posting_lifecycle_latest", "market_daily_latest",
            "skills_current", "source_health_latest"} <= views

    latest = pd.read_parquet(small_lake / "curated" / "observations" / f"dt={DATES[-1]}")
    cur = con.execute("SELECT * FROM postings_current").df()
    assert str(con.execute("SELECT as_of()").fetchone()[0]) == DATES[-1]
    assert sorted(cur["posting_id"]) == sorted(latest["posting_id"])
    assert cur["posting_id"].is_unique
    # The version's text comes along where the board gave one.
    assert cur.loc[cur["source"] == "lever", "description"].notna().all()
    life = con.execute("SELECT count(*) FROM posting_lifecycle_latest").fetchone()[0]
    assert life == lifecycle_as_of(Lake(small_lake), DATES[-1]).num_rows  # stored as changes: the reader's rows
    con.close()

    # as_of is a session variable: the same views, an earlier date.
    con = duckdb.connect(str(db))
    con.execute(f"SET VARIABLE as_of = DATE '{DATES[0]}'")
    first = pd.read_parquet(small_lake / "curated" / "observations" / f"dt={DATES[0]}")
    assert con.execute("SELECT count(*) FROM postings_current").fetchone()[0] == len(first)
    con.close()


def test_views_of_an_empty_lake_are_typed_and_empty(tmp_path):
    db = create_views(tmp_path / "no-lake", tmp_path / "empty.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM postings_current").fetchone()[0] == 0
    cols = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_name = 'observations'").fetchall())
    assert cols["dt"] == "DATE" and cols["tag_flags"] == "VARCHAR[]"
