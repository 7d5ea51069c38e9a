"""Train the archetype model: ``jobmarket train`` (or ``python -m jobmarket.tagger.train``).

1. Every labelled posting (``dataset.labelled_rows``: the shared training and development
   sets and our own double-read labels) is analysed and turned into features.
2. Leave-one-source-out cross-validation gives every row a logit vector from a model that
   never saw its source; the temperature that calibrates confidence is fitted on those.
3. The final model is fitted on all rows with the same settings and written, with the
   temperature, to ``data/archetype_model.npz``.

The settings below were chosen by grouped cross-validation on the ``cv`` split only
(``jobmarket evaluate --cv``); the ``holdout`` split was scored once, after the choice.
Deterministic: same labels and code give the same weights (L-BFGS from zero, fixed order).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time

import numpy as np

import jobmarket.tagger.learn as learn

from .core import analyse
from .dataset import labelled_rows
from .evaluation import acceptable
from .features import features
from .model import MODEL_PATH, rounded, save

SETTINGS = {
    "min_df": 3,  # a feature must occur in 3 labelled postings (rarer ones only memorise)
    "l2": 3e-3,
    "balance": 1.0,  # each archetype weighs as much in the loss as any other (macro-F1)
    "second_weight": 0.0,  # a second acceptable label is not a training target
}
# Sources too small to be a fold of their own are held out together.
SMALL_GROUP = 20


def prepare(rows: list[dict]) -> list[dict[str, float]]:
    """Features of each row (title-only rows included: the model never sees them at run
    time, but excluding them would make the folds depend on the lexicon's gate)."""
    return [features(analyse(r.get("title"), r.get("description"))) for r in rows]


def folds(rows: list[dict]) -> list[str]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["group"]] = counts.get(r["group"], 0) + 1
    return [r["group"] if counts[r["group"]] >= SMALL_GROUP else "small sources" for r in rows]


def fit(rows: list[dict], feats: list[dict[str, float]], settings: dict = SETTINGS):
    vocab = learn.vocabulary(feats, settings["min_df"])
    index = {k: j for j, k in enumerate(vocab)}
    x = learn.design(feats, index)
    y = learn.targets(rows, settings["second_weight"])
    w, b = learn.fit_softmax(x, y, settings["l2"], learn.balanced_weights(y, settings["balance"]))
    return vocab, index, w, b


def out_of_fold(rows: list[dict], feats: list[dict[str, float]], settings: dict = SETTINGS,
                log=None) -> np.ndarray:
    """Logits of every row from a model fitted without the row's source."""
    group = folds(rows)
    z = np.zeros((len(rows), learn.K))
    for g in sorted(set(group)):
        train = [i for i, x in enumerate(group) if x != g]
        test = [i for i, x in enumerate(group) if x == g]
        _v, index, w, b = fit([rows[i] for i in train], [feats[i] for i in train], settings)
        z[test] = learn.logits(learn.design([feats[i] for i in test], index), w, b)
        if log:
            log(f"  fold {g}: {len(test)} rows held out")
    return z


def right_sets(rows: list[dict]) -> list[set[int]]:
    return [{learn.INDEX[a] for a in acceptable(r) if a in learn.INDEX} for r in rows]


def version_of(vocab: list[str], w, b, temperature: float) -> str:
    """A digest of what the model computes, as stored (vocabulary, rounded weights,
    temperature): a change of labels, settings or feature code that changes an output
    changes it."""
    w, b, temperature = rounded(w, b, temperature)
    ident = json.dumps([vocab, w, b, temperature], separators=(",", ":"))
    return hashlib.sha1(ident.encode()).hexdigest()[:10]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="jobmarket train", description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=["all", "cv"], default="all",
                    help="rows to train on (default all; cv leaves the holdout out)")
    ap.add_argument("--out", default=str(MODEL_PATH), help="where to write the model")
    args = ap.parse_args(argv)
    t0 = time.process_time()
    rows = [r for r in labelled_rows() if args.split == "all" or r["split"] == "cv"]
    feats = prepare(rows)
    print(f"{len(rows)} labelled postings, {len(set(folds(rows)))} source folds")
    z = out_of_fold(rows, feats, log=print)
    temperature = learn.fit_temperature(z, right_sets(rows))
    vocab, _index, w, b = fit(rows, feats)
    version = version_of(vocab, w, b, temperature)
    save(args.out, vocab, w, b, temperature, version)
    print(f"features {len(vocab)}, temperature {temperature:.3f}, version {version}")
    print(f"wrote {args.out} ({time.process_time() - t0:.0f} CPU s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
