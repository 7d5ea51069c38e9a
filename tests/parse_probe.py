"""Import the DAG folder the way the DAG processor does, and report what
happened at parse time: network attempts, Variable/Connection look-ups,
heavy modules imported, import errors, time taken.

Run as a subprocess by tests/test_dag.py (Airflow must be configured by env).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time

attempts: list[str] = []
_real_connect = socket.socket.connect


def _no_network(self, address):  # noqa: ANN001
    attempts.append(repr(address))
    raise OSError(f"network access at DAG parse time: {address!r}")


socket.socket.connect = _no_network  # type: ignore[method-assign]
socket.create_connection = lambda *a, **k: _no_network(None, a[0] if a else None)  # type: ignore[assignment]

lookups: list[str] = []


def main() -> int:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import Connection, Variable

    def _var(*a, **k):
        lookups.append(f"Variable.get{a}")
        raise AssertionError("Variable access at parse time")

    def _conn(*a, **k):
        lookups.append(f"Connection.get{a}")
        raise AssertionError("Connection access at parse time")

    Variable.get = staticmethod(_var)  # type: ignore[method-assign]
    Connection.get = classmethod(lambda cls, *a, **k: _conn(*a, **k))  # type: ignore[method-assign]

    before = set(sys.modules)
    started = time.perf_counter()
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    elapsed = time.perf_counter() - started
    new = set(sys.modules) - before
    heavy = sorted(
        m for m in new
        if m.split(".")[0] in {"pandas", "pyarrow", "great_expectations", "bs4", "lxml", "requests", "jobmarket", "duckdb", "numpy"}
    )
    dag = bag.dags.get("job_market_nightly")
    print(json.dumps({
        "import_errors": {str(k): v for k, v in bag.import_errors.items()},
        "dag_ids": sorted(bag.dags),
        "network_attempts": attempts,
        "lookups": lookups,
        "heavy_modules": heavy,
        "parse_seconds": elapsed,
        "tasks": sorted(dag.task_ids) if dag else [],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
