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
  signatures. Postings without a description cluster only on company, title
  and *exactly* the same location set.

Cost is linear: rows are first grouped by (company key, title); signatures are
computed only for rows whose group has more than one member; small groups
compare signatures pairwise, groups of ``LSH_MIN_GROUP`` or more members only
compare the pairs an LSH banding (``LSH_BANDS`` bands of ``LSH_ROWS`` values)
proposes. Clusters are the connected components of the matching pairs
(union-find); the id is the smallest ``posting_id`` in the component
(deterministic for the same input, whatever the row order).

MinHash and LSH are numpy re-implementations of datasketch 2.0.0
(``MinHash(num_perm=64, seed=1, hashfunc=identity)``, its default "affine32"
scheme, fed the crc32 of each shingle; ``MinHashLSH(threshold, num_perm=64)``),
bit for bit: the same hash values, Jaccard estimates and candidate pairs
(``tests/normalize/test_minhash_equivalence.py`` checks it against
datasketch). So signatures stored by earlier runs stay valid, and the nightly
parse does not pay datasketch's import (about a second: it loads scipy).
"""

from __future__ import annotations

import functools
import itertools
import json
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
# MinHashLSH(threshold=0.8, num_perm=64) with the default weights (0.5, 0.5)
# picks b=5 bands of r=11 rows: obtained once with
#   python -c "from datasketch import MinHashLSH; l = MinHashLSH(0.8, 64); print(l.b, l.r)"
# (test_minhash_equivalence recomputes it with datasketch).
LSH_BANDS, LSH_ROWS = 5, 11
_TEXT_BATCH = 10_000
_HASH_CHUNK = 50_000  # shingle hashes permuted at once (a 64 x 50,000 uint32 array, 12.8 MB)
_PAIR_CHUNK = 100_000  # signature pairs compared at once (2 x 100,000 x 64 uint32, 51 MB)
_SEED = 1
_MAX_HASH = (1 << 32) - 1  # "empty" value of an affine32 signature (a text without words)
_WORD = re.compile(r"\w+")


def _identity(value: int) -> int:  # datasketch's hashfunc here (the tests' reference uses it)
    return value


@functools.cache
def _permutations():
    """(a, b), each NUM_PERM uint32, drawn as datasketch's ``MinHash._init_permutations``
    does for the affine32 scheme (``a`` odd, so ``h -> a*h + b mod 2**32`` is a bijection)."""
    import numpy as np

    gen = np.random.RandomState(_SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(hv):
    """MurmurHash3's 32-bit finalizer (datasketch's ``_fmix(hv, 32)``) on a uint32 array.
    Array multiplication wraps around: that is the intended arithmetic mod 2**32."""
    import numpy as np

    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def _shingle_hashes(text: str) -> set[int]:
    """crc32 of each distinct word 3-gram (each word when there are fewer than 3).

    A set of hashes rather than of shingles: the minimum over a multiset is the same."""
    words = _WORD.findall(text.lower())
    if len(words) >= SHINGLE:
        grams = map(" ".join, zip(*(words[k:] for k in range(SHINGLE)), strict=False))
    else:
        grams = iter(words)
    return set(map(zlib.crc32, map(str.encode, grams)))


def _signatures(texts: Sequence[str | None]):
    """MinHash signatures of ``texts``: a (len(texts), NUM_PERM) uint32 array whose rows are
    datasketch's ``MinHash.hashvalues`` after ``update_batch`` of the shingle hashes."""
    import numpy as np

    a, b = _permutations()
    out = np.full((len(texts), NUM_PERM), _MAX_HASH, dtype=np.uint32)
    hashes = [_shingle_hashes(t or "") for t in texts]
    row = 0
    while row < len(texts):
        # Texts [row, stop) whose hashes are permuted together (at least one text).
        rows, lens, total, stop = [], [], 0, row
        while stop < len(texts) and (not lens or total + len(hashes[stop]) <= _HASH_CHUNK):
            if hashes[stop]:
                rows.append(stop)
                lens.append(len(hashes[stop]))
                total += len(hashes[stop])
            stop += 1
        if rows:
            hv = np.fromiter(itertools.chain.from_iterable(hashes[i] for i in rows), dtype=np.uint32, count=total)
            # One row per permutation, so that each text's minimum is over a contiguous run.
            phv = a[:, None] * _fmix32(hv) + b[:, None]
            starts = np.zeros(len(rows), dtype=np.intp)
            np.cumsum(lens[:-1], out=starts[1:])
            out[rows] = np.minimum.reduceat(phv, starts, axis=1).T
        row = stop
    return out


