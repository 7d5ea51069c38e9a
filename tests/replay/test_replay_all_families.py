"""The replay server: query-aware routes and the all-families bundle.

Scrapes every family with recordings through the real client and scrape layer
against one ReplayServer, then parses what landed: the counts are the
recorded posting counts (MANIFEST.tsv), Greenhouse on a subset of the crawl.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import requests
import yaml

from tests.support import BOARDS, CRAWL_DATE, manifest_counts

EXPECTED = {
    "lever": 20,
    "ashby": 61,  # cursor 54 + notion 3 + ramp 1 + truelogic 3
    "smartrecruiters": 3,  # the 3 listed postings, from their details
    "workable": 3,
    "recruitee": 2,  # channable: both offers published
    "remoteok": 99,
    "remotive": 18,
    "arbeitnow": 3,
    "himalayas": 20,  # page 1 only: options.max_jobs 20
    "hn": 245,  # 207 top-level comments of May 2026: 191 job ads -> 245 postings (docs/sources.md)
    "jsonld": 2,  # the rebase page and the iCIMS page, one JobPosting each
    "teamtailor": 5,  # 1komma5 2 + upcloud 3 (its broken appended row quarantined)
    "personio": 5,  # clark 4 + personio 1
    "pinpoint": 3,
    "rippling": 2,
    "eightfold": 3,
    "bamboohr": 12,  # holisticai: list + 12 details
}
GREENHOUSE_SUBSET = 12
# Families with recordings in the shared fixtures but no adapter yet (each its
# own piece of work). Listed so that a recording of yet another family fails the
# coverage test with a clear message, instead of passing unnoticed.
NO_ADAPTER_YET = {"jobicy"}
# Families with an adapter and recordings that the replay server cannot serve:
# Workday lists by POST (tests/sources/test_new_families.py scrapes it from its own server).
NOT_REPLAYED = {"workday"}
NOT_A_FAMILY = {"robots"}  # robots.txt texts
# Families whose only full recording was posted after the crawl date: served
# to dates on or after its postings (replay.all_families_bundle), not to CRAWL_DATE.
SERVED_LATER = {"bamboohr": "2026-09-18"}


def _recorded_families() -> set[str]:
    """Families with a recording in MANIFEST.tsv: the row's ``kind``, or for
    ``kind`` ``other`` the file name's first word (``other/himalayas_jobs_...``)."""
    lines = (BOARDS / "MANIFEST.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    families = set()
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t"), strict=False))
        kind = row["kind"]
        if kind == "other":
            kind = Path(row["local_path"]).name.split("_")[0]
        if kind not in NOT_A_FAMILY:
            families.add(kind)
    return families


def _get(url: str) -> requests.Response:
    s = requests.Session()
    s.trust_env = False
    return s.get(url, timeout=5)


# -- query-aware routing ------------------------------------------------------

def test_route_key_normalizes_order_and_encoding():
    from jobmarket.replay import route_key

    assert route_key("/a") == "/a"
    assert route_key("/a", "") == "/a"
    assert route_key("/a", "b=2&a=1") == route_key("/a", "a=1&b=2")
    assert route_key("/s", "tags=comment%2Cstory_1") == route_key("/s", "tags=comment,story_1")
    assert route_key("/a", "x=1") != route_key("/a", "x=2")


def test_query_routes_match_exactly_then_fall_back_to_the_path(tmp_path):
    from jobmarket.replay import Bundle, ReplayServer

    files = {}
    for name in ("plain", "page1", "page2", "only"):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps({"name": name}))
    b = Bundle()
    b.add("fam", "board", "/fam/list", files["plain"])  # path-only: any query
    b.add("fam", "board", "/fam/list", files["page1"], query="page=1&size=20")
    b.add_route("/fam/list?size=20&page=2", files["page2"])  # the query may ride in the path
    b.add_route("/fam/only", files["only"], query="tags=a,b")  # no path-only route
    assert b.boards == {"fam": ["board"]}  # a board is listed once
    with ReplayServer(b) as srv:
        assert _get(f"{srv.url}/fam/list?size=20&page=1").json()["name"] == "page1"
        assert _get(f"{srv.url}/fam/list?page=2&size=20").json()["name"] == "page2"
        assert _get(f"{srv.url}/fam/list?page=3&size=20").json()["name"] == "plain"  # fallback
        assert _get(f"{srv.url}/fam/list").json()["name"] == "plain"
        assert _get(f"{srv.url}/fam/only?tags=a%2Cb").json()["name"] == "only"
        assert _get(f"{srv.url}/fam/only?tags=a,c").status_code == 404  # no fallback to fall to
        assert _get(f"{srv.url}/fam/only").status_code == 404
        r = _get(f"{srv.url}/fam/list?page=1&size=20")
        assert _get(f"{srv.url}/fam/list?page=1&size=20").headers["ETag"] == r.headers["ETag"]
        assert srv.hits["/fam/list"] == 6  # hits stay keyed by path
        assert len(srv.requests) == 9 and srv.max_inflight >= 1


