"""The two sections that need statistics: what a title really means (the title
translator) and how long postings stay open (Kaplan-Meier).

Both follow the report's rules: archetypes only from postings whose description
was read, n beside every figure, nothing shown below ``min_n()``, and intervals
stated (Wilson score, 90%).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import jobmarket.report.charts as charts
from jobmarket.report.blocks import ARCHETYPES, _n, _order, _pct, chart, empty, fig, link, table
from jobmarket.report.stats import kaplan_meier, km_median, wilson


def families() -> list[str]:
    from jobmarket.tagger.title import FAMILY_NAMES

    return FAMILY_NAMES


def _expected(family: str) -> tuple[str, ...]:
    from jobmarket.tagger.title import family_archetypes

    return family_archetypes(family)


def _share(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"{100 * k / n:.0f}% [{100 * lo:.0f}-{100 * hi:.0f}]"


def translation_table(m, minimum: int) -> list[dict[str, Any]]:
    """Rows (family, archetype, k, n, share, lo, hi) of a family x archetype count frame
    (columns title_family, archetype, postings); families under ``minimum`` get no share."""
    out = []
    for fam, grp in m.groupby("title_family", sort=False):
        n = int(grp["postings"].sum())
        for _, r in grp.iterrows():
            k = int(r["postings"])
            lo, hi = wilson(k, n)
            ok = n >= minimum
            out.append({"title_family": fam, "archetype": r["archetype"], "postings": k, "n": n,
                        "share": k / n if ok else None, "ci90_low": lo if ok else None,
                        "ci90_high": hi if ok else None,
                        "matches_title": r["archetype"] in _expected(fam) if _expected(fam) else None})
    return out


def _evidence(raw: Any, archetype: str, k: int = 4) -> str:
    try:
        ev = json.loads(raw) if isinstance(raw, str) else {}
    except ValueError:
        return ""
    return "; ".join(str(p) for p in (ev.get(archetype) or [])[:k])


def translator(dt: date, f: dict[str, Any], minimum: int) -> dict:
    s = {"id": "titles", "title": "What a title really means",
         "intro": "Titles sorted into families by one rule (jobmarket.tagger.title.title_family, also behind the "
                  "tagger's title_mismatch flag), against the archetype judged from the description, for postings "
                  f"whose description was read. Shares carry 90% Wilson intervals [low-high]; a family with fewer "
                  f"than {minimum} read postings is greyed and gets no share.", "blocks": []}
    fams = f["title_families"]
    if len(fams):
        rows = [[r["title_family"], _n(r["open"]), f"{_n(r['body_read'])} ({_pct(r['body_read'], r['open'])})"]
                for _, r in fams.set_index("title_family").loc[_order(fams["title_family"], families())]
                .reset_index().iterrows()]
        s["blocks"].append(table(["title family", "open", "description read"], rows,
                                 f"Postings open on {dt} per title family, and how many of them were read.", {1, 2}))
    m = f["title_matrix"]
    if m.empty:
        s["blocks"].append(empty(f"No data: no posting open on {dt} with a title in a family had its description "
                                 "read, so no title can be translated."))
        return s
    rows_ = _order(m["title_family"], families())
    cols = _order(m["archetype"], ARCHETYPES)
    pivot = m.pivot_table(index="title_family", columns="archetype", values="postings", aggfunc="sum").reindex(
        index=rows_, columns=cols).fillna(0)
    n_row = pivot.sum(axis=1)
    share = pivot.div(n_row.where(n_row > 0, 1), axis=0) * 100
    small = [int(n_row[r]) < minimum for r in rows_]
    labels = [f"{r} (n={int(n_row[r])}{', too few' if sm else ''})" for r, sm in zip(rows_, small, strict=True)]
    tt = translation_table(m, minimum)
    s["blocks"].append(chart(
        charts.heatmap(labels, cols, share.values, "archetype judged from the description", "title family",
                       fmt="{:.0f}%", suppressed_rows=small),
        f"Postings open on {dt} whose description was read: share (%) of each title family (rows, n in the label) "
        f"by archetype (columns); {int(n_row.sum()):,} postings; grey rows have fewer than {minimum}.",
        fig("title_translator", tt, "Per title family and archetype: postings whose description was read (postings), "
            "the family's read postings (n), the share and its 90% Wilson interval (null below the minimum n); "
            "matches_title: the archetype is one the title family promises.", int(n_row.sum()))))
    rows, muted = [], set()
    for i, r in enumerate(rows_):
        n = int(n_row[r])
        cells = [(a, int(pivot.loc[r, a])) for a in cols if pivot.loc[r, a] > 0]
        cells.sort(key=lambda c: -c[1])
        if n < minimum:
            muted.add(i)
            text = ", ".join(f"{a} {k}" for a, k in cells)
        else:
            text = ", ".join(f"{a} {k} ({_share(k, n)})" for a, k in cells)
        exp = _expected(r)
        off = sum(k for a, k in cells if exp and a not in exp)
        rows.append([r, _n(n), text, (_share(off, n) if n >= minimum else f"{off} of {n}") if exp else "-"])
    s["blocks"].append(table(
        ["title family", "n (read)", "archetypes: postings (share [90% interval])", "not what the title says"], rows,
        f"Every family's read postings by archetype on {dt}; 'not what the title says' counts archetypes outside "
        f"the family's own (the tagger's title_mismatch); greyed: fewer than {minimum}, counts only.", {1}, muted))
    bc = f["title_by_company"]
    comp_rows = []
    for (fam, company), grp in bc.groupby(["title_family", "company"]):
        n = int(grp["postings"].sum())
        if n < minimum:
            continue
        cells = sorted(((a, int(k)) for a, k in zip(grp["archetype"], grp["postings"], strict=True)), key=lambda c: -c[1])
        comp_rows.append([fam, company, _n(n), ", ".join(f"{a} {k} ({_share(k, n)})" for a, k in cells)])
    if comp_rows:
        s["blocks"].append(table(["title family", "company", "n (read)", "archetypes: postings (share [90% interval])"],
                                 comp_rows, f"Per company, where a company has at least {minimum} read postings of "
                                            f"a family, on {dt}.", {2}))
    else:
        s["blocks"].append(empty(f"No company has {minimum} or more read postings in one title family on {dt}: "
                                 "no per-company translation."))
    ex = f["title_examples"]
    ex_rows = [[r["title_family"], r["archetype"], r["company"], link(r["title"], r["url"]),
                _evidence(r["evidence_json"], r["archetype"])] for _, r in ex.iterrows()]
    s["blocks"].append(table(["title family", "archetype (description)", "company", "example posting",
                              "evidence phrases"], ex_rows,
                             f"Up to two example postings per cell (highest tagger confidence), open on {dt}, with the "
                             "phrases of the description behind the archetype."))
    un = f["title_unread_examples"]
    if len(un):
        s["blocks"].append(table(["title family", "company", "posting (description not read)"],
                                 [[r["title_family"], r["company"], link(r["title"], r["url"])] for _, r in un.iterrows()],
                                 f"Not in the figures above: up to two postings per family open on {dt} that were "
                                 "tagged from their title alone (no description to read)."))
    return s


# -- time on market -------------------------------------------------------------------

def survival_inputs(lc, as_of: date):
    """(exit, event, entry) in days since posting, and how many postings were left out.

    Time zero is the board's own publication date (``posted_on``) when it has one, else the
    first crawl that saw the posting when that crawl was not the board's first (we saw it
    appear). A posting already open at its board's first crawl without a publication date has
    no known start: left out. It enters the risk set on the day we first saw it (late entry),
    and leaves it on ``closed_on`` (closed) or on its last sighting (still open, or missed but
    not yet confirmed closed: censored).
    """
    exit_, event, entry, dropped = [], [], [], 0
    for r in lc.itertuples(index=False):
        first = r.first_seen
        posted = r.posted_on if isinstance(r.posted_on, date) else None
        if posted is None:
            if r.left_censored:
                dropped += 1
                continue
            posted = first
        posted = min(posted, first)
        closed = isinstance(r.closed_on, date) and not r.is_open
        end = r.closed_on if closed else r.last_seen
        exit_.append(float((end - posted).days))
        event.append(bool(closed))
        entry.append(float((first - posted).days))
    return exit_, event, entry, dropped


def time_on_market(dt: date, f: dict[str, Any], minimum: int) -> dict:
    s = {"id": "time", "title": "How long postings stay open",
         "intro": "Kaplan-Meier estimate of the share of postings still open by days since posting (the board's "
                  "publication date), counting each posting only from the day we first saw it (postings already "
                  "open at the first crawl enter late) and censoring those still open or not yet confirmed closed. "
                  f"A curve stops where fewer than {minimum} postings are at risk.", "blocks": []}
    lc = f["lifecycle"]
    if lc.empty:
        s["blocks"].append(empty(f"No data: posting_lifecycle has no partition for {dt}."))
        return s
    seen = int(lc["seen_on_as_of"].sum())
    missed = int((lc["is_open"] & ~lc["seen_on_as_of"]).sum())
    closed = int((~lc["is_open"]).sum())
    s["blocks"].append(table(["postings known", "open (seen on this crawl)", "missed on this crawl, not yet closed",
                              "closed"], [[_n(len(lc)), _n(seen), _n(missed), _n(closed)]],
                             f"Every posting known on {dt}. Only the first count is called open in this report; "
                             "a posting missed once is not yet closed, and is censored at its last sighting.",
                             {0, 1, 2, 3}))
    groups: dict[str, Any] = {"all postings": lc}
    for fam in _order(lc["title_family"], families()):
        if fam != "Other":
            groups[fam] = lc[lc["title_family"] == fam]
    curves, rows, recs = {}, [], []
    for name, sub in groups.items():
        exit_, event, entry, dropped = survival_inputs(sub, dt)
        curve = [c for c in kaplan_meier(exit_, event, entry) if c["at_risk"] >= minimum]
        med = km_median(curve)
        n, events = len(exit_), sum(event)
        if n < minimum:
            rows.append([name, _n(n), _n(events), _n(dropped), "-", "too few"])
            continue
        if curve:
            curves[f"{name} (n={n})"] = ([c["t"] for c in curve], [c["survival"] for c in curve])
        at = {h: next((c["survival"] for c in reversed(curve) if c["t"] <= h), None) for h in (30, 60, 90)}
        rows.append([name, _n(n), _n(events), _n(dropped),
                     f"{med:.0f}" if med is not None else (f"> {curve[-1]['t']:.0f}" if curve else
                                                           "no closing yet" if not events else "too few at risk"),
                     ", ".join(f"{h}d {100 * v:.0f}%" for h, v in at.items() if v is not None) or "-"])
        recs += [{"group": name, "n": n, **c} for c in curve]
    if curves:
        s["blocks"].append(chart(
            charts.km_curves(dict(list(curves.items())[:7]), "days since posted"),
            f"Share of postings still open by days since posting, as known on {dt}; all postings and the largest "
            "title families (n in the legend).",
            fig("time_to_close", recs, "Kaplan-Meier survival (still open) by days since posting, per group: t, "
                "postings at risk, closings at t and the survival after them; rows only where at_risk >= the "
                "minimum n.", len(lc))))
    else:
        s["blocks"].append(empty(f"No closing observed on {dt} with {minimum} or more postings at risk: no curve yet."))
    s["blocks"].append(table(["group", "n", "closed", "left out (no start date)", "median days open (KM)",
                              "still open after"], rows,
                             f"Kaplan-Meier per group, as known on {dt}; '> x': still above 50% at day x, the last "
                             f"closing with at least {minimum} postings at risk.",
                             {1, 2, 3, 4}))
    return s
