"""Score a posting against the seven archetypes.

Pipeline: clean (HTML, mojibake, length) -> segment into weighted lines -> match the
archetype lexicon with Aho-Corasick -> sum weighted evidence per archetype -> add a
small title prior -> softmax -> calibrated confidence (see calibration.json).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from functools import lru_cache

from . import extract, text
from .lexicon import ARCHETYPES, DATA_DIR, find_skills, lexicon, phrase_matcher, skill_taxonomy
from .title import title_archetype, title_seniority

DATA_ARCHETYPES = ARCHETYPES[:-1]


@lru_cache(maxsize=1)
def _params() -> dict:
    import json

    return json.loads((DATA_DIR / "params.json").read_text("utf-8"))


def tagger_version() -> str:
    p = _params()
    return f"{p['engine']}+lex{lexicon()['version']}+skills{skill_taxonomy()['version']}+cal{p['calibration']['version']}"


def _evidence(doc: text.Doc) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Weighted evidence per archetype and each phrase's contribution."""
    n_chars = max(len(doc.text), 1)
    starts, weights = doc.starts, doc.weights
    per_phrase: dict[str, dict[str, list[float]]] = {a: {} for a in ARCHETYPES}
    for start, _key, payloads in phrase_matcher().find(doc.text):
        line = bisect.bisect_right(starts, start) - 1
        sw = weights[line]
        if sw <= 0:
            continue
        position = 1.15 - 0.3 * (start / n_chars)  # responsibilities listed first weigh more
        for archetype, w, name in payloads:
            per_phrase[archetype].setdefault(name, []).append(w * sw * position)
    raw: dict[str, float] = {}
    contrib: dict[str, dict[str, float]] = {}
    for archetype, phrases in per_phrase.items():
        c: dict[str, float] = {}
        for key, hits in phrases.items():
            hits.sort(reverse=True)
            c[key] = hits[0] + 0.5 * sum(hits[1:3])  # repeats count, with diminishing returns
        contrib[archetype] = c
        raw[archetype] = sum(c.values())
    return raw, contrib


def _combine(raw: dict[str, float], title_arch: str | None, body_words: int) -> dict[str, float]:
    p = _params()["scoring"]
    logits: dict[str, float] = {}
    ml_core = raw["applied_ml"] + raw["ml_engineer"] + raw["ai_engineer"]
    # "other" needs no evidence of its own: a body without data/ML work is "other" (spec
    # rule 5). Its base grows with body length, and shrinks when the title names a data role.
    base = p["other_base"] * min(1.0, body_words / p["other_base_words"])
    if title_arch not in (None, "other"):
        base *= p["other_base_data_title"]
    for a in ARCHETYPES:
        r = raw[a]
        if a == "research":  # research outside ML is "other" (spec: other sciences)
            r *= min(1.0, ml_core / p["research_ml_gate"])
        if a == "other":
            r = base + p["other_scale"] * r
        if a == title_arch and a != "other":
            r += p["title_bonus"]
        logits[a] = math.log1p(r)
    return logits


def _softmax(logits: dict[str, float], beta: float) -> dict[str, float]:
    m = max(logits.values())
    ex = {a: math.exp(beta * (v - m)) for a, v in logits.items()}
    z = sum(ex.values())
    return {a: ex[a] / z for a in ARCHETYPES}


def _calibrate(p_top: float, margin: float, kind: str, t_arch: str | None) -> float:
    """Map scores to a probability of being right (fitted by ``python -m jobmarket.tagger.train``)."""
    cal = _params()["calibration"]
    if kind != "body":
        return float(cal["title_only"].get(t_arch or "other", 0.3))
    a, b, c = cal["body_logistic"]
    conf = 1.0 / (1.0 + math.exp(-(a * p_top + b * margin + c)))
    return round(min(max(conf, 0.01), 0.99), 3)


def tag(title: str | None, description: str | None) -> dict:
    title = title if isinstance(title, str) else None
    description = description if isinstance(description, str) else None
    flags: list[str] = []
    t_arch = title_archetype(title)
    seniority = title_seniority(title)

    cleaned = ""
    if description and description.strip():
        cleaned, clean_flags = text.clean(description)
        flags.extend(clean_flags)
    if not cleaned.strip():
        flags.append("empty_description")

    doc = text.segment(cleaned)
    language = text.detect_language(doc.text) if cleaned else "unknown"
    if language == "non_en":
        flags.append("non_english")

    raw, contrib = _evidence(doc)
    content = sum(raw[a] for a in ARCHETYPES)
    if cleaned and doc.n_content_words < 5:
        flags.append("boilerplate_only")
    body_silent = doc.n_content_words < 5 or content < 1.0
    if body_silent:
        if "empty_description" in flags or "boilerplate_only" in flags:
            flags.append("title_only")
        else:
            flags.append("weak_evidence")
        logits = {a: 0.0 for a in ARCHETYPES}
        logits[t_arch or "other"] = 1.0
        probs = _softmax(logits, _params()["scoring"]["title_only_beta"])
        kind = "title_only"
    else:
        logits = _combine(raw, t_arch, doc.n_content_words)
        probs = _softmax(logits, _params()["scoring"]["beta"])
        kind = "body"

    ranked = sorted(ARCHETYPES, key=lambda a: (-probs[a], ARCHETYPES.index(a)))
    top, runner = ranked[0], ranked[1]
    margin = probs[top] - probs[runner]
    secondary = None
    sec_p = _params()["scoring"]["secondary_min_ratio"]
    if (
        kind == "body"
        and runner != "other"
        and top != "other"
        and probs[runner] >= sec_p * probs[top]
    ):
        secondary = runner
    confidence = _calibrate(probs[top], margin, kind, t_arch)
    if language == "non_en" and kind == "body":
        confidence = round(confidence * 0.8, 3)

    evidence = {
        a: [k for k, _ in sorted(contrib[a].items(), key=lambda kv: (-kv[1], kv[0]))[:8]]
        for a in ARCHETYPES
        if contrib[a]
    }
    years = extract.min_years(doc.text) if cleaned else None
    if seniority is None:
        seniority = extract.seniority_from_years(years)
    lines = doc.text.split("\n") if cleaned else []
    return {
        "archetype": top,
        "secondary": secondary,
        "confidence": confidence,
        "scores": {a: round(probs[a], 4) for a in ARCHETYPES},
        "evidence": evidence,
        "title_archetype": t_arch,
        "title_mismatch": bool(kind == "body" and t_arch is not None and t_arch != top),
        "skills": find_skills(doc.text) if cleaned else [],
        "seniority": seniority,
        "min_years_experience": years,
        "degree": extract.degree(lines, doc.sections) if cleaned else "not_mentioned",
        "language": language,
        "flags": flags,
        "tagger_version": tagger_version(),
    }


def tag_many(rows: Iterable[tuple[str | None, str | None]]) -> list[dict]:
    return [tag(t, d) for t, d in rows]