class Signature:
    """A MinHash signature: ``hashvalues`` (NUM_PERM uint32), as datasketch's (Lean)MinHash."""

    __slots__ = ("hashvalues",)

    def __init__(self, hashvalues) -> None:
        self.hashvalues = hashvalues

    def __len__(self) -> int:
        return len(self.hashvalues)

    def jaccard(self, other) -> float:
        """Estimated Jaccard similarity: the share of equal hash values."""
        import numpy as np

        return float(np.count_nonzero(self.hashvalues == _values(other))) / float(len(self.hashvalues))


def _signature(text: str) -> Signature:
    return Signature(_signatures([text])[0])


def _values(sig):
    """The uint32 hash values of a Signature, a datasketch (Lean)MinHash or an array."""
    import numpy as np

    values = np.asarray(getattr(sig, "hashvalues", sig))
    if values.dtype == np.uint32 and values.shape == (NUM_PERM,):
        return values
    if (values.shape != (NUM_PERM,) or values.dtype.kind not in "iu"
            or int(values.min()) < 0 or int(values.max()) > _MAX_HASH):
        raise ValueError(f"not a MinHash signature of {NUM_PERM} 32-bit hash values")
    return values.astype(np.uint32)


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
    if "locations_json" in row:  # a normalized row: its places were parsed from the same text and flags
        locations = json.loads(row["locations_json"]) if row["locations_json"] else []
    else:
        locations = parse_location(str(text), row.get("remote"), row.get("workplace_type"))["locations"]
    keys = {(loc["country"], fold(loc["city"]) if loc["city"] else None) for loc in locations}
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
    """A signature as bytes (64 uint64), to keep it with the parsed rows.

    ``sig``: a :class:`Signature`, a datasketch MinHash or an array of hash values."""
    import numpy as np

    return _values(sig).astype(np.uint64).tobytes()


def signature_from_bytes(data: bytes) -> Signature:
    """The :class:`Signature` stored by :func:`signature_bytes` (by this module or by the
    datasketch-based one before it: the values are the same)."""
    import numpy as np

    return Signature(_values(np.frombuffer(data, dtype=np.uint64)))


def _has_text(row: Mapping[str, Any]) -> bool:
    if "has_text" in row:
        return bool(row["has_text"])
    return bool((row.get("description") or "").strip())


def group_key(row: Mapping[str, Any]) -> tuple[str, str] | None:
    """(company key, normalized title) of a row, the group it is compared
    within; None when either is empty (the row is its own cluster)."""
    from jobmarket.normalize.company import company_key
    from jobmarket.normalize.title import normalize_title

    ckey = _field(row, "company_key", lambda r: company_key(r.get("source"), r.get("board"), r.get("company")))
    tkey = _field(row, "title_norm", lambda r: normalize_title(r.get("title")))
    return (ckey, tkey) if ckey and tkey else None


