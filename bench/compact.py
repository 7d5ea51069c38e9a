"""Merge a table's small daily partitions into one file per partition-month.

    .venv/bin/python bench/compact.py SRC_CURATED DST [--small-mb 32]

``curated/<table>/dt=YYYY-MM-DD/part-0.parquet`` (one file per day: a year of
``market_daily`` is 365 files of a few KB each) becomes
``<DST>/<table>/month=YYYY-MM/part-0.parquet``, with the partition date kept
as a ``dt`` column, rows sorted by ``dt`` so row-group statistics prune date
filters, zstd as in the lake. Tables whose median daily file is at least
``--small-mb`` are left as they are. Each month file is written to a temporary
name and renamed, so a reader sees the old month or the new one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections import defaultdict
from datetime import date
from pathlib import Path


def month_groups(table_dir: Path) -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = defaultdict(list)
    for d in sorted(table_dir.glob("dt=*")):
        files = sorted(d.glob("*.parquet"))
        if files:
            groups[d.name[3:10]].extend(files)
    return groups


def compact_table(table_dir: Path, dst: Path) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out = {"files_in": 0, "files_out": 0, "bytes_in": 0, "bytes_out": 0}
    for month, files in sorted(month_groups(table_dir).items()):
        parts = []
        for f in files:
            t = pq.read_table(f, partitioning=None)
            dt = date.fromisoformat(f.parent.name[3:])
            if "dt" in t.column_names:
                t = t.drop_columns(["dt"])
            parts.append(t.append_column("dt", pa.array([dt] * t.num_rows, type=pa.date32())))
            out["files_in"] += 1
            out["bytes_in"] += f.stat().st_size
        merged = pa.concat_tables(parts, promote_options="default")
        merged = merged.take(pc.sort_indices(merged, sort_keys=[("dt", "ascending")]))
        target = dst / table_dir.name / f"month={month}" / "part-0.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        pq.write_table(merged, tmp, compression="zstd", use_dictionary=True, row_group_size=512 * 1024)
        os.replace(tmp, target)
        out["files_out"] += 1
        out["bytes_out"] += target.stat().st_size
    return out


def compact_lake(curated: Path, dst: Path, small_mb: float = 32.0) -> dict[str, dict]:
    """Compact every table of ``curated`` whose median daily file is small."""
    report = {}
    for table_dir in sorted(p for p in curated.iterdir() if p.is_dir()):
        sizes = [f.stat().st_size for f in table_dir.glob("dt=*/*.parquet")]
        if not sizes:
            continue
        if statistics.median(sizes) >= small_mb * 1024 * 1024:
            report[table_dir.name] = {"skipped": f"median file {statistics.median(sizes) / 1e6:.1f} MB"}
            continue
        report[table_dir.name] = compact_table(table_dir, dst)
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("curated", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--small-mb", type=float, default=32.0)
    args = ap.parse_args()
    print(json.dumps(compact_lake(args.curated, args.dst, args.small_mb), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
