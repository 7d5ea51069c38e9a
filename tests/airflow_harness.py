"""Run the real DAG with ``dag.test()`` in a fresh process.

Airflow reads its configuration (AIRFLOW_HOME, the metadata DB) at import
time, so each Airflow run in the tests is a subprocess of this script with
its own environment. Prints one JSON line with the run's state and the task
instances' states.

    python tests/airflow_harness.py DATE [--sources a,b] [--no-retries]
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime


def main() -> int:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    dt = datetime.fromisoformat(sys.argv[1]).replace(tzinfo=UTC)
    conf = {}
    args = sys.argv[2:]
    if "--sources" in args:
        conf["sources"] = args[args.index("--sources") + 1].split(",")
    import os

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    assert not bag.import_errors, bag.import_errors
    dag = bag.get_dag("job_market_nightly")
    if "--no-retries" in args:
        # dag.test() honours retry delays (minutes in production); a test of
        # a failure wants the failure now.
        for task in dag.tasks:
            task.retries = 0
    dr = dag.test(logical_date=dt, run_conf=conf or None)
    tis = {}
    for ti in dr.get_task_instances():
        key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
        tis[key] = {"state": str(ti.state), "rendered_map_index": ti.rendered_map_index}
    print("HARNESS_RESULT " + json.dumps({"state": str(dr.state), "run_id": dr.run_id, "tasks": tis}), flush=True)
    return 0 if dr.state == DagRunState.SUCCESS else 3


if __name__ == "__main__":
    sys.exit(main())
