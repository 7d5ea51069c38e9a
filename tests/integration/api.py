"""A small client of Airflow's REST API v2, as an operator would use it."""

from __future__ import annotations

import time
from typing import Any

import requests

FINISHED = {"success", "failed"}


class AirflowApi:
    def __init__(self, base_url: str, username: str, password: str):
        self.base = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only: never a proxy
        resp = self.session.post(f"{self.base}/auth/token", json={"username": username, "password": password},
                                 timeout=30)
        assert resp.status_code in (200, 201), f"/auth/token: {resp.status_code} {resp.text}"
        self.session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"

    def request(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kw: Any) -> Any:
        resp = self.session.request(method, f"{self.base}/api/v2{path}", timeout=30, **kw)
        assert resp.status_code in expect, f"{method} {path}: {resp.status_code} {resp.text[:2000]}"
        return resp.json() if resp.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> dict:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            resp = self.session.get(f"{self.base}/api/v2/dags/{dag_id}", timeout=30)
            if resp.status_code == 200:
                return resp.json()
            time.sleep(1)
        errors = self.get("/importErrors")
        raise TimeoutError(f"{dag_id} not parsed after {timeout}s; import errors: {errors}")

    def unpause(self, dag_id: str) -> dict:
        return self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, logical_date: str, run_id: str, conf: dict | None = None) -> dict:
        body = {"dag_run_id": run_id, "logical_date": logical_date, "conf": conf or {}}
        return self.request("POST", f"/dags/{dag_id}/dagRuns", expect=(200,), json=body)

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}")

    def runs(self, dag_id: str, **params: Any) -> list[dict]:
        return self.get(f"/dags/{dag_id}/dagRuns", limit=100, **params)["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=500)["task_instances"]

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 300) -> dict:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            run = self.run(dag_id, run_id)
            if run["state"] in FINISHED:
                return run
            time.sleep(1)
        raise TimeoutError(f"{run_id} still {run['state']} after {timeout}s: {self.ti_states(dag_id, run_id)}")

    def ti_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        out = {}
        for ti in self.task_instances(dag_id, run_id):
            key = ti["task_id"] if ti["map_index"] < 0 else f"{ti['task_id']}[{ti['map_index']}]"
            out[key] = f"{ti['state']} (try {ti['try_number']})"
        return out

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1) -> str:
        resp = self.session.get(
            f"{self.base}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"map_index": map_index, "full_content": "true"}, headers={"Accept": "text/plain"},
            timeout=30)
        return resp.text
