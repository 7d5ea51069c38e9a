"""The trained archetype model: load it and score one analysed posting.

A multinomial logistic regression over ``features.features`` (lexicon phrases per section,
the lexicon's own scores, title words), fitted by ``jobmarket train``
(``train.py``) on every labelled posting, with a temperature fitted on out-of-fold
predictions so that ``confidence`` is the chance the archetype shown is right.

The artifact is ``data/archetype_model.npz``: the vocabulary, the weights (float32), the
bias, the temperature and a version string that names the training data and settings;
the tagger version includes it, so the nightly tag cache retags when the model changes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .features import Encoder
from .lexicon import ARCHETYPES, DATA_DIR

MODEL_PATH = DATA_DIR / "archetype_model.npz"


class Model:
    def __init__(self, vocab: list[str], w: np.ndarray, b: np.ndarray, temperature: float,
                 version: str):
        self.encoder = Encoder(vocab)
        self.encoder_index = {k: i for i, k in enumerate(vocab)}
        self.names = vocab
        self.w = w
        self.b = b
        self.temperature = temperature
        self.version = version

    def predict(self, analysis) -> tuple[dict[str, float], list[tuple[str, float]]]:
        """Calibrated probabilities per archetype, and the features that pushed the winner
        above the runner-up (name, contribution to the logit gap), largest first."""
        idx, vals = self.encoder.encode(analysis)
        v = np.array(vals, dtype=np.float32)
        rows = self.w[idx]
        z = v @ rows + self.b
        p = np.exp((z - z.max()) / self.temperature)
        p /= p.sum()
        order = np.argsort(-p, kind="stable")
        top, runner = int(order[0]), int(order[1])
        gap = v * (rows[:, top] - rows[:, runner])
        drivers = [
            (self.names[idx[i]], float(gap[i]))
            for i in np.argsort(-gap, kind="stable")[:12]
            if gap[i] > 0.05
        ]
        return dict(zip(ARCHETYPES, p.tolist(), strict=True)), drivers


def save(path, vocab: list[str], w: np.ndarray, b: np.ndarray, temperature: float,
         version: str) -> None:
    with open(path, "wb") as fh:  # (a file object: numpy would add ".npz" to a bare path)
        np.savez_compressed(
            fh,
            vocab=np.array(vocab),
            w=w.astype(np.float32),
            b=b.astype(np.float32),
            temperature=np.float64(temperature),
            version=np.array(version),
        )


@lru_cache(maxsize=1)
def load() -> Model | None:
    """The shipped model, or None if it has not been trained (the lexicon decides then)."""
    if not MODEL_PATH.exists():
        return None
    with np.load(MODEL_PATH, allow_pickle=False) as z:
        return Model(
            [str(v) for v in z["vocab"]],
            z["w"],
            z["b"],
            float(z["temperature"]),
            str(z["version"]),
        )


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
