"""What a night tells its operators, and sending it once.

A night can deserve up to three messages, one per cause: the run failed
(which tasks, which sources, the log links), quality gates tripped (each
gate's message and the rows it held back) and sources whose boards all
failed; the Deadline Alert adds a fourth cause (:mod:`jobmarket.ops.deadline`).
They are composed from what the run recorded, by the DAG's last task, so a
task that retried three times still gives one message, and a ledger in the
lake (``work/notifications/dt=<date>/sent.json``) keeps a rerun of that
last task from sending them again. A new run of the date (a manual rerun)
is a new event and notifies again.

Messages go through Airflow's Apprise notifier, configured by the Airflow
connection ``$JOBMARKET_ALERTS_CONN_ID`` (default ``jobmarket_alerts``): one
connection reaches email, Slack, Teams or a webhook, and holds the secrets,
so none is in the repo. Without that connection, nothing is sent (logged).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from jobmarket.core.lake import Lake

log = logging.getLogger(__name__)

CONN_ENV = "JOBMARKET_ALERTS_CONN_ID"
DEFAULT_CONN_ID = "jobmarket_alerts"
LEDGER_STEP = "notifications"
PREFIX = "[jobmarket]"


@dataclass(frozen=True)
class Message:
    cause: str  # run_failed, quality_gates, sources_dead, deadline_missed
    title: str
    body: str
    notify_type: str  # Apprise's: failure, warning, info


def conn_id() -> str:
    return os.environ.get(CONN_ENV) or DEFAULT_CONN_ID


def log_url(base_url: str, dag_id: str, run_id: str, task: str) -> str:
    """The Airflow UI page of a task instance (``task`` or ``task[i]``), as TaskInstance.log_url builds it."""
    task_id, _, rest = task.partition("[")
    mapped = f"/mapped/{rest.rstrip(']')}" if rest else ""
    return f"{base_url.rstrip('/')}/dags/{dag_id}/runs/{quote(run_id)}/tasks/{task_id}{mapped}"


def compose(run: dict[str, Any], *, health: list[dict[str, Any]], gates: list[dict[str, Any]],
            dag_id: str = "job_market_nightly", base_url: str = "http://localhost:8080") -> list[Message]:
    """The night's messages, from its ``curated/runs`` row and the rows it summarizes."""
    dt, run_id = run["scraped_date"], run["run_id"]
    errors: dict[str, list[str]] = {}
    for h in health:
        if h["status"] == "failed":
            errors.setdefault(h["source"], []).append(f"{h['board']}: {h.get('error') or 'failed'}")
    out = []
    if run["status"] == "failed":
        lines = [f"The nightly run {run_id} for {dt} failed.", "", "Failed tasks:"]
        lines += [f"- {t}: {log_url(base_url, dag_id, run_id, t)}" for t in run["failed_tasks"]]
        if run["sources_failed"]:
            lines += ["", "Sources with failed boards: " + ", ".join(run["sources_failed"])]
        if run["gates_tripped"]:
            lines += ["Quality gates tripped: " + ", ".join(run["gates_tripped"])]
        lines += ["", f"Published: {run['observations']} observations."]
        tasks = ", ".join(run["failed_tasks"]) or "no task recorded"
        out.append(Message("run_failed", f"{PREFIX} {dt}: nightly run failed ({tasks})", "\n".join(lines), "failure"))
    tripped = [g for g in gates if g["outcome"] in ("warn", "fail")]
    if tripped:
        fails = sum(g["outcome"] == "fail" for g in tripped)
        lines = [f"Quality gates for {dt} (run {run_id}):", ""]
        for g in sorted(tripped, key=lambda g: (g["outcome"] != "fail", g["source"], g.get("board") or "", g["gate"])):
            where = g["source"] + (f"/{g['board']}" if g.get("board") else "")
            lines.append(f"- {g['outcome'].upper()} {where} {g['gate']}: {g['message']} "
                         f"(held back {int(g.get('held_back_rows') or 0)} rows)")
        title = f"{PREFIX} {dt}: {fails} quality gate(s) failed, {len(tripped) - fails} warned"
        out.append(Message("quality_gates", title, "\n".join(lines), "failure" if fails else "warning"))
    if run["sources_dead"]:
        lines = [f"Every board failed on {dt} (run {run_id}) for:", ""]
        for s in run["sources_dead"]:
            lines.append(f"- {s}: " + "; ".join(errors.get(s, [])[:5]))
        title = f"{PREFIX} {dt}: every board failed for {', '.join(run['sources_dead'])}"
        out.append(Message("sources_dead", title, "\n".join(lines), "failure"))
    return out


def deadline_message(dag_run: dict[str, Any], deadline_time: Any = None) -> Message:
    """The Deadline Alert's message, from the simple context the scheduler hands its callback."""
    logical = str(dag_run.get("logical_date") or dag_run.get("run_after") or "")
    dt = logical[:10] or "?"
    lines = [f"The nightly run {dag_run.get('dag_run_id')} for {dt} has not finished by its deadline"
             f" ({deadline_time}).",
             f"Queued at {dag_run.get('queued_at')}, started at {dag_run.get('start_date')}, "
             f"state {dag_run.get('state')}."]
    return Message("deadline_missed", f"{PREFIX} {dt}: nightly run not finished by its deadline",
                   "\n".join(lines), "warning")


def notifier(message: Message, conn: str):
    from airflow.providers.apprise.notifications.apprise import AppriseNotifier

    return AppriseNotifier(title=message.title, body=message.body, notify_type=message.notify_type,
                           apprise_conn_id=conn)


def connection_defined(conn: str) -> bool:
    from airflow.sdk import Connection

    try:
        Connection.get(conn)
    except Exception as exc:  # AirflowNotFoundException; the SDK raises its own kinds
        log.warning("no Airflow connection %r (%s): notifications are off", conn, type(exc).__name__)
        return False
    return True


def send(lake: Lake, dt: date | str, run_id: str, messages: list[Message], *, conn: str | None = None) -> list[str]:
    """Send each message not yet sent for this run and cause; return the causes sent."""
    conn = conn or conn_id()
    if not messages or not connection_defined(conn):
        return []
    ledger_path = lake.work_dir(LEDGER_STEP, dt) / "sent.json"
    try:
        ledger = json.loads(ledger_path.read_text())
    except (OSError, ValueError):
        ledger = {}
    sent = []
    for m in messages:
        key = f"{run_id}|{m.cause}"
        if key in ledger:
            continue
        notifier(m, conn).notify({})
        ledger[key] = asdict(m)
        lake.write_json(ledger_path, ledger)  # after each: a crash mid-way resends nothing already sent
        sent.append(m.cause)
    return sent
