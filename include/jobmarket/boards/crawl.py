"""Which registry boards a run crawls, in which shards, and what the run
taught the registry.

* :func:`expand` turns a sources file's ``registry:`` selections into board
  lists (and fills display names the file does not give), for one date.
* :func:`shards` cuts each source's boards into bounded lists: the DAG maps
  one scrape task over each shard, not one per board.
* :func:`fold` applies a night's (or a probe's) outcomes to the registry:
  live / empty / failing, ``dead`` after K 404s in a row, ``moved``.
* :func:`summary_rows` counts boards per family and status for
  ``registry_summary``.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from jobmarket.boards.registry import (
    RETIRED,
    Registry,
    display_name,
    is_slug,
    key,
    load,
    load_table,
    names_by_token,
)
from jobmarket.core.lake import Lake
from jobmarket.sources.boardurls import REGISTRY_FAMILIES
from jobmarket.sources.config import BoardConfig, SourceConfig, SourcesFile
from jobmarket.sources.registry import REGISTRY as ADAPTERS

# A board answering 404 this many nights in a row is retired as dead.
DEAD_AFTER = int(os.environ.get("JOBMARKET_DEAD_AFTER_404S", "3"))


def selected(reg: Registry, source: SourceConfig, dt: date) -> list[BoardConfig]:
    """The registry boards ``source.registry`` selects for a run of ``dt``.

    Boards retired before ``dt`` are left out; one retired *on* ``dt`` is
    kept, so a rerun of that date crawls and parses the same boards."""
    sel = source.registry
    if sel is None:
        return []
    c = reg.cols
    want_tokens = {t.lower() for t in sel.boards}
    want_tags = set(sel.tags)
    out = []
    for i in range(len(reg)):
        if c["family"][i] != source.family:
            continue
        status = c["status"][i]
        if sel.statuses:
            if status not in sel.statuses:
                continue
        elif status in RETIRED and c["status_since"][i] < dt:
            continue
        if not (sel.all or c["token"][i].lower() in want_tokens or want_tags & set(c["tags"][i])):
            continue
        out.append(BoardConfig(token=c["token"][i], company=c["company"][i]))
    out.sort(key=lambda b: b.token.lower())
    return out


def expand(sources: SourcesFile, lake: Lake, dt: date, reg: Registry | None = None) -> SourcesFile:
    """The sources file with registry selections resolved for ``dt``.

    A source's own ``boards:`` come first, then its registry boards; a board
    already listed by an earlier source of the same family is not listed
    again (both would land in the same raw folder). Boards without a
    configured display name take the registry's. Idempotent."""
    if getattr(sources, "_expanded_for", None) == dt:
        return sources
    if reg is None:
        # Only the families some source selects registry boards from: a
        # scrape task holds its own family's rows, not the whole registry.
        families = {s.family for s in sources.sources if s.registry is not None}
        reg = load(lake, dt, families=families) if families else Registry()
    seen: set[tuple[str, str]] = set()
    new = []
    for s in sources.sources:
        boards = []
        for b in (*s.boards, *selected(reg, s, dt)):
            k = key(s.family, b.token)
            if k not in seen:
                seen.add(k)
                boards.append(b)
        new.append(boards)
    # Boards with no display name take the registry's (company boards only:
    # an aggregator feed such as remoteok/all has none to take).
    unnamed = {b.token for s, boards in zip(sources.sources, new, strict=True) if s.family in REGISTRY_FAMILIES
               for b in boards if not b.company or is_slug(b.company, b.token)}
    names = names_by_token(lake, dt, unnamed)

    def named(s: SourceConfig, b: BoardConfig) -> BoardConfig:
        if b.token not in unnamed or s.family not in REGISTRY_FAMILIES:
            return b
        return replace(b, company=display_name(s.family, b.token, names) or b.company)

    new = [replace(s, boards=tuple(named(s, b) for b in boards)) for s, boards in zip(sources.sources, new, strict=True)]
    out = replace(sources, sources=tuple(new))
    object.__setattr__(out, "_expanded_for", dt)
    return out


