"""Time of the validate step on the 20,000-posting Greenhouse crawl.

    .venv/bin/python bench/bench_validate.py [--runs 3]

Lands the 390 recorded boards of ../shared/fixtures/greenhouse-crawl as raw
in a temporary lake, with a trailing history of three earlier dates (the
same raw, so every gate is evaluated, not skipped), parses them with the
real parse step, then times ``validate_date`` (GX checkpoints with Data Docs
rebuilt, quarantine, gates, writes). The one-time ``import great_expectations``
is timed apart and excluded. Later runs show the steady state (the GX project
and the raw-keys summaries exist; Data Docs keep growing, as in production).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CRAWL = ROOT.parent / "shared" / "fixtures" / "greenhouse-crawl" / "dt=2026-08-22"
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not CRAWL.is_dir():
        print(f"no crawl at {CRAWL}", file=sys.stderr)
        return 2
    from jobmarket.core.lake import Lake
    from jobmarket.core.settings import Settings
    from jobmarket.steps.parse import parse_date

    from tests.quality.helpers import land, publish_parse_output, sources_file

    tmp = Path(tempfile.mkdtemp(prefix="bench-validate-"))
    try:
        boards = sorted(p.stem for p in CRAWL.glob("*.json"))
        sources = sources_file(tmp, {"greenhouse": boards})
        lake = Lake(tmp / "lake")
        settings = Settings(lake=lake.root)
        dt = date(2026, 8, 22)
        days = [dt - timedelta(days=3 * i) for i in (3, 2, 1, 0)]
        for day in days:
            for b in boards:
                land(lake, "greenhouse", b, day, (CRAWL / f"{b}.json").read_bytes())
            parse = parse_date(day, settings=settings, sources=sources, run_id="bench")
            if day != dt:
                publish_parse_output(lake, day)
        print(f"{parse['postings']} postings from {len(boards)} boards; history of {len(days) - 1} dates")

        t0 = time.perf_counter()
        import great_expectations  # noqa: F401

        print(f"import great_expectations: {time.perf_counter() - t0:.2f} s (one-time, excluded)")
        from jobmarket.steps.validate import validate_date

        for i in range(args.runs):
            t0 = time.perf_counter()
            c0 = time.process_time()
            out = validate_date(dt, settings=settings, run_id=f"bench-{i}")
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            print(f"validate_date run {i + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU "
                  f"(valid {out['valid']}, quarantined {out['quarantined']}, gates {out['gates']})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