def test_path_only_bundles_work_as_before(fixtures_dir):
    from jobmarket.replay import Route, fixture_bundle, sample_bundle

    b = fixture_bundle(fixtures_dir, CRAWL_DATE)
    assert isinstance(b.routes["/lever/v0/postings/plaid"], Route)
    assert b.lookup("/greenhouse/v1/boards/stripe/jobs", "content=true") is b.routes["/greenhouse/v1/boards/stripe/jobs"]
    assert set(sample_bundle().boards) == {"greenhouse", "lever", "ashby"}


def test_robots_txt_can_answer_404(tmp_path):
    from jobmarket.replay import Bundle, ReplayServer

    with ReplayServer(Bundle(), robots_txt=None) as srv:
        assert _get(f"{srv.url}/robots.txt").status_code == 404


# -- the all-families bundle ----------------------------------------------------

def test_all_families_bundle_covers_every_family_with_recordings(fixtures_dir):
    from jobmarket.replay import all_families_bundle
    from jobmarket.sources import REGISTRY

    recorded = _recorded_families()
    unsupported = recorded - set(REGISTRY)
    assert unsupported == NO_ADAPTER_YET, (
        f"recorded families without an adapter are {sorted(unsupported)}, NO_ADAPTER_YET says "
        f"{sorted(NO_ADAPTER_YET)}: add a new family's recordings to NO_ADAPTER_YET (or write its adapter); "
        "a family that has an adapter now leaves NO_ADAPTER_YET and is served by all_families_bundle")
    b = all_families_bundle(fixtures_dir, CRAWL_DATE)
    supported = recorded & set(REGISTRY)
    assert supported - set(b.boards) == NOT_REPLAYED | set(SERVED_LATER), "families with a recording, not served"
    for fam, first_date in SERVED_LATER.items():
        assert fam in all_families_bundle(fixtures_dir, first_date).boards, fam
    assert set(b.boards) <= supported, "served without a recording or without an adapter"
    assert len(b.boards["greenhouse"]) == 390
    assert b.boards["hn"] == ["whoishiring-2026-05"]
    assert b.family_options["himalayas"] == {"max_jobs": 20}
    # every family's routes live under its prefix, so one server per family works
    for fam in b.boards:
        sub = b.subset([fam])
        assert set(sub.boards) == {fam} and sub.routes
        assert all(k.startswith(f"/{fam}/") for k in sub.routes)


def test_default_bundle_is_all_families_with_shared_fixtures(fixtures_dir, monkeypatch, tmp_path):
    import jobmarket.replay as replay

    monkeypatch.setattr(replay, "SHARED_FIXTURES", fixtures_dir)
    assert set(replay.default_bundle().boards) >= (set(EXPECTED) - set(SERVED_LATER)) | {"greenhouse"}
    monkeypatch.setattr(replay, "SHARED_FIXTURES", tmp_path / "absent")
    assert set(replay.default_bundle().boards) == {"greenhouse", "lever", "ashby"}  # the shipped sample


