"""Build the self-contained HTML market report of a date.

``<lake>/reports/dt=<date>/index.html`` (+ ``_build.json``), and a copy of the
newest one in ``<lake>/reports/latest/``. A report for D reads the curated
partitions of every date <= D through the DuckDB views (views.sql) with the
queries of queries.sql, so every figure can be rerun by an analyst.

What to build is derived from the lake, not from whatever triggered the run:
a date needs a report when it has curated partitions (market_daily) and no
report yet, or when the digest of its inputs (every curated partition dated
<= D: path, size, mtime) differs from the one recorded when its report was
built. Asset events that were merged or missed therefore never leave a date
without an up-to-date report.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jobmarket.core.lake import Lake, file_stamp
from jobmarket.core.objpath import ObjectPath
from jobmarket.core.settings import Settings

log = logging.getLogger(__name__)

REPORT_VERSION = "2"  # bump when the report's content changes: every date is rebuilt
REPORTS_DIR = "reports"
MANIFEST = "_build.json"
FIGURES_JSON = "figures.json"
FIGURES_DIR = "figures"
QUERIES_SQL = Path(__file__).with_name("queries.sql")
TEMPLATES = Path(__file__).with_name("templates")
_DT = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")


class ReportError(RuntimeError):
    """The report cannot be built (e.g. no curated data for the date)."""


# -- what exists and what is stale ----------------------------------------------

def curated_dates(lake: Lake | str | os.PathLike[str]) -> list[date]:
    """Dates the curate step finished (it writes market_daily last)."""
    return [date.fromisoformat(d) for d in Lake.of(lake).partition_dates("curated/market_daily")]


def _input_files(lake: Lake) -> list[tuple[date, str, tuple]]:
    from jobmarket.report.views import curated_tables

    rows = []
    for _, table in curated_tables():
        for d in lake.partition_dates(table.path):
            for f in lake.committed_files(table.path, [d]):
                # file_stamp changes whenever the file is replaced (local:
                # inode, size, mtime; object store: the committed attempt's key)
                rows.append((date.fromisoformat(d), f"{table.path}/dt={d}/{f.name}", file_stamp(f)))
    return sorted(rows)


def input_digests(lake: Lake | str | os.PathLike[str]) -> dict[date, str]:
    """For every curated date D, a digest of all curated partitions dated <= D."""
    lake = Lake.of(lake)
    files = _input_files(lake)
    h = hashlib.sha256(f"report-v{REPORT_VERSION}".encode())
    out: dict[date, str] = {}
    i = 0
    for d in curated_dates(lake):
        while i < len(files) and files[i][0] <= d:
            h.update(repr(files[i][1:]).encode())
            i += 1
        out[d] = h.copy().hexdigest()
    return out


def report_dir(lake: Lake | str | os.PathLike[str], dt: date | str) -> Path | ObjectPath:
    """The folder of one report: ``dt`` a date, or ``"latest"``."""
    return Lake.of(lake).root / REPORTS_DIR / ("latest" if str(dt) == "latest" else f"dt={dt}")


def report_file(lake: Lake | str | os.PathLike[str], dt: date | str, name: str) -> Path | ObjectPath | None:
    """One file of a built report (``index.html``, ``figures.json``,
    ``figures/<chart>.csv``), read from one committed version of the
    folder; None when that report does not exist."""
    lake = Lake.of(lake)
    folder = lake.pinned(report_dir(lake, dt))
    if folder is None:
        return None
    path = folder / name
    return path if path.is_file() else None


def read_manifest(d: Path | ObjectPath) -> dict[str, Any] | None:
    try:
        return json.loads((d / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def pending_dates(settings: Settings | None = None) -> list[date]:
    """Curated dates whose report is missing or older than their inputs."""
    lake = Lake((settings or Settings.from_env()).lake)
    out = []
    for d, digest in input_digests(lake).items():
        m = read_manifest(report_dir(lake, d))
        if not m or m.get("inputs_digest") != digest or report_file(lake, d, "index.html") is None:
            out.append(d)
    return out


def list_reports(lake: Lake | str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Built reports, newest first: dt, built_at, seconds, path."""
    lake = Lake.of(lake)
    out = []
    base = lake.root / REPORTS_DIR
    if base.is_dir():
        for d in base.iterdir():
            m = _DT.match(d.name)
            index = report_file(lake, m.group(1), "index.html") if m else None
            if index is not None:
                man = read_manifest(d) or {}
                out.append({"dt": m.group(1), "built_at": man.get("built_at"),
                            "seconds": man.get("seconds"), "path": index})
    return sorted(out, key=lambda r: r["dt"], reverse=True)


# -- building ---------------------------------------------------------------------

