"""One real Airflow run (dag.test) over registry boards: the scrape task maps
over shards of boards, and the run publishes every shard's postings and the
registry after the night."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import yaml
from jobmarket.boards.registry import save, seed
from jobmarket.core.lake import Lake
from jobmarket.replay import Bundle, ReplayServer, fixture_bundle

from tests.support import CRAWL_DATE
from tests.test_dag import airflow_home, migrated_db, run_dag  # noqa: F401 - fixtures

pytestmark = [pytest.mark.airflow, pytest.mark.slow]


def test_nightly_dag_maps_shards_of_registry_boards_and_publishes(fixtures_dir, airflow_home, tmp_path):  # noqa: F811
    rec = fixture_bundle(fixtures_dir, CRAWL_DATE)
    crawl = sorted(rec.boards["greenhouse"])[:9]
    tokens = [f"co{i}" for i in range(9)]
    b = Bundle()
    for tok, real in zip(tokens, crawl, strict=True):
        b.routes[f"/greenhouse/v1/boards/{tok}/jobs"] = rec.routes[f"/greenhouse/v1/boards/{real}/jobs"]
    b.routes["/lever/v0/postings/plaid"] = rec.routes["/lever/v0/postings/plaid"]
    lake = tmp_path / "lake"
    reg = seed(date(2026, 8, 1))  # the bundled lists, as a lake's first version is
    for tok in tokens:
        reg.add({"family": "greenhouse", "token": tok, "found_by": "url", "found_on": date(2026, 8, 1),
                 "tags": ["night"]})
    save(Lake(lake), date(2026, 8, 1), reg)
    with ReplayServer(b) as server:
        fast = {"rate_per_second": 200, "burst": 20, "max_concurrency": 8, "options": {"replay": True}}
        doc = {"http": {"contact": "t@example.invalid"}, "sources": {
            "greenhouse": {"base_url": f"{server.url}/greenhouse", "content": False, "shard_size": 4,
                           "registry": {"tags": ["night"]}, **fast},
            "lever": {"base_url": f"{server.url}/lever", "boards": ["plaid"], **fast},
        }}
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(doc))
        result = run_dag(airflow_home, lake, sources, CRAWL_DATE, "--no-retries")
    assert result["state"] == "success", result
    mapped = sorted(v["rendered_map_index"] for k, v in result["tasks"].items() if k.startswith("scrape_greenhouse["))
    assert mapped == ["greenhouse 1/3", "greenhouse 2/3", "greenhouse 3/3"]
    obs = pd.read_parquet(lake / "curated" / "observations" / f"dt={CRAWL_DATE}")
    assert set(obs["board"]) == {*tokens, "plaid"}
    assert set(obs.loc[obs["board"] == "plaid", "company"]) == {"Plaid"}, "the registry's display name"
    registry = pd.read_parquet(lake / "curated" / "board_registry" / f"dt={CRAWL_DATE}")
    gh = registry[registry["family"] == "greenhouse"].set_index("token")
    assert set(gh.loc[tokens, "status"]) == {"live"}
    assert registry.set_index(["family", "token"]).loc[("lever", "plaid"), "found_by"] == "config"
    summary = pd.read_parquet(lake / "curated" / "registry_summary" / f"dt={CRAWL_DATE}").set_index("family")
    assert (summary.loc["greenhouse", "crawled"], summary.loc["greenhouse", "crawled_live"]) == (9, 9)
