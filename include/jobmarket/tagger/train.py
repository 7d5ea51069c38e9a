"""Refit the confidence calibration: ``python -m jobmarket.tagger.train``.

The archetype decision itself is a hand-written lexicon (data/archetype_lexicon.json);
the only fitted part is the map from scores to ``confidence``:

* body-tagged postings: logistic regression of "prediction is right" on the top
  probability, the margin to the runner-up and whether the title agrees with the body
  (``core.confidence_features``; 4 parameters; chosen by 5-fold cross-validated log-loss);
* title-only postings: the smoothed accuracy of the title rule per title archetype,
  capped at ``TITLE_ONLY_CAP`` so that title-only tags always read as low confidence.

Training rows: our own labels (data/own_labels.jsonl, and the ``tune`` half of
data/own_labels_2.jsonl; fixture references, no copied text) plus the ``tune`` half of the
shared development set. The ``holdout`` halves are never used here; report them with
``python -m jobmarket.tagger.cli evaluate FILE --split holdout``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from .core import _params, _tag, tag
from .evaluation import acceptable, load_rows
from .lexicon import ARCHETYPES, DATA_DIR

DEFAULT_SOURCES = [
    str(DATA_DIR / "own_labels.jsonl") + ":all",
    str(DATA_DIR / "own_labels_2.jsonl") + ":tune",
    str(Path(__file__).resolve().parents[3].parent / "shared/fixtures/postings/labelled_dev.jsonl")
    + ":tune",
]
TITLE_ONLY_CAP = 0.5


def _fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-4, iters: int = 50) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method (deterministic, tiny problem)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = l2 * np.diag(np.r_[np.ones(x.shape[1]), 0.0])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) / len(y) + reg @ w
        hess = (xb.T * (p * (1 - p))) @ xb / len(y) + reg + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit(sources: list[str]) -> dict:
    rows: list[dict] = []
    for spec in sources:
        path, _, split = (
            spec.rpartition(":")
            if spec.rsplit(":", 1)[-1] in ("all", "tune", "holdout")
            else (spec, "", "all")
        )
        rows.extend(load_rows(path, split))
    feats, ys = [], []
    title_hits: dict[str, list[int]] = {a: [0, 0] for a in ARCHETYPES}
    for r in rows:
        t, f = _tag(r.get("title"), r.get("description"))
        ok = float(t["archetype"] in acceptable(r))
        if f is None:  # title-only or weak evidence: calibrated separately below
            continue
        feats.append(f)
        ys.append(ok)
        tt = tag(r.get("title"), None)
        hits = title_hits[tt["archetype"]]
        hits[0] += int(tt["archetype"] in acceptable(r))
        hits[1] += 1
    w = _fit_logistic(np.array(feats), np.array(ys))
    overall = sum(h[0] for h in title_hits.values()) / max(
        1, sum(h[1] for h in title_hits.values())
    )
    title_conf = {
        a: round(min(TITLE_ONLY_CAP, (h + 4 * overall) / (n + 4)), 3)
        for a, (h, n) in title_hits.items()
    }
    digest = hashlib.sha1(json.dumps([feats, ys]).encode()).hexdigest()[:8]
    return {
        "version": f"2-{digest}",
        "n_body_rows": len(ys),
        "body_logistic": [round(float(v), 4) for v in w],
        "title_only": title_conf,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m jobmarket.tagger.train", description=__doc__.split("\n")[0]
    )
    ap.add_argument(
        "--labels",
        action="append",
        help="PATH[:all|tune|holdout]; repeatable (default: own labels + dev tune half)",
    )
    ap.add_argument(
        "--dry-run",
        action="store_true",
        help="print the fitted calibration, do not write params.json",
    )
    args = ap.parse_args(argv)
    cal = fit(args.labels or DEFAULT_SOURCES)
    print(json.dumps(cal, indent=1))
    if not args.dry_run:
        params = json.loads((DATA_DIR / "params.json").read_text("utf-8"))
        params["calibration"] = cal
        (DATA_DIR / "params.json").write_text(json.dumps(params, indent=1) + "\n", "utf-8")
        _params.cache_clear()
        print(f"wrote {DATA_DIR / 'params.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
