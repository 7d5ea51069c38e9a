"""The board registry: seeding from the shared tenant lists, the careers-URL
resolver, versions by date in the lake, display names."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from jobmarket.boards.crawl import expand
from jobmarket.boards.registry import (
    SEED_DIR,
    load,
    read_list,
    read_text,
    save,
    seed,
    seed_stats,
    versions,
)
from jobmarket.core.lake import Lake
from jobmarket.sources.boardurls import UnresolvedURL, resolve
from jobmarket.sources.config import parse_sources

from tests.support import FIXTURES

REGISTRY = FIXTURES / "registry"
D1, D2 = date(2026, 9, 1), date(2026, 9, 2)

# Boards per family after the import (SmartRecruiters: 24,603 rows, 4,631
# second spellings folded, two rows that name no company: /careers, /jobs).
EXPECTED = {
    "ashby": 3760, "bamboohr": 5429, "greenhouse": 6023, "lever": 2423, "personio": 2480, "pinpoint": 342,
    "recruitee": 859, "rippling": 1923, "smartrecruiters": 19970, "teamtailor": 2136, "workable": 4268,
    "workday": 4399,
}


@pytest.fixture(scope="module")
def shared_registry():
    if not REGISTRY.is_dir():
        pytest.skip("../shared/fixtures/registry is not present")
    return REGISTRY


def test_import_of_the_shared_lists_counts_per_family(shared_registry):
    stats = {fam: (read, kept, folded) for fam, read, kept, folded in seed_stats(D1, shared_registry)}
    assert {f: kept for f, (_, kept, _) in stats.items()} == EXPECTED
    assert sum(read for read, _, _ in stats.values()) == 58645
    assert stats["smartrecruiters"] == (24603, 19970, 4631)
    reg = seed(D1, shared_registry)
    assert len(reg) == sum(EXPECTED.values()) == 54012
    # The folded spelling is kept as an alias of the unhyphenated token.
    row = reg.get("smartrecruiters", "11fsgroupltd")
    assert row["aliases"] == ["11fs-group-ltd"] and row["company"] == "11Fs Group Ltd"
    assert reg.get("smartrecruiters", "11fs-group-ltd") is None
    assert reg.get("workday", "3m.wd1/search")["careers_url"] == "https://3m.wd1.myworkdayjobs.com/search"
    assert reg.get("greenhouse", "1910genetics")["company"] == "1910"
    assert set(reg.cols["status"]) == {"new"}


def test_the_bundled_lists_are_the_shared_ones_with_their_licence(shared_registry):
    for f in shared_registry.glob("*.csv"):
        assert (SEED_DIR / f.name).read_bytes() == f.read_bytes(), f.name
    assert "MIT" in (SEED_DIR / "LICENSE").read_text()
    assert (SEED_DIR / "MANIFEST.tsv").is_file()


@pytest.mark.parametrize(("url", "family", "token"), [
    ("https://job-boards.greenhouse.io/stripe", "greenhouse", "stripe"),
    ("boards.greenhouse.io/airbnb/jobs/123", "greenhouse", "airbnb"),
    ("https://jobs.lever.co/plaid/", "lever", "plaid"),
    ("https://jobs.ashbyhq.com/cursor?utm=x", "ashby", "cursor"),
    ("https://acme.wd5.myworkdayjobs.com/en-US/External/job/1", "workday", "acme.wd5/External"),
    ("https://3m.wd1.myworkdayjobs.com/search", "workday", "3m.wd1/search"),
    ("https://Acme.teamtailor.com/jobs", "teamtailor", "acme"),
    ("https://acme.jobs.personio.de/", "personio", "acme"),
    ("https://acme.jobs.personio.com", "personio", "acme"),
    ("https://acme.bamboohr.com/careers", "bamboohr", "acme"),
    ("https://acme.pinpointhq.com", "pinpoint", "acme"),
    ("https://ats.rippling.com/acme-co/jobs", "rippling", "acme-co"),
    ("https://acme.recruitee.com/o/engineer", "recruitee", "acme"),
    ("https://apply.workable.com/acme/j/ABC/", "workable", "acme"),
    ("https://jobs.smartrecruiters.com/WesternDigital", "smartrecruiters", "WesternDigital"),
    ("https://acme.eightfold.ai/careers?domain=acme.com", "eightfold", "acme/acme.com"),
])
def test_careers_urls_resolve_to_family_and_token(url, family, token):
    ref = resolve(url)
    assert (ref.family, ref.token) == (family, token)


@pytest.mark.parametrize("url", ["https://example.com/careers", "https://jobs.lever.co/", "https://www.teamtailor.com"])
def test_urls_of_no_board_are_refused_with_a_reason(url):
    with pytest.raises(UnresolvedURL, match="no known ATS|career site"):
        resolve(url)


def test_an_eightfold_url_without_its_domain_is_refused():
    # The apply API cannot be reached without the company's domain.
    with pytest.raises(UnresolvedURL, match=r"\?domain="):
        resolve("https://acme.eightfold.ai/careers")


def test_a_list_of_urls_imports_each_family_and_reports_what_it_could_not(tmp_path):
    rep = read_text("# pasted\nhttps://jobs.lever.co/plaid\nhttps://jobs.ashbyhq.com/cursor\nhttps://example.com/x\n",
                    found_by="url", found_on=D1, tags=["ai"])
    assert [(r["family"], r["token"], r["tags"]) for r in rep.rows] == [("lever", "plaid", ["ai"]),
                                                                      ("ashby", "cursor", ["ai"])]
    assert len(rep.unresolved) == 1 and "example.com" in rep.unresolved[0]


def test_registry_is_versioned_by_date_in_the_lake(tmp_path, shared_registry):
    lake = Lake(tmp_path / "lake")
    assert versions(lake) == []
    assert len(load(lake, D1, shared_registry)) == 54012, "no version yet: the bundled seed"
    reg = load(lake, D1, shared_registry)
    f = tmp_path / "mine.txt"
    f.write_text("https://jobs.lever.co/newco\n")
    for row in read_list(f, found_by="import:mine.txt", found_on=D2).rows:
        reg.add(row)
    save(lake, D1, load(lake, D1, shared_registry))
    save(lake, D2, reg)
    assert versions(lake) == [D1, D2]
    assert load(lake, D1).get("lever", "newco") is None, "an older version is never rewritten by a newer import"
    assert load(lake, D2).get("lever", "newco")["found_by"] == "import:mine.txt"
    assert load(lake, date(2026, 9, 30)).get("lever", "newco") is not None, "a later date reads the latest version"
    assert (lake.root / "curated" / "board_registry" / "dt=2026-09-02" / "part-0.parquet").is_file()


def test_ashby_and_lever_boards_get_display_names_not_tokens(tmp_path, shared_registry):
    doc = {"http": {"contact": "t@example.invalid"}, "sources": {
        "lever": {"base_url": "http://127.0.0.1:9/lever", "boards": ["plaid"]},
        "ashby": {"base_url": "http://127.0.0.1:9/ashby", "boards": ["cursor", "notion", {"token": "ramp", "company": "Ramp Inc"}]},
    }}
    sources = expand(parse_sources(doc, Path("<t>")), Lake(tmp_path / "lake"), D1)
    names = {b.token: b.company for s in sources.sources for b in s.boards}
    # cursor is listed as "cursor" by its tenant list: a capital, never the bare token;
    # plaid is not in the Lever list, but is Plaid in the Ashby one; a configured name wins.
    assert names == {"plaid": "Plaid", "cursor": "Cursor", "notion": "Notion", "ramp": "Ramp Inc"}


def test_registry_selection_in_the_sources_file(tmp_path, shared_registry):
    doc = {"http": {"contact": "t@example.invalid"}, "sources": {
        "greenhouse": {"base_url": "http://127.0.0.1:9/greenhouse", "boards": ["stripe"],
                       "registry": {"boards": ["stripe", "airbnb", "1910genetics"]}, "shard_size": 2},
        "lever": {"base_url": "http://127.0.0.1:9/lever", "registry": "all"},
    }}
    raw = parse_sources(doc, Path("<t>"))
    assert raw.get("lever").boards == () and raw.get("greenhouse").shard_size == 2
    sources = expand(raw, Lake(tmp_path / "lake"), D1)
    gh = [b.token for b in sources.get("greenhouse").boards]
    assert gh == ["stripe", "1910genetics", "airbnb"], "configured boards first, none twice"
    assert len(sources.get("lever").boards) == EXPECTED["lever"]
    from jobmarket.core.settings import ConfigError

    with pytest.raises(ConfigError, match="registry.statuses"):
        parse_sources({**doc, "sources": {"lever": {"registry": {"all": True, "statuses": ["zombie"]}}}}, Path("<t>"))
