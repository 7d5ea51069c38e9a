"""The quality tables analysts read, defined like every other table."""

from __future__ import annotations

from jobmarket.schema import GATE_RESULTS, VALIDATION_RUNS, Table

# work/ hand-offs written by the validate steps (published by publish).
VALIDATION_RUNS_STEP = "validation_runs"
GATE_RESULTS_STEP = "gate_results"
TAGGED_VALID_STEP = "tagged_valid"
TAGGED_QUARANTINE_STEP = "quarantine_tagged"

QUALITY_TABLES: tuple[Table, ...] = (VALIDATION_RUNS, GATE_RESULTS)
