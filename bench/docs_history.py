"""The night's Data Docs build against the age of the lake.

GX lists every stored validation result several times per site build, so
without a retention window the build grows with the nights behind it
(``jobmarket.quality.retention``). This runs the normalized suite once on a
real Lever recording, stores copies of that result under the run names of
N earlier nights (three results a night, as the pipeline stores), and times
the night's ``build_night_docs`` with every result kept and after
``archive_old_results`` (31 days).

    .venv/bin/python bench/docs_history.py [--nights 0,100,365]
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

REPO = Path(__file__).resolve().parents[1]
LEVER_PLAID = REPO.parent / "shared" / "fixtures" / "boards" / "lever" / "plaid_postings_first20.json"
D = date(2026, 8, 22)
SUITES = ("normalized_postings", "source_health", "tagged_postings")


def _one_night(lake) -> Path:
    """A real result of the night D; returns its file."""
    import pyarrow as pa
    from jobmarket.core.schema import NORMALIZED
    from jobmarket.quality import runner
    from jobmarket.quality.config import load_quality
    from jobmarket.quality.suites import (
        ROW,
        build_normalized_suite,
        normalized_parameters,
        validation_frame,
    )
    from jobmarket.sources import BoardContext, get_adapter

    rows = get_adapter("lever").parse(LEVER_PLAID.read_bytes(), BoardContext(family="lever", board="plaid"))
    for r in rows:
        r.update(scraped_date=D, run_id="bench")
    df = pa.Table.from_pylist(rows, schema=NORMALIZED.arrow_schema()).to_pandas()
    df[ROW] = range(len(df))
    runner.run_suite(lake, validation_frame(df), lambda: build_normalized_suite(None, load_quality()), f"{D}__bench",
                     parameters=normalized_parameters(D))
    (result,) = (runner.project_root(lake) / "gx/uncommitted/validations").rglob("*.json")
    return result


def _add_history(lake, result: Path, nights: int) -> None:
    """Copies of ``result`` as the three results of each of ``nights`` earlier nights."""
    from jobmarket.quality import runner

    store = runner.project_root(lake) / "gx/uncommitted/validations"
    for n in range(1, nights + 1):
        day = D - timedelta(days=n)
        for suite in SUITES:
            target = store / suite / f"{day}__bench" / f"{day:%Y%m%d}T020000.000000Z" / result.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(result, target)


def _cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nights", default="0,100,365")
    args = ap.parse_args()
    if not LEVER_PLAID.is_file():
        print(f"needs {LEVER_PLAID} (../shared/fixtures)", file=sys.stderr)
        return 2
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    from jobmarket.core.lake import Lake
    from jobmarket.quality import runner
    from jobmarket.quality.retention import archive_old_results

    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| earlier nights | stored results | build_night_docs, all kept (CPU s) | after archiving (CPU s) | results kept |")
    print("|---|---|---|---|---|")
    for nights in (int(x) for x in args.nights.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            lake = Lake(Path(tmp) / "lake")
            result = _one_night(lake)
            _add_history(lake, result, nights)
            runner.build_night_docs(lake, run_name=f"{D}__bench")  # warm: GX's templates, the context
            store = runner.project_root(lake) / "gx/uncommitted/validations"
            n_all = sum(1 for _ in store.rglob("*.json"))
            kept_all = _cpu(lambda lake=lake: runner.build_night_docs(lake, run_name=f"{D}__bench"))
            archive_old_results(lake, D, 31)
            n_kept = sum(1 for _ in store.rglob("*.json"))
            runner.build_night_docs(lake, run_name=f"{D}__bench")  # (GX drops the archived pages once)
            archived = _cpu(lambda lake=lake: runner.build_night_docs(lake, run_name=f"{D}__bench"))
            print(f"| {nights} | {n_all} | {kept_all:.2f} | {archived:.2f} | {n_kept} |")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
