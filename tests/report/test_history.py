"""History in one command: `jobmarket history` (make history) over dates of the
greenhouse-history layout, `jobmarket replay --history` serving it, and the
translator's numbers from JSONL postings with bodies."""

from __future__ import annotations

import json

import pytest
import requests

from tests.report.conftest import DATES, _fixture_copy
from tests.support import FIXTURES

needs_fixtures = pytest.mark.skipif(not (FIXTURES / "greenhouse-history").is_dir(),
                                    reason="../shared/fixtures is not present")


@needs_fixtures
def test_replay_serves_the_history_layout_with_the_other_recordings():
    from jobmarket.replay import ReplayServer, history_with_recordings_bundle

    bundle = history_with_recordings_bundle(FIXTURES, "2026-07-26")
    assert len(bundle.boards["greenhouse"]) == 22 and "lever" in bundle.boards and "ashby" in bundle.boards
    with ReplayServer(bundle) as server:
        first = requests.get(f"{server.url}/greenhouse/v1/boards/stripe/jobs", timeout=10).json()
        assert first["jobs"] and all("content" not in j for j in first["jobs"])
        assert requests.get(f"{server.url}/lever/v0/postings/plaid", timeout=10).status_code == 200
    # another date serves another night's response
    with ReplayServer(history_with_recordings_bundle(FIXTURES, "2026-08-22")) as server:
        last = requests.get(f"{server.url}/greenhouse/v1/boards/stripe/jobs", timeout=10).json()
    assert {j["id"] for j in first["jobs"]} != {j["id"] for j in last["jobs"]}


@needs_fixtures
@pytest.mark.slow
def test_history_runs_every_date_and_builds_reports_with_trends(tmp_path):
    from jobmarket.core.settings import Settings
    from jobmarket.history import run_history

    fixtures = _fixture_copy(tmp_path / "fx")
    settings = Settings(lake=tmp_path / "lake")
    out = run_history(settings, fixtures, with_recordings=False)
    assert [n["dt"] for n in out["nights"]] == DATES and all(n["open"] for n in out["nights"])
    assert len(out["reports"]) == len(DATES)
    html = (settings.lake / "reports" / "latest" / "index.html").read_text()
    assert f"trends over {DATES[0]} to {DATES[-1]} ({len(DATES)} crawl dates)" in html
    # Greenhouse lists carry no descriptions: the report says nothing was read.
    assert "Only 0 of" in html and (settings.lake / "reports" / "latest" / "figures.json").is_file()


def test_translate_counts_only_read_postings_with_interval(tmp_path):
    from jobmarket.history import translate, translation_summary

    de = ("You will build and operate batch and streaming data pipelines in Spark and Airflow, own the dbt models "
          "of the warehouse, design schemas in Snowflake and keep the ETL jobs reliable. Requirements: SQL, "
          "Python, Kafka, 4+ years as a data engineer.")
    ml = ("You will train and evaluate machine learning models for ranking and recommendations, run A/B tests "
          "of the models, do feature engineering in Python with scikit-learn and PyTorch, and present results.")
    rows = [{"title": "Data Scientist", "company": "A", "description": de, "archetype": "data_engineer"},
            {"title": "Data Scientist", "company": "B", "description": ml, "archetype": "applied_ml"},
            {"title": "Senior Data Scientist", "company": "C", "description": ml},
            {"title": "Data Scientist", "company": "D", "description": ""},  # not read: left out
            {"title": "Data Scientist", "company": "A", "description": de}]  # same posting again: once
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    df = translate(None, [path])
    s = translation_summary(df, "Data Scientist", "data_engineer")
    got = s["by_origin"]["all"]
    assert (got["k"], got["n"]) == (1, 3)
    assert got["ci90"][0] < 1 / 3 < got["ci90"][1]
    assert s["human_labels"]["n"] == 2 and s["human_labels"]["k"] == 1
