"""``jobmarket boards``: import, probe, list and summarize the board registry.

    jobmarket boards import [FILE ...] [--seed] [--family F] [--tag T] [--probe [--keep-live]] [--date D]
    jobmarket boards probe [--family F] [--status new,...] [--token T ...] [--limit N] [--date D]
    jobmarket boards list [--family F] [--status S] [--limit N] [--date D]
    jobmarket boards summary [--date D] [--json]
    jobmarket boards resolve URL ...

Every write makes the registry version of ``--date`` (default: today, UTC)
from the latest version on or before it.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path


def add_parser(sub, dated_date, settings_of, sources_of) -> None:
    p = sub.add_parser("boards", help="the board registry: import, probe, list, summary")
    bsub = p.add_subparsers(dest="boards_command", required=True)

    def common(sp):
        sp.add_argument("--date", type=dated_date, help="registry version date YYYY-MM-DD (default: today, UTC)")
        sp.add_argument("--lake", help="lake root (default $JOBMARKET_LAKE or ./data)")
        sp.add_argument("--sources", help="sources file: per-family endpoints and politeness for probes")
        sp.set_defaults(settings_of=settings_of, sources_of=sources_of)
        return sp

    sp = common(bsub.add_parser("import", help="add boards from CSV files or lists of careers URLs"))
    sp.add_argument("files", nargs="*", help="CSV (name,slug,url | name,url | family,token,...) or one URL a line")
    sp.add_argument("--seed", action="store_true", help="the bundled tenant lists (include/config/registry)")
    sp.add_argument("--family", help="family of every row (default: from the file name or each URL)")
    sp.add_argument("--tag", action="append", default=[], help="tag the imported boards (repeatable)")
    sp.add_argument("--probe", action="store_true", help="probe the boards this import added")
    sp.add_argument("--keep-live", action="store_true", help="with --probe: keep only boards that answered with a job")
    sp.set_defaults(func=cmd_import)

    sp = common(bsub.add_parser("probe", help="fetch boards politely and record live/empty/dead/moved"))
    sp.add_argument("--family", action="append", help="only this family (repeatable)")
    sp.add_argument("--status", default="new,failing", help="comma-separated statuses to probe (default new,failing)")
    sp.add_argument("--token", action="append", help="only this token (repeatable)")
    sp.add_argument("--limit", type=int, default=0, help="at most N boards (0: all selected)")
    sp.set_defaults(func=cmd_probe)

    sp = common(bsub.add_parser("list", help="boards as TSV: family, token, status, company, ..."))
    sp.add_argument("--family", action="append")
    sp.add_argument("--status", help="comma-separated statuses")
    sp.add_argument("--limit", type=int, default=0)
    sp.set_defaults(func=cmd_list)

    sp = common(bsub.add_parser("summary", help="boards per family and status"))
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_summary)

    sp = bsub.add_parser("resolve", help="careers URLs to family and token")
    sp.add_argument("urls", nargs="+")
    sp.set_defaults(func=cmd_resolve)


def _when(args) -> date:
    from jobmarket.core.runctx import today

    return args.date or today()


def _lake(args):
    from jobmarket.core.lake import Lake

    return Lake(args.settings_of(args).lake)


def cmd_import(args) -> int:
    from jobmarket.boards.registry import SEED_DIR, load, read_list, save, version_for

    dt, lake = _when(args), _lake(args)
    base = version_for(lake, dt)
    reg = load(lake, dt)
    files = [*(sorted(SEED_DIR.glob("*.csv")) if args.seed else []), *map(Path, args.files)]
    if not files:
        print("error: nothing to import (give FILEs or --seed)", file=sys.stderr)
        return 2
    added: list[tuple[str, str]] = []
    per_family: Counter = Counter()
    for path in files:
        found_by = f"seed:{path.name}" if args.seed and path.parent == SEED_DIR else f"import:{path.name}"
        rep = read_list(path, found_by=found_by, found_on=dt, family=args.family, tags=args.tag)
        for row in rep.rows:
            _, new = reg.add(row)
            if new:
                added.append((row["family"], row["token"]))
                per_family[row["family"]] += 1
        print(f"{path}: {rep.read} rows read, {len(rep.rows)} boards, {rep.folded} duplicate spellings folded, "
              f"{len(rep.unresolved)} unresolved", file=sys.stderr)
        for u in rep.unresolved[:5]:
            print(f"  ? {u}", file=sys.stderr)
    if args.probe and added:
        dropped = _probe_and_fold(args, reg, added, dt, keep_live=args.keep_live)
        for k in dropped:
            per_family[k[0]] -= 1
    save(lake, dt, reg)
    # "added" counts boards new to the base version (with no version in the
    # lake yet, the base is the bundled seed: importing it again adds nothing).
    print(json.dumps({"date": str(dt), "base": str(base) if base else "bundled seed",
                      "added": dict(sorted(per_family.items())), "registry_boards": len(reg),
                      "boards_per_family": dict(sorted(Counter(reg.cols["family"]).items()))}))
    return 0


def _probe_and_fold(args, reg, boards, dt, keep_live=False) -> list[tuple[str, str]]:
    from jobmarket.boards.crawl import fold
    from jobmarket.boards.probe import probe

    outcomes, skipped = probe(boards, args.sources_of(args))
    fold(reg, outcomes, dt, found_by="probe")
    for s in skipped:
        i = reg.index.get((s.family, s.token.lower()))
        if i is not None:
            reg.set(i, note=s.reason)
    counts = Counter(("moved" if o.moved_to else "live" if o.ok and o.postings else "empty" if o.ok else
                      f"failed:{o.http}") for o in outcomes)
    print(f"probed {len(outcomes)}: {dict(sorted(counts.items()))}; skipped {len(skipped)} "
          f"(families without an adapter: {sorted({s.family for s in skipped})})", file=sys.stderr)
    dropped = []
    if keep_live:
        # "keep a board only if it answers with at least one job"
        dropped = [(o.family, o.token) for o in outcomes if not (o.ok and o.postings and not o.moved_to)]
        dropped += [(s.family, s.token) for s in skipped]
        _drop(reg, dropped)
    return dropped


def _drop(reg, boards) -> None:
    from jobmarket.boards.registry import Registry, key

    gone = {key(f, t) for f, t in boards}
    keep = [i for i in range(len(reg)) if (reg.cols["family"][i], reg.cols["token"][i].lower()) not in gone]
    new = Registry({c: [v[i] for i in keep] for c, v in reg.cols.items()})
    reg.cols, reg.index = new.cols, new.index


def cmd_probe(args) -> int:
    from jobmarket.boards.registry import load, save

    dt, lake = _when(args), _lake(args)
    reg = load(lake, dt)
    statuses = set(filter(None, args.status.split(",")))
    tokens = {t.lower() for t in args.token or []}
    c = reg.cols
    boards = [(c["family"][i], c["token"][i]) for i in range(len(reg))
              if (not args.family or c["family"][i] in args.family)
              and (c["status"][i] in statuses or tokens)
              and (not tokens or c["token"][i].lower() in tokens)]
    if args.limit:
        boards = boards[: args.limit]
    _probe_and_fold(args, reg, boards, dt)
    save(lake, dt, reg)
    return cmd_summary(args)


def cmd_list(args) -> int:
    from jobmarket.boards.registry import COLUMNS, load

    reg = load(_lake(args), _when(args))
    statuses = set(filter(None, (args.status or "").split(",")))
    cols = ["family", "token", "status", "company", "careers_url", "last_probe", "postings_last_seen", "note"]
    print("\t".join(cols))
    n = 0
    for i in range(len(reg)):
        if args.family and reg.cols["family"][i] not in args.family:
            continue
        if statuses and reg.cols["status"][i] not in statuses:
            continue
        row = {c: reg.cols[c][i] for c in COLUMNS}
        print("\t".join("" if row[c] is None else str(row[c]) for c in cols))
        n += 1
        if args.limit and n >= args.limit:
            break
    return 0


def cmd_summary(args) -> int:
    from jobmarket.boards.crawl import summary_rows
    from jobmarket.boards.registry import load, version_for

    dt, lake = _when(args), _lake(args)
    reg = load(lake, dt)
    rows = summary_rows(zip(reg.cols["family"], reg.cols["status"], strict=True), [], dt)
    if getattr(args, "json", False):
        print(json.dumps(rows, default=str, indent=1))
        return 0
    v = version_for(lake, dt)
    print(f"board registry as of {dt} (version {v or 'bundled seed, not yet in the lake'}): {len(reg):,} boards")
    head = ("family", "adapter", "boards", "new", "live", "empty", "failing", "dead", "moved")
    print("  ".join(f"{h:>15s}" if i == 0 else f"{h:>7s}" for i, h in enumerate(head)))
    total: Counter = Counter()
    for r in rows:
        vals = [r["registered"], r["new"], r["live"], r["empty"], r["failing"], r["dead"], r["moved"]]
        total.update(dict(zip(head[2:], vals, strict=True)))
        print(f"{r['family']:>15s}  {'yes' if r['has_adapter'] else 'not yet':>7s}  "
              + "  ".join(f"{x:>7,d}" for x in vals))
    print(f"{'total':>15s}  {'':>7s}  " + "  ".join(f"{total[h]:>7,d}" for h in head[2:]))
    return 0


def cmd_resolve(args) -> int:
    from jobmarket.sources.boardurls import UnresolvedURL, resolve

    rc = 0
    for url in args.urls:
        try:
            ref = resolve(url)
            print(f"{ref.family}\t{ref.token}\t{ref.careers_url}")
        except UnresolvedURL as exc:
            print(f"error: {exc}", file=sys.stderr)
            rc = 1
    return rc
