"""
### job_market_report

Builds the self-contained HTML market report of every curated date that
needs one: `<lake>/reports/dt=<date>/index.html`, and the newest in
`<lake>/reports/latest/` (shown in the Airflow UI under **Job market**).

Scheduled on the asset the nightly DAG's `curate` task updates. What to
build is derived from the lake, not from the triggering events (which can be
merged or missed): a date is built when it has curated partitions and no
report, or when any curated partition dated on or before it changed since its
report was built (backfills and reruns of earlier dates included).

| step | what it does | writes |
|---|---|---|
| `pending_dates` | curated dates whose report is missing or stale | - |
| `build_report` (mapped, one per date) | queries the curated tables through DuckDB, charts with matplotlib | `reports/dt=*/` |
| `publish_latest` | copies the newest report | `reports/latest/` |

The same from the command line: `jobmarket report --date D` or
`jobmarket report --pending`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import Asset, dag, get_current_context, task

# The asset job_market_nightly's `curate` task lists as its outlet.
CURATED_POSTINGS = Asset(name="jobmarket_curated_postings", uri="file:///jobmarket/curated/postings")


def _lake_credentials(context):
    from jobmarket.ops.lake_credentials import export_lake_credentials

    export_lake_credentials(context)


@dag(
    dag_id="job_market_report",
    schedule=CURATED_POSTINGS,
    start_date=datetime(2026, 8, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["jobmarket", "report"],
    default_args={"owner": "data-platform", "retries": 1, "on_execute_callback": _lake_credentials},
)
def job_market_report():
    @task
    def pending_dates() -> list[str]:
        from jobmarket.report import pending_dates

        return [str(d) for d in pending_dates()]

    @task(map_index_template="{{ report_date }}")
    def build_report(report_date: str) -> str:
        from datetime import date

        from jobmarket.report import build_report

        get_current_context()["report_date"] = report_date
        return str(build_report(date.fromisoformat(report_date), update_latest_copy=False))

    @task(trigger_rule="none_failed")
    def publish_latest() -> str | None:
        # none_failed: also runs when nothing was pending (the mapped task is
        # skipped), never after a failed build.
        from jobmarket.report import update_latest

        path = update_latest()
        return str(path) if path else None

    build_report.expand(report_date=pending_dates()) >> publish_latest()


job_market_report()