def load_queries() -> dict[str, str]:
    """The named queries of queries.sql (``-- name: X`` blocks), in file order."""
    text = QUERIES_SQL.read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\n", text, flags=re.M)[1:]
    return {name: sql.strip() for name, sql in zip(parts[::2], parts[1::2], strict=True)}


def collect(lake: Path, dt: date) -> dict[str, Any]:
    """Run every report query as of ``dt``: name -> pandas DataFrame."""
    from jobmarket.report.views import connect

    con = connect(lake, as_of=dt)
    try:
        frames = {name: con.execute(sql).df() for name, sql in load_queries().items()}
    finally:
        con.close()
    for df in frames.values():
        for col in df.columns:
            if str(df[col].dtype).startswith("datetime64"):
                df[col] = df[col].dt.date  # DuckDB DATE columns arrive as timestamps
    return frames


def render_html(dt: date, frames: dict[str, Any], *, lake: Path) -> tuple[str, dict[str, Any]]:
    """The HTML and the sections it was rendered from (for figures.json)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from jobmarket.report.sections import build_sections

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    ctx = build_sections(dt, frames)
    return env.get_template("report.html.j2").render(**ctx), ctx


def build_report(dt: date, settings: Settings | None = None, *, update_latest_copy: bool = True) -> Path:
    """Build the report of ``dt``; returns ``<lake>/reports/dt=<dt>/index.html``."""
    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    if dt not in curated_dates(lake):
        raise ReportError(f"no curated partitions for {dt} in {lake.root}/curated/market_daily: run curate first")
    started = time.perf_counter()
    # The digest is taken before reading: a partition rewritten while we
    # read makes this report stale, and the next run rebuilds it.
    digest = input_digests(lake)[dt]
    frames = collect(lake, dt)
    html, ctx = render_html(dt, frames, lake=lake)
    seconds = round(time.perf_counter() - started, 2)
    stage = lake.new_staging_dir(f"reports.dt={dt}")
    (stage / "index.html").write_text(html, encoding="utf-8")
    write_figures(stage, ctx)
    manifest = {
        "dt": str(dt), "inputs_digest": digest, "report_version": REPORT_VERSION,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": seconds,
        "bytes": len(html.encode()),
    }
    (stage / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    target = report_dir(lake, dt)
    lake.publish_dir(stage, target)
    log.info("report for %s: %s (%.1fs, %d bytes)", dt, target / "index.html", seconds, manifest["bytes"])
    if update_latest_copy:
        update_latest(settings)
    return target / "index.html"


def write_figures(folder: Path, ctx: dict[str, Any]) -> Path:
    """``figures.json`` (every chart's numbers, n and definition) and ``figures/<name>.csv``."""
    import csv

    out = {"dt": ctx["dt"], "span": ctx["span"], "min_n": ctx["min_n"],
           "intervals": "90% Wilson score intervals for shares", "figures": []}
    (folder / FIGURES_DIR).mkdir(exist_ok=True)
    for sec in ctx["sections"]:
        for b in sec["blocks"]:
            figure = b.get("figure")
            if b.get("kind") != "chart" or not figure:
                continue
            out["figures"].append({"section": sec["id"], "caption": b["caption"], **figure,
                                   "csv": f"{FIGURES_DIR}/{figure['name']}.csv"})
            cols = list(dict.fromkeys(k for r in figure["records"] for k in r))
            with open(folder / FIGURES_DIR / f"{figure['name']}.csv", "w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=cols)
                w.writeheader()
                w.writerows(figure["records"])
    (folder / FIGURES_JSON).write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")
    return folder / FIGURES_JSON


def update_latest(settings: Settings | None = None) -> Path | ObjectPath | None:
    """Make ``reports/latest/`` a copy of the newest built report."""
    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    reports = list_reports(lake)
    if not reports:
        return None
    newest = lake.pinned(report_dir(lake, reports[0]["dt"]))
    latest = report_dir(lake, "latest")
    if (read_manifest(latest) or {}) == (read_manifest(newest) or {}) and report_file(lake, "latest", "index.html"):
        return latest / "index.html"
    stage = lake.new_staging_dir("reports.latest")
    for name in ("index.html", MANIFEST, FIGURES_JSON):
        if (newest / name).is_file():
            (stage / name).write_bytes((newest / name).read_bytes())
    if (newest / FIGURES_DIR).is_dir():
        (stage / FIGURES_DIR).mkdir()
        for f in (newest / FIGURES_DIR).iterdir():
            (stage / FIGURES_DIR / f.name).write_bytes(f.read_bytes())
    lake.publish_dir(stage, latest)
    return latest / "index.html"


def build_pending(settings: Settings | None = None) -> list[Path]:
    """Build every pending date (oldest first), then refresh latest/."""
    settings = settings or Settings.from_env()
    built = [build_report(d, settings, update_latest_copy=False) for d in pending_dates(settings)]
    update_latest(settings)
    return built
