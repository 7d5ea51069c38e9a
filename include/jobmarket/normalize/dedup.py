"""Duplicate clusters: the same job published on several boards or aggregators.

``assign_dup_clusters(rows)`` returns one ``dup_cluster_id`` per row, in row
order. Rows are never dropped: a row that duplicates nothing gets its own
``posting_id`` as its cluster id, so ``count(*)`` is the total and
``count(distinct dup_cluster_id)`` the unique jobs.

Two postings are the same job when all of these hold:

* same company key (:func:`jobmarket.normalize.company.company_key`);
* same normalized title (:func:`jobmarket.normalize.title.normalize_title`);
* overlapping locations: some parsed place of one matches one of the other
  (same country, and same city unless one of them names only the country);
  a posting with no location text matches any location; unparsed texts match
  when equal after folding;
* descriptions near-identical: estimated Jaccard similarity of word 3-gram
  shingles at least ``threshold`` (0.8), from 64-permutation MinHash
  signatures (datasketch). Postings without a description cluster only on
  company, title and *exactly* the same location set.

Cost is linear: rows are first grouped by (company key, title); signatures are
computed only for rows whose group has more than one member; small groups
compare signatures pairwise, groups larger than ``LSH_MIN_GROUP`` use a
datasketch ``MinHashLSH`` index. Clusters are the connected components of the
matching pairs (union-find); the id is the smallest ``posting_id`` in the
component (deterministic for the same input, whatever the row order).
"""

from __future__ import annotations

import functools
import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from jobmarket.normalize._text import fold

THRESHOLD = 0.8
NUM_PERM = 64
SHINGLE = 3
LSH_MIN_GROUP = 64
_TEXT_BATCH = 10_000
_SEED = 1
_WORD = re.compile(r"\w+")


def _identity(value: int) -> int:
    return value


@functools.cache
def _template():
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=_identity)


