"""The tagger's output, byte for byte, must not change unless it is meant to.

Speed work on the tagger (``jobmarket.tagger.core``, ``text``, ``lexicon``, ``extract``,
``title``) has to leave every result identical. These tests recompute ``tag()`` on a fixed
set of inputs and compare a SHA-256 digest of the canonical JSON of all results (keys
sorted, one line per result, in input order) with the digest the tagger produced before
the speed work, then re-recorded when the trained model took over the decision (issue #13).

* ``DEV_DIGEST``: every posting of the shared labelled development set
  (``fixtures/postings/labelled_dev.jsonl``, read at test time, never copied here), each
  tagged three ways: as recorded, with its tags replaced by newlines (plain text) and
  entity-escaped (``&lt;p&gt;...``, as some boards send it).
* ``EDGE_DIGEST``: the small, odd inputs in ``EDGE_CASES`` below (no fixtures needed).

When the tagger is changed on purpose (lexicon, skills, params or calibration data, or a
rule), these digests change too. Then check that the new results are the intended ones
(for example with ``python -m jobmarket.tagger.cli evaluate``), print the new digests with

    .venv/bin/python tests/tagger/test_tagger_stable_output.py

and replace ``DEV_DIGEST`` / ``EDGE_DIGEST`` below, saying in the commit why the output
changed. A changed digest in a change that was only meant to be faster is a bug.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "fixtures" / "postings" / "labelled_dev.jsonl"

DEV_DIGEST = "52471e2167bc89597b3691fc3db22d52c510cd2b16fbc6c5d2d02321293be166"
EDGE_DIGEST = "30592ec37a4e204baa3b338741eef69119eaabe8dfd423b0c9a40852ede9f5f9"

_TAG = re.compile(r"<[^>]*>")

EDGE_CASES: list[tuple[object, object]] = [
    (None, None),
    ("", ""),
    ("Data Engineer", None),
    ("Data Engineer", "   \n\t  "),
    (None, "Python and R"),
    ("R developer", "r"),
    ("Go developer", "Services written in Go, Java/Go; go to market"),
    ("x", 12345),
    (42, "python"),
    ("Data Engineer", "<p></p><br/>"),
    ("Data Engineer", "&lt;p&gt;Build &amp;amp; run ETL with Spark&lt;/p&gt;"),
    ("Data Engineer", "<script>var x='<p>spark</p>';</script><p>Airflow &amp; dbt</p>"),
    ("HTML-ish", "<div>a < b and c > d</div><p>x<y</p><Li>SQL<li>Python</LI>"),
    ("Mojibake", "Weâ€™re hiring a Data Engineer â€” Spark, SQL. Ã¼ber Â· pytorch"),
    ("Blanks", "\u00a0\u200b spark \u00a0 kafka\r\n\r\n\u200b  dbt\f\v  airflow"),
    (
        "Research Scientist",
        "Responsibilities:\nPublish research on LLMs\nRequirements:\nPhD in CS\n"
        "Nice to have:\nPh.D. preferred\n5+ years of experience\nBenefits\n401k and dental",
    ),
    (
        "Daten Ingenieur",
        "Wir suchen einen Dateningenieur und der die das mit für wir sie ist ein eine "
        "zu von auf bei den dem des nicht oder Spark und SQL. " * 3,
    ),
    ("数据工程师", "我们正在寻找数据工程师，熟悉 Spark、Kafka 和 SQL。五年以上经验。"),
    ("Long", "<p>" + "Build Spark and Kafka pipelines; model data in dbt. " * 2000 + "</p>"),
    ("Very long", "x" * 200_000),
    ("Lines", "Requirements:\n" * 500),
]


def digest(results: Iterable[dict]) -> str:
    h = hashlib.sha256()
    for r in results:
        h.update(json.dumps(r, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n")
    return h.hexdigest()


def dev_inputs(path: Path = DEV) -> list[tuple[object, object]]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            title, body = r.get("title"), r.get("description")
            rows.append((title, body))
            if isinstance(body, str):
                rows.append((title, _TAG.sub("\n", body)))
                rows.append((title, html.escape(body)))
    return rows


def dev_digest(tag: Callable[[object, object], dict], path: Path = DEV) -> str:
    return digest(tag(t, d) for t, d in dev_inputs(path))


def edge_digest(tag: Callable[[object, object], dict]) -> str:
    return digest(tag(t, d) for t, d in EDGE_CASES)


@pytest.mark.skipif(not DEV.exists(), reason="shared fixtures not mounted")
def test_dev_postings_tag_exactly_as_before():
    from jobmarket.tagger import tag

    assert dev_digest(tag) == DEV_DIGEST


def test_edge_cases_tag_exactly_as_before():
    from jobmarket.tagger import tag

    assert edge_digest(tag) == EDGE_DIGEST


if __name__ == "__main__":
    from jobmarket.tagger import tag

    if DEV.exists():
        print(f'DEV_DIGEST = "{dev_digest(tag)}"')
    print(f'EDGE_DIGEST = "{edge_digest(tag)}"')
