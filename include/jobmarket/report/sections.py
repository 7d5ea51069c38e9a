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

ARCHETYPES = ["data_engineer", "analytics", "applied_ml", "ml_engineer", "research", "ai_engineer", "other"]
TITLE_BUCKETS = ["Data Scientist", "ML Engineer", "Data Engineer", "AI Engineer", "Research Scientist", "Analyst"]
ARRANGEMENTS = ["remote", "hybrid", "onsite", "unknown"]
SENIORITY = ["intern", "junior", "mid", "senior", "staff_principal", "manager", "director_plus", "unknown"]


def _n(v: Any) -> str:
    if v is None or v != v:  # None or NaN
        return "-"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.1f}"
    return f"{int(v):,}"


def _money(v: Any) -> str:
    return "-" if v is None or v != v else f"{v:,.0f}"


def link(text: str, href: str | None) -> dict[str, str | None]:
    ok = isinstance(href, str) and href.lower().startswith(("https://", "http://"))
    return {"text": text, "href": href if ok else None}


def _order(values, preferred: list[str]) -> list[str]:
    vals = list(dict.fromkeys(values))
    return [v for v in preferred if v in vals] + sorted(v for v in vals if v not in preferred)


def _span(dates: list) -> str:
    if not dates:
        return "no dates"
    first, last = min(dates), max(dates)
    n = len(set(dates))
    return f"{first}" if first == last else f"{first} to {last} ({n} crawl dates)"


def chart(svg: str, caption: str) -> dict:
    return {"kind": "chart", "svg": svg, "caption": caption}


def table(columns: list[str], rows: list[list], caption: str, numeric: set[int] | None = None) -> dict:
    return {"kind": "table", "columns": columns, "rows": rows, "caption": caption, "numeric": numeric or set()}


def empty(text: str) -> dict:
    return {"kind": "empty", "text": text}


def build_sections(dt: date, f: dict[str, Any]) -> dict[str, Any]:
    from jobmarket.steps.curate import min_salary_cell

    dates = sorted(f["flow"]["dt"].tolist()) if len(f["flow"]) else [dt]
    span = _span(dates)
    head = f["headline"].iloc[0].to_dict() if len(f["headline"]) else None
    cov_today = f["coverage"][f["coverage"]["dt"] == dt] if len(f["coverage"]) else f["coverage"]
    stats = []
    if head:
        stats = [("open postings", _n(head["open"])), ("new", _n(head["new"])), ("closed", _n(head["closed"])),
                 ("open, duplicates merged", _n(head["open_unique"]))]
    if len(cov_today):
        row = cov_today.iloc[0]
        stats += [("sources", _n(row["sources"])), ("boards", _n(row["boards"]))]
    stats.append(("history", f"{len(set(dates))} dates"))
    return {
        "dt": str(dt),
        "span": span,
        "stats": stats,
        "sections": [
            _mix(dt, f, span),
            _titles(dt, f),
            _skills(dt, f),
            _salary(dt, f, min_salary_cell()),
            _arrangement(dt, f),
            _flow(dt, f, span),
            _health(dt, f, span),
        ],
    }


