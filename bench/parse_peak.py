"""The parse step alone on one date of a benchmark lake, in a fresh process:
its CPU seconds and the process's peak RSS. The lake is copied first
(without earlier parse output, so the parse is cold), and the copy removed.

    .venv/bin/python bench/parse_peak.py WORKDIR/lake-200000 [--dt 2026-08-22]

WORKDIR is a ``bench/run.py --workdir``. Used to decide a change to the parse
step's staging file (docs/performance.md, third round): its peak is the
200,000-posting night's.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lake", type=Path)
    ap.add_argument("--dt", default="2026-08-22")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.lake.parent) as tmp:
        lake = Path(tmp) / "lake"
        shutil.copytree(args.lake, lake, ignore=shutil.ignore_patterns(
            "work", "curated", "gx_project", "_staging", "floor", "cache"))
        import great_expectations  # noqa: F401 - as the bench's pipeline stage, which imports it first
        from jobmarket.core.settings import Settings
        from jobmarket.sources.config import load_sources
        from jobmarket.steps.parse import parse_date

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        t = time.process_time()
        res = parse_date(date.fromisoformat(args.dt), settings=Settings(lake=lake),
                         sources=load_sources(lake / "sources.yaml"), run_id="parse-peak")
        cpu = time.process_time() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"parse {args.dt}: {res.get('postings', '?')} postings, {cpu:.1f} CPU s, "
          f"peak RSS {peak} MB ({before} MB before the step)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
