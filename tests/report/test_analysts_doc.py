"""docs/analysts.md cannot rot: every ```sql and ```python block in it runs
against a real pipeline output, and every query the report runs is in it,
verbatim."""

from __future__ import annotations

import re

import duckdb
import pytest
from jobmarket.report import create_views
from jobmarket.report.build import load_queries

from tests.support import REPO

DOC = REPO / "docs" / "analysts.md"


# A block that opens with this comment needs what a test here cannot give it
# (an S3 bucket, a DuckDB extension download); the comment says what runs
# the same calls instead.
NOT_RUN = re.compile(r"^(#|--) not run by the doc test")


def blocks(lang: str, *, runnable: bool = True) -> list[str]:
    found = re.findall(rf"^```{lang}\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)
    return [b for b in found if not (runnable and NOT_RUN.match(b))]


def test_blocks_that_are_not_run_say_why():
    skipped = [b for lang in ("sql", "python") for b in blocks(lang, runnable=False) if NOT_RUN.match(b)]
    assert len(skipped) == 2, "only the S3 examples of 'When the lake is on S3' are exempt"
    assert all("S3" in b.splitlines()[0] or "httpfs" in b.splitlines()[0] for b in skipped)


@pytest.fixture()
def analyst_dir(small_lake, tmp_path, monkeypatch):
    """A working folder where data/ is the lake, as the guide assumes."""
    (tmp_path / "data").symlink_to(small_lake)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_report_query_is_in_the_guide_verbatim():
    sql = blocks("sql")
    missing = [name for name, q in load_queries().items() if q.strip() + "\n" not in sql]
    assert not missing, f"docs/analysts.md lacks (or has an old copy of) the report queries {missing}"


def test_every_sql_block_runs(analyst_dir, capsys):
    create_views("data", analyst_dir / "views.duckdb")
    con = duckdb.connect(str(analyst_dir / "views.duckdb"))
    results = {}
    for i, sql in enumerate(blocks("sql")):
        try:
            rows = None
            for statement in [s for s in sql.split(";") if s.strip()]:
                rel = con.sql(statement)
                rows = rel.fetchall() if rel is not None else rows
        except duckdb.Error as exc:
            pytest.fail(f"sql block {i} of docs/analysts.md failed: {exc}\n{sql}")
        results[i] = rows
    assert len(results) >= len(load_queries()) + 3
    named = {name: i for i, q in enumerate(blocks("sql")) for name, rq in load_queries().items() if q.strip() == rq}
    # The figures the small lake has data for come back non-empty.
    for name in ("headline", "archetype_trend", "title_matrix", "top_skills", "salary_share", "work_arrangement",
                 "flow", "lifecycle", "reading", "coverage", "failures", "quality_trend"):
        assert results[named[name]], f"{name} returned no rows"


def test_every_python_block_runs(analyst_dir, capsys):
    namespace: dict = {}
    code = blocks("python")
    assert len(code) >= 3
    for i, src in enumerate(code):
        try:
            exec(compile(src, f"docs/analysts.md python block {i}", "exec"), namespace)  # noqa: S102
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"python block {i} of docs/analysts.md failed: {exc!r}\n{src}")
    assert "archetype" in capsys.readouterr().out
