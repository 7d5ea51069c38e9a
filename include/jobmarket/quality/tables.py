"""The quality tables analysts read, defined like every other table."""

from __future__ import annotations

from jobmarket.schema import Column, Table

# work/ hand-offs written by the validate steps (published by publish).
VALIDATION_RUNS_STEP = "validation_runs"
GATE_RESULTS_STEP = "gate_results"
TAGGED_VALID_STEP = "tagged_valid"
TAGGED_QUARANTINE_STEP = "quarantine_tagged"

VALIDATION_RUNS = Table(
    name="validation_runs",
    path="curated/validation_runs",
    doc=(
        "One row per run, suite, expectation and source: what Great Expectations found. "
        "Rows with a null source are the expectation's result over the whole batch; the "
        "others break it down by the source the failing rows came from. Chart quality over time from it."
    ),
    columns=(
        Column("scraped_date", "date32", False, "Partition date validated."),
        Column("run_id", "string", False, "Run that validated it."),
        Column("suite", "string", False, "Expectation suite: normalized_postings, tagged_postings, source_health."),
        Column("expectation", "string", False,
               "Expectation with its column(s), e.g. `expect_column_values_to_not_be_null(url)`."),
        Column("source", "string", True, "Source of the rows counted here; null for the batch as a whole."),
        Column("success", "bool", False, "True when no row (of this source) failed the expectation."),
        Column("element_count", "int64", True, "Rows checked (of this source)."),
        Column("unexpected_count", "int64", True, "Rows that failed it (of this source); null for table-level expectations."),
        Column("observed_value", "string", True, "GX's observed value as JSON, for table-level and aggregate expectations."),
    ),
)

GATE_RESULTS = Table(
    name="gate_results",
    path="curated/gate_results",
    doc=(
        "One row per run, gate and source (or board): the batch-level comparison of this date "
        "with the source's trailing history, its configured severity and outcome. A `fail` "
        "outcome means the source's rows were held back (quarantined, not published) for the date."
    ),
    columns=(
        Column("scraped_date", "date32", False, "Partition date."),
        Column("run_id", "string", False, "Run that evaluated the gate."),
        Column("source", "string", False, "Source (board family) the gate looked at."),
        Column("board", "string", True, "Board, for board-level gates; null for source-level gates."),
        Column("gate", "string", False,
               "volume_drop, board_volume_drop, went_empty, null_rate_jump, schema_drift or quarantine_rate."),
        Column("field", "string", True, "Column (null_rate_jump) or raw JSON keys (schema_drift) concerned."),
        Column("severity", "string", False, "Configured severity: warn or fail."),
        Column("outcome", "string", False,
               "pass, warn (tripped, severity warn), fail (tripped, severity fail: data held back) or "
               "skipped (not enough history)."),
        Column("observed", "float64", True, "This date's value (count, rate, number of keys changed)."),
        Column("baseline", "float64", True, "The trailing-history value it was compared with (median)."),
        Column("threshold", "float64", True, "The configured limit."),
        Column("history_dates", "int32", False, "Previous partitions the baseline was computed from."),
        Column("held_back_rows", "int64", False, "Rows of this source held back because of this gate."),
        Column("message", "string", False, "What was compared, in words, with the numbers."),
    ),
)

QUALITY_TABLES: tuple[Table, ...] = (VALIDATION_RUNS, GATE_RESULTS)
