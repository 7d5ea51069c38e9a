"""
### job_market_nightly

Scrapes the configured public job boards, validates every batch with Great
Expectations, tags each posting with its role archetype (judged from the
body, not the title) and publishes the curated Parquet tables.

| step | what it does | writes |
|---|---|---|
| `sources_<family>` | reads the sources file and the board registry at run time; cuts each source's boards into shards | - |
| `scrape_<family>` (mapped, one per shard of a source; pool `jobmarket_<family>`) | polite fetch of every board of the shard, raw landed unchanged | `raw/source=*/board=*/dt=*/` |
| `parse` | raw to the normalized posting schema; per-board outcome | `work/normalized`, `work/health` |
| `validate` | GX checkpoint; bad rows quarantined; batch gates vs trailing history; systemic breakage fails | `work/validated`, `work/quarantine`, `work/validation_runs`, `work/gate_results`, Data Docs |
| `tag` | role archetype, confidence, evidence, skills (cached by content hash) | `work/tagged` |
| `validate_tagged` | GX suite on tagged rows (archetype set, confidence range) | `work/tagged_valid` |
| `publish` | the date's own tables, atomic partition swap; the night's outcomes folded into the board registry | `curated/observations`, `curated/quarantine`, `curated/source_health`, `curated/board_registry`, `curated/registry_summary` |
| `curate` | versions, skills, lifecycle, market counts (from observations up to the date) | `curated/postings`, `curated/skills`, `curated/posting_lifecycle`, `curated/market_daily` |
| `check_sources` | fails the run if any source had every board fail | - |
| `check_quality` | fails the run if a quality gate of severity `fail` held a source back | - |
| `audit_curated` | GX provider's `GXValidateCheckpointOperator` audits the published partitions | Data Docs |
| `record_run` (teardown: runs whatever happened, never changes the run's state) | the night's row; one message per cause (run failed, gates tripped, dead sources) through the Apprise connection | `curated/runs` |

A Deadline Alert messages the same connection when a run has not finished
`JOBMARKET_DEADLINE_MINUTES` (default 360) after it was queued (the
scheduled time, 00:00 UTC). OpenLineage events, when a transport is
configured, name every task's datasets (README, Operations).

The partition is the run's data interval start, i.e. the day [D, D+1) scraped
at 00:00 UTC on D+1 (never the wall clock). A rerun of
a date reuses its immutable raw and rewrites the same partitions. A run for a
date outside the freshness window never scrapes: it reprocesses raw.

Params: `sources` limits the run to some source names (empty: all).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from airflow.sdk import (
    Asset,
    AsyncCallback,
    CronDataIntervalTimetable,
    DeadlineAlert,
    DeadlineReference,
    Param,
    dag,
    get_current_context,
    task,
    teardown,
)
from airflow.sdk.definitions.callback import _SerializedCallbackPath
from great_expectations_provider.operators.validate_checkpoint import GXValidateCheckpointOperator

CURATED_POSTINGS = Asset(name="jobmarket_curated_postings", uri="file:///jobmarket/curated/postings")

# Board families known to the code (jobmarket.sources.config.KNOWN_FAMILIES, repeated
# here so parsing this file imports nothing of ours; a test keeps them equal).
# Each family's scrape task runs in its own pool, `jobmarket_<family>`
# (include/config/pools.json), so scheduled runs and backfills together never
# exceed a family's limits.
FAMILIES = (
    "greenhouse", "lever", "ashby", "smartrecruiters", "workable", "recruitee",
    "remoteok", "remotive", "arbeitnow", "himalayas", "hn", "jsonld",
    "workday", "teamtailor", "personio", "bamboohr", "pinpoint", "rippling", "eightfold",
)
# Production waits minutes between task retries; tests and the native stack
# shorten it through the environment (read here, no Variable at parse time).
RETRY_DELAY = timedelta(seconds=int(os.environ.get("JOBMARKET_TASK_RETRY_DELAY_SECONDS", "120")))
# The night must be done this long after its run was queued (the scheduled
# time); past that, the triggerer runs jobmarket.ops.deadline.night_overdue.
# "off" drops the alert: `airflow dags test` (make run, the DAG tests) has no
# scheduler to check it, and in Airflow 3.3.2 it cannot finish a successful
# run of a DAG with one (its own copy of the DAG holds the alerts, not the DB
# ids that DagRun.update_state looks up).
_DEADLINE_MINUTES = os.environ.get("JOBMARKET_DEADLINE_MINUTES", "360")
# Named by its path, marked as already checked: AsyncCallback would otherwise
# import it to check it, and parsing this file imports nothing of ours.
NIGHT_OVERDUE = _SerializedCallbackPath("jobmarket.ops.deadline.night_overdue")
DEADLINE = None if _DEADLINE_MINUTES.lower() == "off" else DeadlineAlert(
    reference=DeadlineReference.DAGRUN_QUEUED_AT,
    interval=timedelta(minutes=float(_DEADLINE_MINUTES)),
    callback=AsyncCallback(NIGHT_OVERDUE),
    name="night_not_finished",
)


def _lake_credentials(context):
    from jobmarket.ops.lake_credentials import export_lake_credentials

    export_lake_credentials(context)


def _lake_gx_context():
    from jobmarket.steps.audit_curated import lake_gx_context

    return lake_gx_context()


def _curated_audit(gx_context):
    # The partition date comes from the running task's context.
    from jobmarket.steps.audit_curated import curated_audit_checkpoint

    return curated_audit_checkpoint(gx_context)


@dag(
    dag_id="job_market_nightly",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 8, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    deadline=DEADLINE,
    doc_md=__doc__,
    tags=["jobmarket", "scrape", "nightly"],
    default_args={
        "owner": "data-platform",
        "retries": 2,
        "retry_delay": RETRY_DELAY,
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=20),
        # Object-store credentials from the `jobmarket_lake` connection, set in
        # each task's own process before it opens the lake.
        "on_execute_callback": _lake_credentials,
    },
    params={
        "sources": Param([], type="array", items={"type": "string"},
                         description="Only these source names (empty: every configured source)."),
    },
)
def job_market_nightly():
    @task
    def list_shards(family: str, params: dict | None = None) -> list[dict]:
        # Read at run time: editing sources.yaml or the registry never needs a
        # DAG re-parse. A shard is a bounded list of one source's boards.
        from jobmarket.core.runctx import partition_date
        from jobmarket.steps.scrape import plan_shards

        only = (params or {}).get("sources") or None
        return plan_shards(partition_date(get_current_context()), family=family, only=only)

    @task(map_index_template="{{ source_name }}")
    def scrape(shard: dict) -> dict:
        from jobmarket.core.runctx import partition_date, run_id
        from jobmarket.steps.scrape import scrape_shard

        context = get_current_context()
        context["source_name"] = shard["label"]  # the source, plus "i/n" when it has several shards
        return scrape_shard(shard, partition_date(context), run_id=run_id(context))

    @task(trigger_rule="all_done")
    def parse() -> dict:
        # all_done: one source failing must not stop the others' postings.
        from jobmarket.core.runctx import partition_date, run_id
        from jobmarket.steps.parse import parse_date

        context = get_current_context()
        return parse_date(partition_date(context), run_id=run_id(context))

    @task
    def validate() -> dict:
        from jobmarket.core.runctx import partition_date, run_id
        from jobmarket.steps.validate import validate_date

        context = get_current_context()
        return validate_date(partition_date(context), run_id=run_id(context))

    @task
    def tag() -> dict:
        from jobmarket.core.runctx import partition_date
        from jobmarket.steps.tag import tag_date

        return tag_date(partition_date(get_current_context()))

    @task
    def validate_tagged() -> dict:
        from jobmarket.core.runctx import partition_date, run_id
        from jobmarket.steps.validate_tagged import validate_tagged_date

        context = get_current_context()
        return validate_tagged_date(partition_date(context), run_id=run_id(context))

    @task
    def publish() -> dict:
        from jobmarket.core.runctx import partition_date
        from jobmarket.steps.publish import publish_date

        return publish_date(partition_date(get_current_context()))

    @task(outlets=[CURATED_POSTINGS])
    def curate() -> dict:
        from jobmarket.core.runctx import partition_date, run_id
        from jobmarket.pipeline import catch_up
        from jobmarket.steps.curate import curate_date

        context = get_current_context()
        dt, rid = partition_date(context), run_id(context)
        # The backfill catch-up: earlier dates with raw but no observations
        # are derived first (never scraped), so dates can run in any order.
        built = catch_up(dt, run_id=rid)
        out = curate_date(dt, run_id=rid)
        return {"dt": out.pop("dt"), "derived_missing_dates": [str(d) for d in built], **out}

    @task(trigger_rule="all_done")
    def check_quality() -> dict:
        # A gate of severity `fail` held its source back; after the healthy
        # sources were published, this leaf fails the run naming them.
        from jobmarket.core.runctx import partition_date
        from jobmarket.steps.check_quality import enforce_gates

        return enforce_gates(partition_date(get_current_context()))

    @task(trigger_rule="all_done")
    def check_sources() -> dict:
        # A source whose boards all failed already failed its mapped scrape
        # task; this leaf keeps the whole run red too, after the healthy
        # sources' data was published.
        from jobmarket.core.runctx import partition_date
        from jobmarket.steps.check_sources import check_source_health

        return check_source_health(partition_date(get_current_context()))

    @teardown
    def record_run() -> dict:
        # A teardown: runs after everything else whatever happened, and its
        # own outcome never turns the run red or green.
        from jobmarket.core.runctx import partition_date
        from jobmarket.steps.record_run import record_run_in_airflow

        context = get_current_context()
        return record_run_in_airflow(context, partition_date(context))

    # One mapped task per shard of a family's boards (a pool cannot be
    # mapped, so one task per family); a family with no configured source
    # maps over nothing and is skipped. The family's pool bounds how many of
    # its shards run at once across every run and backfill, and each shard
    # takes 1/slots of the per-host limits (docs/registry.md).
    scraped = [
        scrape.override(task_id=f"scrape_{family}", pool=f"jobmarket_{family}").expand(
            shard=list_shards.override(task_id=f"sources_{family}")(family=family)
        )
        for family in FAMILIES
    ]
    audit = GXValidateCheckpointOperator(
        task_id="audit_curated",
        configure_checkpoint=_curated_audit,
        context_type="file",
        configure_file_data_context=_lake_gx_context,
    )
    curated = scraped >> parse() >> validate() >> tag() >> validate_tagged() >> publish() >> curate()
    checks = [check_sources(), check_quality(), audit]
    curated >> checks
    checks >> record_run()


job_market_nightly()
