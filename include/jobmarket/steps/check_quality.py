"""Task ``check_quality``: fail the run when a gate of severity ``fail`` tripped (after the healthy
sources were published), naming the source, the gate and the numbers."""

from __future__ import annotations

from datetime import date
from typing import Any

from jobmarket.core.handoffs import GATE_RESULTS_STEP
from jobmarket.core.lake import Lake, read_parquet
from jobmarket.core.schema import GATE_RESULTS
from jobmarket.core.settings import Settings


class QualityGateFailed(RuntimeError):
    """A batch gate of severity fail tripped: the source's rows were held back."""


def read_gate_results(lake: Lake, dt: date) -> list[dict[str, Any]]:
    """The published gate results of ``dt``, else the validate step's hand-off."""

    for base in (GATE_RESULTS.path, f"work/{GATE_RESULTS_STEP}"):
        path = lake.partition_dir(base, dt) / "part-0.parquet"
        if path.is_file():
            return read_parquet(path).to_pylist()
    raise FileNotFoundError(f"no gate results for {dt}: run validate for {dt} first")


def enforce_gates(dt: date, *, settings: Settings | None = None) -> dict[str, Any]:
    """Raise QualityGateFailed if any gate failed on ``dt``; else return the
    outcome counts and the warnings."""
    settings = settings or Settings.from_env()
    rows = read_gate_results(Lake(settings.lake), dt)
    failed = [r for r in rows if r["outcome"] == "fail"]
    if failed:
        lines = [f"source {r['source']}{'/' + r['board'] if r['board'] else ''}: gate {r['gate']} "
                 f"(held back {r['held_back_rows']} rows): {r['message']}" for r in failed]
        raise QualityGateFailed(f"{dt}: {len(failed)} quality gate(s) failed:\n" + "\n".join(lines))
    outcomes: dict[str, int] = {}
    for r in rows:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    return {"dt": str(dt), "gates": outcomes,
            "warnings": [f"{r['gate']}: {r['message']}" for r in rows if r["outcome"] == "warn"]}
