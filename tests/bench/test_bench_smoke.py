"""The benchmark's building blocks work at tiny sizes (a few seconds; the
benchmark itself is ``make bench``)."""

from __future__ import annotations

import sys
from datetime import date

import pytest

from tests.support import FIXTURES, REPO

sys.path.insert(0, str(REPO / "bench"))

pytestmark = pytest.mark.skipif(
    not (FIXTURES / "greenhouse-crawl").is_dir(), reason="needs ../shared/fixtures"
)
DT = date(2026, 8, 22)


@pytest.fixture(scope="module")
def tiny_lake(tmp_path_factory):
    import synth
    from jobmarket.core.lake import Lake
    from jobmarket.core.settings import Settings
    from jobmarket.sources.config import load_sources
    from jobmarket.steps.parse import parse_date

    root = tmp_path_factory.mktemp("bench-lake")
    boards = synth.night(synth.crawl_jobs(), 60, seed=3)
    info = synth.land_night(Lake(root), DT, boards)
    sources = load_sources(synth.write_sources(root / "sources.yaml", list(boards)))
    parsed = parse_date(DT, settings=Settings(lake=root), sources=sources, run_id="smoke")
    return root, boards, info, parsed


def test_synthetic_night_parses_with_real_descriptions(tiny_lake):
    import pyarrow.parquet as pq

    root, boards, info, parsed = tiny_lake
    assert info["postings"] == parsed["postings"] == 60
    assert parsed["board_status"] == {"ok": len(boards)}
    rows = pq.read_table(root / "work" / "normalized" / f"dt={DT}").to_pylist()
    assert all(r["description"] and "&lt;" not in r["description"] for r in rows)
    assert len({r["description"] for r in rows}) == 60  # no two postings share a body
    assert rows[0]["company"] in rows[0]["description"]


def test_replicated_boards_and_mutation(tiny_lake):
    import synth

    jobs = synth.crawl_jobs()
    big = synth.night(jobs, len(jobs) + 500, seed=1)
    ids = [(b, j["id"]) for b, js in big.items() for j in js]
    assert len(ids) == len(set(ids)) == len(jobs) + 500
    assert any(b.endswith("-r2") for b in big)
    _, boards, _, _ = tiny_lake
    nxt, counts = synth.mutate(boards, jobs, 0.15, seed=2)
    assert counts["changed"] == counts["added"] == counts["removed"] == 3
    assert sum(map(len, nxt.values())) == 60


def test_floor_compaction_and_queries(tiny_lake, tmp_path):
    import analyst
    import compact
    import pyarrow as pa
    import pyarrow.parquet as pq
    import stage

    root, _, _, _ = tiny_lake
    args = type("A", (), {"lake": str(root), "dt": str(DT)})
    assert stage.cmd_floor(args)["rows"] == 60

    # a stand-in for a published night: the parse output plus tag columns
    t = pq.read_table(root / "work" / "normalized" / f"dt={DT}")
    n = t.num_rows
    for name, value in (("archetype", "data_engineer"), ("secondary", None), ("confidence", 0.9),
                        ("seniority", "senior"), ("tagger_version", "smoke"), ("version_id", "v")):
        t = t.append_column(name, pa.array([value] * n, type=pa.float64() if name == "confidence" else pa.string()))
    src = tmp_path / "src"
    (src / "curated" / "observations" / f"dt={DT}").mkdir(parents=True)
    pq.write_table(t, src / "curated" / "observations" / f"dt={DT}" / "part-0.parquet")
    (src / "curated" / "skills" / f"dt={DT}").mkdir(parents=True)
    pq.write_table(pa.table({"posting_id": t.column("posting_id"), "skill": pa.array(["python"] * n),
                             "category": pa.array(["languages"] * n)}),
                   src / "curated" / "skills" / f"dt={DT}" / "part-0.parquet")

    out = tmp_path / "year"
    gen = analyst.generate(out, src, days=40, open_target=300)
    assert gen["observation_rows"] > 40 * 250
    daily = analyst.run_queries(out, "daily", DT, repeat=1)
    report = compact.compact_lake(out / "curated", out / "compacted")
    assert report["market_daily"]["files_in"] == 40 and report["market_daily"]["files_out"] == 2
    monthly = analyst.run_queries(out, "monthly", DT, repeat=1)
    assert {k: v["rows"] for k, v in daily.items()} == {k: v["rows"] for k, v in monthly.items()}