def _mix(dt, f, span) -> dict:
    s = {"id": "mix", "title": "Archetype mix of open postings",
         "intro": "Each posting's role archetype is judged from its body (its title only when the board "
                  "gives no description).", "blocks": []}
    trend = f["archetype_trend"]
    today = trend[trend["dt"] == dt]
    if today.empty:
        s["blocks"].append(empty(f"No data: market_daily has no archetype rows for {dt}."))
        return s
    order = _order(today["archetype"], ARCHETYPES)
    today = today.set_index("archetype").loc[order]
    total = int(today["open"].sum())
    s["blocks"].append(chart(
        charts.hbar(order, today["open"].tolist(), "open postings"),
        f"Open postings on {dt} by archetype (market_daily, dimension archetype); {total:,} open in all."))
    rows = [[a, _n(r["open"]), f"{100 * r['open'] / total:.1f}%" if total else "-", _n(r["new"]), _n(r["closed"])]
            for a, r in today.iterrows()]
    s["blocks"].append(table(["archetype", "open", "share", "new", "closed"], rows,
                             f"Open, new (first seen) and closed (closure confirmed) postings on {dt}.", {1, 2, 3, 4}))
    data = trend[trend["archetype"] != "other"]
    if data["dt"].nunique() >= 2:
        pivot = data.pivot_table(index="dt", columns="archetype", values="open", aggfunc="sum").fillna(0)
        series = {a: pivot[a].tolist() for a in _order(pivot.columns, ARCHETYPES)}
        other = int(today.loc["other", "open"]) if "other" in today.index else 0
        s["blocks"].append(chart(
            charts.lines([str(d) for d in pivot.index], series, "open postings"),
            f"Open postings per archetype on each crawl date, {span}; 'other' (not a data/ML role, "
            f"{other:,} on {dt}) left out."))
    else:
        s["blocks"].append(empty(f"No trend yet: the lake holds one crawl date ({span})."))
    return s


def _titles(dt, f) -> dict:
    s = {"id": "titles", "title": "What a title really means",
         "intro": "Titles sorted into six buckets from the title text alone (title_bucket() in views.sql), "
                  "against the archetype the posting's body describes.", "blocks": []}
    m = f["title_matrix"]
    if m.empty:
        s["blocks"].append(empty(f"No data: no posting open on {dt} has a title in the six buckets."))
        return s
    rows = _order(m["title_bucket"], TITLE_BUCKETS)
    cols = _order(m["archetype"], ARCHETYPES)
    pivot = m.pivot_table(index="title_bucket", columns="archetype", values="postings", aggfunc="sum").reindex(
        index=rows, columns=cols).fillna(0)
    s["blocks"].append(chart(
        charts.heatmap(rows, cols, pivot.values, "archetype judged from the body", "title bucket"),
        f"Postings open on {dt}: title bucket (rows) against body archetype (columns); {int(m['postings'].sum()):,} "
        "postings whose title names one of the six roles."))
    ex = f["title_examples"]
    ex_rows = [[r["title_bucket"], r["archetype"],
                f"{_n(pivot.loc[r['title_bucket'], r['archetype']])} "
                f"({100 * pivot.loc[r['title_bucket'], r['archetype']] / pivot.loc[r['title_bucket']].sum():.0f}%)",
                r["company"], link(r["title"], r["url"])] for _, r in ex.iterrows()]
    s["blocks"].append(table(["title bucket", "body archetype", "postings (share of bucket)", "company",
                              "example posting"], ex_rows,
                             f"Every cell of the matrix with its share of the title bucket and up to two example "
                             f"postings (highest tagger confidence), open on {dt}.", {2}))
    return s


