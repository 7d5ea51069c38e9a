"""From the query results to the report's sections: charts, tables, captions.

Every figure gets a caption saying what it counts and over which dates. A
section without data says so instead of drawing an empty chart. Table cells
are plain values (escaped by the template) or ``{"text", "href"}`` links whose
href is kept only when it is http(s).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import jobmarket.report.charts as charts
from jobmarket.report.blocks import (
    ARCHETYPES,
    ARRANGEMENTS,
    _n,
    _order,
    _pct,
    _span,
    chart,
    empty,
    fig,
    link,
    table,
)
from jobmarket.report.market import time_on_market, translator
from jobmarket.report.pay import salary


def build_sections(dt: date, f: dict[str, Any]) -> dict[str, Any]:
    from jobmarket.report.stats import min_n

    minimum = min_n()
    dates = sorted(f["flow"]["dt"].tolist()) if len(f["flow"]) else [dt]
    span = _span(dates)
    head = f["headline"].iloc[0].to_dict() if len(f["headline"]) else None
    cov_today = f["coverage"][f["coverage"]["dt"] == dt] if len(f["coverage"]) else f["coverage"]
    rd = f["reading"]
    read, total = int(rd["body_read"].sum()), int(rd["open"].sum())
    stats = []
    if len(cov_today):
        row = cov_today.iloc[0]
        stats += [("boards crawled", f"{_n(row['boards_crawled'])} of {_n(row['boards'])}"),
                  ("sources", _n(row["sources"]))]
    stats += [("open postings (seen on this crawl)", _n(total)),
              ("bodies read (archetype from the description)", f"{_n(read)} ({_pct(read, total)})"),
              ("tagged from the title only", f"{_n(total - read)} ({_pct(total - read, total)})")]
    if head:
        stats += [("new", _n(head["new"])), ("closed", _n(head["closed"])),
                  ("open, copies of one ad merged (same company, title and place)", _n(head["open_unique"]))]
    stats.append(("history", f"{len(set(dates))} crawl date{'s' if len(set(dates)) != 1 else ''}"))
    return {
        "dt": str(dt),
        "span": span,
        "stats": stats,
        "min_n": minimum,
        "sections": [
            _reading(dt, f, span, minimum),
            _changes(dt, f),
            _mix(dt, f, span, minimum),
            translator(dt, f, minimum),
            _skills(dt, f, minimum),
            salary(dt, f, minimum),
            _arrangement(dt, f, minimum),
            _flow(dt, f, span),
            time_on_market(dt, f, minimum),
            _health(dt, f, span),
        ],
    }


def _reading(dt, f, span, minimum) -> dict:
    s = {"id": "reading", "title": "What was crawled and what was read",
         "intro": "Only a posting whose description was read has an archetype judged from its work; the rest "
                  "were tagged from their title and count in no figure about archetypes below. Every share and "
                  f"quantile in this report needs at least {minimum} postings (JOBMARKET_MIN_N); smaller cells "
                  "are greyed or left out, and n is printed beside every figure.", "blocks": []}
    rd = f["reading"]
    if rd.empty:
        s["blocks"].append(empty(f"No data: no posting open on {dt}."))
        return s
    total, read = int(rd["open"].sum()), int(rd["body_read"].sum())
    only, fallback = int(rd["title_only"].sum()), int(rd["title_fallback"].sum())
    if total and read / total < 0.5:
        s["blocks"].append({"kind": "warning", "text": (
            f"Only {read:,} of {total:,} open postings ({_pct(read, total)}) had a description that was read. "
            f"{only:,} came without one (e.g. Greenhouse list responses) and {fallback:,} had one that said "
            "nothing about the role: their archetype is a guess from the title. Figures about archetypes rest on "
            f"the {read:,} read postings only.")})
    st = f["source_status"].set_index("source") if len(f["source_status"]) else None
    rows, recs = [], []
    for _, r in rd.iterrows():
        crawled = "-" if st is None or r["source"] not in st.index else (
            f"{_n(st.loc[r['source'], 'ok'] + st.loc[r['source'], 'empty'])} of {_n(st.loc[r['source'], 'boards'])}")
        rows.append([r["source"], crawled, _n(r["open"]), f"{_n(r['body_read'])} ({_pct(r['body_read'], r['open'])})",
                     _n(r["title_only"]), _n(r["title_fallback"])])
        recs.append({k: r[k] for k in ("source", "boards", "open", "body_read", "title_only", "title_fallback")})
    rows.append(["all", "", _n(total), f"{_n(read)} ({_pct(read, total)})", _n(only), _n(fallback)])
    sources = rd["source"].tolist()
    s["blocks"].append(chart(
        charts.stacked_share(sources, {
            "body read": [100 * b / o if o else 0 for b, o in zip(rd["body_read"], rd["open"], strict=True)],
            "title only (no description)": [100 * b / o if o else 0 for b, o in zip(rd["title_only"], rd["open"],
                                                                                     strict=True)],
            "title (description silent)": [100 * b / o if o else 0 for b, o in zip(rd["title_fallback"], rd["open"],
                                                                                    strict=True)],
        }, "% of open postings"),
        f"What the archetype of each posting open on {dt} was judged from, by source (n = open postings: "
        + ", ".join(f"{a} {_n(o)}" for a, o in zip(rd["source"], rd["open"], strict=True)) + ").",
        fig("reading", recs, "Postings open (seen on the crawl of the date) by source, and what their archetype "
            "was judged from: body_read (the description), title_only (no description), title_fallback "
            "(a description without evidence of the role).", total)))
    s["blocks"].append(table(["source", "boards crawled", "open", "description read", "title only (no description)",
                              "title (description silent)"], rows,
                             f"Sources on {dt}: boards crawled successfully, postings open and what was read.",
                             {2, 3, 4, 5}))
    tr = f["reading_trend"]
    if tr["dt"].nunique() >= 2:
        s["blocks"].append(chart(
            charts.lines([str(d) for d in tr["dt"]], {"open": tr["open"].tolist(), "body read": tr["body_read"].tolist()},
                         "postings"),
            f"Open postings and those whose description was read, per crawl date, {span}; on {dt} "
            f"n = {_n(total)} open, {_n(read)} read.",
            fig("reading_trend", tr, "Per crawl date: postings open and postings whose description was read.",
                total)))
    return s


def _changes(dt, f) -> dict:
    s = {"id": "changes", "title": "What changed since the last report",
         "intro": "Against the previous crawl date: postings new and closed, roles renamed (same posting, new "
                  "title), postings whose archetype changed, and how the read postings' mix moved.", "blocks": []}
    head = f["headline"]
    ch = f["changes"]
    trend = f["archetype_trend"]
    prev_dates = sorted(d for d in trend["dt"].unique() if d < dt) if len(trend) else []
    flow = f["flow"]
    prev_flow = flow[flow["dt"] < dt]
    if prev_flow.empty:
        s["blocks"].append(empty(f"No earlier crawl date: {dt} is the first report."))
        return s
    prev = prev_flow["dt"].max()
    renamed = ch[ch["title_before"] != ch["title_now"]]
    shifted = ch[(ch["archetype_before"] != ch["archetype_now"])]
    h = head.iloc[0] if len(head) else None
    rows = [["new postings (first seen)", _n(h["new"]) if h is not None else "-"],
            ["closed (closure confirmed)", _n(h["closed"]) if h is not None else "-"],
            ["renamed (same posting, new title)", _n(len(renamed))],
            ["archetype changed (same posting)", _n(len(shifted))]]
    s["blocks"].append(table(["since " + str(prev), "postings"], rows, f"Changes from {prev} to {dt}.", {1}))
    if prev_dates:
        p = trend[trend["dt"] == max(prev_dates)].set_index("archetype")["open"]
        now = trend[trend["dt"] == dt].set_index("archetype")["open"]
        archs = _order(list(p.index) + list(now.index), ARCHETYPES)
        rows = [[a, _n(p.get(a, 0)), _n(now.get(a, 0)), f"{int(now.get(a, 0)) - int(p.get(a, 0)):+,}"] for a in archs]
        s["blocks"].append(table(["archetype (description read)", str(max(prev_dates)), str(dt), "change"], rows,
                                 "Open postings whose description was read, by archetype, on both dates.",
                                 {1, 2, 3}))
    if len(ch):
        # one line per change: a company's copies of one ad (several cities) are renamed together
        ch = ch.assign(change=[f"{a} → {b}" if a != b else b for a, b in
                               zip(ch["archetype_before"], ch["archetype_now"], strict=True)])
        grouped = (ch.groupby(["company", "title_before", "title_now", "change"], sort=True, dropna=False)
                   .agg(postings=("posting_id", "size"), url=("url", "first")).reset_index())
        rows = [[r["company"], r["title_before"], link(r["title_now"], r["url"]), r["change"], _n(r["postings"])]
                for _, r in grouped.head(25).iterrows()]
        s["blocks"].append(table(["company", f"title on {prev}", f"title on {dt}", "archetype", "postings"], rows,
                                 f"Renamed or re-tagged postings, copies of one ad on one line (first 25 of "
                                 f"{len(grouped):,} changes, {len(ch):,} postings).", {4}))
    return s


def _mix(dt, f, span, minimum) -> dict:
    s = {"id": "mix", "title": "Archetype mix of postings whose description was read",
         "intro": "Each posting's role archetype as judged from its description; postings tagged from their "
                  "title alone are counted apart (last column) and nowhere else.", "blocks": []}
    mix = f["archetype_mix"]
    if mix.empty or mix["open"].sum() == 0:
        s["blocks"].append(empty(f"No data: no posting open on {dt} had a description that was read "
                                 f"({int(mix['from_title'].sum()) if len(mix) else 0:,} were tagged from titles)."))
        return s
    order = _order(mix["archetype"], ARCHETYPES)
    mix = mix.set_index("archetype").loc[order]
    total = int(mix["open"].sum())
    small = total < minimum
    s["blocks"].append(chart(
        charts.hbar(order, mix["open"].tolist(), "open postings, description read",
                    notes=[f"{100 * v / total:.0f}%" if not small else "" for v in mix["open"]]),
        f"Open postings on {dt} whose description was read, by archetype; n = {total:,}"
        + (f" (below {minimum}: shares not shown)." if small else "."),
        fig("archetype_mix", mix.reset_index(), "Open postings by archetype, description read (open); new = first "
            "seen on the date; from_title = open postings of the archetype tagged from their title (not read).",
            total)))
    rows = [[a, _n(r["open"]), _pct(r["open"], total) if not small else "-", _n(r["new"]), _n(r["from_title"])]
            for a, r in mix.iterrows()]
    s["blocks"].append(table(["archetype", "open (read)", "share", "new (read)", "tagged from title (not read)"],
                             rows, f"Postings open on {dt}; n = {total:,} read.", {1, 2, 3, 4}))
    trend = f["archetype_trend"]
    data = trend[trend["archetype"] != "other"]
    if data["dt"].nunique() >= 2:
        pivot = data.pivot_table(index="dt", columns="archetype", values="open", aggfunc="sum").fillna(0)
        series = {a: pivot[a].tolist() for a in _order(pivot.columns, ARCHETYPES)}
        s["blocks"].append(chart(
            charts.lines([str(d) for d in pivot.index], series, "open postings, description read"),
            f"Open postings whose description was read, per archetype and crawl date, {span}; 'other' left out; "
            f"n = {total:,} on {dt}.",
            fig("archetype_trend", trend, "Per crawl date and archetype: open postings whose description was read.",
                total)))
    else:
        s["blocks"].append(empty(f"No trend yet: the lake holds one crawl date ({span})."))
    return s


def _skills(dt, f, minimum) -> dict:
    s = {"id": "skills", "title": "Skills by archetype",
         "intro": "Skills are found in descriptions, so only postings whose description was read count here; an "
                  f"archetype with fewer than {minimum} of them is greyed.", "blocks": []}
    top = f["top_skills"]
    if top.empty:
        s["blocks"].append(empty(
            f"No data: no posting open on {dt} has a description with a known skill (e.g. Greenhouse list "
            "responses carry no description)."))
    else:
        archs = _order(top["archetype"], ARCHETYPES)
        n_of = top.groupby("archetype")["described"].first()
        skills = top.groupby("skill")["postings"].sum().sort_values(ascending=False).index[:15].tolist()
        pivot = top.pivot_table(index="skill", columns="archetype", values="pct_of_described",
                                aggfunc="max").reindex(index=skills, columns=archs)
        small = [int(n_of[a]) < minimum for a in archs]
        keep = [a for a, sm in zip(archs, small, strict=True) if not sm]
        if keep:
            s["blocks"].append(chart(
                charts.heatmap(skills, [f"{a} (n={int(n_of[a])})" for a in keep], pivot[keep].fillna(0).values,
                               "archetype (n = postings read)", "skill", fmt="{:.0f}%"),
                f"Share (%) of open postings on {dt} whose description was read that mention each skill, by "
                f"archetype (each archetype's top 8; blank: not in its top 8); archetypes with n < {minimum} "
                "left out.",
                fig("top_skills", top, "Per archetype: postings read (described), postings mentioning the skill "
                    "and their share; top 8 skills per archetype.", int(n_of.sum()))))
        rows, muted = [], set()
        for i, a in enumerate(archs):
            sub = top[top["archetype"] == a]
            described = int(sub["described"].iloc[0])
            if described < minimum:
                muted.add(i)
            rows.append([a, _n(described), ", ".join(
                f"{r['skill']} ({r['postings']}" + ("" if described < minimum else f", {r['pct_of_described']:.0f}%")
                + ")" for _, r in sub.iterrows())])
        s["blocks"].append(table(["archetype", "n (description read)", "top skills (postings, share)"], rows,
                                 f"Top skills per archetype among postings open on {dt}; greyed rows have fewer "
                                 f"than {minimum} postings (counts only, no share).", {1}, muted))
    trend = f["skill_trend"]
    if trend.empty:
        s["blocks"].append(empty(
            "No data for rising and falling skills: needs postings with descriptions on the first crawl date "
            f"and on {dt}, and a skill mentioned by at least 3 of them."))
    else:
        import pandas as pd

        first, last = trend["first_dt"].iloc[0], trend["last_dt"].iloc[0]
        rising = trend[trend["change_pp"] > 0].head(8)
        falling = trend[trend["change_pp"] < 0].sort_values("change_pp").head(8)
        moved = pd.concat([rising, falling.iloc[::-1]])
        if moved.empty:
            s["blocks"].append(empty(f"No skill's share moved between {first} and {last}."))
            return s
        s["blocks"].append(chart(
            charts.diverging(moved["skill"].tolist(), moved["change_pp"].tolist(), "change, percentage points"),
            f"Skills rising and falling: change in the share of open postings with a description that mention "
            f"the skill, {first} to {last} (skills mentioned by at least 3 postings on either date).",
            fig("skill_trend", moved, "Per skill: postings mentioning it and their share of described postings "
                "on the first and last date, and the change in percentage points.")))
        rows = [[r["skill"], _n(r["postings_first"]), f"{r['pct_first']:.1f}%", _n(r["postings_last"]),
                 f"{r['pct_last']:.1f}%", f"{r['change_pp']:+.1f}"] for _, r in moved.iterrows()]
        s["blocks"].append(table(["skill", f"postings {first}", "share", f"postings {last}", "share", "change (pp)"],
                                 rows, f"The same skills with their counts on {first} and {last}.", {1, 2, 3, 4, 5}))
    return s


def _arrangement(dt, f, minimum) -> dict:
    s = {"id": "arrangement", "title": "Remote, hybrid, onsite; who is hiring",
         "intro": "Work arrangement is the board's own flag when it has one, else inferred from the location "
                  "text; unknown when neither says. Postings whose description was read only.", "blocks": []}
    wa = f["work_arrangement"]
    if wa.empty:
        s["blocks"].append(empty(f"No data: no posting open on {dt} had a description that was read."))
        return s
    archs = _order(wa["archetype"], ARCHETYPES)
    n_of = wa.groupby("archetype")["postings"].sum()
    keep = [a for a in archs if n_of[a] >= minimum]
    pivot = wa.pivot_table(index="archetype", columns="work_arrangement", values="pct", aggfunc="sum").reindex(
        index=archs).fillna(0)
    segs_all = _order(pivot.columns, ARRANGEMENTS)
    if keep:
        segs = {k: pivot.loc[keep, k].tolist() for k in segs_all}
        s["blocks"].append(chart(
            charts.stacked_share([f"{a} (n={int(n_of[a])})" for a in keep], segs, "% of open postings"),
            f"Work arrangement of postings open on {dt} (observations.work_arrangement), % per archetype; "
            f"archetypes with n < {minimum} left out.",
            fig("work_arrangement", wa, "Per archetype (description read) and work arrangement: open postings "
                "and their share of the archetype.", int(n_of.sum()))))
    counts = wa.pivot_table(index="archetype", columns="work_arrangement", values="postings", aggfunc="sum").reindex(
        index=archs, columns=segs_all).fillna(0)
    rows = [[a, _n(n_of[a]), *[f"{_n(counts.loc[a, k])}" + (f" ({pivot.loc[a, k]:.0f}%)" if n_of[a] >= minimum
                                                            else "") for k in segs_all]] for a in archs]
    muted = {i for i, a in enumerate(archs) if n_of[a] < minimum}
    s["blocks"].append(table(["archetype", "n", *segs_all], rows,
                             f"Open postings by work arrangement on {dt}; greyed rows have fewer than {minimum}.",
                             set(range(1, len(segs_all) + 2)), muted))
    comp = f["top_companies"]
    rows = [[a, ", ".join(f"{r['company']} ({r['postings']})" for _, r in comp[comp["archetype"] == a].iterrows())]
            for a in _order(comp["archetype"], ARCHETYPES)]
    s["blocks"].append(table(["archetype", "top hiring companies (open postings, description read)"], rows,
                             f"The five companies with the most postings open on {dt}, per archetype."))
    return s


def _flow(dt, f, span) -> dict:
    s = {"id": "flow", "title": "New, open and closed postings",
         "intro": "Open means seen on its board's crawl of the date, everywhere in this report. A posting is "
                  "closed once it is absent from consecutive successful crawls of its board (failed crawls are "
                  "not absences).", "blocks": []}
    fl = f["flow"]
    if fl.empty:
        s["blocks"].append(empty("No data: market_daily is empty."))
    else:
        s["blocks"].append(chart(
            charts.flow([str(d) for d in fl["dt"]], fl["open"].tolist(), fl["new"].tolist(), fl["closed"].tolist()),
            f"Postings open (top), first seen (new) and confirmed closed (bottom) on each crawl date, {span} "
            "(market_daily, dimension all); on a board's first crawl every posting counts as new; "
            f"n = {int(fl['open'].iloc[-1]):,} open on {dt}.",
            fig("flow", fl, "Per crawl date: postings open (seen on the crawl), first seen and confirmed closed.",
                int(fl["open"].iloc[-1]))))
    return s


def _health(dt, f, span) -> dict:
    s = {"id": "health", "title": "Coverage and data health",
         "intro": "What was crawled, what failed, what was read and what validation held back.", "blocks": []}
    cov, q = f["coverage"], f["quality_trend"]
    rd = f["reading"]
    total, read = int(rd["open"].sum()), int(rd["body_read"].sum())
    if total:
        status = "warning" if read / total < 0.5 else "ok"
        s["blocks"].append({"kind": status, "text": (
            f"Descriptions read: {read:,} of {total:,} open postings ({_pct(read, total)}); "
            f"{total - read:,} tagged from their title only.")})
    if cov.empty and q.empty:
        s["blocks"].append(empty("No data: source_health and validation tables are empty."))
        return s
    merged = q.merge(cov, on="dt", how="left").fillna(0) if len(q) else cov.assign(
        quarantined=0, expectations_failed=0, gates_warn=0, gates_fail=0)
    s["blocks"].append(chart(
        charts.small_multiples([str(d) for d in merged["dt"]], {
            "boards crawled": merged["boards_crawled"].tolist(),
            "boards failed": merged["boards_failed"].tolist(),
            "rows quarantined": merged["quarantined"].tolist(),
            "expectations failed (whole batch)": merged["expectations_failed"].tolist(),
            "quality gates warn + fail": (merged["gates_warn"] + merged["gates_fail"]).tolist(),
        }),
        f"Per crawl date, {span}: boards crawled successfully and failed (source_health), rows quarantined "
        "(quarantine), Great Expectations expectations failed over the whole batch (validation_runs) and "
        "quality gates that warned or failed (gate_results).",
        fig("health", merged, "Per crawl date: boards crawled and failed, rows quarantined, expectations failed "
            "over the whole batch and quality gates that warned or failed.")))
    st = f["source_status"]
    if st.empty:
        s["blocks"].append(empty(f"No data: source_health has no rows for {dt}."))
    else:
        rows = [[r["source"], _n(r["boards"]), _n(r["ok"]), _n(r["empty"]), _n(r["failed"]), _n(r["other"]),
                 _n(r["open_postings"])] for _, r in st.iterrows()]
        s["blocks"].append(table(["source", "boards", "ok", "empty", "failed", "other status", "open postings"],
                                 rows, f"Sources and boards tracked on {dt}, by crawl outcome, with the postings "
                                       "open from each.", {1, 2, 3, 4, 5, 6}))
    fails = f["failures"]
    if fails.empty:
        s["blocks"].append(empty(f"No failed board crawl {span}."))
    else:
        rows = [[str(r["dt"]), r["source"], r["board"], r["http_status"] or "", r["error"] or ""]
                for _, r in fails.iterrows()]
        s["blocks"].append(table(["date", "source", "board", "HTTP", "error"], rows,
                                 f"Failed board crawls, newest first (at most 25), {span}."))
    reasons = f["quarantine_reasons"]
    if reasons.empty:
        s["blocks"].append(empty(f"No row quarantined {span}."))
    else:
        rows = [[r["expectation"], _n(r["rows_quarantined"])] for _, r in reasons.iterrows()]
        s["blocks"].append(table(["failed expectation", "rows"], rows,
                                 f"Why rows were quarantined, {span} (a row can fail several).", {1}))
    if len(q):
        rows = [[str(r["dt"]), _n(r["quarantined"]), _n(r["expectations"]), _n(r["expectations_failed"]),
                 _n(r["gates_warn"]), _n(r["gates_fail"]), _n(r["held_back_rows"])] for _, r in q.iterrows()]
        s["blocks"].append(table(["date", "rows quarantined", "expectations", "failed", "gates warn", "gates fail",
                                  "rows held back"], rows, f"Data-quality trend, {span}.", {1, 2, 3, 4, 5, 6}))
    return s
