"""The HTML report: every section with real numbers, escaping, empty data,
and which dates need (re)building."""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import date

import pytest
from jobmarket.core.settings import Settings
from jobmarket.report import ReportError, build_pending, build_report, list_reports, pending_dates

from tests.report.conftest import DATES

SECTIONS = {
    "reading": "What was crawled and what was read",
    "mix": "Archetype mix of postings whose description was read",
    "titles": "What a title really means",
    "skills": "Skills by archetype",
    "salary": "Advertised pay",
    "arrangement": "Remote, hybrid, onsite; who is hiring",
    "flow": "New, open and closed postings",
    "health": "Coverage and data health",
}
# Sections that may hold tables only (no chart) on the small lake.
TABLE_SECTIONS = {"changes": "What changed since the last report", "time": "How long postings stay open"}


def _section(html: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}">(.*?)</section>', html, re.S)
    assert m, f"section {sid} missing"
    return m.group(1)


def test_every_section_is_there_with_charts_and_captions(built_report):
    lake, html = built_report
    for sid, title in TABLE_SECTIONS.items():
        assert title in _section(html, sid)
    for sid, title in SECTIONS.items():
        body = _section(html, sid)
        assert title in body
        assert "<svg" in body, f"{sid}: no chart"
        # Every figure says over which dates it counts.
        for caption in re.findall(r"<figcaption>(.*?)</figcaption>", body, re.S):
            assert DATES[-1] in caption, (sid, caption)
    assert f"trends over {DATES[0]} to {DATES[-1]} (3 crawl dates)" in html
    manifest = json.loads((lake / "reports" / f"dt={DATES[-1]}" / "_build.json").read_text())
    assert manifest["dt"] == DATES[-1] and manifest["seconds"] > 0


def test_report_numbers_match_the_tables(built_report):
    import pandas as pd

    lake, html = built_report
    obs = pd.read_parquet(lake / "curated" / "observations" / f"dt={DATES[-1]}")
    assert f"<b>{len(obs):,}</b><span>open postings (seen on this crawl)</span>" in html
    # Lever/Ashby recordings carry descriptions: skills and pay are real.
    skills = _section(html, "skills")
    assert "python" in skills and "No data: no posting open" not in skills
    read = obs[[not ({"title_only", "weak_evidence"} & set(f if f is not None else [])) for f in obs["tag_flags"]]]
    paid = int(read["salary_source"].notna().sum())
    assert paid > 0 and f"{paid:,} of {len(read):,} overall" in _section(html, "salary")
    # The broken board on the middle date shows up as a failure with its error.
    health = _section(html, "health")
    assert "zocdoc" in health and "meta.total says" in health


def test_text_from_postings_is_escaped(built_report):
    _, html = built_report
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Data Scientist" in html
    # Its URL (with quotes and a tag in the query string) stays inside the attribute.
    assert 'href="https://job-boards.greenhouse.io/recordedfuture/jobs/990000001?src=&#34;&gt;&lt;script&gt;' in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_self_contained(built_report):
    _, html = built_report
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html.replace('<a href="http', "<a x")), \
        "only posting links may point elsewhere"
    assert "<link" not in html and "@import" not in html


def test_empty_sections_say_no_data(lake_copy):
    # Only the curate outputs of one date: no skills, health, quality tables.
    for table in ("skills", "source_health", "quarantine", "validation_runs", "gate_results", "postings"):
        shutil.rmtree(lake_copy / "curated" / table)
    html = build_report(date.fromisoformat(DATES[0]), Settings(lake=lake_copy)).read_text()
    assert "No trend yet" in _section(html, "mix")
    assert "No data: no posting open" in _section(html, "skills")
    assert "No data for rising and falling skills" in _section(html, "skills")
    assert "No data: source_health has no rows" in _section(html, "health")
    with pytest.raises(ReportError, match="no curated partitions"):
        build_report(date(2020, 1, 1), Settings(lake=lake_copy))


