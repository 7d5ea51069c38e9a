"""Role-archetype tagger: accuracy on held-out labels, decision rules, bad input, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jobmarket.tagger import ARCHETYPES, TAGGER_VERSION, tag, tag_many
from jobmarket.tagger.evaluation import evaluate, load_rows

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / "shared" / "fixtures"
DEV = FIXTURES / "postings" / "labelled_dev.jsonl"
OWN = ROOT / "include" / "jobmarket" / "tagger" / "data" / "own_labels.jsonl"
needs_fixtures = pytest.mark.skipif(not DEV.exists(), reason="shared fixtures not mounted")

DE_BODY = """<h3>About the role</h3><p>You will build the data platform.</p>
<h3>Responsibilities</h3><ul><li>Build and operate batch and streaming data pipelines with Spark, Kafka and Airflow</li>
<li>Model data in dbt on Snowflake; own data quality and SLAs</li></ul>
<h3>Requirements</h3><ul><li>5+ years of experience in data engineering</li><li>Python and SQL</li></ul>
<p>We are an equal opportunity employer and value diversity.</p>"""


def _dev_rows(split: str) -> list[dict]:
    return load_rows(DEV, split)


# --- accuracy a user would notice ---------------------------------------------------------


@needs_fixtures
def test_holdout_half_of_dev_set_beats_title_baseline_and_floor():
    res = evaluate(_dev_rows("holdout"))
    assert res["tagger"]["macro_f1"] >= 0.80
    assert res["tagger"]["accuracy"] >= 0.82
    assert res["tagger"]["macro_f1"] > res["title_baseline"]["macro_f1"]


@needs_fixtures
def test_own_labelled_board_postings():
    res = evaluate(load_rows(OWN))
    assert res["tagger"]["accuracy"] >= 0.85


@needs_fixtures
@pytest.mark.parametrize(
    ("posting_id", "expected"),
    [
        ("lica2024-30", "analytics"),  # "Data Scientist, Product Analytics": experiments, metrics
        ("gd2020-472", "other"),  # research scientist in cancer biology: research outside ML
        ("lieu2025-493", "other"),  # data entry clerk
        ("li2021de-24", "data_engineer"),
        ("jsearch2025-155", "research"),
        ("indeed2026-4", "ml_engineer"),  # MLOps
    ],
)
def test_specific_dev_postings(posting_id, expected):
    row = next(r for r in load_rows(DEV) if r["id"] == posting_id)
    assert tag(row["title"], row["description"])["archetype"] == expected


@needs_fixtures
def test_confidence_is_meaningful_on_dev():
    res = evaluate(_dev_rows("all"))
    high = [b for b in res["tagger"]["calibration"] if b["bin"] in ("0.9-1.0",)]
    assert high and high[0]["accuracy"] >= 0.85
    assert res["tagger"]["ece"] < 0.15


# --- decision rules from archetypes.md ----------------------------------------------------


def test_body_decides_over_title():
    r = tag("Data Scientist", DE_BODY)
    assert r["archetype"] == "data_engineer"
    assert r["title_archetype"] == "applied_ml" and r["title_mismatch"] is True
    # the winner's evidence is the trained model's reasons, as readable phrases
    assert any("dbt" in e or "airflow" in e for e in r["evidence"]["data_engineer"])


def test_manager_takes_archetype_of_team():
    r = tag(
        "Manager, Data Engineering",
        DE_BODY.replace("You will build", "You will lead the team that builds"),
    )
    assert r["archetype"] == "data_engineer"
    assert r["seniority"] == "manager"


def test_swe_mentioning_ml_in_passing_is_other():
    body = """<h3>What you'll do</h3><ul><li>Build React front-end features and REST APIs in TypeScript and Node.js</li>
    <li>Write unit tests, do code reviews, improve web performance</li><li>Work with designers on the UI</li></ul>
    <h3>Nice to have</h3><ul><li>Familiarity with machine learning is a plus</li></ul>"""
    assert tag("Software Engineer", body)["archetype"] == "other"


def test_llm_product_work_is_ai_engineer_not_ml_engineer():
    body = """<h3>Responsibilities</h3><ul><li>Build LLM-powered features on the OpenAI and Anthropic APIs</li>
    <li>Design prompts, retrieval-augmented generation (RAG) over a vector database, and tool-using agents</li>
    <li>Build evals to measure hallucination rates and LLM output quality</li></ul>"""
    r = tag("Machine Learning Engineer", body)
    assert r["archetype"] == "ai_engineer"
    names = {s["name"] for s in r["skills"]}
    assert {"rag", "vector_database"} <= names


def test_publications_and_novel_methods_are_research():
    body = """<h3>About the role</h3><p>Conduct fundamental research on novel architectures for large models.</p>
    <ul><li>Publish at NeurIPS, ICML and ICLR</li><li>PhD in machine learning required</li>
    <li>Deep learning, pretraining, scaling laws, state of the art methods</li></ul>"""
    r = tag("Scientist", body)
    assert r["archetype"] == "research"
    assert r["degree"] == "phd_required"


def test_serving_and_scaling_models_is_ml_engineer():
    body = """<h3>What you'll do</h3><ul><li>Own model serving and inference latency for our ML platform</li>
    <li>Build training pipelines, the feature store and model monitoring on Kubernetes</li>
    <li>CI/CD for models with MLflow and Kubeflow</li></ul>"""
    assert tag("Engineer", body)["archetype"] == "ml_engineer"


# --- skills ---------------------------------------------------------------------------------


def _skills(text: str) -> set[str]:
    return {s["name"] for s in tag("Engineer", text)["skills"]}


def test_skill_aliases_map_to_canonical_names():
    names = _skills("Experience with PySpark and Apache Spark, k8s, Postgres and Power BI.")
    assert {"spark", "kubernetes", "postgresql", "power_bi"} <= names
    cats = {
        s["name"]: s["category"]
        for s in tag("x", "Spark, Tableau, PyTorch, MLflow, LangChain, A/B testing, AWS, Python")[
            "skills"
        ]
    }
    assert cats == {
        "spark": "data_infrastructure",
        "tableau": "bi",
        "pytorch": "dl_frameworks",
        "mlflow": "mlops",
        "langchain": "llm_tooling",
        "ab_testing": "stats_experimentation",
        "aws": "cloud",
        "python": "languages",
    }


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("Our R&D team ships medical devices.", set(), {"r"}),
        ("Strong skills in Python or R for statistics.", {"python", "r"}, set()),
        ("Python, R, SQL", {"python", "r", "sql"}, set()),
        ("Own our go to market motion and go-to-market plans.", set(), {"go"}),
        ("Services are written in Go and Python.", {"go", "python"}, set()),
        ("golang microservices", {"go"}, set()),
        ("sparkling water and a scalable mindset", set(), {"spark", "scala"}),
        ("ALL LOWER CASE: python or r, pyspark", {"python", "r", "spark"}, set()),
    ],
)
def test_skill_word_boundaries(text, present, absent):
    names = _skills(text)
    assert present <= names
    assert not (absent & names)


# --- extraction -------------------------------------------------------------------------------


def test_years_seniority_degree():
    r = tag("Sr. Data Engineer", DE_BODY)
    assert (
        r["min_years_experience"] == 5
        and r["seniority"] == "senior"
        and r["degree"] == "not_mentioned"
    )
    assert (
        tag("Data Science Intern", "Pursuing a PhD or Master's; PhD preferred.")["seniority"]
        == "intern"
    )
    assert (
        tag("Scientist", "<ul><li>PhD preferred, or MS with 3 years of experience</li></ul>")[
            "degree"
        ]
        == "phd_preferred"
    )
    assert tag("Director of Analytics", None)["seniority"] == "director_plus"
    assert tag("Staff ML Engineer", None)["seniority"] == "staff_principal"


# --- bad input ------------------------------------------------------------------------------


def _valid(r: dict) -> None:
    assert r["archetype"] in ARCHETYPES
    assert r["secondary"] is None or r["secondary"] in ARCHETYPES
    assert 0.0 <= r["confidence"] <= 1.0
    assert set(r["scores"]) == set(ARCHETYPES)
    assert abs(sum(r["scores"].values()) - 1.0) < 1e-3
    assert r["degree"] in ("phd_required", "phd_preferred", "not_mentioned")
    assert r["tagger_version"] == TAGGER_VERSION
    json.dumps(r)


@pytest.mark.parametrize("desc", [None, "", "   \n  ", 12345])
def test_no_description_is_title_only_low_confidence(desc):
    r = tag("Senior Data Engineer", desc)
    _valid(r)
    assert r["archetype"] == "data_engineer"
    assert "title_only" in r["flags"] and "empty_description" in r["flags"]
    assert r["confidence"] <= 0.5
    assert r["skills"] == [] and r["evidence"] == {} and r["min_years_experience"] is None


def test_nothing_at_all():
    r = tag(None, None)
    _valid(r)
    assert r["archetype"] == "other" and r["title_archetype"] is None and r["confidence"] <= 0.5


def test_boilerplate_only_description():
    eeo = (
        "<p>We are an equal opportunity employer. All qualified applicants will receive consideration without "
        "regard to race, color, religion, sex, sexual orientation, gender identity or protected veteran status.</p>"
        "<p>Benefits include health insurance, dental and 401(k) matching, paid time off.</p>"
    )
    r = tag("Machine Learning Engineer", eeo)
    _valid(r)
    assert "boilerplate_only" in r["flags"] and "title_only" in r["flags"]
    assert r["archetype"] == "ml_engineer" and r["confidence"] <= 0.5


def test_html_and_text_agree_and_entities_are_decoded():
    html = DE_BODY
    text = "Responsibilities\n- Build and operate batch and streaming data pipelines with Spark, Kafka and Airflow\n- Model data in dbt on Snowflake; own data quality and SLAs"
    assert (
        tag("Data Engineer", html)["archetype"]
        == tag("Data Engineer", text)["archetype"]
        == "data_engineer"
    )
    escaped = DE_BODY.replace("<", "&lt;").replace(">", "&gt;")  # Greenhouse `content`
    r = tag("Data Engineer", escaped)
    assert r["archetype"] == "data_engineer" and "dbt" in {s["name"] for s in r["skills"]}


def test_all_lower_case_posting():
    r = tag("data engineer", DE_BODY.lower())
    assert r["archetype"] == "data_engineer"


def test_mojibake_is_repaired():
    body = "Weâ€™re hiring a data engineer â€” youâ€™ll build ETL pipelines in Airflow and dbt on Snowflake for SÃ£o Paulo."
    r = tag("Data Engineer", body)
    assert "mojibake_fixed" in r["flags"]
    assert r["archetype"] == "data_engineer" and "airflow" in {s["name"] for s in r["skills"]}


def test_very_long_body_is_truncated_and_fast():
    import time

    body = "<p>" + "Build Spark and Kafka pipelines and model data in dbt. " * 4000 + "</p>"
    assert len(body) > 200_000
    t0 = time.perf_counter()
    r = tag("Data Engineer", body)
    assert time.perf_counter() - t0 < 1.0
    assert "truncated" in r["flags"] and r["archetype"] == "data_engineer"


def test_non_english_posting_is_flagged_and_tagged():
    de = (
        "Wir suchen einen Data Engineer (m/w/d) für unser Team in Berlin. Du baust und betreibst ETL-Pipelines "
        "mit Spark, Kafka und Airflow und modellierst Daten in dbt auf Snowflake. Du hast Erfahrung mit Python und "
        "SQL und arbeitest eng mit dem Analytics-Team zusammen. Wir bieten dir flexible Arbeitszeiten."
    )
    r = tag("Data Engineer (m/w/d)", de)
    _valid(r)
    assert r["language"] == "non_en" and "non_english" in r["flags"]
    assert r["archetype"] == "data_engineer"
    assert {"spark", "kafka", "airflow", "dbt"} <= {s["name"] for s in r["skills"]}
    assert tag("Data Engineer", DE_BODY)["language"] == "en"


def test_garbage_never_crashes():
    for body in [
        "<<<>>>",
        "<div><p></p></div>",
        "\x00\x01 binary \ufffd",
        "é" * 5000,
        "<script>alert(1)</script>",
    ]:
        _valid(tag("Analyst", body))


def test_deterministic_and_tag_many_matches_tag():
    rows = [
        ("Data Engineer", DE_BODY),
        ("Data Analyst", "Build Tableau dashboards and run A/B tests."),
        (None, None),
    ]
    assert tag_many(rows) == [tag(t, d) for t, d in rows] == tag_many(rows)


# --- CLI --------------------------------------------------------------------------------------


def test_cli_tag_prints_one_json_line_per_input(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": "a", "title": "Data Engineer", "description": DE_BODY},
                {"id": "b", "title": "Account Executive", "description": None},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "jobmarket.tagger.cli", "tag", str(src)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"]
    assert lines[0]["archetype"] == "data_engineer" and lines[1]["archetype"] == "other"
    for x in lines:
        assert {"secondary", "confidence", "skills", "flags", "tagger_version"} <= set(x)
    stdin = subprocess.run(
        [sys.executable, "-m", "jobmarket.tagger.cli", "tag", "-"],
        input=src.read_text(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert stdin.stdout == out.stdout


@pytest.mark.parametrize(("body", "stdout_lines", "error"), [
    (b"\xef\xbb\xbf" + b'{"id": "a", "title": "Data Engineer"}\n\n{"id": "b"}\n', 2, None),  # a BOM is fine
    (b'{"id": "a"}\n\n\xff\xfe\n', 1, "error: line 3: not UTF-8"),  # blank lines count
    (b'{"id": "a"}\n{"id": \n', 1, "error: line 2: not valid JSON (Expecting value: line 1 column 8"),
    (b"[" * 100_000 + b"]" * 100_000 + b"\n", 0, "error: line 1: not valid JSON (maximum recursion depth"),
    (b'["not", "an object"]\n', 0, "error: line 1: not a JSON object"),
    (b'{"id": "\\ud800", "title": "Data Engineer"}\n', 1, None),  # a lone surrogate id is escaped
])
def test_cli_tag_bad_input_is_a_one_line_error(tmp_path, body, stdout_lines, error):
    src = tmp_path / "in.jsonl"
    src.write_bytes(body)
    out = subprocess.run([sys.executable, "-m", "jobmarket.tagger.cli", "tag", str(src)],
                         capture_output=True, timeout=60)
    assert len(out.stdout.decode("utf-8").splitlines()) == stdout_lines
    if error is None:
        assert out.returncode == 0 and out.stderr == b""
    else:
        assert out.returncode == 2 and out.stderr.decode().startswith(error), out.stderr
        assert len(out.stderr.decode().splitlines()) == 1, "one line, no traceback"


def test_cli_tag_unreadable_file_is_a_one_line_error(tmp_path):
    for path, says in ((tmp_path / "missing.jsonl", "No such file"), (tmp_path, "Is a directory")):
        out = subprocess.run([sys.executable, "-m", "jobmarket.tagger.cli", "tag", str(path)],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 2 and out.stderr.startswith(f"error: cannot read {path}") and says in out.stderr


@needs_fixtures
def test_cli_evaluate_prints_report():
    out = subprocess.run(
        [sys.executable, "-m", "jobmarket.tagger.cli", "evaluate", str(DEV), "--split", "holdout"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    for needle in (
        "accuracy=",
        "macro-F1=",
        "confusion",
        "calibration",
        "title-only baseline",
        "data_engineer",
    ):
        assert needle in out.stdout
