"""Accuracy, macro-F1, per-archetype P/R/F1, confusion matrix and calibration table.

A prediction is right when it is in the row's ``acceptable`` list (annotators may accept
two labels); for per-class figures the gold label of a row is the prediction when that
is acceptable, else the first acceptable label.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from .core import _tag, tag
from .lexicon import ARCHETYPES

CAL_BINS = [(0.0, 0.3), (0.3, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0001)]


def split_of(posting_id: str) -> str:
    """Stable tune/holdout half by id hash (independent of file order)."""
    h = int(hashlib.sha1(str(posting_id).encode("utf-8")).hexdigest(), 16)
    return "tune" if h % 2 == 0 else "holdout"


def load_rows(path: str | Path, split: str = "all") -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                if split == "all" or split_of(r.get("id", "")) == split:
                    rows.append(r)
    _resolve_bodies(rows)
    return rows


def _resolve_bodies(rows: list[dict]) -> None:
    """Own labels store a fixture reference (source, id), not the third-party text."""
    refs = {(r["source"], str(r["id"])) for r in rows if "description" not in r and r.get("source")}
    if not refs:
        return
    from .corpus import iter_board_postings

    bodies = {
        (p["source"], p["id"]): p["description"]
        for p in iter_board_postings(sources=sorted({s for s, _ in refs}))
        if (p["source"], p["id"]) in refs
    }
    missing = refs - bodies.keys()
    if missing:
        raise FileNotFoundError(
            f"{len(missing)} labelled postings not found in the fixtures, e.g. {sorted(missing)[0]}"
        )
    for r in rows:
        if "description" not in r and r.get("source"):
            r["description"] = bodies[(r["source"], str(r["id"]))]


def acceptable(row: dict) -> list[str]:
    acc = list(row.get("acceptable") or [])
    if not acc and row.get("archetype"):
        acc = [row["archetype"]]
    return acc


def metrics(rows: list[dict], preds: list[str], confs: list[float]) -> dict:
    golds, right = [], []
    for row, p in zip(rows, preds, strict=True):
        acc = acceptable(row)
        ok = p in acc
        right.append(ok)
        golds.append(p if ok else (row.get("archetype") or acc[0]))
    n = len(rows)
    per = {}
    for a in ARCHETYPES:
        tp = sum(1 for g, p in zip(golds, preds, strict=True) if g == a and p == a)
        fp = sum(1 for g, p in zip(golds, preds, strict=True) if g != a and p == a)
        fn = sum(1 for g, p in zip(golds, preds, strict=True) if g == a and p != a)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[a] = {
            "precision": prec,
            "recall": rec,
            "f1": f1,
            "support": tp + fn,
            "predicted": tp + fp,
        }
    present = [a for a in ARCHETYPES if per[a]["support"] or per[a]["predicted"]]
    macro = sum(per[a]["f1"] for a in present) / len(present) if present else 0.0
    confusion = {g: {p: 0 for p in ARCHETYPES} for g in ARCHETYPES}
    for g, p in zip(golds, preds, strict=True):
        confusion[g][p] += 1
    cal = []
    for lo, hi in CAL_BINS:
        idx = [i for i, c in enumerate(confs) if lo <= c < hi]
        if idx:
            cal.append(
                {
                    "bin": f"{lo:.1f}-{min(hi, 1.0):.1f}",
                    "n": len(idx),
                    "mean_confidence": sum(confs[i] for i in idx) / len(idx),
                    "accuracy": sum(right[i] for i in idx) / len(idx),
                }
            )
    ece = sum(b["n"] * abs(b["mean_confidence"] - b["accuracy"]) for b in cal) / n if n else 0.0
    # the usual definition too: ten equal-width bins
    ece10 = 0.0
    for k in range(10):
        idx = [i for i, c in enumerate(confs) if k / 10 <= c < (k + 1) / 10 or (k == 9 and c >= 1.0)]
        if idx:
            gap = sum(confs[i] for i in idx) / len(idx) - sum(right[i] for i in idx) / len(idx)
            ece10 += len(idx) * abs(gap) / n
    return {
        "n": n,
        "accuracy": sum(right) / n if n else 0.0,
        "macro_f1": macro,
        "per_archetype": per,
        "confusion": confusion,
        "calibration": cal,
        "ece": ece,
        "ece10": ece10,
        "right": right,
    }


def evaluate(rows: list[dict]) -> dict:
    tagged = [tag(r.get("title"), r.get("description")) for r in rows]
    body = metrics(rows, [t["archetype"] for t in tagged], [t["confidence"] for t in tagged])
    title_only = [tag(r.get("title"), None) for r in rows]
    base = metrics(
        rows, [t["archetype"] for t in title_only], [t["confidence"] for t in title_only]
    )
    lex = [_tag(r.get("title"), r.get("description"), engine="lexicon")[0] for r in rows]
    lexm = metrics(rows, [t["archetype"] for t in lex], [t["confidence"] for t in lex])
    return {"tagger": body, "lexicon": lexm, "title_baseline": base, "tagged": tagged}


def format_report(name: str, m: dict) -> str:
    out = [
        f"== {name}: n={m['n']}  accuracy={m['accuracy']:.3f}  macro-F1={m['macro_f1']:.3f}  "
        f"ECE={m['ece']:.3f} (10 equal bins: {m['ece10']:.3f})",
        f"{'archetype':<14}{'prec':>6}{'rec':>6}{'f1':>6}{'gold':>6}{'pred':>6}",
    ]
    for a in ARCHETYPES:
        p = m["per_archetype"][a]
        out.append(
            f"{a:<14}{p['precision']:>6.2f}{p['recall']:>6.2f}{p['f1']:>6.2f}{p['support']:>6}{p['predicted']:>6}"
        )
    short = {a: a[:6] for a in ARCHETYPES}
    out.append("confusion (rows gold, cols predicted):")
    out.append(" " * 14 + "".join(f"{short[a]:>8}" for a in ARCHETYPES))
    for g in ARCHETYPES:
        out.append(f"{g:<14}" + "".join(f"{m['confusion'][g][p]:>8}" for p in ARCHETYPES))
    out.append("calibration (confidence bin: n, mean confidence, accuracy):")
    for b in m["calibration"]:
        out.append(
            f"  {b['bin']}: n={b['n']:<4} conf={b['mean_confidence']:.2f}  acc={b['accuracy']:.2f}"
        )
    return "\n".join(out)


def iter_jsonl(lines: Iterable[str]):
    for line in lines:
        if line.strip():
            yield json.loads(line)
