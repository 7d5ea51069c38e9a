"""One small real lake for the report tests, built once per session.

The last three dates of the Greenhouse history fixture for three small boards
(list responses without descriptions), plus one Lever and two Ashby recordings
(with descriptions, so skills and salaries exist), run through the real
pipeline. One Greenhouse board gets an extra posting titled
``<script>alert(1)</script> Data Scientist`` on every date, to prove that text
from postings is escaped wherever the report shows it; another board's
response is broken on the middle date (its parse fails), so the health section
has a real failure to show.
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.support import FIXTURES

DATES = ["2026-08-16", "2026-08-19", "2026-08-22"]
GREENHOUSE = ["recordedfuture", "zocdoc", "pathrobotics"]
LEVER = ["plaid_postings_first20.json"]
ASHBY = ["ramp_board_subset1_internradar.json", "notion_board_subset3_breteai.json"]
XSS_TITLE = "<script>alert(1)</script> Data Scientist"
XSS_URL = 'https://job-boards.greenhouse.io/recordedfuture/jobs/990000001?src="><script>alert(2)</script>'


def _fixture_copy(root: Path) -> Path:
    """greenhouse-history/dt=*/ with only GREENHOUSE boards, one posting injected."""
    for d in DATES:
        out = root / "greenhouse-history" / f"dt={d}"
        out.mkdir(parents=True)
        for board in GREENHOUSE:
            doc = json.loads((FIXTURES / "greenhouse-history" / f"dt={d}" / f"{board}.json").read_text())
            if board == GREENHOUSE[0]:
                job = copy.deepcopy(doc["jobs"][0])
                job.update(id=990000001, internal_job_id=990000001, title=XSS_TITLE, absolute_url=XSS_URL,
                           requisition_id="XSS1")
                doc["jobs"].append(job)
                if isinstance(doc.get("meta"), dict) and "total" in doc["meta"]:
                    doc["meta"]["total"] = len(doc["jobs"])
            if board == GREENHOUSE[1] and d == DATES[1]:
                doc["meta"]["total"] = len(doc["jobs"]) + 5  # the parser rejects the response
            (out / f"{board}.json").write_text(json.dumps(doc))
    return root


def build_small_lake(lake: Path, work: Path) -> Path:
    from jobmarket.core.settings import Settings
    from jobmarket.pipeline import run_date
    from jobmarket.replay import ReplayServer, history_bundle, sources_yaml
    from jobmarket.sources.config import load_sources

    fixtures = _fixture_copy(work / "fixtures")
    settings = Settings(lake=lake)
    lake.mkdir(parents=True, exist_ok=True)
    for d in DATES:
        bundle = history_bundle(fixtures, d)
        for name in LEVER:
            bundle.add("lever", name.split("_")[0], f"/lever/v0/postings/{name.split('_')[0]}",
                       FIXTURES / "boards" / "lever" / name)
        for name in ASHBY:
            bundle.add("ashby", name.split("_")[0], f"/ashby/posting-api/job-board/{name.split('_')[0]}",
                       FIXTURES / "boards" / "ashby" / name)
        with ReplayServer(bundle) as server:
            path = work / f"sources-{d}.yaml"
            path.write_text(sources_yaml(bundle, server.url))
            run_date(date.fromisoformat(d), settings=settings, sources=load_sources(path), run_id=f"report-{d}")
    return lake


@pytest.fixture(scope="session")
def small_lake(tmp_path_factory) -> Path:
    """The built lake; treat as read-only (copy it with `lake_copy` to change it)."""
    if not (FIXTURES / "greenhouse-history").is_dir():
        pytest.skip("../shared/fixtures is not present")
    work = tmp_path_factory.mktemp("report-lake")
    return build_small_lake(work / "lake", work)


@pytest.fixture()
def lake_copy(small_lake, tmp_path) -> Path:
    """A private copy of the small lake's curated tables."""
    dst = tmp_path / "lake"
    shutil.copytree(small_lake / "curated", dst / "curated")
    return dst


@pytest.fixture(scope="session")
def built_report(small_lake, tmp_path_factory) -> tuple[Path, str]:
    """The report of the last date, built once into a copy of the lake."""
    from jobmarket.core.settings import Settings
    from jobmarket.report import build_report

    lake = tmp_path_factory.mktemp("report-built") / "lake"
    shutil.copytree(small_lake / "curated", lake / "curated")
    path = build_report(date.fromisoformat(DATES[-1]), Settings(lake=lake))
    return lake, path.read_text(encoding="utf-8")
