"""Property tests (issue #18): every adapter, on mutations of its real
recordings, never lets an exception escape, accounts for every posting
(a record, or a rejected object with a reason) and only returns records the
Parquet schema accepts.

The number of examples comes from the hypothesis profile (tests/sources/
conftest.py): ``ci`` (default, 200 per adapter, derandomized) or ``deep``
(``HYPOTHESIS_PROFILE=deep``).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobmarket.core.schema import RECORD_TABLE
from jobmarket.sources import BoardContext, ParseError, get_adapter

from tests.sources.mutations import CASES, FAMILIES, jobpostings, mutated, mutated_page

pytestmark = pytest.mark.usefixtures("fixtures_dir")
RUN: Counter = Counter()  # examples tried per family, for the closing check and the report
OUTCOMES: dict[str, Counter] = {}


def _record_schema():
    import pyarrow as pa

    schema = RECORD_TABLE.arrow_schema()
    return pa.schema([f for f in schema if f.name not in ("scraped_date", "run_id")])


def check(family: str, body: bytes, mutation, expected: int | None, allow_single_drift: bool) -> None:
    """The properties of one parse of a mutated response."""
    import pyarrow as pa
    from jobmarket.quality.rejects import quarantine_row

    outcomes = OUTCOMES.setdefault(family, Counter())
    try:
        out = get_adapter(family).parse_records(body, BoardContext(family=family, board="b"))
    except ParseError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(f"{family}/b: ")
        single_drift = allow_single_drift and mutation.kind == "delete" and "every posting lacks" in message
        assert mutation.scope in ("response", "body") or single_drift, f"{mutation}: board failed: {message}"
        outcomes["board_failed"] += 1
        return
    for r in out.rejected:
        assert r.reasons and all(isinstance(x, str) and x for x in r.reasons), r
        assert "parser_error" not in r.reasons, f"{mutation}: unexpected {r.detail}"
        q = quarantine_row(r, None, "t")
        json.loads(q["record_json"]) and json.loads(q["offending_values_json"])
    for row in out.rows:
        assert RECORD_TABLE.violations(row, skip=("scraped_date", "run_id")) == {}, row
    pa.Table.from_pylist(out.rows, schema=_record_schema())  # what the parse step writes
    if expected is not None:
        assert len(out.rows) + len(out.rejected) == expected, f"{mutation}: {len(out.rows)} + {len(out.rejected)}"
    outcomes["rejected"] += len(out.rejected)
    outcomes["rows"] += len(out.rows)


def _hn_check(body, mutation, doc) -> None:
    from tests.sources.mutations import CASES as cases

    case = next(c for c in cases if c.family == "hn")
    out_expected = case.expected(doc) if doc is not None else None
    outcomes = OUTCOMES.setdefault("hn", Counter())
    try:
        out = get_adapter("hn").parse_records(body, BoardContext(family="hn", board="b"))
    except ParseError as exc:
        assert mutation.scope in ("response", "body"), f"{mutation}: board failed: {exc}"
        outcomes["board_failed"] += 1
        return
    assert all(r.reasons and "parser_error" not in r.reasons for r in out.rejected), out.rejected
    for row in out.rows:
        assert RECORD_TABLE.violations(row, skip=("scraped_date", "run_id")) == {}, row
    comments = {r["native_id"].split("-")[0] for r in out.rows}
    if (out_expected is not None and mutation.path[-1:] == ("comment_text",)
            and mutation.kind in ("big", "type", "null", "delete", "object", "deep")):
        out_expected -= 1  # its new text ("xxx...", "", none) may no longer read as a job ad: then it is no post
    if out_expected is not None:  # a post naming several roles is several records
        assert len(comments) + len(out.rejected) >= out_expected, mutation
    outcomes["rows"] += len(out.rows)
    outcomes["rejected"] += len(out.rejected)


@pytest.mark.parametrize("family", [f for f in FAMILIES if f not in ("hn", "jsonld")])
def test_no_mutation_of_a_recording_escapes_as_an_exception(family):
    cases = [c for c in CASES if c.family == family]
    RUN[family] = 0

    @settings(settings.default)
    @given(st.sampled_from(cases).flatmap(lambda c: st.tuples(st.just(c), mutated(c))))
    def prop(drawn):
        case, (body, mutation, doc) = drawn
        RUN[family] += 1
        expected = case.expected(doc) if doc is not None else None
        check(family, body, mutation, expected, allow_single_drift=expected == 1)

    prop()
    assert RUN[family] >= settings.default.max_examples
    print(f"\n{family}: {RUN[family]} examples, {dict(OUTCOMES.get(family, {}))}")


def test_hn_thread_mutations():
    RUN["hn"] = 0
    case = next(c for c in CASES if c.family == "hn")

    @settings(settings.default)
    @given(mutated(case))
    def prop(drawn):
        RUN["hn"] += 1
        _hn_check(*drawn)

    prop()
    assert RUN["hn"] >= settings.default.max_examples
    print(f"\nhn: {RUN['hn']} examples, {dict(OUTCOMES.get('hn', {}))}")


def test_jsonld_page_mutations():
    RUN["jsonld"] = 0

    @settings(settings.default)
    @given(mutated_page())
    def prop(drawn):
        body, mutation, doc = drawn
        RUN["jsonld"] += 1
        n = jobpostings(doc)
        if n == 0:  # the page no longer carries a JobPosting: the board fails, saying so
            with pytest.raises(ParseError, match="carries no schema.org JobPosting|not valid JSON"):
                get_adapter("jsonld").parse_records(body, BoardContext(family="jsonld", board="b"))
            return
        check("jsonld", body, mutation, None, allow_single_drift=n == 1)

    prop()
    assert RUN["jsonld"] >= settings.default.max_examples
    print(f"\njsonld: {RUN['jsonld']} examples, {dict(OUTCOMES.get('jsonld', {}))}")


def test_cli_parse_ends_in_output_or_one_line_error(tmp_path, capsys):
    """`jobmarket parse --source FAMILY FILE` on broken input: records and
    one-line notes, or a one-line error and a non-zero exit; no traceback."""
    from jobmarket.cli import main

    from tests.support import BOARDS

    doc = json.loads((BOARDS / "ashby/cursor_job_board.json").read_text())
    doc["jobs"][0] = "not a job"
    doc["jobs"][1]["descriptionHtml"] = {"html": "<p>x</p>"}
    doc["jobs"][2]["title"] = ""
    bad = tmp_path / "cursor.json"
    bad.write_text(json.dumps(doc))
    assert main(["parse", "--source", "ashby", str(bad)]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == len(doc["jobs"]) - 2
    assert err.splitlines() == [
        "rejected: ashby:cursor:<no id>: posting:not_an_object",
        f"rejected: ashby:cursor:{doc['jobs'][2]['id']}: title:not_null",
    ]
    bad.write_bytes(json.dumps(doc).encode()[:5000])
    assert main(["parse", "--source", "ashby", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith("error: ashby/cursor: response is not valid JSON")
    bad.write_text('{"jobs": "many"}')
    assert main(["parse", "--source", "ashby", str(bad)]) == 1
    assert capsys.readouterr().err == "error: ashby/cursor: 'jobs' is str, expected a list\n"
