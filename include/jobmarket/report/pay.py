"""Advertised pay in the report's currency: share of postings stating pay, and pay
quantiles by archetype x seniority x country where cells allow.

The lake keeps every posting's pay in its own currency (``salary_annual_*``); the
report converts the annualized midpoint to ``report_currency()`` (USD unless
``JOBMARKET_REPORT_CURRENCY`` says otherwise) at the ECB rate of the report date,
so a report never mixes currencies and the setting needs no re-run of the pipeline.
Archetype cuts count postings whose description was read; the overall share of
postings stating pay counts every open posting (it needs no archetype).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import jobmarket.report.charts as charts
from jobmarket.report.blocks import (
    ARCHETYPES,
    SENIORITY,
    _money,
    _n,
    _order,
    _pct,
    chart,
    empty,
    fig,
    table,
)


def converted(rows, currency: str, on: date):
    """``rows`` with ``pay`` (annual midpoint in ``currency``); rows that cannot be
    converted (no ECB rate, no currency) dropped. Returns (frame, dropped)."""
    from jobmarket.normalize.fx import fx_rate

    if rows.empty:
        return rows.assign(pay=[]), 0
    mid = rows[["salary_annual_min", "salary_annual_max"]].mean(axis=1, skipna=True)
    rates = {c: fx_rate(c, currency, on)[0] for c in rows["salary_currency"].dropna().unique()}
    rate = rows["salary_currency"].map(lambda c: rates.get(c) if isinstance(c, str) else None)
    out = rows.assign(pay=mid * rate.astype(float))
    ok = out["pay"].notna()
    return out[ok], int((~ok).sum())


def cells(df, keys: list[str], minimum: int):
    """Quartiles of ``pay`` per group of ``keys``; only groups with at least ``minimum``."""
    rows = []
    for k, grp in df.groupby(keys):
        k = k if isinstance(k, tuple) else (k,)
        n = len(grp)
        if n < minimum:
            continue
        q = grp["pay"].quantile([0.25, 0.5, 0.75]).tolist()
        rows.append({**dict(zip(keys, k, strict=True)), "n": n, "p25": q[0], "p50": q[1], "p75": q[2]})
    return rows


def salary(dt: date, f: dict[str, Any], minimum: int) -> dict:
    from jobmarket.report.stats import report_currency

    cur = report_currency()
    s = {"id": "salary", "title": "Advertised pay",
         "intro": f"Annualized midpoint of the advertised range in {cur} (JOBMARKET_REPORT_CURRENCY), converted at "
                  f"the ECB rate of {dt}. A quantile is shown only for a cell with at least {minimum} postings "
                  "stating pay; cuts by archetype count postings whose description was read.", "blocks": []}
    ov = f["salary_overall"]
    total, paid = int(ov["open"].sum()), int(ov["with_salary"].sum())
    if total:
        s["blocks"].append(table(
            ["source", "open", "stating pay"],
            [[r["source"], _n(r["open"]), f"{_n(r['with_salary'])} ({_pct(r['with_salary'], r['open'])})"]
             for _, r in ov.iterrows()] + [["all", _n(total), f"{_n(paid)} ({_pct(paid, total)})"]],
            f"Open postings on {dt} that state pay (structured or in the text), by source.", {1, 2}))
    share = f["salary_share"]
    if share.empty:
        s["blocks"].append(empty(f"No data: no posting open on {dt} had a description that was read."))
    else:
        share = share.set_index("archetype").loc[_order(share["archetype"], ARCHETYPES)]
        total_open, total_paid = int(share["open"].sum()), int(share["with_salary"].sum())
        sup = [o < minimum for o in share["open"]]
        s["blocks"].append(chart(
            charts.hbar(share.index.tolist(), share["pct_with_salary"].tolist(), "% of open postings stating pay",
                        fmt="{:.1f}%", notes=[f"{int(w)} of n={int(o)}" for w, o in
                                              zip(share["with_salary"], share["open"], strict=True)], suppressed=sup),
            f"Share of postings open on {dt} (description read) that state pay, by archetype (n in each bar's "
            "label); "
            f"{total_paid:,} of {total_open:,} overall ({_pct(total_paid, total_open)}); archetypes with fewer than "
            f"{minimum} postings greyed.",
            fig("salary_share", share.reset_index(), "Per archetype (description read): open postings, those "
                "stating pay (structured or in the text) and the share.", total_open)))
    rows = f["salary_rows"]
    pay, dropped = converted(rows, cur, dt)
    read = pay[pay["body_read"]]
    by_country = cells(pay, ["country"], minimum)
    by_as = cells(read, ["archetype", "seniority"], minimum)
    by_asc = cells(read, ["archetype", "seniority", "country"], minimum)
    note = (f" {dropped:,} posting(s) stating pay in a currency without an ECB rate are left out." if dropped else "")
    if not (by_country or by_as or by_asc):
        s["blocks"].append(empty(
            f"No cell has {minimum} or more postings stating pay on {dt} ({len(pay):,} convertible postings state "
            f"pay, {len(read):,} of them read).{note}"))
        return s
    order = {a: i for i, a in enumerate(ARCHETYPES)}
    sen = {x: i for i, x in enumerate(SENIORITY)}
    by_as.sort(key=lambda r: (order.get(r["archetype"], 99), sen.get(r["seniority"], 99)))
    plot = by_as or [{**r, "archetype": "all", "seniority": r["country"]} for r in by_country]
    labels = [f"{r['archetype']} · {r['seniority']} (n={r['n']})" for r in plot]
    s["blocks"].append(chart(
        charts.ranges(labels, [r["p25"] for r in plot], [r["p50"] for r in plot], [r["p75"] for r in plot],
                      f"annual pay, {cur}"),
        f"Pay p25-p75 (bar) and median (dot) of postings open on {dt} that state pay, per "
        + ("archetype and seniority (description read)" if by_as else "country (every posting)")
        + f", cells with at least {minimum} (n in each label).{note}",
        fig("salary_bands", by_as + by_asc + [{"country": r["country"], **r} for r in by_country],
            f"Quartiles of the annualized pay midpoint in {cur} per cell: archetype x seniority and archetype x "
            "seniority x country (description read), and per country (every posting); cells below the minimum n "
            "left out.", len(pay))))
    table_rows = [[r.get("archetype", "all"), r.get("seniority", "all"), r.get("country", "all"), _n(r["n"]),
                   _money(r["p25"]), _money(r["p50"]), _money(r["p75"])]
                  for r in by_as + by_asc + [{"archetype": "all", "seniority": "all", **r} for r in by_country]]
    s["blocks"].append(table(["archetype", "seniority", "country", "n stating pay", "p25", "median", "p75"],
                             table_rows, f"Pay cells on {dt} in {cur} with at least {minimum} postings.",
                             {3, 4, 5, 6}))
    return s
