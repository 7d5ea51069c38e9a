"""Task ``record_run``: the night's last word, after every other task finished.

It writes the date's ``curated/runs`` row (jobmarket.ops.runs), sends the
night's messages (jobmarket.ops.notify): run failed, quality gates tripped,
sources whose boards all failed, each once; and builds the night's Data Docs
pages in one site build (jobmarket.quality.runner.build_night_docs). In the
DAG it is a teardown task: it runs whatever happened upstream and its own
outcome never changes the run's state (the check tasks decide that).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from jobmarket.core.lake import Lake
from jobmarket.core.runctx import now
from jobmarket.core.settings import Settings
from jobmarket.ops.notify import compose, send
from jobmarket.ops.runs import gate_rows, health_rows, summarize, write_run
from jobmarket.quality.retention import archive_old_results, results_days
from jobmarket.quality.runner import build_night_docs

log = logging.getLogger(__name__)
TASK_ID = "record_run"


def record_run_date(dt: date, *, run_id: str = "cli", start: datetime | None = None,
                    task_states: dict[str, str | None] | None = None, notify: bool = False,
                    dag_id: str = "job_market_nightly", base_url: str = "http://localhost:8080",
                    settings: Settings | None = None) -> dict[str, Any]:
    """Write ``curated/runs/dt=<dt>``; with ``notify``, send the night's messages.

    ``task_states`` are the run's other task instances (Airflow's
    ``get_task_states``); without them (the CLI) the status follows the checks."""
    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    states = {k: v for k, v in (task_states or {}).items() if k != TASK_ID} if task_states is not None else None
    row = summarize(lake, dt, run_id=run_id, start=start, end=now(), task_states=states)
    write_run(lake, row)
    # Data Docs once per night: the pages of every result this run stored
    # (its validation steps' and the curated audit's) and the index, after
    # results older than the window left GX's store (its listing grows with them).
    archive_old_results(lake, dt, results_days())
    docs = build_night_docs(lake, run_name=f"{dt}__{run_id}", since=start)
    sent: list[str] = []
    if notify:
        messages = compose(row, health=health_rows(lake, dt), gates=gate_rows(lake, dt), dag_id=dag_id,
                           base_url=base_url)
        sent = send(lake, dt, run_id, messages)
        log.info("%s: %d message(s) due, sent %s", dt, len(messages), sent or "none")
    return {"dt": str(dt), "status": row["status"], "failed_tasks": row["failed_tasks"],
            "gates_tripped": row["gates_tripped"], "sources_dead": row["sources_dead"], "sent": sent,
            "data_docs": docs}


def record_run_in_airflow(context: Any, dt: date, *, settings: Settings | None = None) -> dict[str, Any]:
    """``record_run_date`` for the running DAG run: its task states, start and UI address from Airflow."""
    from airflow.configuration import conf

    ti, dag_run = context["ti"], context["dag_run"]
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
    return record_run_date(dt, run_id=ti.run_id, start=getattr(dag_run, "start_date", None), task_states=states,
                           notify=True, dag_id=ti.dag_id, base_url=conf.get("api", "base_url", fallback="http://localhost:8080"),
                           settings=settings)
