"""The trained archetype model: its fast encoder, its training, its labels, its outputs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from jobmarket.tagger import TAGGER_VERSION, learn, tag
from jobmarket.tagger.core import _tag, analyse
from jobmarket.tagger.dataset import labelled_rows, split_of
from jobmarket.tagger.evaluation import load_rows
from jobmarket.tagger.features import features
from jobmarket.tagger.lexicon import ARCHETYPES
from jobmarket.tagger.model import MODEL_PATH, load
from jobmarket.tagger.train import SETTINGS, fit, folds

DEV = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "postings" / "labelled_dev.jsonl"


def dev_rows() -> list[dict]:
    return load_rows(DEV)


@pytest.fixture(scope="module")
def rows():
    return labelled_rows()


def test_the_model_ships_and_names_the_tagger_version():
    m = load()
    assert MODEL_PATH.exists() and m is not None
    assert len(m.w) == len(m.names) and all(len(r) == len(ARCHETYPES) for r in m.w)
    assert f"model-{m.version}" in TAGGER_VERSION
    assert 0.3 < m.temperature < 3.0


def test_encoder_gives_exactly_the_features_the_model_knows():
    """The nightly encoder (lookups by parts) and the training features (names) agree."""
    m = load()
    for r in dev_rows()[:60]:
        a = analyse(r.get("title"), r.get("description"))
        cols, vals = m.encoder.encode(a)
        got = dict(zip(cols, vals, strict=True))
        assert len(got) == len(cols), "a column was encoded twice"
        want = {m.encoder_index[k]: v for k, v in features(a).items() if k in m.encoder_index}
        assert got.keys() == want.keys()
        for j, v in want.items():
            assert got[j] == pytest.approx(v)


def test_labels_are_unique_and_every_archetype_is_learnable(rows):
    ids = [str(r["id"]) for r in rows]
    assert len(ids) == len(set(ids))
    counts = Counter(r["archetype"] or r["acceptable"][0] for r in rows)
    assert set(counts) == set(ARCHETYPES)
    assert min(counts.values()) >= 50  # research is the rarest
    assert all(r["description"] for r in rows if r.get("ref"))


def test_own_pool_labels_were_read_twice_and_keep_disagreements(rows):
    pool = [r for r in rows if r.get("ref")]
    assert len(pool) >= 800
    for r in pool:
        assert len(r["readers"]) == 2
        assert set(r["readers"]) == set(r["acceptable"])  # a disagreement is a second label
        assert r["archetype"] in r["acceptable"]


def test_holdout_is_a_stable_eighth_chosen_by_id(rows):
    share = sum(r["split"] == "holdout" for r in rows) / len(rows)
    assert 0.09 < share < 0.16
    assert split_of("lieu2025-407704dc15") == split_of("lieu2025-407704dc15")


def test_folds_hold_whole_sources_out(rows):
    group = folds(rows)
    by = {}
    for r, g in zip(rows, group, strict=True):
        by.setdefault(r["group"], set()).add(g)
    assert all(len(v) == 1 for v in by.values())
    assert len(set(group)) >= 10


def test_fitting_is_deterministic():
    rs = dev_rows()
    feats = [features(analyse(r.get("title"), r.get("description"))) for r in rs]
    for r in rs:
        r.setdefault("group", "dev")
    settings = dict(SETTINGS, min_df=2)
    v1, _i1, w1, b1 = fit(rs, feats, settings)
    v2, _i2, w2, b2 = fit(rs, feats, settings)
    assert v1 == v2
    assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    # and it learns: the training rows are mostly reproduced
    x = learn.design(feats, {k: j for j, k in enumerate(v1)})
    pred = learn.logits(x, w1, b1).argmax(1)
    right = sum(ARCHETYPES[p] in (r.get("acceptable") or [r["archetype"]]) for p, r in zip(pred, rs, strict=True))
    assert right / len(rs) > 0.9


def test_temperature_makes_confidence_match_accuracy():
    """Logits twice as sharp as the truth: the fitted temperature undoes it, and the mean
    confidence then equals the share of right answers."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4000, 7)) * 3
    true_p = learn.softmax(z, 2.0)
    labels = [int(rng.choice(7, p=p)) for p in true_p]
    t = learn.fit_temperature(z, [{k} for k in labels])
    assert 1.7 < t < 2.3
    conf = learn.softmax(z, t).max(axis=1)
    accuracy = np.mean(z.argmax(axis=1) == np.array(labels))
    assert abs(conf.mean() - accuracy) < 0.03


def test_evidence_explains_the_winner_in_words_an_analyst_reads():
    r = tag(
        "Data Scientist",
        "<h3>What you'll do</h3><ul><li>Design and build batch and streaming pipelines in "
        "Spark and Kafka</li><li>Own our dbt models and the Snowflake warehouse</li>"
        "<li>Orchestrate ETL with Airflow and keep data SLAs</li></ul>"
        "<h3>Requirements</h3><ul><li>5 years of data engineering</li></ul>",
    )
    assert r["archetype"] == "data_engineer"
    ev = r["evidence"]["data_engineer"]
    assert ev and all(isinstance(e, str) and ":" not in e.split(" (")[0][:2] for e in ev)
    assert any("(duties)" in e or "lexicon" in e for e in ev)
    assert r["title_mismatch"] is True  # the body was read and disagrees with the title


def test_title_only_rows_keep_the_title_rule_and_a_capped_confidence():
    r = tag("Machine Learning Engineer", "")
    assert r["archetype"] == "ml_engineer" and r["confidence"] <= 0.5
    assert r["title_mismatch"] is False and "title_only" in r["flags"]


def test_lexicon_engine_is_still_available_as_the_baseline():
    t, _ = _tag("Data Engineer", "Build ETL pipelines with Spark and Airflow.", engine="lexicon")
    assert t["archetype"] == "data_engineer"
    assert json.dumps(t)  # serialisable as before


def test_a_retrained_model_is_a_new_tagger_version_so_the_tag_cache_retags(monkeypatch, tmp_path):
    """The nightly tag cache lives under cache/tags/tagger=<tagger_version>: a model with
    other weights must give another version, or old tags would be served for it."""
    from jobmarket.tagger import core, model
    from jobmarket.tagger.train import version_of

    m = load()
    before = core.tagger_version()
    w2 = [list(r) for r in m.w]
    w2[0][0] += 0.5
    v2 = version_of(m.names, w2, m.b, m.temperature)
    assert v2 != m.version
    path = tmp_path / "archetype_model.npz"
    model.save(path, m.names, w2, m.b, m.temperature, v2)
    monkeypatch.setattr(model, "MODEL_PATH", path)
    model.load.cache_clear()
    try:
        after = core.tagger_version()
        assert after != before and f"model-{v2}" in after
    finally:
        monkeypatch.undo()
        model.load.cache_clear()
    assert core.tagger_version() == before
