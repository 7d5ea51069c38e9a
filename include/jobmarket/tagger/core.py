"""Score a posting against the seven archetypes.

Pipeline: clean (HTML, mojibake, length) -> segment into weighted lines -> match the
archetype lexicon with Aho-Corasick -> sum weighted evidence per archetype -> add a
small title prior -> softmax -> calibrated confidence (see calibration.json).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from operator import itemgetter

from .extract import degree, min_years, seniority_from_years
from .lexicon import (
    ARCHETYPES,
    CREDENTIAL,
    DATA_DIR,
    combined_matcher,
    lexicon,
    phrase_matcher,
    skill_taxonomy,
)
from .model import load as load_model
from .model import readable
from .text import NICE, REQ, Doc, clean, detect_language, segment
from .title import TITLE_FAMILIES_DIGEST, is_title_mismatch, title_archetype, title_seniority

DATA_ARCHETYPES = ARCHETYPES[:-1]


@lru_cache(maxsize=1)
def _params() -> dict:
    import json

    return json.loads((DATA_DIR / "params.json").read_text("utf-8"))


def tagger_version() -> str:
    """Changes whenever any output can: lexicon, skills, calibration or the trained model
    (the nightly tag cache is keyed by it, so a new model retags)."""
    p = _params()
    m = load_model()
    engine = f"model-{m.version}" if m is not None else p["engine"]
    return (f"{engine}+lex{lexicon()['version']}+skills{skill_taxonomy()['version']}+cal{p['calibration']['version']}"
            f"+tf{TITLE_FAMILIES_DIGEST}")


PSEUDO = ("ml_generic", "research_credential", "research_credential_req")
_ALL_ARCHETYPES = ARCHETYPES + PSEUDO
_NAME, _VALUE = itemgetter(0), itemgetter(1)
_CREDENTIAL_SECTIONS = frozenset((REQ, NICE))
# A line that states what the candidate must have, even outside a "Requirements" block.
_REQUIREMENT_LINE_RE = re.compile(
    r"\b(?:degree|degrees|experience|track record|demonstrated|background in|proficien|"
    r"qualification|you have|have a|ability to|familiarity|knowledge of|strong|earned|or equivalent|"
    r"preferred|required|candidates? (?:with|who)|ideal(?:ly)?|plus)\b"
)


def _is_credential_line(doc: Doc, line: int) -> bool:
    if doc.sections[line] in _CREDENTIAL_SECTIONS:
        return True
    end = doc.starts[line + 1] if line + 1 < len(doc.starts) else len(doc.text)
    return _REQUIREMENT_LINE_RE.search(doc.text, doc.starts[line], end) is not None


def _evidence(
    doc: Doc, hits=None, kept: list | None = None
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Weighted evidence per archetype (and pseudo-archetype) and each phrase's contribution.

    ``kept``, if given, receives ``(line, payloads)`` of every hit on a line that weighs
    something (the trained model's phrase features read them without a second search).

    ``hits`` are the phrase hits of ``doc.text`` found by ``CombinedMatcher.scan``:
    ``(start, ((archetype, name), weight) pairs, has a research credential)``; without
    them the phrase matcher scans the text.
    """
    inv_n = 1.0 / max(len(doc.text), 1)
    starts, weights = doc.starts, doc.weights
    if hits is None:
        hits = [
            (st, tuple(((a, name), w) for a, w, name in pl), any(a == CREDENTIAL for a, _, _ in pl))
            for st, _k, pl in phrase_matcher().find(doc.text)
        ]
    hits_by: dict[tuple[str, str], list[float]] = defaultdict(list)  # (first-seen order)
    for start, payloads, cred in hits:
        line = bisect_right(starts, start) - 1
        sw = weights[line]
        if sw <= 0:
            continue
        if kept is not None:
            kept.append((line, payloads))
        factor = sw * (1.15 - 0.3 * start * inv_n)  # responsibilities listed first weigh more
        if cred and _is_credential_line(doc, line):
            # credentials a candidate must have count apart (see _resolve)
            payloads = [
                (("research_credential_req", k[1]) if k[0] == CREDENTIAL else k, w)
                for k, w in payloads
            ]
        for key, w in payloads:
            hits_by[key].append(w * factor)
    contrib: dict[str, dict[str, float]] = {a: {} for a in _ALL_ARCHETYPES}
    for (archetype, name), values in hits_by.items():
        if len(values) == 1:
            contrib[archetype][name] = values[0]
        else:
            values.sort(reverse=True)
            contrib[archetype][name] = values[0] + 0.5 * sum(values[1:3])  # repeats: diminishing
    raw = {a: sum(c.values()) if c else 0 for a, c in contrib.items()}  # (sum of nothing is 0)
    return raw, contrib


