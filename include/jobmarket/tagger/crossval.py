"""Grouped cross-validation and the holdout score: ``jobmarket evaluate --cv | --holdout``.

Every figure compares three taggers on the same rows: the trained model (out of fold:
each source is scored by a model fitted without it), the hand-written lexicon alone, and
the title rule alone (the baseline any body reading must beat).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

import jobmarket.tagger.learn as learn

from .core import _tag, analyse, tag
from .dataset import labelled_rows
from .evaluation import format_report, metrics
from .features import features
from .lexicon import ARCHETYPES
from .train import SETTINGS, fit, out_of_fold, right_sets


def _baselines(rows: list[dict]) -> tuple[list, list]:
    """(lexicon predictions, title-rule predictions), with their confidences."""
    lex, title = [], []
    for r in rows:
        t, _ = _tag(r.get("title"), r.get("description"), engine="lexicon")
        lex.append((t["archetype"], t["confidence"]))
        tt = tag(r.get("title"), None)
        title.append((tt["archetype"], tt["confidence"]))
    return lex, title


def _model_preds(rows, z: np.ndarray, temperature: float, analyses) -> list[tuple[str, float]]:
    """Out-of-fold model decisions, title-only rows decided as the tagger decides them."""
    p = learn.softmax(z, temperature)
    out = []
    for i, a in enumerate(analyses):
        if a.kind == "body":
            k = int(p[i].argmax())
            out.append((ARCHETYPES[k], float(p[i, k])))
        else:
            out.append((None, None))
    return out


def _score(rows, preds):
    return metrics(rows, [p for p, _ in preds], [c for _, c in preds])


def _per_source(rows, named_preds: dict[str, list]) -> str:
    by: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by[r["group"]].append(i)
    names = list(named_preds)
    head = f"{'source':<16}{'n':>5}" + "".join(f"{n + ' acc':>14}{n + ' F1':>13}" for n in names)
    out = [head]
    for g in sorted(by, key=lambda g: -len(by[g])):
        idx = by[g]
        line = f"{g:<16}{len(idx):>5}"
        for n in names:
            m = _score([rows[i] for i in idx], [named_preds[n][i] for i in idx])
            line += f"{m['accuracy']:>14.3f}{m['macro_f1']:>13.3f}"
        out.append(line)
    return "\n".join(out)


def _fill_title_only(model_preds, lex_preds):
    # rows the body cannot decide are tagged by the title rule in both taggers
    return [m if m[0] is not None else lx for m, lx in zip(model_preds, lex_preds, strict=True)]


def cv_report() -> str:
    rows = [r for r in labelled_rows() if r["split"] == "cv"]
    analyses = [analyse(r.get("title"), r.get("description")) for r in rows]
    feats = [features(a) for a in analyses]
    z = out_of_fold(rows, feats)
    temperature = learn.fit_temperature(z, right_sets(rows))
    lex, title = _baselines(rows)
    model = _fill_title_only(_model_preds(rows, z, temperature, analyses), lex)
    out = [
        f"grouped cross-validation: {len(rows)} labelled postings (cv split), leave one source "
        f"out, settings {SETTINGS}, temperature {temperature:.3f} (fitted on these out-of-fold "
        "logits; the shipped model's is fitted the same way)",
        format_report("trained model (out of fold)", _score(rows, model)),
        format_report("lexicon alone", _score(rows, lex)),
        format_report("title-only baseline", _score(rows, title)),
        "per source (held out as a whole):",
        _per_source(rows, {"model": model, "lexicon": lex, "title": title}),
    ]
    return "\n".join(out)


def holdout_report() -> str:
    rows = labelled_rows()
    train = [r for r in rows if r["split"] == "cv"]
    test = [r for r in rows if r["split"] == "holdout"]
    tr_an = [analyse(r.get("title"), r.get("description")) for r in train]
    tr_f = [features(a) for a in tr_an]
    temperature = learn.fit_temperature(out_of_fold(train, tr_f), right_sets(train))
    _v, index, w, b = fit(train, tr_f)
    te_an = [analyse(r.get("title"), r.get("description")) for r in test]
    z = learn.logits(learn.design([features(a) for a in te_an], index), w, b)
    lex, title = _baselines(test)
    model = _fill_title_only(_model_preds(test, z, temperature, te_an), lex)
    return "\n".join([
        f"holdout: {len(test)} labelled postings never used for any choice; model fitted on the "
        f"{len(train)} cv rows",
        format_report("trained model", _score(test, model)),
        format_report("lexicon alone", _score(test, lex)),
        format_report("title-only baseline", _score(test, title)),
    ])
