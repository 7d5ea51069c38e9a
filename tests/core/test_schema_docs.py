"""The data dictionary is generated from the schemas in code and covers
every column a pipeline run actually publishes."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pyarrow.parquet as pq
import pytest
from jobmarket.core.schema import TABLES
from jobmarket.docs import render

from tests.support import REPO


def test_data_dictionary_is_current():
    committed = (REPO / "docs" / "data-dictionary.md").read_text()
    assert committed == render(), "docs/data-dictionary.md is stale: run `jobmarket docs`"


def test_every_table_and_column_is_documented():
    text = render()
    for table in TABLES:
        assert f"## `{table.name}`" in text
        for col in table.columns:
            assert col.doc.strip(), f"{table.name}.{col.name} has no description"
            assert f"| `{col.name}` |" in text


@pytest.mark.slow
def test_published_partitions_match_the_documented_schemas(tmp_path, monkeypatch):
    """Run the sample bundle through every step; each written table has
    exactly the documented columns and types."""
    from jobmarket.core.settings import Settings
    from jobmarket.pipeline import run_date
    from jobmarket.replay import ReplayServer, sample_bundle, sources_yaml
    from jobmarket.sources.config import load_sources

    bundle = sample_bundle()
    with ReplayServer(bundle) as server:
        path = tmp_path / "sources.yaml"
        path.write_text(sources_yaml(bundle, server.url))
        settings = Settings(lake=tmp_path / "lake")
        out = run_date(date(2026, 8, 22), settings=settings, sources=load_sources(path), run_id="t")
    assert out["failed_sources"] == []
    assert out["publish"]["published"] == 7  # 3 Greenhouse + 2 Lever + 2 Ashby sample postings
    for table in TABLES:
        part = settings.lake / table.path / "dt=2026-08-22" / "part-0.parquet"
        assert part.is_file(), table.name
        assert pq.read_schema(part).remove_metadata() == table.arrow_schema(), table.name


def test_sample_bundle_archetypes_are_read_from_the_body(tmp_path):
    """The bundled sample's postings say what they are in their bodies."""
    from jobmarket.core.settings import Settings
    from jobmarket.pipeline import run_date
    from jobmarket.replay import ReplayServer, sample_bundle, sources_yaml
    from jobmarket.sources.config import load_sources

    bundle = sample_bundle()
    with ReplayServer(bundle) as server:
        path = tmp_path / "sources.yaml"
        path.write_text(sources_yaml(bundle, server.url))
        settings = Settings(lake=tmp_path / "lake")
        run_date(date(2026, 8, 22), settings=settings, sources=load_sources(path), run_id="t")
    obs = pq.read_table(settings.lake / "curated" / "observations" / "dt=2026-08-22").to_pandas()
    got = dict(zip(obs["title"], obs["archetype"], strict=True))
    assert got["Data Engineer"] == "data_engineer"
    assert got["Data Scientist"] == "analytics"  # the body is A/B tests and dashboards
    assert got["Data Scientist, Risk"] == "applied_ml"  # the body is fraud models
    assert got["Account Executive"] == "other"
    assert got["AI Engineer"] == "ai_engineer"
    assert got["Research Scientist"] == "research"
    pay = obs.set_index("title").loc["Machine Learning Engineer, Platform"]
    assert (pay["salary_min"], pay["salary_currency"], pay["salary_source"]) == (170000.0, "USD", "structured")


def test_cli_help_lists_every_step():
    out = subprocess.run([sys.executable, "-m", "jobmarket.cli", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for step in ("scrape", "parse", "validate", "tag", "publish", "curate", "run", "rebuild", "evaluate", "replay"):
        assert step in out
