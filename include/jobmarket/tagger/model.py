"""The trained archetype model: load it and score one analysed posting.

A multinomial logistic regression over ``features.features`` (lexicon phrases per section,
the lexicon's own scores, title words), fitted by ``jobmarket train`` (``train.py``) on
every labelled posting, with a temperature fitted on out-of-fold predictions so that
``confidence`` is the chance the archetype shown is right.

The artifact is ``data/archetype_model.json``: the vocabulary, one row of seven weights
per feature, the bias, the temperature and a version that digests all of them; the
tagger version includes it, so the nightly tag cache retags when the model changes.
Scoring is plain Python: a posting touches a few dozen features, and numpy's import and
per-call overhead cost more than the arithmetic (``bench/bench_tagger.py --cli``).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from heapq import nlargest
from operator import itemgetter

from .features import Encoder
from .lexicon import ARCHETYPES, DATA_DIR

MODEL_PATH = DATA_DIR / "archetype_model.json"
_K = len(ARCHETYPES)
_GAP = itemgetter(1)


class Model:
    def __init__(self, vocab: list[str], w: list[list[float]], b: list[float],
                 temperature: float, version: str):
        self.encoder = Encoder(vocab)
        self.encoder_index = {k: i for i, k in enumerate(vocab)}
        self.names = vocab
        self.w = [tuple(row) for row in w]
        self.b = tuple(b)
        self.temperature = temperature
        self.version = version

    def logits(self, analysis) -> tuple[list[float], list[int], list[float]]:
        cols, vals = self.encoder.encode(analysis)
        z0, z1, z2, z3, z4, z5, z6 = self.b
        w = self.w
        for j, v in zip(cols, vals, strict=True):
            r0, r1, r2, r3, r4, r5, r6 = w[j]
            z0 += v * r0
            z1 += v * r1
            z2 += v * r2
            z3 += v * r3
            z4 += v * r4
            z5 += v * r5
            z6 += v * r6
        return [z0, z1, z2, z3, z4, z5, z6], cols, vals

    def predict(self, analysis) -> tuple[dict[str, float], list[tuple[str, float]]]:
        """Calibrated probabilities per archetype, and the features that pushed the winner
        above the runner-up (name, contribution to the logit gap), largest first."""
        z, cols, vals = self.logits(analysis)
        m, t = max(z), self.temperature
        e = [math.exp((x - m) / t) for x in z]
        s = sum(e)
        p = [x / s for x in e]
        # highest first, ties in ARCHETYPES order (sorted is stable)
        top, runner = sorted(range(_K), key=p.__getitem__, reverse=True)[:2]
        w, names = self.w, self.names
        gaps = [(j, v * (w[j][top] - w[j][runner])) for j, v in zip(cols, vals, strict=True)]
        drivers = [(names[j], g) for j, g in nlargest(12, gaps, key=_GAP) if g > 0.05]
        return dict(zip(ARCHETYPES, p, strict=True)), drivers


def save(path, vocab: list[str], w, b, temperature: float, version: str) -> None:
    """Write the model as JSON (weights rounded to 6 significant digits: the stored
    weights are the model, and its version digests them)."""
    doc = {
        "version": version,
        "archetypes": list(ARCHETYPES),
        "temperature": round(float(temperature), 6),
        "bias": [float(f"{x:.6g}") for x in b],
        "vocab": list(vocab),
        "weights": [[float(f"{x:.6g}") for x in row] for row in w],
    }
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, separators=(",", ":"))
        fh.write("\n")


def rounded(w, b, temperature: float):
    """The weights as ``save`` stores them (so the version digests what ships)."""
    return (
        [[float(f"{x:.6g}") for x in row] for row in w],
        [float(f"{x:.6g}") for x in b],
        round(float(temperature), 6),
    )


@lru_cache(maxsize=1)
def load() -> Model | None:
    """The shipped model, or None if it has not been trained (the lexicon decides then)."""
    if not MODEL_PATH.exists():
        return None
    with open(MODEL_PATH, encoding="utf-8") as fh:
        doc = json.load(fh)
    if doc["archetypes"] != list(ARCHETYPES):
        raise ValueError(f"{MODEL_PATH.name} was trained for other archetypes: retrain it")
    return Model(doc["vocab"], doc["weights"], doc["bias"], doc["temperature"], doc["version"])


# Feature names as an analyst reads them in ``evidence``.
_GROUP_NAME = {"r": "duties", "q": "requirements", "n": "nice-to-have"}


def readable(name: str) -> str:
    kind, _, rest = name.partition(":")
    if kind == "p":
        g, _, rest2 = rest.partition(":")
        return f"{rest2.partition(':')[2]} ({_GROUP_NAME.get(g, g)})"
    if kind == "s":
        arch, _, g = rest.partition(":")
        return f"{arch} vocabulary ({_GROUP_NAME.get(g, g)})"
    if kind == "t":
        return f"title: {rest.replace('_', ' ')}"
    if kind == "ta":
        return f"title reads as {rest}"
    if kind in ("lex", "lp"):
        return f"lexicon score: {rest}"
    return name
