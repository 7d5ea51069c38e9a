"""The night's outcome as data: one ``curated/runs`` row per partition date.

Everything is read back from what the run left in the lake (source_health,
gate_results, the curated partitions) plus the task states Airflow reports,
so the row is the same whether the last task or ``jobmarket record-run``
writes it, and a rerun of the date replaces it.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jobmarket.core.lake import Lake, parquet_file, read_parquet
from jobmarket.core.schema import GATE_RESULTS, RUNS, SOURCE_HEALTH, TABLES

FAILED_STATES = ("failed", "upstream_failed")
TRIPPED = ("warn", "fail")


def _rows(path: Path) -> list[dict[str, Any]]:
    file = path / "part-0.parquet"
    return read_parquet(file).to_pylist() if file.is_file() else []


def partition_rows(lake: Lake, dt: date | str) -> dict[str, int]:
    """Rows in each curated table's partition for ``dt`` (from the Parquet footers)."""

    out = {}
    for table in TABLES:
        if not table.path.startswith("curated/") or table is RUNS:
            continue
        files = lake.committed_files(table.path, [str(dt)])
        if files:
            out[table.name] = sum(parquet_file(f).metadata.num_rows for f in files)
    return out


def health_rows(lake: Lake, dt: date | str) -> list[dict[str, Any]]:
    rows = _rows(lake.partition_dir(SOURCE_HEALTH.path, dt))
    return rows or _rows(lake.work_dir("health", dt))


def gate_rows(lake: Lake, dt: date | str) -> list[dict[str, Any]]:
    rows = _rows(lake.partition_dir(GATE_RESULTS.path, dt))
    return rows or _rows(lake.work_dir("gate_results", dt))


def source_outcomes(health: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Sources that worked, that lost a board, and whose boards all failed."""
    by_source: dict[str, Counter] = {}
    for row in health:
        by_source.setdefault(row["source"], Counter())[row["status"]] += 1
    return {
        "sources_ok": sorted(s for s, c in by_source.items() if c.get("failed", 0) < sum(c.values())),
        "sources_failed": sorted(s for s, c in by_source.items() if c.get("failed", 0)),
        "sources_dead": sorted(s for s, c in by_source.items() if c.get("failed", 0) == sum(c.values())),
    }


def tripped_gates(gates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    order = {"fail": 0, "warn": 1}
    return sorted((g for g in gates if g["outcome"] in TRIPPED),
                  key=lambda g: (order[g["outcome"]], g["source"], g.get("board") or "", g["gate"]))


def gate_label(g: dict[str, Any]) -> str:
    where = g["source"] + (f"/{g['board']}" if g.get("board") else "")
    return f"{g['outcome']}:{where}:{g['gate']}"


def failed_tasks(task_states: dict[str, str | None]) -> list[str]:
    """``task`` or ``task[map_index]`` of every task instance that failed or never ran for a failure.

    Airflow names a mapped instance ``<task>_<map_index>`` in ``get_task_states``."""
    out = []
    for key, state in task_states.items():
        if str(state) in FAILED_STATES:
            head, _, tail = key.rpartition("_")
            out.append(f"{head}[{tail}]" if head and tail.isdigit() else key)
    return sorted(out)


def summarize(lake: Lake, dt: date, *, run_id: str, end: datetime, start: datetime | None = None,
              task_states: dict[str, str | None] | None = None) -> dict[str, Any]:
    """The ``curated/runs`` row of ``dt``.

    Without task states (the CLI), the status follows the run's own checks:
    failed when a source's boards all failed or a gate of severity fail held
    rows back, which is what check_sources and check_quality fail on."""
    outcomes = source_outcomes(health_rows(lake, dt))
    tripped = tripped_gates(gate_rows(lake, dt))
    rows = partition_rows(lake, dt)
    failed = failed_tasks(task_states) if task_states is not None else []
    if task_states is None:
        checks_fail = bool(outcomes["sources_dead"]) or any(g["outcome"] == "fail" for g in tripped)
        status = "failed" if checks_fail or "observations" not in rows else "success"
    else:
        status = "failed" if failed else "success"
    return {
        "scraped_date": dt,
        "run_id": run_id,
        "start": start,
        "end": end,
        "status": status,
        "failed_tasks": failed,
        "rows_json": json.dumps(rows, sort_keys=True),
        "observations": rows.get("observations", 0),
        **outcomes,
        "gates_tripped": [gate_label(g) for g in tripped],
        "held_back_rows": sum(int(g.get("held_back_rows") or 0) for g in tripped if g["outcome"] == "fail"),
    }


def write_run(lake: Lake, row: dict[str, Any]) -> Path:
    """Replace ``curated/runs/dt=<date>`` with ``row`` (one row: the date's latest run)."""
    import pyarrow as pa

    table = pa.Table.from_pylist([row], schema=RUNS.arrow_schema())
    return lake.write_partition(RUNS.path, row["scraped_date"], table)