def _skills(dt, f) -> dict:
    s = {"id": "skills", "title": "Skills by archetype",
         "intro": "Skills are found in posting descriptions, so only postings with a description count here "
                  "(postings tagged from their title alone have none).", "blocks": []}
    top = f["top_skills"]
    if top.empty:
        s["blocks"].append(empty(
            f"No data: no posting open on {dt} has a description with a known skill (e.g. Greenhouse list "
            "responses carry no description)."))
    else:
        archs = _order(top["archetype"], ARCHETYPES)
        skills = top.groupby("skill")["postings"].sum().sort_values(ascending=False).index[:15].tolist()
        pivot = top.pivot_table(index="skill", columns="archetype", values="pct_of_described",
                                aggfunc="max").reindex(index=skills, columns=archs)
        s["blocks"].append(chart(
            charts.heatmap(skills, archs, pivot.fillna(0).values, "archetype", "skill", fmt="{:.0f}%"),
            f"Share (%) of open postings with a description on {dt} that mention each skill, by archetype "
            "(each archetype's top 8 skills; blank: not in that archetype's top 8)."))
        rows = []
        for a in archs:
            sub = top[top["archetype"] == a]
            described = int(sub["described"].iloc[0])
            rows.append([a, _n(described), ", ".join(f"{r['skill']} ({r['pct_of_described']:.0f}%)"
                                                     for _, r in sub.iterrows())])
        s["blocks"].append(table(["archetype", "postings with a description", "top skills (share mentioning)"], rows,
                                 f"Top skills per archetype among postings open on {dt}.", {1}))
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
        else:
            s["blocks"].append(chart(
                charts.diverging(moved["skill"].tolist(), moved["change_pp"].tolist(), "change, percentage points"),
                f"Skills rising and falling: change in the share of open postings with a description that mention "
                f"the skill, {first} to {last} (skills mentioned by at least 3 postings on either date)."))
        rows = [[r["skill"], _n(r["postings_first"]), f"{r['pct_first']:.1f}%", _n(r["postings_last"]),
                 f"{r['pct_last']:.1f}%", f"{r['change_pp']:+.1f}"] for _, r in moved.iterrows()]
        s["blocks"].append(table(["skill", f"postings {first}", "share", f"postings {last}", "share", "change (pp)"],
                                 rows, f"The same skills with their counts on {first} and {last}.", {1, 2, 3, 4, 5}))
    return s


def _salary(dt, f, min_cell: int) -> dict:
    s = {"id": "salary", "title": "Advertised salary bands",
         "intro": "Annualized midpoint of the advertised range, converted to the reporting currency at the ECB "
                  f"rate; a cell (archetype x seniority) is shown only with at least {min_cell} postings "
                  "stating a salary.", "blocks": []}
    bands = f["salary_bands"]
    if bands.empty:
        s["blocks"].append(empty(
            f"No data: no archetype x seniority cell had {min_cell} or more open postings stating a salary on {dt}."))
    else:
        bands = bands.assign(_a=bands["archetype"].map(lambda a: ARCHETYPES.index(a) if a in ARCHETYPES else 99),
                             _s=bands["seniority"].map(lambda x: SENIORITY.index(x) if x in SENIORITY else 99))
        bands = bands.sort_values(["_a", "_s"])
        cur = bands["salary_currency"].dropna().iloc[0] if bands["salary_currency"].notna().any() else ""
        labels = [f"{a} · {x}" for a, x in zip(bands["archetype"], bands["seniority"], strict=True)]
        s["blocks"].append(chart(
            charts.ranges(labels, bands["salary_p25"].tolist(), bands["salary_p50"].tolist(),
                          bands["salary_p75"].tolist(), f"annual salary, {cur}"),
            f"Salary p25-p75 (bar) and median (dot) of postings open on {dt} that state a salary, per archetype "
            f"and seniority cell with at least {min_cell} of them (market_daily, archetype_seniority)."))
        rows = [[r["archetype"], r["seniority"], _n(r["open"]), _n(r["salary_n"]), _money(r["salary_p25"]),
                 _money(r["salary_p50"]), _money(r["salary_p75"]), r["salary_currency"]] for _, r in bands.iterrows()]
        s["blocks"].append(table(["archetype", "seniority", "open", "with salary", "p25", "median", "p75", "currency"],
                                 rows, f"Salary cells on {dt}.", {2, 3, 4, 5, 6}))
    share = f["salary_share"]
    if share.empty:
        s["blocks"].append(empty(f"No data: no posting open on {dt}."))
    else:
        share = share.set_index("archetype").loc[_order(share["archetype"], ARCHETYPES)]
        total_open, total_paid = int(share["open"].sum()), int(share["with_salary"].sum())
        s["blocks"].append(chart(
            charts.hbar(share.index.tolist(), share["pct_with_salary"].tolist(), "% of open postings stating a salary",
                        fmt="{:.1f}%"),
            f"Share of postings open on {dt} that state a salary (structured or in the text), by archetype; "
            f"{total_paid:,} of {total_open:,} overall ({100 * total_paid / total_open:.1f}%)."))
    return s


