"""Airflow UI entry "Job market": the latest market report and the past ones.

A FastAPI app mounted by the api-server at ``/jobmarket`` (``fastapi_apps``)
serves the reports the ``job_market_report`` DAG writes to
``$JOBMARKET_LAKE/reports/``; an ``external_views`` entry puts it in the UI's
navigation, rendered inside the Airflow page at ``/plugin/jobmarket``.

* ``/jobmarket/``                 the list of reports, the latest one shown
* ``/jobmarket/reports/latest/``  the newest report (self-contained HTML)
* ``/jobmarket/reports/<date>/``  the report of one date

Every route requires an authenticated Airflow user (the UI's session cookie,
or a bearer token). Nothing is read at import time: the lake is looked up per
request, so the plugin loads fast in every Airflow process.
"""

from __future__ import annotations

import html

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

URL_PREFIX = "/jobmarket"
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
INDEX_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-src 'self'; frame-ancestors 'self'"
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="#1f3b57" '
    'stroke-width="2"><path d="M3 3v18h18"/><path d="M7 15l4-4 3 3 5-6"/></svg>'
)


async def require_user(request: Request) -> None:
    """The same check as Airflow's own API: a valid JWT in the Authorization
    header or in the UI's session cookie."""
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
    from airflow.api_fastapi.core_api.security import resolve_user_from_token

    auth = request.headers.get("authorization", "")
    token = auth[7:] if auth.lower().startswith("bearer ") else request.cookies.get(COOKIE_NAME_JWT_TOKEN)
    await resolve_user_from_token(token)


def _lake():
    """The lake (a local folder or an object store), looked up per request."""
    from jobmarket.core.lake import Lake
    from jobmarket.core.settings import Settings

    return Lake(Settings.from_env().lake)


def _file(dt: str, name: str):
    """A file of one committed report folder, read the same way on a local
    and an object-store lake; None when it does not exist."""
    from jobmarket.report.build import report_file

    return report_file(_lake(), dt, name)


def _report(dt: str) -> Response:
    path = _file(dt, "index.html")
    if path is None:
        raise HTTPException(status_code=404, detail="no such report")
    return HTMLResponse(
        path.read_text(encoding="utf-8"),
        headers={"Content-Security-Policy": REPORT_CSP, "X-Content-Type-Options": "nosniff",
                 "Cache-Control": "no-cache"},
    )


app = FastAPI(title="Job market reports", dependencies=[Depends(require_user)], docs_url=None, redoc_url=None,
              openapi_url=None)


@app.get("/", response_class=HTMLResponse)
def index() -> Response:
    from jobmarket.report import list_reports

    lake = _lake()
    reports = list_reports(lake)
    if reports:
        latest = reports[0]["dt"]
        items = "".join(
            f'<li><a href="reports/{html.escape(r["dt"])}/" target="report">{html.escape(r["dt"])}</a>'
            f'<small>{html.escape(str(r["built_at"] or ""))}</small></li>'
            for r in reports
        )
        body = (
            f'<aside><h1>Job market</h1><p>Latest: <a href="reports/latest/" target="report">{html.escape(latest)}</a>'
            f"</p><h2>All reports ({len(reports)})</h2><ul>{items}</ul></aside>"
            '<iframe name="report" title="Job market report" src="reports/latest/"></iframe>'
        )
    else:
        body = (
            '<aside><h1>Job market</h1></aside><main><p class="empty">No report yet. The '
            "<code>job_market_report</code> DAG builds one after each nightly <code>curate</code>; or run "
            f"<code>jobmarket report --pending</code>. Lake: <code>{html.escape(str(lake.root))}</code></p></main>"
        )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Job market reports</title><style>'
        "body{margin:0;display:flex;height:100vh;font-family:system-ui,sans-serif;font-size:14px;color:#222}"
        "aside{width:13rem;flex:none;padding:.8rem 1rem;background:#f3f5f7;border-right:1px solid #ddd;overflow:auto}"
        "aside h1{font-size:1.1rem;margin:.2rem 0 .6rem}aside h2{font-size:.85rem;color:#555;margin:1rem 0 .3rem}"
        "ul{list-style:none;padding:0;margin:0}li{margin:.25rem 0}li small{display:block;color:#888;font-size:.7rem}"
        "a{color:#1f3b57}iframe{flex:1;border:0;height:100vh}main{padding:1.5rem}"
        ".empty{background:#fcf8e3;border:1px solid #faebcc;padding:.8rem;border-radius:4px}"
        f"</style></head><body>{body}</body></html>"
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": INDEX_CSP, "X-Content-Type-Options": "nosniff"})


@app.get("/reports/latest/", response_class=HTMLResponse)
def latest_report() -> Response:
    return _report("latest")


@app.get("/reports/{dt}/", response_class=HTMLResponse)
def dated_report(dt: str = PathParam(pattern=r"^\d{4}-\d{2}-\d{2}$")) -> Response:
    return _report(dt)


_DT_OR_LATEST = r"^(latest|\d{4}-\d{2}-\d{2})$"


@app.get("/reports/{dt}/figures.json")
def figures_json(dt: str = PathParam(pattern=_DT_OR_LATEST)) -> Response:
    """Every chart's numbers, n and definitions, beside the report."""
    path = _file(dt, "figures.json")
    if path is None:
        raise HTTPException(status_code=404, detail="no figures for this report")
    return Response(path.read_bytes(), media_type="application/json", headers={"X-Content-Type-Options": "nosniff"})


@app.get("/reports/{dt}/figures/{name}.csv")
def figure_csv(dt: str = PathParam(pattern=_DT_OR_LATEST), name: str = PathParam(pattern=r"^[a-z0-9_]{1,64}$")) -> Response:
    """One chart's numbers as CSV (the report's "CSV" link), downloaded, never rendered."""
    path = _file(dt, f"figures/{name}.csv")
    if path is None:
        raise HTTPException(status_code=404, detail="no such figure")
    return Response(path.read_bytes(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"',
                             "X-Content-Type-Options": "nosniff"})


@app.get("/icon.svg")
def icon() -> Response:
    return Response(ICON, media_type="image/svg+xml")


class JobMarketReportPlugin(AirflowPlugin):
    name = "jobmarket_report"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "Job market reports"}]
    external_views = [
        {
            "name": "Job market",
            "href": f"{URL_PREFIX}/",
            "url_route": "jobmarket",
            "destination": "nav",
            "nav_top_level": True,
            "icon": f"{URL_PREFIX}/icon.svg",
        }
    ]
