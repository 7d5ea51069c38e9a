"""The quality tables analysts read, defined like every other table."""

from __future__ import annotations

from jobmarket.core.schema import GATE_RESULTS, VALIDATION_RUNS, Table

QUALITY_TABLES: tuple[Table, ...] = (VALIDATION_RUNS, GATE_RESULTS)
