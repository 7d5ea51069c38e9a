"""One benchmark stage in its own process (so its peak RSS is its own).

    .venv/bin/python bench/stage.py <command> --lake DIR [...]

Commands: ``land`` (synthetic raw for a night), ``mutate`` (the next night
with a share of postings changed/added/removed), ``pipeline`` (parse ->
validate -> tag -> validate_tagged -> publish -> curate for one or more
dates), ``floor`` (pyarrow + lxml alone on the same raw) and ``history``
(30 dates of scaled history raw). Each prints one JSON line on stdout with
per-step wall time, CPU time and the process's RSS high-water mark after the
step; bench/run.py reads it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import synth  # noqa: E402


def hwm_mb() -> float:
    """This process's peak RSS so far (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    def __init__(self) -> None:
        self.steps: list[dict] = []

    def run(self, name: str, fn, *a, **kw):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn(*a, **kw)
        self.steps.append({"step": name, "wall": time.perf_counter() - t0,
                           "cpu": time.process_time() - c0, "hwm_mb": hwm_mb()})
        return out


def cmd_land(args) -> dict:
    from jobmarket.core.lake import Lake

    jobs = synth.crawl_jobs()
    boards = synth.night(jobs, args.n, seed=args.seed)
    info = synth.land_night(Lake(args.lake), args.dt, boards)
    synth.write_sources(Path(args.lake) / "sources.yaml", list(boards))
    if args.keep:
        Path(args.keep).write_text(json.dumps({b: [j["id"] for j in js] for b, js in boards.items()}))
    return info


def cmd_mutate(args) -> dict:
    """Re-land the night of ``--from-dt`` for ``--dt`` with ``--share`` changed."""
    from jobmarket.core.lake import Lake

    lake = Lake(args.lake)
    boards = {}
    for board, d in lake.raw_boards(synth.FAMILY, args.from_dt):
        boards[board] = json.loads(lake.read_raw(d, "page-0001"))["jobs"]
    new, counts = synth.mutate(boards, synth.crawl_jobs(), args.share, seed=args.seed)
    info = synth.land_night(lake, args.dt, new)
    return {**info, **counts}


def cmd_history(args) -> dict:
    """``--days`` consecutive dates ending on the history's last date, each the
    latest recorded snapshot on or before it, boards replicated ``--scale``
    times (the history is recorded every third day)."""
    from jobmarket.core.lake import Lake

    lake = Lake(args.lake)
    recorded = synth.history_dates()
    end = date.fromisoformat(recorded[-1])
    days = [end - timedelta(days=i) for i in range(args.days - 1, -1, -1)]
    snap_cache: dict[str, dict[str, list[dict]]] = {}
    total = {"postings": 0, "bytes": 0, "dates": len(days)}
    names: set[str] = set()
    for d in days:
        snap = max((r for r in recorded if r <= str(d)), default=recorded[0])
        if snap not in snap_cache:
            snap_cache.clear()
            base = synth.crawl_jobs(synth.HISTORY / f"dt={snap}")
            boards: dict[str, list[dict]] = {}
            for r in range(args.scale):
                for b, j in base:
                    name, job = synth._replica(b, j, r)
                    boards.setdefault(name, []).append(job)
            snap_cache[snap] = {b: synth.with_content(b, js) for b, js in boards.items()}
        boards = snap_cache[snap]
        names |= set(boards)
        info = synth.land_night(lake, d, boards)
        total["postings"] += info["postings"]
        total["bytes"] += info["bytes"]
    synth.write_sources(Path(args.lake) / "sources.yaml", sorted(names))
    total["first"], total["last"] = str(days[0]), str(days[-1])
    total["boards"] = len(names)
    return total