@dataclass(frozen=True)
class Shard:
    source: str
    index: int  # 0-based
    count: int

    @property
    def label(self) -> str:
        """The mapped task's name: the source, plus ``i/n`` when it has several shards."""
        return self.source if self.count == 1 else f"{self.source} {self.index + 1}/{self.count}"

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "index": self.index, "count": self.count, "label": self.label}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Shard:
        return cls(d["source"], int(d["index"]), int(d["count"]))


def shards(sources: SourcesFile, family: str | None = None, only: list[str] | None = None) -> list[Shard]:
    """Shards of every source (of ``family``, of the names in ``only``) of an
    expanded sources file: ceil(boards / shard_size) per source."""
    out = []
    for s in sources.sources:
        if (family and s.family != family) or (only and s.name not in only) or not s.boards:
            continue
        n = max(1, math.ceil(len(s.boards) / s.shard_size))
        out.extend(Shard(s.name, i, n) for i in range(n))
    return out


def shard_boards(source: SourceConfig, shard: Shard) -> tuple[BoardConfig, ...]:
    """The boards of one shard: contiguous slices of equal size (+-1)."""
    n = len(source.boards)
    lo, hi = n * shard.index // shard.count, n * (shard.index + 1) // shard.count
    return source.boards[lo:hi]


# -- outcomes -------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What one crawl or probe of a board found."""

    family: str
    token: str
    ok: bool
    http: int | None = None
    postings: int | None = None
    error: str | None = None
    moved_to: str | None = None
    company: str | None = None


def outcome_from_health(row: dict[str, Any]) -> Outcome | None:
    """A ``source_health`` row as an outcome (None: the board was not tried)."""
    status = row["status"]
    codes = [int(c.split(":")[0]) for c in (row.get("http_status") or "").split(",") if c.split(":")[0].isdigit()]
    if status in ("ok", "not_modified", "empty"):
        return Outcome(row["family"], row["board"], True, 200, row.get("postings_found") or 0)
    if status == "failed":
        http = 404 if 404 in codes or 410 in codes else (max(codes) if codes else None)
        return Outcome(row["family"], row["board"], False, http, None, row.get("error"))
    return None  # skipped_robots, skipped_stale: nothing learnt


def _failed_at(reg: Registry, i: int, dt: date) -> tuple[bool, bool]:
    """Whether the row already holds a failed (and a 404) outcome of ``dt``:
    folding the same date again must not count it twice."""
    if reg.cols["last_probe"][i] != dt:
        return False, False
    http = reg.cols["last_http"][i]
    failed = http is None or http >= 400
    return failed, failed and http in (404, 410)


def fold(reg: Registry, outcomes: list[Outcome], dt: date, *, dead_after: int = DEAD_AFTER,
         found_by: str = "config") -> Counter:
    """Apply outcomes of ``dt`` to the registry, in place; returns status changes.

    Boards not in the registry yet (a sources.yaml ``boards:`` entry) are
    added with ``found_by``. Idempotent for a date: folding the same outcomes
    again gives the same registry."""
    changes: Counter = Counter()
    c = reg.cols
    for o in outcomes:
        i, _ = reg.add({"family": o.family, "token": o.token, "company": o.company, "found_by": found_by,
                        "found_on": dt})
        was_failed, was_404 = _failed_at(reg, i, dt)
        fails = c["consecutive_failures"][i] - was_failed
        n404 = c["consecutive_404"][i] - was_404
        if o.moved_to:
            status, note = "moved", f"redirects to {o.moved_to}"
            c["moved_to"][i] = o.moved_to
            reg.add({"family": o.family, "token": o.moved_to, "company": c["company"][i],
                     "found_by": f"moved:{o.token}", "found_on": dt, "tags": list(c["tags"][i])})
            fails = n404 = 0
        elif o.ok:
            fails = n404 = 0
            status, note = ("live" if o.postings else "empty"), None
            c["postings_last_seen"][i] = o.postings
            if o.postings:
                c["last_live"][i] = dt
        else:
            fails += 1
            n404 = n404 + 1 if o.http in (404, 410) else 0
            status = "dead" if n404 >= dead_after else "failing"
            note = (o.error or f"HTTP {o.http}")[:500]
        if status != c["status"][i]:
            changes[f"{c['status'][i]}->{status}"] += 1
            c["status_since"][i] = dt
        reg.set(i, status=status, note=note, last_probe=dt, last_http=o.http, consecutive_failures=fails,
                consecutive_404=n404)
    return changes