def _top_phrases(contrib: dict[str, float], n: int = 8) -> list[str]:
    """The n phrases with the largest contribution; ties by name.

    Same order as ``sorted(items, key=lambda kv: (-kv[1], kv[0]))``, as two stable sorts
    on C key functions (by name, then by contribution, largest first).
    """
    if len(contrib) == 1:  # (common: nothing to order)
        return list(contrib)
    items = sorted(contrib.items(), key=_NAME)
    items.sort(key=_VALUE, reverse=True)
    return [k for k, _ in items[:n]]


def _resolve(raw: dict[str, float]) -> tuple[dict[str, float], float]:
    """Fold the pseudo-archetypes into the seven archetypes; return (raw, ML share of ml_engineer)."""
    p = _params()["scoring"]
    out = {a: raw[a] for a in ARCHETYPES}
    # Research credentials in the requirements count only up to the research work itself.
    out["research"] += raw["research_credential"] + min(
        raw["research_credential_req"] * p["credential_req_weight"],
        out["research"] * p["credential_cap_ratio"],
    )
    # Generic ML vocabulary ("machine learning", "PyTorch", "models") is evidence of ML work
    # but not of which kind: it counts in full for both applied_ml and ml_engineer, so their
    # own evidence decides between them, and splitting it cannot let "other" win.
    share_m = (out["ml_engineer"] + 1.0) / (out["applied_ml"] + out["ml_engineer"] + 2.0)
    g = raw["ml_generic"]
    out["applied_ml"] += g
    out["ml_engineer"] += g
    if out["research"] >= 3.0:  # ML research (with research work of its own) uses the same words
        out["research"] += g * _params()["scoring"]["ml_generic_research"]
    return out, share_m


def _combine(raw: dict[str, float], title_arch: str | None, body_words: int) -> dict[str, float]:
    p = _params()["scoring"]
    logits: dict[str, float] = {}
    # (applied_ml and ml_engineer both hold the generic ML evidence: count it once)
    ml_core = max(raw["applied_ml"], raw["ml_engineer"]) + raw["ai_engineer"]
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


def confidence_features(p_top: float, margin: float, title_agrees: float) -> list[float]:
    """Inputs of the confidence model: top probability, margin to the runner-up, and whether
    the title's archetype agrees with the body's (1, 0, or 0.5 without a title rule).
    (An evidence-amount feature was tried and did not lower the cross-validated log-loss.)"""
    return [p_top, margin, title_agrees]


def _calibrate(feats: list[float], kind: str, t_arch: str | None) -> float:
    """Map scores to a probability of being right (fitted by ``python -m jobmarket.tagger.train``)."""
    cal = _params()["calibration"]
    if kind != "body":
        return float(cal["title_only"].get(t_arch or "other", 0.3))
    w = cal["body_logistic"]
    z = w[-1] + sum(wi * xi for wi, xi in zip(w[:-1], feats, strict=False))
    conf = 1.0 / (1.0 + math.exp(-z))
    return round(min(max(conf, 0.01), 0.99), 3)


def tag(title: str | None, description: str | None) -> dict:
    return _tag(title, description)[0]


class Analysis:
    """What the tagger reads off one posting before deciding: the cleaned, segmented body,
    its lexicon hits and evidence, the title's archetype and the flags so far. Both the
    lexicon scorer and the trained model (``model.py``) decide from it."""

    __slots__ = (
        "title", "flags", "t_arch", "seniority", "cleaned", "doc", "hits", "skills",
        "language", "contrib", "raw", "share_m", "kind", "lex_probs", "kept_hits",
    )


def analyse(title: str | None, description: str | None) -> Analysis:
    a = Analysis()
    title = title if isinstance(title, str) else None
    description = description if isinstance(description, str) else None
    a.title = title
    flags: list[str] = []
    a.flags = flags
    a.t_arch = t_arch = title_archetype(title)
    a.seniority = title_seniority(title)

    cleaned = ""
    if description and not description.isspace():  # (isspace: no stripped copy of the body)
        cleaned, clean_flags = clean(description)
        flags.extend(clean_flags)
    if not cleaned or cleaned.isspace():
        flags.append("empty_description")
    a.cleaned = cleaned

    low = cleaned.lower()
    # one pass of the combined automaton: phrase hits, boilerplate / role-cue marks, skills
    hits, marks, skills = combined_matcher().scan(low) if low else ([], [], [])
    a.hits, a.skills = hits, skills
    a.doc = doc = segment(low, marks, lowered=True)
    a.language = language = detect_language(doc.text) if cleaned else "unknown"
    if language == "non_en":
        flags.append("non_english")

    a.kept_hits = []
    raw_all, a.contrib = _evidence(doc, hits, a.kept_hits)
    raw, share_m = _resolve(raw_all)
    a.raw, a.share_m = raw, share_m
    content = sum(map(raw.__getitem__, ARCHETYPES))
    if cleaned and doc.n_content_words < 5:
        flags.append("boilerplate_only")
    body_silent = doc.n_content_words < 5 or content < 1.0
    if body_silent:
        if "empty_description" in flags or "boilerplate_only" in flags:
            flags.append("title_only")
        else:
            flags.append("weak_evidence")
        logits = {x: 0.0 for x in ARCHETYPES}
        logits[t_arch or "other"] = 1.0
        a.lex_probs = _softmax(logits, _params()["scoring"]["title_only_beta"])
        a.kind = "title_only"
    else:
        logits = _combine(raw, t_arch, doc.n_content_words)
        a.lex_probs = _softmax(logits, _params()["scoring"]["beta"])
        a.kind = "body"
    return a


