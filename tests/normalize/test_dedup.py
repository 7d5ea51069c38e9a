"""assign_dup_clusters on real descriptions republished with small changes."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest
from jobmarket.normalize import assign_dup_clusters
from jobmarket.normalize.dedup import NUM_PERM, signature_bytes, signature_from_bytes

from tests.normalize.helpers import parsed
from tests.support import FIXTURES, REPO


def _gitlab():
    return parsed("greenhouse", "greenhouse/gitlab_jobs_content_subset3.json", board="gitlab")


def _edit(text: str, changes: int, seed: int = 0) -> str:
    """An aggregator's copy: a few words changed, a footer added, whitespace reflowed."""
    words = text.split()
    rng = random.Random(seed)
    for _ in range(changes):
        words[rng.randrange(len(words))] = "changed"
    return " ".join(words) + "\nApply via Remote OK and mention you found it here."


def test_same_posting_on_two_boards_clusters():
    gh = _gitlab()
    ae = next(r for r in gh if r["title"] == "Account Executive - Italy")
    copy = {**ae, "posting_id": "remoteok:all:999", "source": "remoteok", "board": "all", "company": "GitLab Inc.",
            "title": "Account Executive", "location": "Italy", "description": _edit(ae["description"], 8)}
    ids = assign_dup_clusters([*gh, copy])
    assert ids[gh.index(ae)] == ids[-1] == min(ae["posting_id"], copy["posting_id"])
    others = [ids[i] for i, r in enumerate(gh) if r is not ae]
    assert others == [r["posting_id"] for r in gh if r is not ae]  # singletons keep their own id


def test_different_roles_same_company_do_not_cluster():
    rows = parsed("lever", "lever/plaid_postings_first20.json", board="plaid")
    ids = assign_dup_clusters(rows)
    # Plaid's "Account Executive - Fintech" and "... - Fintech Named" share most of their text.
    a = next(i for i, r in enumerate(rows) if r["title"] == "Account Executive - Fintech")
    b = next(i for i, r in enumerate(rows) if r["title"] == "Account Executive - Fintech Named")
    assert ids[a] != ids[b]


def test_companies_named_in_other_scripts_on_one_feed_stay_apart():
    """Two aggregator postings with the same title and text from companies
    whose names have no Latin letters: their company keys differ, so they
    are not one posting (they shared the feed's token as their key)."""
    base = next(r for r in _gitlab() if r["title"] == "AI Engineer")
    rows = [{**base, "posting_id": f"remoteok:all:{i}", "source": "remoteok", "board": "all", "company": name}
            for i, name in enumerate(["Яндекс", "株式会社メルカリ"])]
    ids = assign_dup_clusters(rows)
    assert ids == [r["posting_id"] for r in rows]


def test_same_title_different_text_or_place_stays_apart():
    gh = _gitlab()
    base = next(r for r in gh if r["title"] == "AI Engineer")
    other = next(r for r in gh if r is not base)
    rewritten = {**base, "posting_id": "x:1", "description": other["description"]}
    elsewhere = {**base, "posting_id": "x:2", "location": "Berlin, Germany", "description": _edit(base["description"], 3)}
    ids = assign_dup_clusters([base, rewritten, elsewhere])
    assert len(set(ids)) == 3


def test_without_description_exact_match_only():
    row = {"posting_id": "greenhouse:acme:1", "source": "greenhouse", "board": "acme", "company": "Acme",
           "title": "Data Engineer", "location": "New York, NY", "description": None}
    same = {**row, "posting_id": "remotive:all:7", "source": "remotive", "board": "all", "company": "Acme, Inc.",
            "location": "New York, New York, United States"}
    other_city = {**row, "posting_id": "remotive:all:8", "source": "remotive", "board": "all",
                  "location": "Chicago, IL"}
    ids = assign_dup_clusters([row, same, other_city])
    assert ids == ["greenhouse:acme:1", "greenhouse:acme:1", "remotive:all:8"]


def test_deterministic_and_order_independent():
    gh = _gitlab()
    ae = gh[0]
    rows = [*gh, {**ae, "posting_id": "a:0", "description": _edit(ae["description"], 5, seed=3)}]
    forward = dict(zip([r["posting_id"] for r in rows], assign_dup_clusters(rows), strict=True))
    backward = dict(zip([r["posting_id"] for r in rows[::-1]], assign_dup_clusters(rows[::-1]), strict=True))
    assert forward == backward and forward["a:0"] == "a:0" == forward[ae["posting_id"]]


def test_stored_signatures_are_reused():
    gh = _gitlab()
    rows = [*gh, *({**r, "posting_id": f"copy:{k}", "description": _edit(r["description"], 4, seed=k)}
                   for k, r in enumerate(gh) if r["description"])]
    stored: dict[int, bytes] = {}
    first = assign_dup_clusters(rows, signatures=stored)
    assert stored and all(len(b) == 8 * NUM_PERM for b in stored.values())
    assert signature_bytes(signature_from_bytes(stored[0])) == stored[0]

    def no_texts(indices):
        raise AssertionError(f"texts fetched for {indices}")

    again = dict(stored)
    assert assign_dup_clusters([{**r, "description": None, "has_text": bool(r["description"])} for r in rows],
                               signatures=again, texts=no_texts) == first
    assert again == stored


def test_signature_from_bytes_rejects_other_data():
    for bad in (b"", b"\0" * 8 * (NUM_PERM - 1), b"\xff" * 8 * NUM_PERM):
        with pytest.raises(ValueError):
            signature_from_bytes(bad)


_NO_DATASKETCH = """
import json, sys
from pathlib import Path
from jobmarket.normalize.dedup import assign_dup_clusters, signature_from_bytes
lines = Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
descs = [json.loads(line)["description"] for line in lines if line.strip()]
rows = [{"posting_id": f"p:{i}", "source": "greenhouse", "board": "b", "company": "Acme",
         "title": "Data Engineer" if i < 100 else "Analyst", "location": "Berlin, Germany",
         "description": descs[i % 50] + (" edited" * (i % 3))} for i in range(130)]
stored = {}
first = assign_dup_clusters(rows, signatures=stored)  # a group of 100 (LSH) and one of 30
assert len(set(first)) < len(rows) and len(stored) == len(rows)
assert assign_dup_clusters(rows, signatures=stored) == first
assert len(signature_from_bytes(stored[0])) == 64
print(sorted(m for m in sys.modules if m.split(".")[0] in ("datasketch", "scipy")))
"""


def test_dedup_imports_neither_datasketch_nor_scipy():
    fixture = FIXTURES / "postings" / "labelled_dev.jsonl"
    if not fixture.is_file():
        pytest.skip("labelled_dev.jsonl missing")
    out = subprocess.run([sys.executable, "-c", _NO_DATASKETCH, str(fixture)], cwd=REPO,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
