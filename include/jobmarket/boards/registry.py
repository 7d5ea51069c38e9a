"""The board registry as data: ``curated/board_registry/dt=<date>/``.

Each partition is the whole registry as of that date. A date's crawl reads
the latest partition on or before it (:func:`load`); imports, probes and the
nightly fold of crawl outcomes (:func:`fold`) write the partition of their
date. With no partition in the lake yet, the registry is the bundled seed:
the MIT-licensed tenant lists in ``include/config/registry/`` (see its
MANIFEST.tsv and LICENSE).

Rows are held column-wise (:class:`Registry`) because the seed alone is
58,645 rows: a Python dict per row would cost ~100 MB in every task that
only wants a display name.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jobmarket.core.lake import Lake, read_parquet
from jobmarket.core.schema import BOARD_REGISTRY
from jobmarket.core.settings import REPO_DIR
from jobmarket.sources.boardurls import REGISTRY_FAMILIES, UnresolvedURL, careers_url, resolve

SEED_DIR = REPO_DIR / "include" / "config" / "registry"
RETIRED = ("dead", "moved")
COLUMNS = BOARD_REGISTRY.column_names


def key(family: str, token: str) -> tuple[str, str]:
    """Registry key: tokens compare case-insensitively (SmartRecruiters
    answers ``WesternDigital`` and ``westerndigital`` alike)."""
    return family, token.lower()


class Registry:
    """The registry table, column-wise, with an index by (family, token)."""

    def __init__(self, cols: dict[str, list] | None = None):
        self.cols: dict[str, list] = cols or {c: [] for c in COLUMNS}
        self.index = {key(f, t): i for i, (f, t) in enumerate(zip(self.cols["family"], self.cols["token"],
                                                                     strict=True))}

    def __len__(self) -> int:
        return len(self.cols["family"])

    def row(self, i: int) -> dict[str, Any]:
        return {c: self.cols[c][i] for c in COLUMNS}

    def rows(self) -> Iterator[dict[str, Any]]:
        return (self.row(i) for i in range(len(self)))

    def get(self, family: str, token: str) -> dict[str, Any] | None:
        i = self.index.get(key(family, token))
        return None if i is None else self.row(i)

    def set(self, i: int, **values: Any) -> None:
        for c, v in values.items():
            self.cols[c][i] = v

    def add(self, row: dict[str, Any]) -> tuple[int, bool]:
        """Add a row, or merge it into the row of the same board: a missing
        company or careers URL is filled, tags and aliases are unioned, the
        status and history are kept. Returns (index, added)."""
        k = key(row["family"], row["token"])
        i = self.index.get(k)
        if i is None:
            full = {**_blank(row["family"], row["token"], row["found_on"]), **row}
            for c in COLUMNS:
                self.cols[c].append(full[c])
            self.index[k] = len(self) - 1
            return len(self) - 1, True
        for c in ("company", "careers_url"):
            if row.get(c) and not self.cols[c][i]:
                self.cols[c][i] = row[c]
        for c in ("tags", "aliases"):
            extra = [v for v in row.get(c) or [] if v not in self.cols[c][i]]
            if extra:
                self.cols[c][i] = [*self.cols[c][i], *extra]
        return i, False

    def table(self):
        import pyarrow as pa

        return pa.table(self.cols, schema=BOARD_REGISTRY.arrow_schema())

    def companies(self, family: str) -> dict[str, str]:
        """token (lower case) -> display name of one family's boards."""
        return {t.lower(): c for f, t, c in zip(self.cols["family"], self.cols["token"], self.cols["company"],
                                                 strict=True) if f == family and c}


def display_name(family: str, token: str, names: dict[str, list[tuple[str, str]]]) -> str | None:
    """The company display name of a board, from ``names`` (see :func:`names_by_token`):
    its own row's, unless that is only the slug again in lower case
    ("cursor"), then the same token's name in another family's list ("plaid"
    is Plaid on Ashby), then the slug with a capital (a display name, unlike
    the bare token); None for a board no list knows."""
    found = names.get(token.lower(), [])
    own = [n for f, n in found if f == family]
    for name in (*own, *(n for f, n in found if f != family)):
        if name and not is_slug(name, token):
            return name
    if not found:
        return None
    base = own[0] if own and own[0] else token
    return base[:1].upper() + base[1:]


def is_slug(name: str, token: str) -> bool:
    return name == name.lower() and re.sub(r"[^a-z0-9]", "", name) == re.sub(r"[^a-z0-9]", "", token.lower())


def _blank(family: str, token: str, found_on: date) -> dict[str, Any]:
    return {
        "family": family, "token": token, "company": None, "careers_url": careers_url(family, token),
        "tags": [], "aliases": [], "found_by": "url", "found_on": found_on, "status": "new",
        "status_since": found_on, "last_probe": None, "last_http": None, "consecutive_failures": 0,
        "consecutive_404": 0, "postings_last_seen": None, "last_live": None, "moved_to": None, "note": None,
    }