def _signature(text: str):
    from datasketch import MinHash

    words = _WORD.findall(text.lower())
    if len(words) >= SHINGLE:
        grams = {" ".join(words[i: i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    else:
        grams = set(words)
    t = _template()  # the permutations are the same for every signature: draw them once
    m = MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=_identity, permutations=t.permutations, scheme=t.scheme)
    m.update_batch([zlib.crc32(g.encode("utf-8")) for g in grams])
    return m


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _places(row: Mapping[str, Any]) -> frozenset[tuple[str, str | None]]:
    """Location keys of a row: (country, city) pairs, else ("text", folded text)."""
    from jobmarket.normalize.location import parse_location

    text = row.get("location")
    if not text or not str(text).strip():
        return frozenset()
    parsed = parse_location(str(text), row.get("remote"), row.get("workplace_type"))
    keys = {(loc["country"], fold(loc["city"]) if loc["city"] else None) for loc in parsed["locations"]}
    return frozenset(keys) if keys else frozenset({("text", fold(str(text)))})


def _overlap(a: frozenset, b: frozenset) -> bool:
    if not a or not b:
        return True
    for ca, xa in a:
        for cb, xb in b:
            if ca == cb and (xa == xb or (ca != "text" and (xa is None or xb is None))):
                return True
    return False


def _field(row: Mapping[str, Any], key: str, compute) -> Any:
    value = row.get(key)
    return compute(row) if value is None else value


def signature_bytes(sig) -> bytes:
    """A signature as bytes (64 uint64), to keep it with the parsed rows."""
    import numpy as np

    return np.asarray(sig.hashvalues, dtype=np.uint64).tobytes()


def signature_from_bytes(data: bytes):
    import numpy as np
    from datasketch import LeanMinHash

    return LeanMinHash(seed=_SEED, hashvalues=np.frombuffer(data, dtype=np.uint64), scheme=_template().scheme)


def _has_text(row: Mapping[str, Any]) -> bool:
    if "has_text" in row:
        return bool(row["has_text"])
    return bool((row.get("description") or "").strip())


def assign_dup_clusters(
    rows: Iterable[Mapping[str, Any]],
    threshold: float = THRESHOLD,
    *,
    signatures: dict[int, bytes] | None = None,
    texts: Callable[[list[int]], list[str | None]] | None = None,
) -> list[str]:
    """One ``dup_cluster_id`` per row, in order (see the module doc).

    Each row needs ``posting_id``, ``source``, ``board``, ``company``,
    ``title``, ``location`` and ``description`` (the normalized posting);
    ``company_key`` and ``title_norm`` are used when present instead of being
    recomputed. A pandas DataFrame can be passed as ``df.to_dict("records")``.

    The parse step passes rows without descriptions (``has_text`` instead),
    ``texts(indices)`` to fetch the few descriptions that need a signature,
    and ``signatures`` (row -> :func:`signature_bytes`) carried over from the
    night before; signatures computed here are added to that dict.
    """
    from jobmarket.normalize.company import company_key
    from jobmarket.normalize.title import normalize_title

    rows = rows if isinstance(rows, Sequence) else list(rows)
    n = len(rows)
    ids = [str(r.get("posting_id") or f"row-{i}") for i, r in enumerate(rows)]
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        ckey = _field(r, "company_key", lambda r: company_key(r.get("source"), r.get("board"), r.get("company")))
        tkey = _field(r, "title_norm", lambda r: normalize_title(r.get("title")))
        if ckey and tkey:
            groups[(ckey, tkey)].append(i)

    uf = _UnionFind(n)
    compare: list[tuple[list[int], dict[int, frozenset]]] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        places = {i: _places(rows[i]) for i in members}
        with_text = [i for i in members if _has_text(rows[i])]
        has_text = set(with_text)
        without = [i for i in members if i not in has_text]
        # No description: exact company + title + same location set.
        by_place: dict[frozenset, list[int]] = defaultdict(list)
        for i in without:
            by_place[places[i]].append(i)
        for i in with_text:
            if places[i] in by_place:
                by_place[places[i]].append(i)
        for same in by_place.values():
            for j in same[1:]:
                uf.union(same[0], j)
        if len(with_text) >= 2:
            compare.append((with_text, places))

    # Signatures of every row that needs one, its text fetched in a few large
    # batches (the parse step reads them from an Arrow column).
    sigs: dict[int, Any] = {}
    todo = []
    for with_text, _ in compare:
        for i in with_text:
            if signatures is not None and i in signatures:
                sigs[i] = signature_from_bytes(signatures[i])
            else:
                todo.append(i)
    for start in range(0, len(todo), _TEXT_BATCH):
        chunk = todo[start: start + _TEXT_BATCH]
        found = texts(chunk) if texts else [rows[i]["description"] for i in chunk]
        for i, text in zip(chunk, found, strict=True):
            sigs[i] = _signature(text or "")
            if signatures is not None:
                signatures[i] = signature_bytes(sigs[i])
    for with_text, places in compare:
        for a, b in _candidate_pairs(with_text, sigs, threshold):
            if _overlap(places[a], places[b]) and sigs[a].jaccard(sigs[b]) >= threshold:
                uf.union(a, b)

    smallest: dict[int, str] = {}
    for i in range(n):
        root = uf.find(i)
        if root not in smallest or ids[i] < smallest[root]:
            smallest[root] = ids[i]
    return [smallest[uf.find(i)] for i in range(n)]


def _candidate_pairs(members: list[int], sigs: dict, threshold: float) -> Iterable[tuple[int, int]]:
    if len(members) < LSH_MIN_GROUP:
        for x, a in enumerate(members):
            for b in members[x + 1:]:
                yield a, b
        return
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    for i in members:
        lsh.insert(str(i), sigs[i])
    for a in members:
        for key in lsh.query(sigs[a]):
            b = int(key)
            if a < b:
                yield a, b
