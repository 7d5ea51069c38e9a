"""The parse step reuses yesterday's rows for raw objects that did not change,
and its output is exactly what a parse from scratch gives."""

from __future__ import annotations

import copy
import json
from datetime import date

import pyarrow.parquet as pq
import pytest
import yaml
from jobmarket.core.handoffs import KEYS_STEP, NORMALIZED_STEP
from jobmarket.core.lake import Lake
from jobmarket.core.settings import Settings
from jobmarket.sources.config import load_sources
from jobmarket.steps.parse import parse_date

from tests.support import BOARDS

D1, D2 = date(2026, 8, 22), date(2026, 8, 23)
FILES = {
    ("lever", "plaid"): BOARDS / "lever" / "plaid_postings_first20.json",
    ("greenhouse", "gitlab"): BOARDS / "greenhouse" / "gitlab_jobs_content_subset3.json",
    ("ashby", "cursor"): BOARDS / "ashby" / "cursor_job_board.json",
    ("hn", "whoishiring"): BOARDS / "hn" / "algolia_search_comments_story_47975571_may2026.json",
}


def _land(lake: Lake, family: str, board: str, dt: date, body: bytes) -> None:
    url = f"http://127.0.0.1:1/{family}/{board}"
    manifest = {
        "source": family, "family": family, "board": board, "company": None, "dt": str(dt), "run_id": "t",
        "status": "ok", "files": [{"name": "page-0001", "kind": "list", "url": url, "final_url": url,
                                   "fetched_at": f"{dt}T00:30:00+00:00", "status": 200}],
        "landed": ["page-0001"], "requests": 1, "retries": 0, "bytes": len(body), "status_counts": {"200": 1},
        "duration_s": 0.1, "error": None,
    }
    lake.land_raw(lake.raw_dir(family, board, dt), [("page-0001", body)], manifest)


def _sources(tmp_path):
    doc = {"http": {"contact": "tests@example.invalid"}, "sources": {
        family: {"family": family, "base_url": f"http://127.0.0.1:1/{family}", "robots": "exempt",
                 "boards": [board]} for family, board in FILES}}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc))
    return load_sources(path)


def _next_night() -> dict[tuple[str, str], bytes]:
    """Day two: one Lever posting edited, one removed, one added; one Ashby
    posting edited; Greenhouse and HN byte-identical."""
    out = {key: path.read_bytes() for key, path in FILES.items()}
    plaid = json.loads(out[("lever", "plaid")])
    plaid[0] = dict(plaid[0], descriptionPlain=(plaid[0].get("descriptionPlain") or "") + " Now hybrid.",
                    description=(plaid[0].get("description") or "") + "<p>Now hybrid.</p>")
    removed = plaid.pop(5)
    added = copy.deepcopy(removed)
    added["id"] = "00000000-0000-4000-8000-000000000001"
    added["hostedUrl"] = f"https://jobs.lever.co/plaid/{added['id']}"
    plaid.append(added)
    out[("lever", "plaid")] = json.dumps(plaid).encode()
    cursor = json.loads(out[("ashby", "cursor")])
    cursor["jobs"][0] = dict(cursor["jobs"][0], title=cursor["jobs"][0]["title"] + " (Platform)")
    out[("ashby", "cursor")] = json.dumps(cursor).encode()
    return out


@pytest.fixture()
def lakes(tmp_path):
    """Lake ``inc`` parses D1 then D2; lake ``cold`` holds only D2's raw."""
    sources = _sources(tmp_path)
    day2 = _next_night()
    inc, cold = Lake(tmp_path / "inc"), Lake(tmp_path / "cold")
    for (family, board), path in FILES.items():
        _land(inc, family, board, D1, path.read_bytes())
        _land(inc, family, board, D2, day2[(family, board)])
        _land(cold, family, board, D2, day2[(family, board)])
    return sources, inc, cold


def _table(lake: Lake, step: str, dt: date):
    return pq.read_table(lake.partition_dir(f"work/{step}", dt) / "part-0.parquet")


def _hn_rows(lake: Lake, dt: date) -> int:
    return _table(lake, NORMALIZED_STEP, dt).column("source").to_pylist().count("hn")


