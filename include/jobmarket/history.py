"""Several nights in one command: ``make history`` / ``jobmarket history``.

Runs the nightly pipeline (``pipeline.run_date``, the same steps as the DAG) over
every date of ``../shared/fixtures/greenhouse-history/`` in order, each night
against the replay server serving that date (plus the other families'
recordings, which carry descriptions), then builds the report of every date,
so the newest report has trends. The lake is kept (unlike the benchmark script
bench/history_lifecycle.py, which this replaces for analysts).

Also ``translate``: the title translator's numbers ("what share of Data
Scientist postings are really data engineering") over the body-read postings of
a lake plus any JSONL of postings with bodies (e.g. the labelled recordings),
tagged here with the same tagger.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from jobmarket.core.settings import Settings

log = logging.getLogger(__name__)


def run_history(settings: Settings, fixtures: Path | None = None, *, with_recordings: bool = True,
                dates: Iterable[str] | None = None) -> dict[str, Any]:
    """Every history date through the pipeline, oldest first, then every pending report."""
    from jobmarket.pipeline import run_date
    from jobmarket.replay import (
        SHARED_FIXTURES,
        ReplayServer,
        history_bundle,
        history_dates,
        history_with_recordings_bundle,
        sources_yaml,
    )
    from jobmarket.report import build_pending
    from jobmarket.sources.config import load_sources

    fixtures = Path(fixtures or SHARED_FIXTURES)
    days = list(dates or history_dates(fixtures))
    if not days:
        raise FileNotFoundError(f"no dt=* folders under {fixtures / 'greenhouse-history'}")
    settings.local_lake("jobmarket history").mkdir(parents=True, exist_ok=True)
    nights = []
    with tempfile.TemporaryDirectory(prefix="jobmarket-history-") as tmp:
        for d in days:
            bundle = (history_with_recordings_bundle if with_recordings else history_bundle)(fixtures, d)
            with ReplayServer(bundle) as server:
                path = Path(tmp) / f"sources-{d}.yaml"
                path.write_text(sources_yaml(bundle, server.url))
                out = run_date(date.fromisoformat(d), settings=settings, sources=load_sources(path),
                               run_id=f"history-{d}")
            cur = out.get("curate") or {}
            nights.append({"dt": d, "open": cur.get("open"), "new": cur.get("new"), "closed": cur.get("closed"),
                           "failed_sources": out.get("failed_sources", [])})
            log.info("history %s: %s", d, nights[-1])
    reports = build_pending(settings)
    return {"nights": nights, "reports": [str(p) for p in reports]}


def _jsonl_rows(path: Path) -> list[dict[str, Any]]:
    import json

    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def translate(lake: Path | None, jsonl: Iterable[Path] = (), as_of: date | None = None) -> Any:
    """One row per (origin, title family, archetype) of body-read postings: the lake's
    postings open on ``as_of`` (default: its newest date) and every JSONL posting
    (``title``, ``company``, ``description``; deduplicated on title+company+description across
    files, the first copy kept),
    tagged now. Columns: origin, title_family, archetype, postings, plus human labels
    where the JSONL has an ``archetype`` field (column ``label``)."""
    import pandas as pd

    from jobmarket.tagger import tag
    from jobmarket.tagger.title import title_family

    frames = []
    if lake is not None and (Path(lake) / "curated").is_dir():
        from jobmarket.report.views import connect

        con = connect(lake, as_of=as_of)
        try:
            df = con.execute("SELECT company, title, archetype, title_family FROM postings_current "
                             "WHERE body_read").df()
        finally:
            con.close()
        df["origin"] = f"lake {lake}"
        df["label"] = None
        frames.append(df)
    seen: set = set()  # across files: list labelled files first so a posting keeps its label
    for path in jsonl:
        rows = []
        for r in _jsonl_rows(Path(path)):
            key = (r.get("title"), r.get("company"), r.get("description"))
            if key in seen:
                continue
            seen.add(key)
            t = tag(r.get("title"), r.get("description"))
            flags = t.get("flags") or []
            if "title_only" in flags or "weak_evidence" in flags:
                continue  # the body said nothing about the role: not a read posting
            rows.append({"company": r.get("company"), "title": r.get("title"), "archetype": t["archetype"],
                         "title_family": title_family(r.get("title")), "origin": Path(path).name,
                         "label": r.get("archetype")})
        frames.append(pd.DataFrame(rows, columns=["company", "title", "archetype", "title_family", "origin", "label"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["company", "title", "archetype", "title_family", "origin", "label"])


def translation_summary(df: Any, family: str, archetype: str) -> dict[str, Any]:
    """k, n, share and 90% Wilson interval of ``archetype`` among ``family`` postings, by the
    tagger and (where labelled) by the human labels."""
    from jobmarket.report.stats import wilson

    sub = df[df["title_family"] == family]
    out: dict[str, Any] = {"family": family, "archetype": archetype, "by_origin": {}}
    for origin, grp in [("all", sub), *sub.groupby("origin")]:
        k, n = int((grp["archetype"] == archetype).sum()), len(grp)
        lo, hi = wilson(k, n)
        out["by_origin"][origin] = {"k": k, "n": n, "share": k / n if n else None, "ci90": [lo, hi]}
    lab = sub[sub["label"].notna()]
    if len(lab):
        k, n = int((lab["label"] == archetype).sum()), len(lab)
        lo, hi = wilson(k, n)
        out["human_labels"] = {"k": k, "n": n, "share": k / n, "ci90": [lo, hi]}
    return out
