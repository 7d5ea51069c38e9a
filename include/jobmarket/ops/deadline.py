"""The Deadline Alert's callback: runs in the triggerer when the night is late.

Airflow calls it with the simple context the scheduler builds (the dag run
as the REST API shows it, and the deadline) and the kwargs the DAG gave. It
sends through the same Apprise connection as the night's other messages.
Imported only by the triggerer: the DAG names it by its dotted path.
"""

from __future__ import annotations

from typing import Any

from jobmarket.ops.notify import conn_id, deadline_message, notifier


async def night_overdue(context: dict[str, Any] | None = None, *, alerts_conn_id: str | None = None) -> str:
    context = context or {}
    message = deadline_message(context.get("dag_run") or {}, (context.get("deadline") or {}).get("deadline_time"))
    await notifier(message, alerts_conn_id or conn_id()).async_notify(context)
    return message.title