def _arrangement(dt, f) -> dict:
    s = {"id": "arrangement", "title": "Remote, hybrid, onsite; who is hiring",
         "intro": "Work arrangement is the board's own flag when it has one, else inferred from the location "
                  "text; unknown when neither says.", "blocks": []}
    wa = f["work_arrangement"]
    if wa.empty:
        s["blocks"].append(empty(f"No data: no posting open on {dt}."))
        return s
    archs = _order(wa["archetype"], ARCHETYPES)
    pivot = wa.pivot_table(index="archetype", columns="work_arrangement", values="pct", aggfunc="sum").reindex(
        index=archs).fillna(0)
    segs = {k: pivot[k].tolist() for k in _order(pivot.columns, ARRANGEMENTS)}
    s["blocks"].append(chart(
        charts.stacked_share(archs, segs, "% of open postings"),
        f"Work arrangement of postings open on {dt} (observations.work_arrangement), % per archetype."))
    counts = wa.pivot_table(index="archetype", columns="work_arrangement", values="postings", aggfunc="sum").reindex(
        index=archs, columns=list(segs)).fillna(0)
    rows = [[a, *[f"{_n(counts.loc[a, k])} ({pivot.loc[a, k]:.0f}%)" for k in segs]] for a in archs]
    s["blocks"].append(table(["archetype", *segs], rows, f"Open postings by work arrangement on {dt}.",
                             set(range(1, len(segs) + 1))))
    comp = f["top_companies"]
    rows = [[a, ", ".join(f"{r['company']} ({r['postings']})" for _, r in comp[comp["archetype"] == a].iterrows())]
            for a in _order(comp["archetype"], ARCHETYPES)]
    s["blocks"].append(table(["archetype", "top hiring companies (open postings)"], rows,
                             f"The five companies with the most postings open on {dt}, per archetype."))
    return s


def _flow(dt, f, span) -> dict:
    s = {"id": "flow", "title": "New, open and closed postings; how long postings stay open",
         "intro": "A posting is closed once it is absent from consecutive successful crawls of its board "
                  "(failed crawls are not absences).", "blocks": []}
    fl = f["flow"]
    if fl.empty:
        s["blocks"].append(empty("No data: market_daily is empty."))
    else:
        s["blocks"].append(chart(
            charts.flow([str(d) for d in fl["dt"]], fl["open"].tolist(), fl["new"].tolist(), fl["closed"].tolist()),
            f"Postings open (top), first seen (new) and confirmed closed (bottom) on each crawl date, {span} "
            "(market_daily, dimension all); on a board's first crawl every posting counts as new."))
    do = f["days_open"]
    if do.empty:
        s["blocks"].append(empty(f"No data: posting_lifecycle has no partition for {dt}."))
    else:
        do = do.set_index("archetype").loc[_order(do["archetype"], ARCHETYPES)]
        rows = [[a, _n(r["closed"]), _n(r["median_days_open_closed"]), _n(r["still_open"]),
                 _n(r["median_days_open_so_far"]), f"{r['pct_left_censored']:.0f}%"] for a, r in do.iterrows()]
        s["blocks"].append(table(
            ["archetype", "closed", "median days open (closed)", "still open", "median days open so far",
             "already open when first crawled"], rows,
            f"Days open by archetype, every posting known on {dt} (posting_lifecycle as of {dt}). Postings already "
            "open at a board's first crawl were open longer than counted.", {1, 2, 3, 4, 5}))
    return s


def _health(dt, f, span) -> dict:
    s = {"id": "health", "title": "Coverage and data health",
         "intro": "What was crawled, what failed, and what validation held back.", "blocks": []}
    cov, q = f["coverage"], f["quality_trend"]
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
        "quality gates that warned or failed (gate_results)."))
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