def test_pending_dates_follow_the_data_not_the_events(lake_copy):
    settings = Settings(lake=lake_copy)
    days = [date.fromisoformat(d) for d in DATES]
    assert pending_dates(settings) == days
    build_report(days[-1], settings)
    assert pending_dates(settings) == days[:-1]
    assert (lake_copy / "reports" / "latest" / "index.html").read_text() == (
        lake_copy / "reports" / f"dt={DATES[-1]}" / "index.html").read_text()

    built = build_pending(settings)
    assert [p.parent.name for p in built] == [f"dt={d}" for d in DATES[:-1]]
    assert pending_dates(settings) == []
    assert [r["dt"] for r in list_reports(lake_copy)] == DATES[::-1]

    # A rerun rewrites the middle date's partitions: that report and every
    # later one (they read dates <= their own) are stale; the first is not.
    part = lake_copy / "curated" / "market_daily" / f"dt={DATES[1]}" / "part-0.parquet"
    st = part.stat()
    os.utime(part, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert pending_dates(settings) == days[1:]
    # A new curated date with no report is pending too.
    shutil.copytree(lake_copy / "curated" / "market_daily" / f"dt={DATES[-1]}",
                    lake_copy / "curated" / "market_daily" / "dt=2026-08-25")
    assert pending_dates(settings)[-1] == date(2026, 8, 25)


def test_title_families_in_the_views():
    from jobmarket.report.views import connect

    con = connect("/nonexistent-lake")
    cases = {
        "Senior Data Scientist, Growth": "Data Scientist",
        "Machine Learning Engineer": "ML Engineer",
        "Staff ML Platform Engineer": "ML Engineer",
        "Data Engineer II": "Data Engineer",
        "Analytics Engineer": "Analytics Engineer",
        "AI Engineer, Agents": "AI Engineer",
        "Software Engineer, LLM Inference": "AI Engineer",
        "Solutions Engineer, AI": "Other",
        "Research Scientist, Alignment": "Research Scientist",
        "Research Administrator - Neurology": "Other",
        "UX Researcher": "Other",
        "Applied Scientist, Ads": "ML Scientist",
        "Senior Business Intelligence Analyst": "Business Analyst",
        "Data Analyst II": "Data Analyst",
        "Property Tax Analyst": "Other Analyst",
        "SOC Analyst": "Other Analyst",
        "Account Executive": "Other",
    }
    got = {t: con.execute("SELECT title_family(?)", [t]).fetchone()[0] for t in cases}
    assert got == cases


def test_report_opens_with_what_was_read(built_report):
    """Most of the small lake is Greenhouse list responses (no descriptions): the report says
    so first, warns in the health section, and counts archetypes on read postings only."""
    import pandas as pd

    lake, html = built_report
    obs = pd.read_parquet(lake / "curated" / "observations" / f"dt={DATES[-1]}")
    read = obs[[not ({"title_only", "weak_evidence"} & set(f if f is not None else [])) for f in obs["tag_flags"]]]
    assert html.index('id="reading"') < html.index('id="mix"') < html.index('id="health"')
    reading = _section(html, "reading")
    assert f"Only {len(read):,} of {len(obs):,} open postings" in reading and 'class="warning"' in reading
    assert re.search(r"<td>greenhouse</td><td>3 of 3</td><td class=\"num\">\d+</td><td class=\"num\">0 \(0.0%\)", reading)
    health = _section(html, "health")
    assert 'class="warning"' in health and f"Descriptions read: {len(read):,} of {len(obs):,}" in health
    mix = _section(html, "mix")
    assert f"n = {len(read):,}" in mix
    for arch, n in read.groupby("archetype").size().items():
        assert re.search(rf"<td>{arch}</td><td class=\"num\">{n:,}</td>", mix), arch


def test_small_cells_are_greyed_and_n_is_on_every_chart(built_report):
    lake, html = built_report
    # The small lake has 1 read Data Scientist: no share, a greyed row, n in the chart.
    titles = _section(html, "titles")
    assert "Data Scientist (n=1, too few)" in titles
    assert re.search(r'<tr class="muted"><td>Data Scientist</td><td class="num">1</td><td>analytics 1</td>', titles)
    for sid in ("reading", "mix", "titles", "salary", "flow"):
        for caption in re.findall(r"<figcaption>(.*?)</figcaption>", _section(html, sid), re.S):
            assert re.search(r"n = |n in |n=|\(n ", caption), (sid, caption)


def test_figures_json_and_csv_beside_the_report(built_report):
    import csv

    lake, html = built_report
    folder = lake / "reports" / f"dt={DATES[-1]}"
    figs = json.loads((folder / "figures.json").read_text())
    names = {f["name"] for f in figs["figures"]}
    assert {"reading", "archetype_mix", "title_translator", "flow", "salary_share"} <= names
    assert figs["min_n"] == 10
    # one CSV link per chart, each to a file with the figure's rows
    assert html.count('class="csv"') == len(figs["figures"]) == html.count("<figure>")
    for f in figs["figures"]:
        assert f["definition"] and f["records"], f["name"]
        rows = list(csv.DictReader(open(folder / f["csv"], encoding="utf-8")))
        assert len(rows) == len(f["records"])
    reading = next(f for f in figs["figures"] if f["name"] == "reading")
    assert sum(r["open"] for r in reading["records"]) == reading["n"]
    # the latest/ copy carries them too
    assert (lake / "reports" / "latest" / "figures.json").is_file()


def test_only_http_links_are_links():
    from jobmarket.report.blocks import link

    assert link("x", "javascript:alert(1)")["href"] is None
    assert link("x", "data:text/html,hi")["href"] is None
    assert link("x", "https://example.com/j/1")["href"] == "https://example.com/j/1"
