"""Build lakes from real recordings for the quality tests.

Raw is landed the way the scrape step lands it (gzip body + manifest); the
history dates are parsed by the real parse step, and their curated
source_health/postings partitions are the parse output (the curated tables'
normalized columns are all the gates read), so a history of nine dates costs
seconds instead of nine full runs.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from tests.support import FIXTURES

HISTORY = FIXTURES / "greenhouse-history"
CRAWL = FIXTURES / "greenhouse-crawl" / "dt=2026-08-22"
LEVER_PLAID = FIXTURES / "boards" / "lever" / "plaid_postings_first20.json"
TODAY = date(2026, 8, 22)
HISTORY_DATES = sorted(date.fromisoformat(p.name[3:]) for p in HISTORY.glob("dt=*") if p.name[3:] < str(TODAY))
HISTORY_BOARDS = sorted(p.stem for p in (HISTORY / f"dt={TODAY}").glob("*.json"))


def land(lake, family: str, board: str, dt: date, body: bytes | str | Any, *, name: str = "page-0001") -> None:
    """Land one board's response as the scrape step would."""
    if not isinstance(body, bytes | str):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    url = f"http://127.0.0.1:1/{family}/{board}"
    manifest = {
        "source": family, "family": family, "board": board, "company": None, "dt": str(dt),
        "run_id": "fixture", "status": "ok",
        "files": [{"name": name, "kind": "list", "url": url, "final_url": url,
                   "fetched_at": f"{dt}T23:30:00+00:00", "status": 200}],
        "landed": [name], "requests": 1, "retries": 0, "bytes": len(body),
        "status_counts": {"200": 1}, "duration_s": 0.01, "error": None,
    }
    lake.land_raw(lake.raw_dir(family, board, dt), [(name, body)], manifest)


def sources_file(tmp_path: Path, boards: dict[str, list[str]]):
    import yaml
    from jobmarket.sources.config import load_sources

    doc = {
        "http": {"contact": "tests@example.org"},
        "sources": {fam: {"base_url": f"http://127.0.0.1:1/{fam}", "boards": b, "options": {"replay": True}}
                    for fam, b in boards.items()},
    }
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc))
    return load_sources(path)


def publish_parse_output(lake, dt: date) -> None:
    """Stand-in for tag + publish on history dates: curated/source_health and
    curated/postings (normalized columns) from the parse hand-offs."""
    for step, table in (("health", "source_health"), ("normalized", "postings")):
        src = lake.partition_dir(f"work/{step}", dt)
        dst = lake.partition_dir(f"curated/{table}", dt)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, dst)


def build_history(lake, sources, *, lever: bool = True) -> None:
    from jobmarket.core.settings import Settings
    from jobmarket.steps.parse import parse_date

    settings = Settings(lake=lake.root)
    plaid = LEVER_PLAID.read_bytes()
    for dt in HISTORY_DATES:
        for board in HISTORY_BOARDS:
            land(lake, "greenhouse", board, dt, (HISTORY / f"dt={dt}" / f"{board}.json").read_bytes())
        if lever:
            land(lake, "lever", "plaid", dt, plaid)
        parse_date(dt, settings=settings, sources=sources, run_id=f"history-{dt}")
        publish_parse_output(lake, dt)


def today_body(board: str) -> dict:
    return json.loads((HISTORY / f"dt={TODAY}" / f"{board}.json").read_text())


def land_today(lake, *, greenhouse: dict[str, Any] | None = None, lever: Any = None) -> None:
    """Land this date's raw: every history board as recorded, except the
    bodies given in ``greenhouse`` (board -> body) and ``lever`` (plaid)."""
    overrides = greenhouse or {}
    for board in HISTORY_BOARDS:
        body = overrides.get(board)
        land(lake, "greenhouse", board, TODAY,
             body if body is not None else (HISTORY / f"dt={TODAY}" / f"{board}.json").read_bytes())
    land(lake, "lever", "plaid", TODAY, lever if lever is not None else LEVER_PLAID.read_bytes())
