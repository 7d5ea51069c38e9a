"""The expectation suites, one per layer, built in code.

Every expectation carries a short stable name in ``meta["name"]``
(``<column>:<check>``): the quarantine table, ``validation_runs`` and the
messages use it. Expectations whose type is in :data:`ROW_LEVEL` judge single
rows, and their failing rows are quarantined; any other failing expectation
is about the batch as a whole.

Bounds that depend on time come from the partition date, never the clock, so
a backfill validates like the night did.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from jobmarket.core.schema import NORMALIZED, SOURCE_HEALTH, TAG_COLUMNS
from jobmarket.quality.config import PERIODS, QualityConfig

ROW = "_row"  # positional row id handed to GX so failures map back to rows

NORMALIZED_SUITE = "normalized_postings"
TAGGED_SUITE = "tagged_postings"
SOURCE_HEALTH_SUITE = "source_health"

ROW_LEVEL = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_value_lengths_to_be_between",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)

# The archetypes of ../shared/archetypes.md; a test checks the tagger agrees.
ARCHETYPES = ("data_engineer", "analytics", "applied_ml", "ml_engineer", "research", "ai_engineer", "other")
HEALTH_STATUSES = ("ok", "empty", "failed", "skipped_robots", "not_modified", "skipped_stale")
WORKPLACE_TYPES = ("remote", "hybrid", "onsite")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# Boards publish in their own time zone and a run can be retried the next day:
# a timestamp up to two days after the partition date is not "in the future".
FUTURE_SLACK = timedelta(days=2)

# pandas dtypes of the typed (non-string) normalized columns after Arrow -> pandas.
# (GX reports the element type of datetime columns.)
_PANDAS_TYPES = {"float64": "float64", "timestamp[us, tz=UTC]": "Timestamp"}


# The suite checks only the length of a description, so GX gets the length,
# not the text: the text is most of a batch's memory (about 3 KB a posting).
DESCRIPTION_CHARS = "description_chars"


def validation_columns() -> list[str]:
    """The columns of the frame the normalized suite validates: the normalized
    columns with ``description`` replaced by its length in characters."""
    return [DESCRIPTION_CHARS if c == "description" else c for c in NORMALIZED.column_names]


def to_gx_pandas(table):
    """An Arrow table as the pandas frame GX validates: string and list
    columns stay Arrow-backed (``pd.ArrowDtype``) instead of becoming one
    Python object per cell. At 200,000 postings this validates in 60% of the
    CPU time and 85% of the memory, with the same results; numbers and
    timestamps keep the NumPy dtypes the type expectations name."""
    import pandas as pd
    import pyarrow as pa

    def mapper(t):
        return pd.ArrowDtype(t) if pa.types.is_string(t) or pa.types.is_list(t) else None

    return table.to_pandas(types_mapper=mapper)


def validation_frame(df):
    """A pandas frame of normalized postings as the normalized suite expects
    it: ``description`` replaced by ``description_chars``."""
    if "description" not in df.columns:
        return df
    df = df.assign(**{DESCRIPTION_CHARS: df["description"].str.len()})
    return df[[c for c in validation_columns() if c in df.columns] + [c for c in df.columns if c == ROW]]


def latest_allowed(dt: date) -> datetime:
    return datetime.combine(dt, datetime.min.time(), tzinfo=UTC) + timedelta(days=1) + FUTURE_SLACK


def _suite(name: str, expectations: list):
    """A suite built in one go: adding expectations one by one to a suite
    bound to a file context rewrites its JSON file after every one."""
    import great_expectations as gx

    return gx.ExpectationSuite(name=name, expectations=expectations)


def _named(expectation, name: str):
    expectation.meta = {**(expectation.meta or {}), "name": name}
    return expectation


LATEST_PARAMETER = "latest_allowed"


def normalized_parameters(dt: date) -> dict[str, datetime]:
    """The expectation parameters of a date's run of the normalized suite
    built with ``dated=False``."""
    return {LATEST_PARAMETER: latest_allowed(dt)}


def build_normalized_suite(dt: date | None, cfg: QualityConfig):
    """Normalized postings: one suite for every source (the shared record).

    With ``dt`` the timestamps' upper bound is that date's; with None it is
    the expectation parameter ``latest_allowed`` (:func:`normalized_parameters`),
    so the suite, and the checkpoint registered for it, is the same every
    night and is not rewritten for each date."""
    import great_expectations.expectations as gxe

    from jobmarket.core.currencies import iso4217_codes

    exps: list = []
    add = exps.append
    add(_named(gxe.ExpectTableColumnsToMatchSet(column_set=validation_columns() + [ROW], exact_match=True),
               "table:column_set"))
    for col in NORMALIZED.columns:
        if col.type in _PANDAS_TYPES:
            add(_named(gxe.ExpectColumnValuesToBeOfType(column=col.name, type_=_PANDAS_TYPES[col.type]),
                       f"{col.name}:type"))
    for col in ("posting_id", "source", "board", "native_id", "title", "url", "company"):
        add(_named(gxe.ExpectColumnValuesToNotBeNull(column=col), f"{col}:not_null"))
    add(_named(gxe.ExpectColumnValuesToBeUnique(column="posting_id"), "posting_id:unique"))
    add(_named(gxe.ExpectColumnValuesToMatchRegex(column="url", regex=r"^https?://[^\s/?#]+\.[^\s/?#]+[^\s]*$"),
               "url:format"))
    latest = latest_allowed(dt) if dt is not None else {"$PARAMETER": LATEST_PARAMETER}
    for col in ("posted_at", "updated_at"):
        add(_named(gxe.ExpectColumnValuesToBeBetween(column=col, min_value=EARLIEST, max_value=latest),
                   f"{col}:in_range"))
    for col in ("salary_min", "salary_max"):
        add(_named(gxe.ExpectColumnValuesToBeBetween(column=col, min_value=0, strict_min=True),
                   f"{col}:positive"))
    add(_named(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="salary_max", column_B="salary_min", or_equal=True, ignore_row_if="either_value_is_missing"),
        "salary:min_le_max"))
    currencies = ", ".join(f'"{c}"' for c in cfg.bounded_currencies)
    for period, (lo, hi) in cfg.salary_bounds.items():
        if not currencies:
            break
        for col in ("salary_min", "salary_max"):
            add(_named(gxe.ExpectColumnValuesToBeBetween(
                column=col, min_value=lo, max_value=hi,
                row_condition=f'salary_period == "{period}" and salary_currency in [{currencies}]',
                condition_parser="pandas"),
                f"{col}:plausible_per_{period}"))
    add(_named(gxe.ExpectColumnValuesToBeInSet(column="salary_currency", value_set=sorted(iso4217_codes())),
               "salary_currency:iso4217"))
    add(_named(gxe.ExpectColumnValuesToBeInSet(column="salary_period", value_set=list(PERIODS)),
               "salary_period:allowed"))
    add(_named(gxe.ExpectColumnValuesToBeInSet(column="workplace_type", value_set=list(WORKPLACE_TYPES)),
               "workplace_type:allowed"))
    lo, hi = cfg.description_chars
    add(_named(gxe.ExpectColumnValuesToBeBetween(column=DESCRIPTION_CHARS, min_value=lo, max_value=hi),
               "description:length"))
    return _suite(NORMALIZED_SUITE, exps)


def build_tagged_suite(*, with_row: bool = True):
    """Tagged postings (the curated postings layer): the tagger's output.
    ``with_row=False`` for the published table (no ``_row`` column)."""
    import great_expectations.expectations as gxe

    exps: list = []
    add = exps.append
    # The tag columns and the posting's identity must be there; the rest of
    # the layout (versions, provenance) is the tag and publish steps' own.
    add(_named(gxe.ExpectTableColumnsToMatchSet(
        column_set=["posting_id", "source", "board", *(c.name for c in TAG_COLUMNS)], exact_match=False),
        "table:column_set"))
    add(_named(gxe.ExpectColumnValuesToNotBeNull(column="archetype"), "archetype:not_null"))
    add(_named(gxe.ExpectColumnValuesToBeInSet(column="archetype", value_set=list(ARCHETYPES)), "archetype:allowed"))
    add(_named(gxe.ExpectColumnValuesToBeInSet(column="secondary", value_set=list(ARCHETYPES)), "secondary:allowed"))
    add(_named(gxe.ExpectColumnValuesToNotBeNull(column="confidence"), "confidence:not_null"))
    add(_named(gxe.ExpectColumnValuesToBeBetween(column="confidence", min_value=0, max_value=1),
               "confidence:in_0_1"))
    add(_named(gxe.ExpectColumnValuesToNotBeNull(column="tagger_version"), "tagger_version:not_null"))
    add(_named(gxe.ExpectColumnValuesToBeUnique(column="posting_id"), "posting_id:unique"))
    return _suite(TAGGED_SUITE, exps)


def build_source_health_suite(*, with_row: bool = True):
    """source_health: one row per configured board and run."""
    import great_expectations.expectations as gxe

    exps: list = []
    add = exps.append
    cols = SOURCE_HEALTH.column_names + ([ROW] if with_row else [])
    add(_named(gxe.ExpectTableColumnsToMatchSet(column_set=cols, exact_match=True), "table:column_set"))
    for col in ("source", "family", "board", "status"):
        add(_named(gxe.ExpectColumnValuesToNotBeNull(column=col), f"{col}:not_null"))
    add(_named(gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(HEALTH_STATUSES)), "status:allowed"))
    for col in ("requests", "retries", "bytes", "postings_found"):
        add(_named(gxe.ExpectColumnValuesToBeBetween(column=col, min_value=0), f"{col}:non_negative"))
    add(_named(gxe.ExpectCompoundColumnsToBeUnique(column_list=["source", "board"]), "source_board:unique"))
    return _suite(SOURCE_HEALTH_SUITE, exps)
