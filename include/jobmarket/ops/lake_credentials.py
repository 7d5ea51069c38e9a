"""Object-store credentials for the lake from an Airflow connection.

Outside Airflow the lake's S3 client reads the standard AWS environment
(``core/store.py``). Under Airflow an operator usually keeps secrets in a
connection (the metadata DB, a secrets backend, or an
``AIRFLOW_CONN_JOBMARKET_LAKE`` variable), not in every worker's
environment. Before each task of our DAGs runs (``on_execute_callback``),
``export_lake_credentials`` looks up the connection named by
``JOBMARKET_LAKE_CONN_ID`` (default ``jobmarket_lake``) and sets the AWS
variables of the task's own process from it. No connection: nothing changes,
and the AWS environment or the SDK's chain (profile, instance role) applies.

The fields are those of the Amazon provider's ``aws`` connection type, so an
existing AWS connection can be named here: login = access key id, password =
secret access key, extra ``aws_session_token``, ``region_name`` and
``endpoint_url`` (for MinIO, Ceph or another S3-compatible store; the
``host`` field is read too).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from jobmarket.core.store import parse_lake

log = logging.getLogger(__name__)

CONN_ID_ENV = "JOBMARKET_LAKE_CONN_ID"
DEFAULT_CONN_ID = "jobmarket_lake"


def credentials_env(login: str | None, password: str | None, host: str | None,
                    extra: dict[str, Any] | None, port: int | None = None) -> dict[str, str]:
    """The AWS variables a connection's fields stand for (only those it sets)."""
    extra = extra or {}
    if host and "://" not in host:  # a bare host name in the connection form
        host = f"http://{host}" + (f":{port}" if port else "")
    env = {
        "AWS_ACCESS_KEY_ID": login or extra.get("aws_access_key_id"),
        "AWS_SECRET_ACCESS_KEY": password or extra.get("aws_secret_access_key"),
        "AWS_SESSION_TOKEN": extra.get("aws_session_token"),
        "AWS_REGION": extra.get("region_name"),
        "AWS_ENDPOINT_URL_S3": extra.get("endpoint_url") or host,
    }
    return {k: str(v) for k, v in env.items() if v}


def export_lake_credentials(context: Any = None) -> list[str]:
    """Set this process's AWS variables from the lake connection when the
    lake is an object store and the connection exists; returns the names of
    the variables set (never their values, which are secrets)."""
    if parse_lake(os.environ.get("JOBMARKET_LAKE") or "data").is_local:
        return []
    conn_id = os.environ.get(CONN_ID_ENV) or DEFAULT_CONN_ID
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = Connection.get(conn_id)
    except AirflowNotFoundException:
        log.info("no Airflow connection %r: the lake's S3 client uses the AWS environment", conn_id)
        return []
    env = credentials_env(conn.login, conn.password, conn.host, conn.extra_dejson, conn.port)
    os.environ.update(env)
    log.info("lake credentials from Airflow connection %r: %s", conn_id, ", ".join(sorted(env)) or "none")
    return sorted(env)