def test_sources_yaml_limits_options_and_hosts(fixtures_dir):
    from jobmarket.replay import FAST_LIMITS, PRODUCTION_LIMITS, all_families_bundle, sources_yaml
    from jobmarket.sources.config import parse_sources

    b = all_families_bundle(fixtures_dir, CRAWL_DATE)
    fast = yaml.safe_load(sources_yaml(b, "http://127.0.0.1:9"))["sources"]
    assert fast["remotive"]["rate_per_second"] == FAST_LIMITS["rate_per_second"]
    assert fast["himalayas"]["options"] == {"replay": True, "max_jobs": 20}
    assert fast["jsonld"]["options"]["boards"]["rebase-1000"] == {"listing_path": "/jobs/1000.html"}
    prod_text = sources_yaml(b, "http://127.0.0.1:9", limits="production",
                             base_urls={"hn": "http://127.0.0.1:10"})
    prod = parse_sources(yaml.safe_load(prod_text), Path("<test>"))
    for s in prod.sources:
        lim = PRODUCTION_LIMITS[s.family]
        assert (s.rate_per_second, s.burst, s.max_concurrency) == (
            lim["rate_per_second"], lim["burst"], lim["max_concurrency"])
        assert s.options["replay"] is True
    assert prod.get("hn").base_url == "http://127.0.0.1:10/hn"
    assert prod.get("lever").base_url == "http://127.0.0.1:9/lever"
    custom = yaml.safe_load(sources_yaml(b, "http://h", limits={"greenhouse": {"rate_per_second": 4}}))["sources"]
    assert (custom["greenhouse"]["rate_per_second"], custom["greenhouse"]["burst"]) == (4, 2)
    assert custom["remotive"]["rate_per_second"] == 0.1
    with pytest.raises(ValueError):
        sources_yaml(b, "http://h", limits="slow")


# -- scrape + parse every family ------------------------------------------------

def test_every_family_scrapes_and_parses_to_the_recorded_counts(fixtures_dir, tmp_path):
    from jobmarket.core.lake import Lake
    from jobmarket.core.settings import Settings
    from jobmarket.replay import ReplayServer, all_families_bundle, sources_yaml
    from jobmarket.sources.config import load_sources
    from jobmarket.sources.http import PoliteClient
    from jobmarket.steps.parse import parse_board_dir
    from jobmarket.steps.scrape import scrape_source

    b = all_families_bundle(fixtures_dir, CRAWL_DATE)
    gh = sorted(b.boards["greenhouse"])[:: len(b.boards["greenhouse"]) // GREENHOUSE_SUBSET][:GREENHOUSE_SUBSET]
    b.boards["greenhouse"] = gh
    crawl = fixtures_dir / "greenhouse-crawl" / f"dt={CRAWL_DATE}"
    expected = {**{f: n for f, n in EXPECTED.items() if f not in SERVED_LATER}, "greenhouse": sum(
        len(json.loads((crawl / f"{t}.json").read_bytes())["jobs"]) for t in gh)}
    counts = manifest_counts()
    assert expected["remoteok"] == counts["remoteok/api_full_2026-05-16.json"]
    assert expected["remotive"] == counts["remotive/remote_jobs_filtered_18_2026-05.json"]
    assert expected["himalayas"] == counts["other/himalayas_jobs_api_page1_2026-05.json"]
    assert expected["lever"] == counts["lever/plaid_postings_first20.json"]
    assert expected["recruitee"] == counts["recruitee/channable_offers_trimmed.json"]

    dt = date.fromisoformat(CRAWL_DATE)
    settings = Settings(lake=tmp_path / "lake")
    lake = Lake(settings.lake)
    got: dict[str, int] = {}
    with ReplayServer(b) as srv:
        path = tmp_path / "sources.yaml"
        path.write_text(sources_yaml(b, srv.url))
        sources = load_sources(path)
        with PoliteClient(sources.http.user_agent) as client:
            for s in sources.sources:
                summary = scrape_source(s.name, dt, settings=settings, sources=sources, client=client)
                assert summary["counts"] == {"ok": len(s.boards)}, (s.name, summary["errors"])
                n = 0
                for token, d in lake.raw_boards(s.family, dt):
                    n += len(parse_board_dir(lake, s, token, d, lake.read_manifest(d)))
                got[s.family] = n
        # the adapters asked exactly for the recorded queries (no fallbacks hit)
        asked = {p for _, p in srv.requests}
        assert "/himalayas/jobs/api?limit=20&offset=0" in asked
        assert not any(p.startswith("/himalayas/") and "offset=20" in p for p in asked)
        assert "/arbeitnow/api/job-board-api?page=1" in asked
        assert sum(p.startswith("/smartrecruiters/v1/companies/WesternDigital/postings/") for p in asked) == 3
    assert got == expected
