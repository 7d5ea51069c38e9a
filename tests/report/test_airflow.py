"""The report in Airflow for real: a `dag.test()` run builds the pending date, and the api-server, with the plugin loaded, shows
the reports under "Job market" in headless Chromium.

One migrated SQLite metadata DB per module. Chromium is Debian's
(`apt-get install -y chromium`); without /usr/bin/chromium the browser test
skips. Screenshots land in test-artifacts/ (gitignored).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.report.conftest import DATES
from tests.support import REPO

pytestmark = pytest.mark.airflow
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1400,2000"]


def _env(home: Path, lake: Path | None = None) -> dict[str, str]:
    from jobmarket.demo import airflow_env

    env = airflow_env(home=home)
    env.update({
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "PYTHONPATH": str(REPO),
        "NO_PROXY": "*", "no_proxy": "*",
    })
    if lake is not None:
        env["JOBMARKET_LAKE"] = str(lake)
    return env


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("airflow-report")
    subprocess.run([AIRFLOW, "db", "migrate"], env=_env(home), check=True, capture_output=True, timeout=180)
    return home


@pytest.fixture(scope="module")
def dag_built_lake(small_lake, airflow_home, tmp_path_factory) -> tuple[Path, dict]:
    """A copy of the small lake with the first dates' reports built, and the
    last date's built by the DAG: the one date the lake says is pending."""
    from datetime import date

    from jobmarket.core.settings import Settings
    from jobmarket.report import build_report

    lake = tmp_path_factory.mktemp("report-dag") / "lake"
    shutil.copytree(small_lake / "curated", lake / "curated")
    for d in DATES[:-1]:
        build_report(date.fromisoformat(d), Settings(lake=lake))
    code = (
        "import json, os\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        "bag = DagBag(dag_folder=os.environ['AIRFLOW__CORE__DAGS_FOLDER'])\n"
        "assert not bag.import_errors, bag.import_errors\n"
        "dr = bag.get_dag('job_market_report').test()\n"
        "tis = {(t.task_id if t.map_index < 0 else f'{t.task_id}[{t.map_index}]'): str(t.state) "
        "for t in dr.get_task_instances()}\n"
        "print('RESULT ' + json.dumps({'state': str(dr.state), 'tis': tis}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=_env(airflow_home, lake), capture_output=True,
                          text=True, timeout=300)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, f"no result (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return lake, json.loads(lines[-1][7:])


def test_dag_run_builds_every_pending_date(dag_built_lake):
    lake, result = dag_built_lake
    assert result["state"] == "success", result
    assert result["tis"]["pending_dates"] == "success"
    # Only the date without a report was built (the others were up to date).
    assert {k for k in result["tis"] if k.startswith("build_report[")} == {"build_report[0]"}
    assert result["tis"]["publish_latest"] == "success"
    for d in DATES:
        assert (lake / "reports" / f"dt={d}" / "index.html").is_file()
    assert json.loads((lake / "reports" / "latest" / "_build.json").read_text())["dt"] == DATES[-1]

    from jobmarket.core.settings import Settings
    from jobmarket.report import pending_dates

    assert pending_dates(Settings(lake=lake)) == []