def assign_dup_clusters(
    rows: Iterable[Mapping[str, Any]],
    threshold: float = THRESHOLD,
    *,
    signatures: dict[int, bytes] | None = None,
    texts: Callable[[list[int]], list[str | None]] | None = None,
    unchanged: Callable[[tuple[str, str], list[int]], dict[int, str] | None] | None = None,
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

    ``unchanged(key, members)`` may return the cluster ids of a whole
    (company key, title) group whose rows are exactly those of an earlier
    clustering (same postings, same content): a cluster never spans two
    groups, so those ids are the ones this function would compute, and the
    group is not compared again.
    """
    rows = rows if isinstance(rows, Sequence) else list(rows)
    n = len(rows)
    ids = [str(r.get("posting_id") or f"row-{i}") for i, r in enumerate(rows)]
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        key = group_key(r)
        if key is not None:
            groups[key].append(i)

    uf = _UnionFind(n)
    compare: list[tuple[list[int], dict[int, frozenset]]] = []
    fixed: dict[int, str] = {}
    for key, members in groups.items():
        if len(members) < 2:
            continue
        known = unchanged(key, members) if unchanged is not None else None
        if known is not None:
            fixed.update(known)
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
                sigs[i] = signature_from_bytes(signatures[i]).hashvalues
            else:
                todo.append(i)
    for start in range(0, len(todo), _TEXT_BATCH):
        chunk = todo[start: start + _TEXT_BATCH]
        found = texts(chunk) if texts else [rows[i]["description"] for i in chunk]
        for i, values in zip(chunk, _signatures(found), strict=True):
            sigs[i] = values
            if signatures is not None:
                signatures[i] = signature_bytes(values)
    for with_text, places in compare:
        for a, b in _matching_pairs(with_text, sigs, threshold):
            if _overlap(places[a], places[b]):
                uf.union(a, b)

    smallest: dict[int, str] = {}
    for i in range(n):
        root = uf.find(i)
        if root not in smallest or ids[i] < smallest[root]:
            smallest[root] = ids[i]
    return [fixed[i] if i in fixed else smallest[uf.find(i)] for i in range(n)]


def _matching_pairs(members: list[int], sigs: dict, threshold: float) -> list[tuple[int, int]]:
    """Pairs ``(a, b)``, ``a < b``, of ``members`` whose estimated Jaccard similarity is at
    least ``threshold``: among all pairs, or among the LSH candidates of a large group."""
    import numpy as np

    m = np.stack([sigs[i] for i in members])
    if len(members) < LSH_MIN_GROUP:
        x, y = np.triu_indices(len(members), k=1)
    else:
        x, y = _candidate_pairs(m, threshold)
    found = []
    for start in range(0, len(x), _PAIR_CHUNK):
        cx, cy = x[start: start + _PAIR_CHUNK], y[start: start + _PAIR_CHUNK]
        keep = np.count_nonzero(m[cx] == m[cy], axis=1) / NUM_PERM >= threshold  # as MinHash.jaccard
        found.extend(zip(cx[keep].tolist(), cy[keep].tolist(), strict=True))
    return [(members[i], members[j]) for i, j in found]


def _candidate_pairs(m, threshold: float):
    """LSH candidates among the rows of ``m`` (signatures): sorted (x, y) index arrays,
    x < y, of the pairs with some band (``r`` consecutive hash values) equal: the pairs
    ``datasketch.MinHashLSH(threshold, num_perm=64)`` returns (its buckets are keyed by
    the band's bytes, and equal bytes of the same dtype are equal values)."""
    import numpy as np

    n = len(m)
    bands, r = _lsh_params(threshold)
    codes = [np.zeros(0, dtype=np.int64)]
    for band in range(bands):
        keys = np.ascontiguousarray(m[:, band * r: (band + 1) * r]).view(np.dtype((np.void, 4 * r))).ravel()
        _, bucket = np.unique(keys, return_inverse=True)
        order = np.argsort(bucket, kind="stable")  # ascending row within a bucket
        for same in np.split(order, np.flatnonzero(np.diff(bucket[order])) + 1):
            if len(same) > 1:
                i, j = np.triu_indices(len(same), k=1)
                codes.append(same[i].astype(np.int64) * n + same[j])
    pairs = np.unique(np.concatenate(codes))
    return pairs // n, pairs % n


def _lsh_params(threshold: float) -> tuple[int, int]:
    """(bands, rows per band) of ``datasketch.MinHashLSH(threshold, num_perm=64)``."""
    if threshold == THRESHOLD:
        return LSH_BANDS, LSH_ROWS
    return _optimal_params(threshold)


@functools.cache
def _optimal_params(threshold: float) -> tuple[int, int]:
    """MinHashLSH's choice of (bands, rows) for ``threshold``, num_perm 64 and the default
    weights (0.5, 0.5): its search (``datasketch.lsh._optimal_param``), with the integrals
    done by Gauss-Legendre quadrature instead of scipy's ``quad`` (the integrands are
    polynomials of degree <= 64, which 40 nodes integrate exactly), and its checks."""
    import numpy as np

    if not 0.0 <= threshold <= 1.0:
        raise ValueError("threshold must be in [0.0, 1.0]")
    nodes, weights = np.polynomial.legendre.leggauss(40)

    def integral(f, lo: float, hi: float) -> float:
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2
        return float((hi - lo) / 2 * np.dot(weights, f(s)))

    best, opt = float("inf"), (0, 0)
    for b in range(1, NUM_PERM + 1):
        for r in range(1, NUM_PERM // b + 1):
            fp = integral(lambda s, b=b, r=r: 1 - (1 - s ** float(r)) ** float(b), 0.0, threshold)
            fn = integral(lambda s, b=b, r=r: (1 - s ** float(r)) ** float(b), threshold, 1.0)
            error = fp * 0.5 + fn * 0.5
            if error < best:
                best, opt = error, (b, r)
    if opt[0] < 2:
        raise ValueError("The number of bands are too small (b < 2)")
    return opt