def cmd_pipeline(args) -> dict:
    from jobmarket.core.lake import Lake
    from jobmarket.core.settings import Settings
    from jobmarket.pipeline import curate
    from jobmarket.quality.runner import build_night_docs
    from jobmarket.sources.config import load_sources
    from jobmarket.steps.check_quality import QualityGateFailed, enforce_gates
    from jobmarket.steps.parse import parse_date
    from jobmarket.steps.publish import publish_date
    from jobmarket.steps.tag import tag_date
    from jobmarket.steps.validate import validate_date
    from jobmarket.steps.validate_tagged import validate_tagged_date

    settings = Settings(lake=Path(args.lake))
    sources = load_sources(Path(args.lake) / "sources.yaml")
    t = Timer()
    t.run("import", lambda: __import__("great_expectations"))
    dates = [date.fromisoformat(d) for d in args.dt.split(",")]
    results = []
    prof = None
    if args.profile:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.005)
        prof.start()
    for dt in dates:
        rid = f"bench-{dt}"
        res = {"dt": str(dt)}
        res["parse"] = t.run("parse", parse_date, dt, settings=settings, sources=sources, run_id=rid)
        res["validate"] = t.run("validate", validate_date, dt, settings=settings, run_id=rid)
        res["tag"] = t.run("tag", tag_date, dt, settings=settings)
        t.run("validate_tagged", validate_tagged_date, dt, settings=settings, run_id=rid)
        res["publish"] = t.run("publish", publish_date, dt, settings=settings)
        # The night's one Data Docs build (record_run's, at the end of a real
        # night; here, so that the transform counts it as it did when each
        # checkpoint rebuilt the site).
        t.run("data_docs", build_night_docs, Lake(settings.lake), run_name=f"{dt}__{rid}")
        res["curate"] = t.run("curate", curate, dt, settings=settings, sources=sources, run_id=rid)
        try:
            t.run("gates", enforce_gates, dt, settings=settings)
        except QualityGateFailed as exc:
            res["gates_failed"] = str(exc)[:300]
        results.append({
            "dt": str(dt), "postings": res["parse"]["postings"], "published": res["publish"]["published"],
            "quarantined": res["publish"]["quarantined"], "newly_tagged": res["tag"]["newly_tagged"],
            "from_cache": res["tag"]["from_cache"], "new_versions": res["curate"]["new_versions"],
            "open": res["curate"]["open"], "new": res["curate"]["new"], "closed": res["curate"]["closed"],
            "gates_failed": res.get("gates_failed"),
        })
    if prof is not None:
        prof.stop()
        Path(args.profile).write_text(prof.output_text(unicode=True, color=False, show_all=False))
    return {"steps": t.steps, "dates": results}


def cmd_floor(args) -> dict:
    """The least any transform must do: read the raw JSON, turn each
    description's HTML into text with lxml, write the rows with pyarrow."""
    import gzip
    import html

    import lxml.html
    import pyarrow as pa
    import pyarrow.parquet as pq
    from jobmarket.core.lake import Lake

    lake = Lake(args.lake)
    t = Timer()

    def work() -> int:
        cols: dict[str, list] = {k: [] for k in ("board", "id", "title", "location", "url", "updated_at",
                                                  "description")}
        for board, d in lake.raw_boards(synth.FAMILY, args.dt):
            with gzip.open(d / "page-0001.gz", "rb") as fh:
                data = json.loads(fh.read())
            for j in data["jobs"]:
                cols["board"].append(board)
                cols["id"].append(str(j["id"]))
                cols["title"].append(j["title"])
                cols["location"].append((j.get("location") or {}).get("name"))
                cols["url"].append(j["absolute_url"])
                cols["updated_at"].append(j.get("updated_at"))
                c = j.get("content")
                cols["description"].append(
                    lxml.html.fragment_fromstring(html.unescape(c), create_parent="div").text_content()
                    if c else None)
        out = Path(args.lake) / "floor" / f"dt={args.dt}"
        out.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(cols), out / "part-0.parquet", compression="zstd")
        return len(cols["id"])

    n = t.run("floor", work)
    return {"steps": t.steps, "rows": n}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["land", "mutate", "history", "pipeline", "floor"])
    ap.add_argument("--lake", required=True)
    ap.add_argument("--dt", default=synth.CRAWL_DT)
    ap.add_argument("--from-dt")
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--share", type=float, default=0.03)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--keep")
    ap.add_argument("--profile", help="write a pyinstrument text profile here")
    args = ap.parse_args()
    import logging

    logging.basicConfig(level=logging.ERROR)
    out = globals()[f"cmd_{args.command}"](args)
    out["peak_rss_mb"] = hwm_mb()
    print("BENCH-JSON " + json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