def test_dag_is_scheduled_on_the_curated_asset():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    dag = bag.dags["job_market_report"]
    nightly = bag.dags["job_market_nightly"]
    outlet = nightly.get_task("curate").outlets[0]
    cond = dag.timetable.asset_condition
    assert (cond.name, cond.uri) == (outlet.name, outlet.uri)
    assert dag.max_active_runs == 1 and dag.doc_md
    assert dag.get_task("publish_latest").trigger_rule == "none_failed"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def api_server(dag_built_lake, airflow_home):
    lake, _ = dag_built_lake
    port = _free_port()
    log = airflow_home / "api-server.log"
    with log.open("w") as fh:
        proc = subprocess.Popen([AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(port)],
                                env=_env(airflow_home, lake), stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    session = requests.Session()
    session.trust_env = False
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if session.get(f"{base}/api/v2/monitor/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
        else:
            pytest.fail("api-server did not start:\n" + log.read_text()[-3000:])
        yield base, session, lake
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and its workers: the group we started
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_plugin_is_registered_with_a_nav_entry(api_server):
    base, session, _ = api_server
    plugins = session.get(f"{base}/api/v2/plugins", timeout=10).json()["plugins"]
    mine = next(p for p in plugins if p["name"] == "jobmarket_report")
    assert mine["fastapi_apps"][0]["url_prefix"] == "/jobmarket"
    view = mine["external_views"][0]
    assert (view["name"], view["href"], view["url_route"]) == ("Job market", "/jobmarket/", "jobmarket")

    index = session.get(f"{base}/jobmarket/", timeout=10)
    assert index.status_code == 200
    for d in DATES:
        assert f'href="reports/{d}/"' in index.text
    latest = session.get(f"{base}/jobmarket/reports/latest/", timeout=10)
    assert latest.status_code == 200 and f"Job market report: {DATES[-1]}" in latest.text
    assert "default-src 'none'" in latest.headers["content-security-policy"]
    assert session.get(f"{base}/jobmarket/reports/{DATES[0]}/", timeout=10).status_code == 200
    assert session.get(f"{base}/jobmarket/reports/2020-01-01/", timeout=10).status_code == 404
    assert session.get(f"{base}/jobmarket/reports/..%2F..%2Fetc/", timeout=10).status_code in (404, 422)
    # The report's figures.json and its per-chart CSV downloads are served beside it.
    figs = session.get(f"{base}/jobmarket/reports/latest/figures.json", timeout=10)
    assert figs.status_code == 200 and figs.json()["dt"] == DATES[-1]
    csv = session.get(f"{base}/jobmarket/reports/{DATES[-1]}/figures/reading.csv", timeout=10)
    assert csv.status_code == 200 and csv.text.startswith("source,") and "attachment" in csv.headers[
        "content-disposition"]
    assert session.get(f"{base}/jobmarket/reports/latest/figures/..%2Fx.csv", timeout=10).status_code in (404, 422)


def test_plugin_requires_an_airflow_user():
    from fastapi.testclient import TestClient

    sys.path.insert(0, str(REPO / "plugins"))
    try:
        import jobmarket_report
    finally:
        sys.path.remove(str(REPO / "plugins"))
    client = TestClient(jobmarket_report.app)
    assert client.get("/").status_code == 401
    assert client.get("/reports/latest/").status_code == 401


def _chromium(*args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHROMIUM), *CHROMIUM_FLAGS, *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                   "(apt-get install -y chromium)")
def test_ui_shows_the_report_in_chromium(api_server, tmp_path):
    base, _, _ = api_server
    ARTIFACTS.mkdir(exist_ok=True)
    # The report itself, as the plugin serves it: its content is in the DOM.
    dom = _chromium("--dump-dom", f"{base}/jobmarket/reports/latest/").stdout
    assert f"Job market report: {DATES[-1]}" in dom
    for title in ("What was crawled and what was read", "What changed since the last report",
                  "Archetype mix of postings whose description was read", "What a title really means",
                  "How long postings stay open", "Advertised pay", "Coverage and data health"):
        assert title in dom
    # coverage comes first, with its warning: most of the small lake was never read
    assert dom.index("What was crawled and what was read") < dom.index("Archetype mix of postings")
    assert 'class="warning"' in dom and "had a description that was read" in dom
    assert 'href="figures/title_translator.csv"' in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Data Scientist" in dom  # shown as text, never run
    # The plugin's page with the list of reports.
    dom = _chromium("--dump-dom", f"{base}/jobmarket/").stdout
    assert all(d in dom for d in DATES) and 'src="reports/latest/"' in dom
    # The Airflow UI with the "Job market" entry, the report inside it.
    shot = ARTIFACTS / "airflow-ui-job-market.png"
    shot.unlink(missing_ok=True)
    _chromium("--virtual-time-budget=15000", f"--screenshot={shot}", f"{base}/plugin/jobmarket", timeout=90)
    assert shot.is_file() and shot.stat().st_size > 20_000
