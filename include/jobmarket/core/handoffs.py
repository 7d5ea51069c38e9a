"""Every hand-off between steps: the ``work/<step>/dt=<date>/`` names, the
errors a step raises when it cannot proceed, and the one "missing input"
check.

A step reads the previous step's hand-off from the lake and writes its own,
so any step can be rerun alone for any date (from Airflow or the CLI).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jobmarket.core.lake import Lake, read_parquet

# work/<name>/dt=<date>/part-0.parquet, in pipeline order.
NORMALIZED_STEP = "normalized"  # parse: the normalized postings
HEALTH_STEP = "health"  # parse: one source_health row per board
KEYS_STEP = "parse_keys"  # parse: per row, the raw unit it came from (jobmarket.incremental.parse_reuse)
BOARDS_STEP = "parse_boards"  # parse: per board, its raw's key and rows (jobmarket.incremental.board_reuse)
RAW_KEYS_STEP = "raw_keys"  # parse: JSON keys of each board's raw records (<family>.json)
REJECTED_STEP = "rejected"  # parse: posting objects that became no record
VALIDATED_STEP = "validated"  # validate: rows that passed
QUARANTINE_STEP = "quarantine"  # validate: rows held back, with reasons
VALIDATION_RUNS_STEP = "validation_runs"  # validate, validate_tagged: expectation results
GATE_RESULTS_STEP = "gate_results"  # validate: batch gate results
TAGGED_STEP = "tagged"  # tag
TAGGED_VALID_STEP = "tagged_valid"  # validate_tagged: rows that passed (publish reads these)
TAGGED_QUARANTINE_STEP = "quarantine_tagged"  # validate_tagged: rows held back

BATCH_ROWS = 5_000  # rows are moved between Python and Arrow in batches: bounded memory


class PipelineError(RuntimeError):
    """A step cannot proceed (missing input, systemic breakage)."""


class ValidationFailed(RuntimeError):
    """The batch is systemically broken; nothing of it should be published."""


def input_path(lake: Lake, step: str, dt: date | str) -> Path:
    """The hand-off ``work/<step>`` of ``dt``; PipelineError when it is missing."""
    path = lake.partition_dir(f"work/{step}", dt) / "part-0.parquet"
    if not path.is_file():
        raise PipelineError(f"missing input {path}: run the previous step for {dt} first")
    return path


def read_input(lake: Lake, step: str, dt: date | str, columns: list[str] | None = None):
    """The hand-off ``work/<step>`` of ``dt`` as a pyarrow table."""

    return read_parquet(input_path(lake, step, dt), columns=columns)