# -- reading lists -------------------------------------------------------------
@dataclass
class ReadReport:
    """What reading one list gave: rows, and the lines it could not use."""

    rows: list[dict[str, Any]]
    read: int = 0
    folded: int = 0  # duplicate spellings folded into another row (aliases)
    unresolved: list[str] | None = None


def read_list(path: Path, *, found_by: str, found_on: date, family: str | None = None,
              tags: Iterable[str] = ()) -> ReadReport:
    """Boards from a CSV (``name,slug,url`` or ``name,url`` as in the shared
    lists; ``family,token[,company,careers_url,tags]`` for our own) or a
    plain list of careers URLs, one a line. The family is the file's stem
    when it names one (``greenhouse.csv``), else resolved from each URL."""
    text = path.read_text(encoding="utf-8-sig")
    family = family or (path.stem if path.stem in REGISTRY_FAMILIES else None)
    return read_text(text, found_by=found_by, found_on=found_on, family=family, tags=tags)


def read_text(text: str, *, found_by: str, found_on: date, family: str | None = None,
              tags: Iterable[str] = ()) -> ReadReport:
    tags = list(tags)
    first = text.lstrip().split("\n", 1)[0].strip().lower()
    is_csv = "," in first and any(h in first.split(",") for h in ("name", "url", "token", "slug"))
    lines = csv.DictReader(io.StringIO(text)) if is_csv else (
        {"url": ln.strip()} for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))
    out: dict[tuple[str, str], dict[str, Any]] = {}
    rep = ReadReport(rows=[], unresolved=[])
    for raw in lines:
        rec = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        rep.read += 1
        name = rec.get("name") or rec.get("company") or None
        url = rec.get("url") or rec.get("careers_url") or ""
        fam, token = rec.get("family") or family, rec.get("token") or rec.get("slug") or None
        try:
            ref = resolve(url) if url else None
        except UnresolvedURL as exc:
            ref = None
            if not (fam and token):
                rep.unresolved.append(str(exc))
                continue
        if ref is not None and (not fam or fam == ref.family):
            fam, token = ref.family, token if (token and fam != "workday") else ref.token
        if not (fam and token):
            rep.unresolved.append(f"{url or rec}: no family/token")
            continue
        row = {"family": fam, "token": token, "company": name, "careers_url": url or careers_url(fam, token),
               "tags": sorted(set(tags) | set(filter(None, (rec.get("tags") or "").split(";")))),
               "aliases": [], "found_by": found_by, "found_on": found_on}
        _fold_spelling(out, row, rep)
    rep.rows = [r for r in out.values() if isinstance(r, dict)]  # (the fold index shares the dict)
    return rep


def _fold_spelling(out: dict, row: dict[str, Any], rep: ReadReport) -> None:
    """One row per board. SmartRecruiters' list names most companies twice,
    under the slug with and without hyphens (``10x-3`` and ``10x3``): same
    name, same letters. Those fold into one row; the unhyphenated spelling is
    kept as the token (SmartRecruiters' own company identifiers carry no
    hyphens) and the other goes to ``aliases``."""
    k = key(row["family"], row["token"])
    if k in out:
        rep.folded += 1
        return
    if row["family"] == "smartrecruiters" and row["company"]:
        fk = ("smartrecruiters#", row["company"].lower(), row["token"].lower().replace("-", ""))
        prev_k = out.get(fk)
        if prev_k is not None:
            prev = out[prev_k]
            rep.folded += 1
            if "-" in prev["token"] and "-" not in row["token"]:
                del out[prev_k]
                row["aliases"] = [prev["token"], *prev["aliases"]]
                row["careers_url"] = careers_url("smartrecruiters", row["token"])
                out[k] = row
                out[fk] = k
            else:
                prev["aliases"] = [*prev["aliases"], row["token"]]
            return
        out[fk] = k
    out[k] = row


_NO_DATE = date(1970, 1, 1)
_SEED_DATES = ("found_on", "status_since")  # the only date columns a seed row fills


@functools.lru_cache(maxsize=16)
def _seed_cached(seed_dir: str, found_on: date, families: tuple[str, ...] | None = None):
    cols, stats = _seed_plain(seed_dir, families)
    n = len(cols["family"])
    cols = {c: [found_on] * n if c in _SEED_DATES else cols[c] for c in COLUMNS}
    return cols, tuple(map(tuple, stats))


def _seed_plain(seed_dir: str, families: tuple[str, ...] | None):
    """The seed's columns with the date columns left out, kept in the local
    cache (core.memo): resolving 58,645 URLs costs about 1.5 CPU s, and the
    first night of every deployment (and every test lake) pays it."""
    from jobmarket.core.memo import fingerprint, memoized
    from jobmarket.sources import boardurls

    paths = sorted(p for p in Path(seed_dir).glob("*.csv") if families is None or p.stem in families)
    key = fingerprint((families, [p.name for p in paths]), files=(*paths, Path(__file__), Path(boardurls.__file__)))
    return memoized("seed-registry", key, lambda: _read_seed(paths))


