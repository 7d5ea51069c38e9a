"""Fitting the archetype model: multinomial logistic regression and temperature scaling.

Kept apart from ``model.py`` (which only predicts) so the nightly tagger never imports
scipy. Everything here is deterministic: L-BFGS from a zero start on a fixed row order.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import minimize, minimize_scalar

from .lexicon import ARCHETYPES

K = len(ARCHETYPES)
INDEX = {a: i for i, a in enumerate(ARCHETYPES)}


def vocabulary(feats: Sequence[dict[str, float]], min_df: int) -> list[str]:
    """Feature names present in at least ``min_df`` rows, in sorted order (stable)."""
    df = Counter(k for f in feats for k in f)
    return sorted(k for k, c in df.items() if c >= min_df)


def design(feats: Sequence[dict[str, float]], vocab: dict[str, int]) -> sparse.csr_matrix:
    rows, cols, vals = [], [], []
    for i, f in enumerate(feats):
        for k, v in f.items():
            j = vocab.get(k)
            if j is not None and v:
                rows.append(i)
                cols.append(j)
                vals.append(v)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(feats), len(vocab)))


def targets(rows: Sequence[dict], second_weight: float) -> np.ndarray:
    """Soft targets: the primary label, with ``second_weight`` of the mass on a second
    acceptable label where the readers accepted two."""
    y = np.zeros((len(rows), K))
    for i, r in enumerate(rows):
        acc = [a for a in (r.get("acceptable") or []) if a in INDEX]
        primary = r.get("archetype") if r.get("archetype") in INDEX else acc[0]
        others = [a for a in acc if a != primary]
        if others and second_weight > 0:
            y[i, INDEX[primary]] = 1 - second_weight
            for a in others:
                y[i, INDEX[a]] += second_weight / len(others)
        else:
            y[i, INDEX[primary]] = 1.0
    return y


def balanced_weights(y: np.ndarray, power: float) -> np.ndarray:
    """Row weights that give each class (by primary label) total mass ~ n_c^(1-power)."""
    cls = y.argmax(1)
    counts = np.bincount(cls, minlength=K).astype(float)
    w = (counts.mean() / np.maximum(counts, 1.0)) ** power
    return w[cls]


def fit_softmax(
    x: sparse.csr_matrix, y: np.ndarray, l2: float, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) minimising weighted cross-entropy + l2/2 |W|^2 (the bias is not penalised)."""
    n, f = x.shape
    sw = np.ones(n) if weights is None else weights
    sw = sw / sw.sum()
    xt = x.T.tocsr()

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[: f * K].reshape(f, K)
        b = theta[f * K :]
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        ez = np.exp(z)
        s = ez.sum(axis=1, keepdims=True)
        logp = z - np.log(s)
        val = -(sw * (y * logp).sum(axis=1)).sum() + 0.5 * l2 * (w * w).sum()
        g = (ez / s - y) * sw[:, None]
        gw = xt @ g + l2 * w
        return val, np.concatenate([gw.ravel(), g.sum(axis=0)])

    res = minimize(
        loss, np.zeros(f * K + K), jac=True, method="L-BFGS-B",
        options={"maxiter": 400, "gtol": 1e-6, "ftol": 1e-9},
    )
    theta = res.x
    return theta[: f * K].reshape(f, K), theta[f * K :]


def logits(x: sparse.csr_matrix, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(x @ w) + b


def softmax(z: np.ndarray, t: float = 1.0) -> np.ndarray:
    z = z / t
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(z: np.ndarray, right_label: list[set[int]]) -> float:
    """Temperature that minimises the log-loss of "the top class is right" on held-out
    logits: confidence is then the chance that the archetype shown is an acceptable one."""
    top = z.argmax(axis=1)
    ok = np.array([top[i] in right_label[i] for i in range(len(top))], dtype=float)

    def nll(log_t: float) -> float:
        p = softmax(z, math.exp(log_t)).max(axis=1).clip(1e-6, 1 - 1e-6)
        return float(-(ok * np.log(p) + (1 - ok) * np.log(1 - p)).mean())

    res = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    return math.exp(res.x)
