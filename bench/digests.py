"""A digest of every curated table partition, to prove a refactor changed nothing.

    .venv/bin/python bench/digests.py history [--lake DIR]   # run the 10-date greenhouse-history fixture, then digest
    .venv/bin/python bench/digests.py lake DIR               # digest an existing lake (e.g. data/ after `make run`)

Prints one line per ``curated/<table>/dt=<date>`` partition: rows and a SHA-256
of the table with the run-varying columns dropped (``run_id``, the wall-clock
``fetched_at`` and ``duration_s``, and the same keys inside JSON columns), rows
sorted by every remaining column, so two builds of the same raw compare equal
line for line (``diff`` the outputs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

RUN_VARYING = {"run_id", "fetched_at", "duration_s", "validated_at", "evaluated_at", "quarantined_at",
               "started_at", "finished_at", "generated_at"}


def _scrub(value):
    """Drop run-varying keys inside JSON text (the quarantine keeps whole records)."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            obj = json.loads(value)
        except ValueError:
            return value
        return json.dumps(_drop(obj), sort_keys=True, default=str)
    return value


def _drop(obj):
    if isinstance(obj, dict):
        return {k: _drop(v) for k, v in obj.items() if k not in RUN_VARYING}
    if isinstance(obj, list):
        return [_drop(v) for v in obj]
    return obj


def digest_lake(lake: Path) -> list[str]:
    import pyarrow.parquet as pq

    lines = []
    for part in sorted((lake / "curated").glob("*/dt=*/part-0.parquet")):
        t = pq.read_table(part)
        t = t.drop_columns([c for c in t.column_names if c in RUN_VARYING])
        cols = sorted(t.column_names)
        rows = [json.dumps([_scrub(r[c]) for c in cols], default=str, sort_keys=True) for r in t.to_pylist()]
        h = hashlib.sha256("\n".join([json.dumps(cols)] + sorted(rows)).encode()).hexdigest()[:16]
        lines.append(f"{part.parent.parent.name:20} {part.parent.name}  rows={t.num_rows:>6}  {h}")
    return lines


def run_history(lake: Path) -> None:
    import logging

    from jobmarket.core.settings import Settings
    from jobmarket.pipeline import run_date
    from jobmarket.replay import ReplayServer, history_bundle, history_dates, sources_yaml
    from jobmarket.sources.config import load_sources

    logging.basicConfig(level=logging.ERROR)
    for d in history_dates(FIXTURES):
        bundle = history_bundle(FIXTURES, d)
        with ReplayServer(bundle) as server:
            path = lake.parent / f"sources-{d}.yaml"
            path.write_text(sources_yaml(bundle, server.url))
            run_date(date.fromisoformat(d), settings=Settings(lake=lake), sources=load_sources(path),
                     run_id=f"nightly-{d}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=("history", "lake"))
    ap.add_argument("lake", nargs="?")
    args = ap.parse_args()
    if args.mode == "history":
        lake = Path(args.lake) if args.lake else Path(tempfile.mkdtemp(prefix="jobmarket-digest-")) / "lake"
        lake.mkdir(parents=True, exist_ok=True)
        run_history(lake)
    else:
        lake = Path(args.lake)
    print("\n".join(digest_lake(lake)))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "include"))
    raise SystemExit(main())