def summary_rows(family_status: Iterable[tuple[str, str]], health: list[dict[str, Any]],
                 dt: date) -> list[dict[str, Any]]:
    """``registry_summary`` rows: per family, registry statuses (the
    registry's (family, status) pairs) and the night's crawl."""
    statuses: dict[str, Counter] = {}
    for f, s in family_status:
        statuses.setdefault(f, Counter())[s] += 1
    crawled: dict[str, Counter] = {}
    for h in health:
        o = outcome_from_health(h)
        if o is None:
            continue
        kind = "failed" if not o.ok else ("live" if o.postings else "empty")
        crawled.setdefault(h["family"], Counter())[kind] += 1
    families = [f for f in (*REGISTRY_FAMILIES, *sorted(statuses)) if f in statuses or f in crawled]
    rows = []
    for f in dict.fromkeys(families):
        st, cr = statuses.get(f, Counter()), crawled.get(f, Counter())
        rows.append({
            "scraped_date": dt, "family": f, "has_adapter": f in ADAPTERS, "registered": sum(st.values()),
            "crawled": sum(cr.values()), "crawled_live": cr["live"], "crawled_empty": cr["empty"],
            "crawled_failed": cr["failed"], "live": st["live"], "empty": st["empty"], "failing": st["failing"],
            "dead": st["dead"], "moved": st["moved"], "new": st["new"],
        })
    return rows


def fold_night(lake: Lake, dt: date, health: list[dict[str, Any]]):
    """The registry after the night of ``dt`` and its summary, as pyarrow
    tables (``board_registry``, ``registry_summary``). Only company-board
    families enter the registry; aggregator feeds (``remoteok/all``) do not.

    Only the rows the night touched become Python objects: the registry is
    54,000 rows and a night crawls a few hundred to a few thousand boards,
    and turning all of it into lists and back cost more than the fold."""
    import pyarrow as pa

    from jobmarket.core.schema import BOARD_REGISTRY, REGISTRY_SUMMARY

    outcomes = [o for h in health if h["family"] in REGISTRY_FAMILIES and (o := outcome_from_health(h))]
    before = load_table(lake, dt)
    if before is None:  # the first night: the seed, already Python lists
        reg = load(lake, dt)
        fold(reg, outcomes, dt)
        after = reg.table()
    else:
        touched = {key(o.family, o.token) for o in outcomes}
        touched |= {key(o.family, o.moved_to) for o in outcomes if o.moved_to}
        fams, toks = before.column("family").to_pylist(), before.column("token").to_pylist()
        rows = [i for i, (f, t) in enumerate(zip(fams, toks, strict=True)) if key(f, t) in touched]
        part = Registry({c: before.column(c).take(rows).to_pylist() for c in before.column_names})
        fold(part, outcomes, dt)
        n = before.num_rows
        order = list(range(n))
        for j, i in enumerate(rows):
            order[i] = n + j  # the folded row replaces the stored one, in place
        order.extend(range(n + len(rows), n + len(part)))  # boards first seen tonight, at the end
        after = pa.concat_tables([before.cast(BOARD_REGISTRY.arrow_schema()), part.table()]).take(order)
    statuses = zip(after.column("family").to_pylist(), after.column("status").to_pylist(), strict=True)
    summary = pa.Table.from_pylist(summary_rows(statuses, health, dt), schema=REGISTRY_SUMMARY.arrow_schema())
    return after, summary