def _tag(
    title: str | None, description: str | None, engine: str | None = None
) -> tuple[dict, list[float] | None]:
    """The tag and, for body-tagged postings decided by the lexicon, the confidence
    features of its calibration. ``engine``: "model" (the default when the trained model
    is shipped) or "lexicon" (the hand-written scorer alone, kept as the baseline)."""
    a = analyse(title, description)
    flags, t_arch, kind, probs = a.flags, a.t_arch, a.kind, a.lex_probs
    contrib, share_m, doc, cleaned, language = a.contrib, a.share_m, a.doc, a.cleaned, a.language
    seniority, skills = a.seniority, a.skills
    mdl = load_model() if engine != "lexicon" else None
    drivers = None
    if kind == "body" and mdl is not None:
        probs, drivers = mdl.predict(a)

    # highest probability first; ties keep the ARCHETYPES order (the sort is stable)
    ranked = sorted(ARCHETYPES, key=probs.__getitem__, reverse=True)
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
    feats = None
    if drivers is not None:
        # the model's probabilities are calibrated (temperature fitted out of fold)
        confidence = round(min(max(probs[top], 0.01), 0.99), 3)
    else:
        if kind == "body":
            agrees = 0.5 if t_arch is None else float(t_arch == top)
            feats = confidence_features(probs[top], margin, agrees)
        confidence = _calibrate(feats, kind, t_arch)
    if language == "non_en" and kind == "body":
        confidence = round(confidence * 0.8, 3)

    # Pseudo-archetype phrases are shown under the archetype they were credited to.
    generic = contrib["ml_generic"]
    if generic:
        target = contrib["ml_engineer"] if share_m > 0.5 else contrib["applied_ml"]
        for k, v in generic.items():
            target[k] = max(target.get(k, 0.0), v)
    if contrib["research_credential"] or contrib["research_credential_req"]:
        for k, v in {
            **contrib["research_credential"],
            **contrib["research_credential_req"],
        }.items():
            contrib["research"][k] = max(contrib["research"].get(k, 0.0), v)
    evidence = {a: _top_phrases(contrib[a]) for a in ARCHETYPES if contrib[a]}
    if drivers is not None:
        evidence[top] = _explain(drivers, evidence)
    years = min_years(doc.text) if cleaned else None
    if seniority is None:
        seniority = seniority_from_years(years)
    lines = doc.lines if cleaned else []
    result = {
        "archetype": top,
        "secondary": secondary,
        "confidence": confidence,
        "scores": {a: round(probs[a], 4) for a in ARCHETYPES},
        "evidence": evidence,
        "title_archetype": t_arch,
        # the report's title families decide, so the flag and the report's matrix agree
        "title_mismatch": kind == "body" and is_title_mismatch(title, top),
        "skills": skills,
        "seniority": seniority,
        "min_years_experience": years,
        "degree": degree(lines, doc.sections, doc.text, doc.starts)
        if cleaned
        else "not_mentioned",
        "language": language,
        "flags": flags,
        "tagger_version": tagger_version(),
    }
    return result, feats


def _explain(drivers: list[tuple[str, float]], lexicon_evidence: dict[str, list[str]]) -> list[str]:
    """The model's reasons for the winner over the runner-up, as an analyst reads them:
    "spark (duties)", "title: data engineer"; a driver that is the lexicon's own score
    for an archetype is shown as that archetype's strongest lexicon phrases."""
    out: list[str] = []
    for name, _gap in drivers:
        kind, _, rest = name.partition(":")
        if kind in ("lex", "lp", "s"):
            arch = rest.partition(":")[0]
            phrases = lexicon_evidence.get(arch, [])[:3]
            if not phrases:
                continue
            text_ = f"{arch} lexicon: " + ", ".join(phrases)
        else:
            text_ = readable(name)
        if text_ not in out:
            out.append(text_)
        if len(out) == 8:
            break
    return out


def tag_many(rows: Iterable[tuple[str | None, str | None]]) -> list[dict]:
    return [tag(t, d) for t, d in rows]