def test_unchanged_objects_are_reused_and_the_rows_equal_a_cold_parse(lakes):
    sources, inc, cold = lakes
    first = parse_date(D1, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    assert first["reused"] == 0 and first["parsed"] == first["postings"] > 40
    second = parse_date(D2, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    scratch = parse_date(D2, settings=Settings(lake=cold.root), sources=sources, run_id="r")

    assert second["reused_from"] == str(D1)
    # Lever: 1 edited + 1 added; Ashby: 1 edited; Greenhouse objects all
    # unchanged. HN is keyed by the whole response, which holds job ads naming
    # no company (rejected, quarantined): a unit with a rejected object is
    # parsed again every night, so the quarantine keeps it.
    hn = _hn_rows(inc, D2)
    assert hn == 245 and second["rejected"] == 4
    assert second["parsed"] == 3 + hn, second
    assert second["reused"] == second["postings"] - 3 - hn
    assert scratch["reused"] == 0 and scratch["postings"] == second["postings"]

    warm, ref = _table(inc, NORMALIZED_STEP, D2), _table(cold, NORMALIZED_STEP, D2)
    assert warm.schema.equals(ref.schema)
    for name in ref.column_names:
        assert warm.column(name).equals(ref.column(name)), f"column {name} differs from a cold parse"
    assert set(warm.column("scraped_date").to_pylist()) == {D2}

    keys = _table(inc, KEYS_STEP, D2)
    assert keys.column("posting_id").equals(warm.column("posting_id"))


def _night_outputs(lake: Lake, dt: date) -> dict:
    """Everything the parse of ``dt`` hands on, without what names the run."""
    from jobmarket.core.handoffs import HEALTH_STEP, REJECTED_STEP
    from jobmarket.incremental.raw_keys import raw_keys

    drop = {"run_id", "duration_s", "quarantined_at"}
    return {
        "rows": _table(lake, NORMALIZED_STEP, dt),
        "health": [{k: v for k, v in r.items() if k not in drop} for r in _table(lake, HEALTH_STEP, dt).to_pylist()],
        "rejected": [{k: v for k, v in r.items() if k not in drop}
                     for r in _table(lake, REJECTED_STEP, dt).to_pylist()],
        "raw_keys": {f: raw_keys(lake, f, dt) for f in ("lever", "greenhouse", "ashby", "hn")},
        "minhash": _table(lake, KEYS_STEP, dt).column("minhash"),
    }


def test_byte_identical_boards_are_carried_without_reading_their_raw(lakes, monkeypatch):
    """A board whose landed bodies have the digests of the earlier parse's
    is not read at all: its rows, keys, signatures and record keys come from
    that parse, its rows get tonight's fetched_at, and every output of the
    night equals a parse from scratch."""
    from jobmarket.core.handoffs import BOARDS_STEP

    sources, inc, cold = lakes
    parse_date(D1, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    read = []
    real_read_raw = Lake.read_raw

    def spy(d, name):
        read.append(d.parent.parent.name if hasattr(d, "parent") else str(d))
        return real_read_raw(d, name)

    monkeypatch.setattr(Lake, "read_raw", staticmethod(spy))
    second = parse_date(D2, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    monkeypatch.setattr(Lake, "read_raw", staticmethod(real_read_raw))
    parse_date(D2, settings=Settings(lake=cold.root), sources=sources, run_id="r", reuse=False)

    # Greenhouse is byte-identical and had no rejects: carried. HN is identical
    # too but rejects job ads (no company), so it is parsed again every night
    # and its rejected objects are quarantined again. Lever and Ashby changed.
    assert second["boards_carried"] == 1
    assert not any("greenhouse" in r for r in read), read
    assert any("hn" in r for r in read) and any("lever" in r for r in read)
    warm, ref = _night_outputs(inc, D2), _night_outputs(cold, D2)
    assert warm["rows"].schema.equals(ref["rows"].schema)
    for name in ref["rows"].column_names:
        assert warm["rows"].column(name).equals(ref["rows"].column(name)), f"column {name} differs from a cold run"
    for part in ("health", "rejected", "raw_keys", "minhash"):
        assert warm[part] == ref[part], f"{part} differs from a cold run"
    assert set(warm["rows"].column("fetched_at").to_pylist()) == {
        ref["rows"].column("fetched_at")[0].as_py()}, "carried rows take tonight's fetch time"

    ledger = {(r["family"], r["board"]): r for r in _table(inc, BOARDS_STEP, D2).to_pylist()}
    assert ledger[("greenhouse", "gitlab")]["skippable"] and not ledger[("hn", "whoishiring")]["skippable"]
    assert ledger[("greenhouse", "gitlab")]["record_keys"] == warm["raw_keys"]["greenhouse"]["gitlab"]

    # A third night, everything identical to the second: every skippable board is carried.
    for family, board in FILES:
        d2 = inc.raw_dir(family, board, D2)
        body = Lake.read_raw(d2, "page-0001")
        _land(inc, family, board, date(2026, 8, 24), body)
    third = parse_date(date(2026, 8, 24), settings=Settings(lake=inc.root), sources=sources, run_id="r")
    assert third["boards_carried"] == 3 and third["reused_from"] == str(D2)


def test_raw_without_digests_or_a_foreign_ledger_is_parsed(lakes):
    """Raw landed by an older release (no digests in the manifest) and a
    ledger not written with the rows beside it are never trusted."""
    import json as _json

    from jobmarket.core.handoffs import BOARDS_STEP

    sources, inc, _ = lakes
    parse_date(D1, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    gitlab = inc.raw_dir("greenhouse", "gitlab", D2)
    manifest = _json.loads((gitlab / "_manifest.json").read_text())
    del manifest["digests"]
    (gitlab / "_manifest.json").write_text(_json.dumps(manifest))
    assert parse_date(D2, settings=Settings(lake=inc.root), sources=sources, run_id="r")["boards_carried"] == 0

    _land(inc, "greenhouse", "gitlab", date(2026, 8, 24), FILES[("greenhouse", "gitlab")].read_bytes())
    ledger = _table(inc, BOARDS_STEP, D2)
    inc.write_partition(f"work/{BOARDS_STEP}", D2, ledger.replace_schema_metadata({b"jobmarket.parse_pair": b"x"}))
    third = parse_date(date(2026, 8, 24), settings=Settings(lake=inc.root), sources=sources, run_id="r")
    assert third["boards_carried"] == 0 and third["reused_from"] == str(D2)


def test_a_parser_change_starts_cold(lakes, monkeypatch):
    sources, inc, _ = lakes
    parse_date(D1, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    import jobmarket.incremental.parse_reuse as reuse

    monkeypatch.setattr(reuse, "parser_version", lambda: "another-version")
    second = parse_date(D2, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    assert second["reused"] == 0 and second["reused_from"] is None


def test_keys_that_do_not_describe_the_rows_are_ignored(lakes):
    """A crash between writing the keys and the rows must not misalign reuse."""
    sources, inc, _ = lakes
    parse_date(D1, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    rows = _table(inc, NORMALIZED_STEP, D1)
    inc.write_partition(f"work/{NORMALIZED_STEP}", D1, rows.slice(1))
    second = parse_date(D2, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    assert second["reused"] == 0


def _validate_chain(lake: Lake, dt: date, sources) -> dict:
    from jobmarket.steps.tag import tag_date
    from jobmarket.steps.validate import validate_date
    from jobmarket.steps.validate_tagged import validate_tagged_date

    settings = Settings(lake=lake.root)
    parse_date(dt, settings=settings, sources=sources, run_id="r")
    out = {"validate": validate_date(dt, settings=settings, run_id="r")}
    out["tag"] = tag_date(dt, settings=settings)
    out["validate_tagged"] = validate_tagged_date(dt, settings=settings, run_id="r")
    return out


@pytest.mark.slow
def test_unchanged_rows_keep_their_verdict_and_the_outputs_equal_a_full_validation(tmp_path, monkeypatch):
    """Day two validates and tags only what changed; a row that failed on
    day one is checked again (and fails again), and every output equals
    validating and tagging day two from scratch. The tag step works in
    batches of 7 rows here, so carried and tagged rows mix in every batch."""
    import jobmarket.steps.tag as tag_step
    from jobmarket.core.handoffs import (
        QUARANTINE_STEP,
        TAGGED_STEP,
        TAGGED_VALID_STEP,
        VALIDATED_STEP,
        VALIDATION_RUNS_STEP,
    )

    monkeypatch.setattr(tag_step, "BATCH_ROWS", 7)

    sources = _sources(tmp_path)
    day2 = _next_night()
    bad = json.loads(FILES[("lever", "plaid")].read_bytes())
    bad[7]["hostedUrl"] = "jobs.lever.co/plaid/no-scheme"  # quarantined on both days
    day1_plaid = json.dumps(bad).encode()
    plaid2 = json.loads(day2[("lever", "plaid")])
    plaid2[7]["hostedUrl"] = "jobs.lever.co/plaid/no-scheme"
    day2[("lever", "plaid")] = json.dumps(plaid2).encode()
    inc, cold = Lake(tmp_path / "inc"), Lake(tmp_path / "cold")
    for (family, board), path in FILES.items():
        first = day1_plaid if (family, board) == ("lever", "plaid") else path.read_bytes()
        _land(inc, family, board, D1, first)
        _land(inc, family, board, D2, day2[(family, board)])
        _land(cold, family, board, D2, day2[(family, board)])

    one = _validate_chain(inc, D1, sources)
    # 1 Lever posting without a URL scheme + the 4 HN job ads naming no company (rejected at parse)
    assert one["validate"]["carried"] == 0 and one["validate"]["quarantined"] == 1 + 4
    two = _validate_chain(inc, D2, sources)
    ref = _validate_chain(cold, D2, sources)
    n = two["validate"]["parsed"]
    # HN's thread is parsed again every night (its unit holds rejected ads): not carried.
    assert two["validate"]["carried"] > n - 10 - _hn_rows(inc, D2), two["validate"]
    assert two["validate"]["evaluated_by_gx"] + two["validate"]["carried"] == n
    assert two["validate"]["quarantined"] == ref["validate"]["quarantined"] == 1 + 4
    assert two["validate_tagged"]["carried"] > 0 and ref["validate_tagged"]["carried"] == 0
    # Tags of reused rows come from day one's tagged rows, the rest through the cache.
    assert two["tag"]["carried"] >= two["validate"]["carried"] > 0 and ref["tag"]["carried"] == 0

    for step in (VALIDATED_STEP, TAGGED_STEP, TAGGED_VALID_STEP):
        a, b = _table(inc, step, D2), _table(cold, step, D2)
        assert a.num_rows == b.num_rows
        for name in b.column_names:
            assert a.column(name).equals(b.column(name)), f"{step}.{name} differs from a full validation"
    qa, qb = _table(inc, QUARANTINE_STEP, D2).to_pylist(), _table(cold, QUARANTINE_STEP, D2).to_pylist()
    assert [(r["posting_id"], r["failed_expectations"], r["record_json"]) for r in qa] == \
        [(r["posting_id"], r["failed_expectations"], r["record_json"]) for r in qb]
    runs = [r for r in _table(inc, VALIDATION_RUNS_STEP, D2).to_pylist()
            if r["suite"] == "normalized_postings" and r["source"] is None]
    assert all(r["rows_carried"] == two["validate"]["carried"] for r in runs)


def test_small_batches_give_the_same_rows(lakes, monkeypatch):
    """Rows are written and reused a batch (row group) at a time; batch
    boundaries must not change anything."""
    import jobmarket.steps.parse as parse_step

    sources, inc, cold = lakes
    monkeypatch.setattr(parse_step, "BATCH_ROWS", 7)
    parse_date(D1, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    assert pq.ParquetFile(inc.partition_dir(f"work/{NORMALIZED_STEP}", D1) / "part-0.parquet").num_row_groups > 3
    second = parse_date(D2, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    monkeypatch.setattr(parse_step, "BATCH_ROWS", 5_000)
    parse_date(D2, settings=Settings(lake=cold.root), sources=sources, run_id="r")
    assert second["parsed"] == 3 + _hn_rows(inc, D2)
    assert _table(inc, NORMALIZED_STEP, D2).equals(_table(cold, NORMALIZED_STEP, D2))


def test_clusters_from_stored_places_equal_clusters_from_the_text(lakes):
    """The parse step compares places through the normalized locations_json
    (no gazetteer needed for reused rows); that must match parsing the text."""
    from jobmarket.normalize import assign_dup_clusters

    sources, inc, _ = lakes
    parse_date(D1, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    rows = _table(inc, NORMALIZED_STEP, D1).to_pylist()
    rows += [dict(r, posting_id=r["posting_id"] + "-copy", board="mirror") for r in rows[:30]]
    stored = assign_dup_clusters(rows)
    parsed = assign_dup_clusters([{k: v for k, v in r.items() if k != "locations_json"} for r in rows])
    assert stored == parsed
    assert len(set(stored)) < len(rows), "the copies must cluster with their originals"


def test_parse_clusters_equal_clustering_the_whole_rows(tmp_path):
    """The parse step fetches only the descriptions that need a signature,
    group by group (not in row order); the clusters must equal clustering the
    complete rows, and republished copies must join their originals."""
    from jobmarket.normalize import assign_dup_clusters

    plaid = json.loads(FILES[("lever", "plaid")].read_bytes())
    copies = []
    for n, i in enumerate((9, 2, 14, 5)):  # copies at the end, of postings spread through the list
        c = copy.deepcopy(plaid[i])
        c["id"] = f"00000000-0000-4000-8000-00000000010{n}"
        c["hostedUrl"] = f"https://jobs.lever.co/plaid/{c['id']}"
        copies.append((plaid[i]["id"], c["id"]))
        plaid.append(c)
    lake = Lake(tmp_path / "lake")
    _land(lake, "lever", "plaid", D1, json.dumps(plaid).encode())
    doc = {"http": {"contact": "tests@example.invalid"}, "sources": {"lever": {
        "family": "lever", "base_url": "http://127.0.0.1:1/lever", "robots": "exempt", "boards": ["plaid"]}}}
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(doc))
    parse_date(D1, settings=Settings(lake=lake.root), sources=load_sources(tmp_path / "sources.yaml"), run_id="r")

    rows = _table(lake, NORMALIZED_STEP, D1).to_pylist()
    stored = [r["dup_cluster_id"] for r in rows]
    assert stored == assign_dup_clusters(rows)
    cluster = {r["native_id"]: r["dup_cluster_id"] for r in rows}
    for original, dup in copies:
        assert cluster[original] == cluster[dup], "a republished copy must share its original's cluster"


def test_unchanged_duplicate_groups_keep_their_clusters_and_changed_ones_are_recomputed(tmp_path, monkeypatch):
    """Night two re-clusters only the (company, title) groups whose postings
    changed; the others keep night one's ids. Removing the smaller-id member
    of a duplicate pair changes that group's id: the result must equal a cold
    parse of night two either way."""
    from jobmarket.normalize import dedup

    plaid = json.loads(FILES[("lever", "plaid")].read_bytes())
    pairs = []
    for n, i in enumerate((9, 2, 14)):
        c = copy.deepcopy(plaid[i])
        c["id"] = f"00000000-0000-4000-8000-00000000020{n}"  # sorts before the originals' ids
        c["hostedUrl"] = f"https://jobs.lever.co/plaid/{c['id']}"
        pairs.append((plaid[i]["id"], c["id"]))
        plaid.append(c)
    night2 = [p for p in plaid if p["id"] != pairs[0][1]]  # the copy of #9 is gone
    edited = next(k for k, p in enumerate(night2) if p["id"] == pairs[2][1])  # the copy of #14, edited
    night2[edited] = dict(night2[edited], descriptionPlain=(night2[edited].get("descriptionPlain") or "") + " Hybrid.",
                          description=(night2[edited].get("description") or "") + "<p>Hybrid.</p>")
    doc = {"http": {"contact": "tests@example.invalid"}, "sources": {"lever": {
        "family": "lever", "base_url": "http://127.0.0.1:1/lever", "robots": "exempt", "boards": ["plaid"]}}}
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(doc))
    sources = load_sources(tmp_path / "sources.yaml")
    inc, cold = Lake(tmp_path / "inc"), Lake(tmp_path / "cold")
    _land(inc, "lever", "plaid", D1, json.dumps(plaid).encode())
    _land(inc, "lever", "plaid", D2, json.dumps(night2).encode())
    _land(cold, "lever", "plaid", D2, json.dumps(night2).encode())
    parse_date(D1, settings=Settings(lake=inc.root), sources=sources, run_id="r")

    asked = []
    real = dedup.assign_dup_clusters

    def spy(rows, *args, unchanged=None, **kw):
        def wrapped(key, members):
            got = unchanged(key, members)
            asked.append(got is not None)
            return got
        return real(rows, *args, unchanged=wrapped if unchanged else None, **kw)

    import jobmarket.normalize as normalize_pkg

    monkeypatch.setattr(normalize_pkg, "assign_dup_clusters", spy)
    parse_date(D2, settings=Settings(lake=inc.root), sources=sources, run_id="r")
    monkeypatch.undo()
    parse_date(D2, settings=Settings(lake=cold.root), sources=sources, run_id="r")
    warm, ref = _table(inc, NORMALIZED_STEP, D2), _table(cold, NORMALIZED_STEP, D2)
    assert warm.column("dup_cluster_id").equals(ref.column("dup_cluster_id"))
    assert True in asked and False in asked, asked  # some groups kept, the one that lost a member recomputed
    cluster = dict(zip(ref.column("native_id").to_pylist(), ref.column("dup_cluster_id").to_pylist(), strict=True))
    assert cluster[pairs[1][0]] == cluster[pairs[1][1]] and cluster[pairs[0][0]].endswith(pairs[0][0])
