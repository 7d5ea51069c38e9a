"""dedup's numpy MinHash / LSH against datasketch 2.0.0, the implementation it replaces.

The reference here is the code dedup.py used before: ``datasketch.MinHash(num_perm=64,
seed=1, hashfunc=identity)`` updated with the crc32 of each word 3-gram, stored as 64
uint64 and read back as a ``LeanMinHash``; groups of 64 or more members through
``datasketch.MinHashLSH(threshold, num_perm=64)``.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from functools import cache

import numpy as np
import pytest
from jobmarket.normalize import dedup

from tests.normalize.helpers import parsed
from tests.support import FIXTURES

datasketch = pytest.importorskip("datasketch")
from datasketch import LeanMinHash, MinHash, MinHashLSH  # noqa: E402
from datasketch.lsh import _optimal_param  # noqa: E402

LABELLED = FIXTURES / "postings" / "labelled_dev.jsonl"
LSH_SMALL = dedup.LSH_MIN_GROUP - 1  # the largest group compared pairwise
_TAG = re.compile(r"<[^>]+>")


@cache
def _descriptions() -> tuple[str, ...]:
    if not LABELLED.is_file():
        pytest.skip("labelled_dev.jsonl missing")
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    return tuple(r["description"] for r in rows if r.get("description"))


def _edit(text: str, changes: int, seed: int) -> str:
    words = _TAG.sub(" ", text).split()
    rng = random.Random(seed)
    for _ in range(changes):
        words[rng.randrange(len(words))] = f"edit{rng.randrange(1000)}"
    return " ".join(words)


@cache
def _group() -> tuple[str, ...]:
    """300 descriptions: the 120 real ones and 180 copies with 1 to 60 words changed,
    so that pairs fall on both sides of the threshold and bands match only partly."""
    descs = _descriptions()
    out = list(descs)
    for k in range(180):
        out.append(_edit(descs[k % 60], (1, 3, 8, 15, 30, 60)[k % 6], seed=k))
    return tuple(out)


# -- the reference: datasketch, as dedup.py used it -------------------------------------

def _reference_minhash(text: str) -> MinHash:
    words = dedup._WORD.findall(text.lower())
    if len(words) >= dedup.SHINGLE:
        grams = {" ".join(words[i: i + dedup.SHINGLE]) for i in range(len(words) - dedup.SHINGLE + 1)}
    else:
        grams = set(words)
    m = MinHash(num_perm=dedup.NUM_PERM, seed=dedup._SEED, hashfunc=dedup._identity)
    m.update_batch([zlib.crc32(g.encode("utf-8")) for g in grams])
    return m


def _reference_bytes(m) -> bytes:
    return np.asarray(m.hashvalues, dtype=np.uint64).tobytes()


def _reference_lean(data: bytes) -> LeanMinHash:
    return LeanMinHash(seed=dedup._SEED, hashvalues=np.frombuffer(data, dtype=np.uint64), scheme="affine32")


def _reference_candidates(sigs: list, threshold: float) -> set[tuple[int, int]]:
    lsh = MinHashLSH(threshold=threshold, num_perm=dedup.NUM_PERM)
    for i, s in enumerate(sigs):
        lsh.insert(str(i), s)
    return {(a, int(k)) for a, s in enumerate(sigs) for k in lsh.query(s) if a < int(k)}


# -- signatures, Jaccard, LSH ----------------------------------------------------------

def test_permutations_match_datasketch():
    ref = MinHash(num_perm=dedup.NUM_PERM, seed=dedup._SEED, hashfunc=dedup._identity)
    a, b = dedup._permutations()
    assert ref.scheme == "affine32"
    assert a.dtype == b.dtype == ref.permutations.dtype == np.uint32
    assert np.array_equal(a, ref.permutations[0]) and np.array_equal(b, ref.permutations[1])


def test_hashvalues_identical_to_datasketch():
    texts = [*_group(), "", "   ", "one", "two words", "Ünïcödé straße — 東京 3 words", "a b a b a b a b",
             "x " * 5000]
    ours = dedup._signatures(texts)
    assert ours.shape == (len(texts), dedup.NUM_PERM) and ours.dtype == np.uint32
    for text, row in zip(texts, ours, strict=True):
        ref = _reference_minhash(text)
        assert np.array_equal(row, ref.hashvalues), text[:60]
        one = dedup._signature(text)
        assert np.array_equal(one.hashvalues, ref.hashvalues)
        # Stored bytes are the old ones, and old stored bytes read back to the same values.
        assert dedup.signature_bytes(one) == dedup.signature_bytes(ref) == _reference_bytes(ref)
        assert np.array_equal(dedup.signature_from_bytes(_reference_bytes(ref)).hashvalues,
                              _reference_lean(_reference_bytes(ref)).hashvalues)


def test_hashvalues_identical_across_chunks(monkeypatch):
    texts = list(_group()[:50])
    whole = dedup._signatures(texts)
    monkeypatch.setattr(dedup, "_HASH_CHUNK", 700)  # about one text per chunk, some alone over it
    assert np.array_equal(dedup._signatures(texts), whole)


def test_jaccard_identical_to_datasketch():
    texts = _group()
    ours = [dedup._signature(t) for t in texts]
    refs = [_reference_lean(_reference_bytes(_reference_minhash(t))) for t in texts]
    ref_values = {}
    for a in range(len(texts)):
        for b in range(a + 1, len(texts)):
            j = ours[a].jaccard(ours[b])
            assert j == refs[a].jaccard(refs[b]) == ours[a].jaccard(refs[b])
            ref_values[a, b] = j
    values = sorted(set(ref_values.values()))
    assert len(values) > 20  # a spread of similarities, not only 0 and 1
    # The vectorized comparison of a group (every pair, as for groups under LSH_MIN_GROUP),
    # also at thresholds some pairs reach exactly.
    sigs = dict(enumerate(s.hashvalues for s in ours))
    members = list(range(len(texts)))
    few = [*range(31), *range(120, 120 + LSH_SMALL - 31)]  # 31 originals and copies of them
    assert len(few) == LSH_SMALL
    few_values = sorted({ref_values[a, b] for a in few for b in few if a < b})
    for threshold in (0.5, 0.8, 0.9, few_values[1], few_values[len(few_values) // 2], few_values[-2]):
        expected = {pair for pair, j in ref_values.items() if j >= threshold}
        assert set(dedup._matching_pairs(few, sigs, threshold)) == {(a, b) for a, b in expected
                                                                     if a in few and b in few} != set()
        if threshold <= 0.9:  # (MinHashLSH has no parameters for thresholds near 1)
            with_lsh = set(dedup._matching_pairs(members, sigs, threshold))  # the LSH path: a subset
            assert with_lsh <= expected and len(with_lsh) > len(expected) // 2


def test_lsh_parameters_match_datasketch():
    lsh = MinHashLSH(threshold=dedup.THRESHOLD, num_perm=dedup.NUM_PERM)
    assert (lsh.b, lsh.r) == (dedup.LSH_BANDS, dedup.LSH_ROWS) == dedup._lsh_params(dedup.THRESHOLD)
    assert dedup._optimal_params(dedup.THRESHOLD) == (dedup.LSH_BANDS, dedup.LSH_ROWS)
    for k in range(1, 100):
        threshold = k / 100
        ref = _optimal_param(threshold, dedup.NUM_PERM, 0.5, 0.5)
        if ref[0] < 2:  # MinHashLSH refuses it
            with pytest.raises(ValueError):
                dedup._optimal_params(threshold)
        else:
            assert dedup._optimal_params(threshold) == ref, threshold


@pytest.mark.parametrize("threshold", [0.8, 0.5, 0.9])
def test_lsh_candidates_identical_to_datasketch(threshold):
    texts = _group()
    assert len(texts) >= 100
    refs = []
    for i, t in enumerate(texts):  # half read back from stored bytes, half fresh, as in a nightly parse
        m = _reference_minhash(t)
        refs.append(_reference_lean(_reference_bytes(m)) if i % 2 else m)
    expected = _reference_candidates(refs, threshold)
    x, y = dedup._candidate_pairs(dedup._signatures(texts), threshold)
    got = set(zip(x.tolist(), y.tolist(), strict=True))
    assert got == expected
    assert len(got) == len(x)  # no pair twice
    n = len(texts)
    similar = {(a, b) for a, b in expected if refs[a].jaccard(refs[b]) >= threshold}
    assert similar and len(similar) < len(expected) < n * (n - 1) // 2  # LSH is a filter, not exact


# -- assign_dup_clusters: the same clusters as with datasketch -------------------------

def _reference_signatures(found):
    return [_reference_minhash(t or "") for t in found]


def _reference_matching_pairs(members, sigs, threshold):
    objs = {i: sigs[i] if isinstance(sigs[i], MinHash) else _reference_lean(_reference_bytes_of(sigs[i]))
            for i in members}
    if len(members) < dedup.LSH_MIN_GROUP:
        pairs = [(a, b) for x, a in enumerate(members) for b in members[x + 1:]]
    else:
        lsh = MinHashLSH(threshold=threshold, num_perm=dedup.NUM_PERM)
        for i in members:
            lsh.insert(str(i), objs[i])
        pairs = [(a, int(k)) for a in members for k in lsh.query(objs[a]) if a < int(k)]
    return [(a, b) for a, b in pairs if objs[a].jaccard(objs[b]) >= threshold]


def _reference_bytes_of(values) -> bytes:
    return np.asarray(values, dtype=np.uint64).tobytes()


def _clusters_both_ways(monkeypatch, rows, **kwargs):
    new = dedup.assign_dup_clusters(rows, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(dedup, "_signatures", _reference_signatures)
        m.setattr(dedup, "_matching_pairs", _reference_matching_pairs)
        old = dedup.assign_dup_clusters(rows, **kwargs)
    return new, old


def _synthetic_rows(n: int = 1500) -> list[dict]:
    """Rows from the labelled descriptions with repeated company (board) and title, in groups
    of 150 (the LSH path) and of 10 (pairwise), copies edited a little or a lot."""
    descs = _descriptions()
    rng = random.Random(11)
    rows = []
    for i in range(n):
        g = i % 10 if i % 5 < 3 else 10 + i % 150
        base = descs[g % len(descs)] if rng.random() < 0.6 else descs[rng.randrange(len(descs))]
        rows.append({"posting_id": f"greenhouse:acme{g % 40}:{i}", "source": "greenhouse", "board": f"acme{g % 40}",
                     "company": f"Company {g % 40}", "title": f"Data Engineer {g // 40}",
                     "location": rng.choice(["Berlin, Germany", "New York, NY", "Remote", "", "Germany"]),
                     "description": _edit(base, rng.choice([0, 1, 4, 12, 40]), seed=i)})
    return rows


def test_clusters_identical_on_fixtures(monkeypatch):
    gh = parsed("greenhouse", "greenhouse/gitlab_jobs_content_subset3.json", board="gitlab")
    copies = [{**r, "posting_id": f"remoteok:all:{k}", "source": "remoteok", "board": "all",
               "description": _edit(r["description"], k % 12, seed=k)}
              for k, r in enumerate(gh) if r["description"]]
    plaid = parsed("lever", "lever/plaid_postings_first20.json", board="plaid")
    for rows in (gh + copies, plaid):
        new, old = _clusters_both_ways(monkeypatch, rows)
        assert new == old
    new, _ = _clusters_both_ways(monkeypatch, gh + copies)
    assert len(set(new)) < len(gh + copies)  # some copies did cluster


def test_clusters_identical_on_large_groups_and_stored_signatures(monkeypatch):
    rows = _synthetic_rows()
    sizes = []
    with monkeypatch.context() as m:
        pairs = dedup._matching_pairs
        m.setattr(dedup, "_matching_pairs", lambda members, *a: sizes.append(len(members)) or pairs(members, *a))
        dedup.assign_dup_clusters(rows)
    assert min(sizes) < dedup.LSH_MIN_GROUP <= max(sizes)  # both ways of comparing a group
    stored: dict[int, bytes] = {}
    new, old = _clusters_both_ways(monkeypatch, rows, signatures=stored)
    assert new == old and len(rows) > len(set(new)) > len(rows) // 10
    ref_stored = {}
    with monkeypatch.context() as m:
        m.setattr(dedup, "_signatures", _reference_signatures)
        m.setattr(dedup, "_matching_pairs", _reference_matching_pairs)
        dedup.assign_dup_clusters(rows, signatures=ref_stored)
    assert stored == ref_stored  # byte for byte what the datasketch version stored
    # The next night: half the signatures stored, the others computed.
    half = {i: b for i, b in stored.items() if i % 2}
    new2, old2 = _clusters_both_ways(monkeypatch, rows, signatures=dict(half))
    assert new2 == old2 == new

