"""Probing boards on a local server (live, empty, dead after K nights of 404,
moved) and the sharded scrape (a failing shard loses no other shard's postings)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from jobmarket.boards.crawl import fold, fold_night, shard_boards, shards
from jobmarket.boards.probe import probe
from jobmarket.boards.registry import Registry
from jobmarket.core.lake import Lake
from jobmarket.core.settings import Settings
from jobmarket.replay import Bundle, ReplayServer, Route, fixture_bundle
from jobmarket.sources.config import parse_sources
from jobmarket.steps.parse import parse_date
from jobmarket.steps.scrape import SourceFailed, plan_shards, scrape_shard

from tests.support import CRAWL_DATE

D = date(2026, 8, 22)


def _sources(url: str, **extra):
    doc = {"http": {"contact": "t@example.invalid"}, "sources": {
        "greenhouse": {"base_url": f"{url}/greenhouse", "rate_per_second": 200, "burst": 20, "max_concurrency": 8,
                       "backoff_base": 0.01, "backoff_max": 0.05, "content": False, "options": {"replay": True},
                       **extra},
    }}
    return parse_sources(doc, Path("<t>"))


@pytest.fixture()
def probe_server(fixtures_dir):
    rec = fixture_bundle(fixtures_dir, CRAWL_DATE)
    b = Bundle()
    b.routes["/greenhouse/v1/boards/acme/jobs"] = rec.routes["/greenhouse/v1/boards/airbnb/jobs"]
    b.routes["/greenhouse/v1/boards/quiet/jobs"] = Route(body=b'{"jobs": [], "meta": {"total": 0}}')
    b.routes["/greenhouse/v1/boards/oldco/jobs"] = Route(location="/greenhouse/v1/boards/newco/jobs")
    b.routes["/greenhouse/v1/boards/newco/jobs"] = rec.routes["/greenhouse/v1/boards/stripe/jobs"]
    with ReplayServer(b) as server:
        yield server


def test_probe_live_empty_dead_after_k_nights_and_moved(probe_server):
    sources = _sources(probe_server.url, boards=["acme"])
    reg = Registry()
    boards = [("greenhouse", t) for t in ("acme", "quiet", "gone", "oldco")] + [("jobvite", "someco")]
    for f, t in boards:
        reg.add({"family": f, "token": t, "found_by": "url", "found_on": D})
    for night in range(3):
        outcomes, skipped = probe(boards, sources)
        fold(reg, outcomes, D + timedelta(days=night), dead_after=3)
        status = {t: reg.get(f, t)["status"] for f, t in boards}
        if night < 2:
            assert status["gone"] == "failing", "a 404 is not dead at once"
    assert status == {"acme": "live", "quiet": "empty", "gone": "dead", "oldco": "moved", "someco": "new"}
    assert reg.get("jobvite", "someco")["status"] == "new", "a family without an adapter is listed, not probed"
    assert reg.get("greenhouse", "acme")["postings_last_seen"] > 0
    assert reg.get("greenhouse", "quiet")["postings_last_seen"] == 0, "zero jobs is empty, not dead"
    gone = reg.get("greenhouse", "gone")
    assert (gone["consecutive_404"], gone["status_since"], gone["last_http"]) == (3, D + timedelta(days=2), 404)
    assert reg.get("greenhouse", "oldco")["moved_to"] == "newco"
    assert reg.get("greenhouse", "newco")["found_by"] == "moved:oldco"
    assert [s.reason for s in skipped] == ["no adapter for family 'jobvite' yet: listed, not probed"]
    # Folding the same night again changes nothing (reruns of a date).
    before = {c: list(v) for c, v in reg.cols.items()}
    fold(reg, outcomes, D + timedelta(days=2), dead_after=3)
    assert reg.cols == before


def test_a_success_between_404s_restarts_the_count():
    reg = Registry()
    from jobmarket.boards.crawl import Outcome

    seq = [404, 404, 200, 404, 404]
    for i, code in enumerate(seq):
        o = Outcome("lever", "x", code == 200, code, 3 if code == 200 else None)
        fold(reg, [o], D + timedelta(days=i), dead_after=3)
    row = reg.get("lever", "x")
    assert (row["status"], row["consecutive_404"], row["last_live"]) == ("failing", 2, D + timedelta(days=2))


def test_sharded_scrape_a_failing_shard_loses_no_other_shards_postings(fixtures_dir, tmp_path):
    """Twelve registry boards in three shards of four; every board of the
    middle shard is gone (404), so that shard's task fails; the other shards'
    postings are parsed and published, and the registry records each board."""
    from jobmarket.boards.registry import save

    rec = fixture_bundle(fixtures_dir, CRAWL_DATE)
    crawl = sorted(rec.boards["greenhouse"])[:12]
    tokens = [f"co{i:02d}" for i in range(12)]
    b = Bundle()
    for i, tok in enumerate(tokens):
        if not 4 <= i < 8:
            b.routes[f"/greenhouse/v1/boards/{tok}/jobs"] = rec.routes[f"/greenhouse/v1/boards/{crawl[i]}/jobs"]
    lake = Lake(tmp_path / "lake")
    reg = Registry()
    for tok in tokens:
        reg.add({"family": "greenhouse", "token": tok, "company": tok.upper(), "found_by": "url", "found_on": D,
                 "tags": ["bench"]})
    save(lake, D, reg)
    settings = Settings(lake=lake.root)
    with ReplayServer(b) as server:
        sources = _sources(server.url, registry={"tags": ["bench"]}, shard_size=4)
        plan = plan_shards(D, family="greenhouse", settings=settings, sources=sources)
        assert [s["label"] for s in plan] == ["greenhouse 1/3", "greenhouse 2/3", "greenhouse 3/3"]
        results = {}
        for shard in plan:
            try:
                results[shard["label"]] = scrape_shard(shard, D, settings=settings, sources=sources, slots=1)
            except SourceFailed as exc:
                results[shard["label"]] = str(exc)
    assert "all 4 boards failed" in results["greenhouse 2/3"]
    assert results["greenhouse 1/3"]["counts"] == {"ok": 4} and results["greenhouse 3/3"]["counts"] == {"ok": 4}
    out = parse_date(D, settings=settings, sources=sources)
    assert out["board_status"] == {"ok": 8, "failed": 4}
    normalized = pq.read_table(lake.partition_dir("work/normalized", D)).to_pylist()
    assert {r["board"] for r in normalized} == set(tokens[:4] + tokens[8:])
    assert not {r["company"] for r in normalized} & set(tokens), "a display name, never the bare token"
    health = pq.read_table(lake.partition_dir("work/health", D)).to_pylist()
    registry, summary = fold_night(lake, D, health)
    st = dict(zip(registry.column("token").to_pylist(), registry.column("status").to_pylist(), strict=True))
    assert [st[t] for t in tokens] == ["live"] * 4 + ["failing"] * 4 + ["live"] * 4
    (row,) = summary.to_pylist()
    assert (row["family"], row["crawled"], row["crawled_live"], row["crawled_failed"], row["live"]) == (
        "greenhouse", 12, 8, 4, 8)


def test_shards_are_bounded_and_cover_every_board_once():
    doc = {"http": {"contact": "t@example.invalid"}, "sources": {
        "greenhouse": {"base_url": "http://127.0.0.1:9/greenhouse", "shard_size": 7,
                       "boards": [f"b{i:03d}" for i in range(50)]}}}
    sources = parse_sources(doc, Path("<t>"))
    plan = shards(sources, "greenhouse")
    assert len(plan) == 8
    parts = [shard_boards(sources.get("greenhouse"), s) for s in plan]
    assert max(len(p) for p in parts) <= 7
    assert [b.token for p in parts for b in p] == [f"b{i:03d}" for i in range(50)]


def test_concurrent_shards_share_the_family_limits():
    from jobmarket.steps.scrape import pool_slots, share_of_limits

    doc = {"http": {"contact": "t@example.invalid"}, "sources": {
        "greenhouse": {"base_url": "http://127.0.0.1:9/greenhouse", "rate_per_second": 1, "burst": 2,
                       "max_concurrency": 2, "boards": ["a"]}}}
    src = parse_sources(doc, Path("<t>")).get("greenhouse")
    assert pool_slots("greenhouse") == 1, "shipped pools run one shard of a family at a time"
    half = share_of_limits(src, 2)
    assert (half.rate_per_second, half.burst, half.max_concurrency) == (0.5, 1, 1)


def test_cli_imports_careers_urls_keeping_only_boards_with_a_job(probe_server, tmp_path, capsys):
    import json

    import yaml
    from jobmarket.boards.registry import load
    from jobmarket.cli import main

    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"http": {"contact": "t@example.invalid"}, "sources": {
        "greenhouse": {"base_url": f"{probe_server.url}/greenhouse", "rate_per_second": 200, "burst": 20,
                       "max_concurrency": 8, "content": False, "boards": ["acme"]},
        # Every probe stays on loopback: the Workday board is asked of the
        # test server (which has no such route: 404).
        "workday": {"base_url": f"{probe_server.url}/workday/{{host}}", "rate_per_second": 200, "burst": 20,
                    "max_concurrency": 8, "boards": ["acme.wd5/External"]}}}))
    urls = tmp_path / "urls.txt"
    urls.write_text("https://job-boards.greenhouse.io/acme\nhttps://boards.greenhouse.io/quiet\n"
                    "https://job-boards.greenhouse.io/gone\nhttps://acme.wd5.myworkdayjobs.com/External\n")
    lake = tmp_path / "lake"
    common = ["--date", "2026-08-22", "--lake", str(lake), "--sources", str(sources)]
    assert main(["boards", "import", str(urls), "--tag", "mine", "--probe", "--keep-live", *common]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    reg = load(Lake(lake), D)
    mine = [(f, t, s) for f, t, s, tags in zip(reg.cols["family"], reg.cols["token"], reg.cols["status"],
                                                reg.cols["tags"], strict=True) if "mine" in tags]
    # quiet (no job), gone (404) and the Workday board (404 here) are not kept
    assert mine == [("greenhouse", "acme", "live")]
    assert out["base"] == "bundled seed"
    assert main(["boards", "list", "--family", "greenhouse", "--status", "live", *common]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("family\ttoken\tstatus") and listed[1].startswith("greenhouse\tacme\tlive")
    assert main(["boards", "summary", *common]) == 0
    summary = capsys.readouterr().out
    assert re.search(r"workday\s+yes", summary) and "54,01" in summary


def test_fold_night_touches_only_the_crawled_rows_and_equals_a_whole_fold(tmp_path):
    """fold_night turns only the crawled boards' rows into Python; the
    registry it writes must equal folding the whole registry (row order
    too: untouched rows in place, boards new tonight and move targets at
    the end)."""
    from jobmarket.boards.registry import load, save

    lake = Lake(tmp_path / "lake")
    reg = Registry()
    for i in range(40):
        reg.add({"family": "greenhouse" if i % 3 else "lever", "token": f"Board{i:02d}", "company": f"B{i}",
                 "found_by": "url", "found_on": D - timedelta(days=9), "tags": ["t"]})
    save(lake, D - timedelta(days=1), reg)
    health = [
        {"family": "greenhouse", "board": "board01", "status": "ok", "postings_found": 5},  # token case differs
        {"family": "greenhouse", "board": "Board02", "status": "failed", "http_status": "404:1", "error": "gone"},
        {"family": "lever", "board": "Board03", "status": "empty", "postings_found": 0},
        {"family": "greenhouse", "board": "brandnew", "status": "ok", "postings_found": 2},
        {"family": "greenhouse", "board": "Board05", "status": "skipped_robots"},
        {"family": "remoteok", "board": "all", "status": "ok", "postings_found": 90},  # not a company board
    ]
    registry, summary = fold_night(lake, D, health)

    from jobmarket.boards.crawl import outcome_from_health

    whole = load(lake, D)
    fold(whole, [o for h in health if h["family"] != "remoteok" and (o := outcome_from_health(h))], D)
    assert registry.to_pylist() == whole.table().to_pylist()
    st = dict(zip(registry.column("token").to_pylist(), registry.column("status").to_pylist(), strict=True))
    assert (st["Board01"], st["Board02"], st["Board03"], st["brandnew"], st["Board05"]) == (
        "live", "failing", "empty", "live", "new")
    assert registry.num_rows == 41 and registry.column("token")[-1].as_py() == "brandnew"
    by_family = {r["family"]: r for r in summary.to_pylist()}
    assert (by_family["greenhouse"]["registered"], by_family["greenhouse"]["live"]) == (27, 2)
