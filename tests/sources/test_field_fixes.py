"""Fields the existing families got wrong on real recordings (issue 19, part 5):
where a posting is published (``url``) versus where to apply (``apply_url``),
JSON-LD summaries standing in for the posting text, Arbeitnow's promo line."""

from __future__ import annotations

import json

import pytest
from jobmarket.sources import BoardContext, get_adapter

from tests.support import BOARDS


def _parse(family: str, path: str, board: str = "b"):
    return get_adapter(family).parse((BOARDS / path).read_bytes(), BoardContext(family, board))


def test_apply_links_of_ats_families(fixtures_dir):
    lever = _parse("lever", "lever/plaid_postings_first20.json", "plaid")
    assert all(r["url"].startswith("https://jobs.lever.co/plaid/") for r in lever)
    assert all(r["apply_url"] == r["url"] + "/apply" for r in lever)
    ashby = _parse("ashby", "ashby/cursor_job_board.json", "cursor")
    assert all(r["apply_url"] == r["url"] + "/application" for r in ashby)
    greenhouse = _parse("greenhouse", "greenhouse/stripe_job_8026689_single.json", "stripe")
    assert [r["apply_url"] for r in greenhouse] == [None]  # the API gives no separate apply link


def test_remoteok_url_is_its_remote_ok_page(fixtures_dir):
    rows = _parse("remoteok", "remoteok/api_full_2026-05-16.json", "all")
    assert len(rows) == 99 and all(r["url"].lower().startswith("https://remoteok.com/remote-jobs/") for r in rows)
    assert all(r["apply_url"] for r in rows)
    # A job whose url points off Remote OK still gets its Remote OK page (their terms).
    data = json.loads((BOARDS / "remoteok/api_full_2026-05-16.json").read_bytes())
    job = dict(data[1], url="https://employer.example/careers/1", apply_url="https://employer.example/apply/1")
    (r,) = get_adapter("remoteok").parse(json.dumps([data[0], job]), BoardContext("remoteok", "all"))
    assert r["url"] == f"https://remoteok.com/remote-jobs/{job['slug']}"
    assert r["apply_url"] == "https://employer.example/apply/1"


def test_himalayas_url_is_the_himalayas_page(fixtures_dir):
    rows = _parse("himalayas", "other/himalayas_jobs_api_page1_2026-05.json", "all")
    assert all(r["url"].startswith("https://himalayas.app/companies/") for r in rows)
    assert all(r["apply_url"] for r in rows)


def test_jsonld_stub_description_takes_the_page_text(fixtures_dir):
    """The rebase page's JSON-LD description is a 150-character summary; the
    duties (职责描述) and requirements (岗位要求) are only in the page body."""
    body = (BOARDS / "jsonld/hire.rebase.network_jobs_1000.html").read_bytes()
    (r,) = get_adapter("jsonld").parse(body, BoardContext("jsonld", "rebase-1000"))
    assert len(r["description"]) > 2000
    assert "职责描述" in r["description"] and "熟练使用JMeter等工具进行性能测试与分析" in r["description"]
    assert "<" not in r["description"] and "--bg:" not in r["description"]  # no tags, no stylesheet


def test_jsonld_stub_built_from_a_real_posting(fixtures_dir):
    """A page built from the iCIMS recording's JSON-LD, its description cut to a
    53-character summary and the full text moved into <main>."""
    from bs4 import BeautifulSoup

    html = (BOARDS / "jsonld/icims_sig_job_jsonld_wrapper.html").read_text()
    soup = BeautifulSoup(html, "lxml")
    script = soup.find("script", attrs={"type": "application/ld+json"})
    posting = json.loads(script.string)
    full = posting["description"]
    posting["description"] = full[:53]
    page = (f"<html><head><script type='application/ld+json'>{json.dumps(posting)}</script></head>"
            f"<body><nav>Home | Careers | Login</nav><main>{full}</main><footer>© SIG</footer></body></html>")
    (r,) = get_adapter("jsonld").parse(page, BoardContext("jsonld", "icims"))
    assert r["description"].startswith("Overview") and len(r["description"]) > 3000
    assert "Login" not in r["description"] and "© SIG" not in r["description"]
    # A description that is the posting's own text stays as it is.
    (kept,) = get_adapter("jsonld").parse(html, BoardContext("jsonld", "icims"))
    assert kept["description"].startswith("Overview") and "Home | Careers" not in kept["description"]


@pytest.mark.parametrize("tail", [
    '<p>Find <a href="https://www.arbeitnow.com">Jobs in Germany</a> on Arbeitnow</a>',  # as recorded
    '&lt;p&gt;Find &lt;a href="https://www.arbeitnow.com"&gt;Jobs in Germany&lt;/a&gt; on Arbeitnow&lt;/p&gt;',
    "\nFind Jobs in Germany on Arbeitnow",
    "<p>Finde Jobs in Deutschland auf Arbeitnow</p>",
])
def test_arbeitnow_promo_line_is_dropped(fixtures_dir, tail):
    data = json.loads((BOARDS / "arbeitnow/job_board_api_subset3_breteai.json").read_bytes())
    rows = get_adapter("arbeitnow").parse(json.dumps(data), BoardContext("arbeitnow", "all"))
    assert len(rows) == 3 and not any("Arbeitnow" in r["description"] for r in rows)
    job = dict(data["data"][0])
    job["description"] = job["description"].rsplit("<p>Find", 1)[0] + tail
    (r,) = get_adapter("arbeitnow").parse(json.dumps({**data, "data": [job]}), BoardContext("arbeitnow", "all"))
    assert "Arbeitnow" not in r["description"] and r["description"].endswith("Raphael Halter, Verkaufsleiter")


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-01-15T10:00:00Z", "2026-01-15T10:00:00+00:00"),
    ("20260115", "2026-01-15T00:00:00+00:00"),          # a basic ISO date, not 1970-08-23 in seconds
    ("1736935200", "2025-01-15T10:00:00+00:00"),        # seconds
    (1736935200000, "2025-01-15T10:00:00+00:00"),       # milliseconds
    ("1736935200000000", "2025-01-15T10:00:00+00:00"),  # microseconds (was None)
    ("1736935200.5", "2025-01-15T10:00:00.500000+00:00"),
    ("٢٠٢٦", None),                                      # digits, but not ASCII ones (was 1970-01-01 00:33)
    ("2026-02-30", None),
    (True, None),
])
def test_to_utc_reads_dates_and_epochs(value, expected):
    from jobmarket.sources.base import to_utc

    got = to_utc(value)
    assert (got.isoformat() if got else None) == expected
