"""One title rule: the tagger's title_mismatch and the report's title_family() agree."""

from __future__ import annotations

import json

import pytest
from jobmarket.tagger import tag
from jobmarket.tagger.title import (
    FAMILY_NAMES,
    family_archetypes,
    is_title_mismatch,
    title_archetype,
    title_family,
)

from tests.support import FIXTURES


def _fixture_titles() -> list[str]:
    titles: set[str] = set()
    hist = FIXTURES / "greenhouse-history" / "dt=2026-08-22"
    for f in sorted(hist.glob("*.json")):
        titles |= {j.get("title") or "" for j in json.loads(f.read_text())["jobs"]}
    pool = FIXTURES / "postings" / "labelled_dev.jsonl"
    if pool.is_file():
        titles |= {json.loads(line).get("title") or "" for line in pool.read_text().splitlines() if line.strip()}
    return sorted(titles)


def test_the_sql_macro_is_the_python_rule_on_every_fixture_title():
    from jobmarket.report.views import connect

    titles = _fixture_titles()
    if len(titles) < 100:
        pytest.skip("../shared/fixtures is not present")
    titles += ["  Sr. Data Scientist (Ads) ", "Ingénieur(e) Data", "", "ML/AI Engineer", "BI Developer"]
    con = connect("/nonexistent-lake")
    got = dict(con.execute("SELECT t, title_family(t) FROM unnest(?::VARCHAR[]) AS u(t)", [titles]).fetchall())
    diffs = {t: (got[t], title_family(t)) for t in titles if got[t] != title_family(t)}
    assert not diffs
    assert {title_family(t) for t in titles} >= {"Data Scientist", "Data Engineer", "ML Engineer", "Other Analyst"}
    for fam in FAMILY_NAMES:
        sql = con.execute("SELECT family_archetypes(?)", [fam]).fetchone()[0]
        assert tuple(sql) == family_archetypes(fam)


def test_title_mismatch_is_the_family_rule():
    body = ("You will build and operate our batch and streaming data pipelines in Spark and Airflow, own the "
            "dbt models of the warehouse, design schemas in Snowflake and keep the ETL jobs reliable and tested. "
            "Requirements: 4+ years as a data engineer, SQL, Python, Kafka.")
    t = tag("Data Scientist", body)
    assert t["archetype"] == "data_engineer"
    assert t["title_mismatch"] is True and is_title_mismatch("Data Scientist", "data_engineer")
    # an Other Analyst promises nothing: never a mismatch
    assert tag("Property Tax Analyst", body)["title_mismatch"] is False
    # a title-only posting is never a mismatch (nothing was read to contradict the title)
    assert tag("Data Scientist", None)["title_mismatch"] is False


def test_the_model_feature_is_unchanged():
    # The trained model reads title_archetype (ta: features): the families must not move it.
    assert title_archetype("Data Scientist") == "applied_ml"
    assert title_archetype("Senior Business Intelligence Analyst") == "analytics"
    assert title_archetype("Analytics Engineer") == "data_engineer"