def _read_seed(paths: list[Path]):
    reg = Registry()
    stats = []
    for path in paths:
        rep = read_list(path, found_by=f"seed:{path.name}", found_on=_NO_DATE)
        for row in rep.rows:
            reg.add(row)
        stats.append((path.stem, rep.read, len(rep.rows), rep.folded))
    assert all(set(reg.cols[c]) <= {_NO_DATE} for c in _SEED_DATES)
    return {c: v for c, v in reg.cols.items() if c not in _SEED_DATES}, stats


def seed(found_on: date, seed_dir: Path = SEED_DIR, families: Iterable[str] | None = None) -> Registry:
    """The bundled tenant lists as a registry (every board ``new``); only
    the lists of ``families`` when given (each list is named after its family)."""
    fams = None if families is None else tuple(sorted(set(families)))
    cols, _ = _seed_cached(str(seed_dir), found_on, fams)
    return Registry({c: list(v) for c, v in cols.items()})


def seed_stats(found_on: date, seed_dir: Path = SEED_DIR) -> list[tuple[str, int, int, int]]:
    """(family, rows read, boards kept, spellings folded) per bundled list."""
    return list(_seed_cached(str(seed_dir), found_on)[1])


# -- versions in the lake ----------------------------------------------------------
def versions(lake: Lake) -> list[date]:
    return sorted(date.fromisoformat(d) for d in lake.partition_dates(BOARD_REGISTRY.path))


def version_for(lake: Lake, dt: date) -> date | None:
    """The registry version a run of ``dt`` reads: the latest on or before it."""
    have = [v for v in versions(lake) if v <= dt]
    return have[-1] if have else None


def load(lake: Lake, dt: date, seed_dir: Path = SEED_DIR, families: Iterable[str] | None = None) -> Registry:
    """The registry as of ``dt`` (the bundled seed when the lake has none
    yet); only the rows of ``families`` when given, so a scrape task holds
    its own family's boards, not 54,000 rows."""
    v = version_for(lake, dt)
    if v is None:
        return seed(dt, seed_dir, families)
    filters = None if families is None else [("family", "in", sorted(set(families)))]
    t = read_parquet(lake.partition_dir(BOARD_REGISTRY.path, v) / "part-0.parquet", filters=filters)
    return Registry({c: t.column(c).to_pylist() for c in COLUMNS})


def load_table(lake: Lake, dt: date):
    """The stored registry as of ``dt`` as a pyarrow table (columns in
    schema order), or None when the lake has no version yet (the seed)."""
    v = version_for(lake, dt)
    if v is None:
        return None
    return read_parquet(lake.partition_dir(BOARD_REGISTRY.path, v) / "part-0.parquet").select(COLUMNS)


@functools.lru_cache(maxsize=4)
def _seed_names(seed_dir: str) -> tuple[tuple[str, str, str], ...]:
    """(family, token, name) of every bundled list row, read without
    resolving URLs: the slug column, else the URL's last path segment or
    first host label (enough to find a name; the registry proper resolves
    every URL). A tenth of the time of :func:`seed`; from the local cache
    (``core.memo``) after the first process (0.7 CPU s otherwise, paid by
    every parse of a lake that has no registry version yet)."""
    from jobmarket.core.memo import fingerprint, memoized

    paths = sorted(Path(seed_dir).glob("*.csv"))
    key = fingerprint([p.name for p in paths], files=(*paths, Path(__file__)))
    return memoized("seed-names", key, lambda: _read_seed_names(paths))


def _read_seed_names(paths: list[Path]) -> tuple[tuple[str, str, str], ...]:
    out = []
    for path in paths:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for rec in csv.DictReader(fh):
                name, slug, url = rec.get("name"), rec.get("slug"), (rec.get("url") or "").rstrip("/")
                rest = url.split("//", 1)[-1]
                if not slug and url:
                    slug = rest.rsplit("/", 1)[-1] if "/" in rest else rest.split(".", 1)[0]
                elif path.stem == "workday" and "/" in rest:
                    host, _, site = rest.partition("/")
                    slug = ".".join(host.split(".")[:2]) + "/" + site.split("/")[0]
                if slug and name:
                    out.append((path.stem, slug, name))
    return tuple(out)


def names_by_token(lake: Lake, dt: date, tokens: Iterable[str],
                   seed_dir: Path = SEED_DIR) -> dict[str, list[tuple[str, str]]]:
    """token (lower case) -> (family, company name) of that token in every
    family's list, for :func:`display_name`; reads three columns only."""
    want = {t.lower() for t in tokens}
    if not want:
        return {}
    v = version_for(lake, dt)
    if v is None:
        rows = _seed_names(str(seed_dir))
    else:
        t = read_parquet(lake.partition_dir(BOARD_REGISTRY.path, v) / "part-0.parquet",
                         columns=["family", "token", "company"])
        rows = zip(*(t.column(c).to_pylist() for c in ("family", "token", "company")), strict=True)
    out: dict[str, list[tuple[str, str]]] = {}
    for family, token, company in rows:
        if token.lower() in want:
            out.setdefault(token.lower(), []).append((family, company))
    return out


def save(lake: Lake, dt: date, reg: Registry) -> Path:
    return lake.write_partition(BOARD_REGISTRY.path, dt, reg.table())
