"""Features of one analysed posting for the trained archetype model (``model.py``).

What decides an archetype is not which words a posting uses but where it uses them: "Spark"
in the duties is a data engineer's week, "Spark" under nice-to-have is a footnote. So every
word and lexicon phrase is counted per section group:

* ``r``: duties (responsibilities, and the untitled intro that usually describes the role),
* ``q``: requirements,
* ``n``: nice-to-have, company blurb (low-weight lines); boilerplate lines count nothing.

Feature names (the model's vocabulary keeps only those seen often enough in training):

* ``w:{group}:{word}``: log(1 + count) of a word in duties or requirements,
* ``p:{group}:{archetype}:{phrase}``: log(1 + weighted hits) of a lexicon phrase,
* ``s:{archetype}:{group}``: log(1 + summed lexicon evidence) per archetype and group,
* ``lex:{archetype}``: log(1 + the lexicon's resolved evidence), ``lp:{archetype}``: the
  lexicon scorer's own probability (its judgement stacked under the model),
* ``t:{word}``, ``t:{word}_{next}`` and ``ta:{archetype}``: the title's words and word
  pairs, and the title rule's archetype,
* ``len``: log of the body's word count.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter

from .lexicon import ARCHETYPES
from .text import COMPANY, INTRO, NICE, REQ, RESP, UNKNOWN, Doc

_GROUP = {
    RESP: "r",
    INTRO: "r",
    UNKNOWN: "r",
    REQ: "q",
    NICE: "n",
    COMPANY: "n",
}
_GROUPS = ("r", "q", "n")
# Words: runs of two or more letters. Tools with digits or marks (s3, c++, gpt-4) are
# lexicon phrases already; this pattern is half the cost of one that keeps them.
_WORD_RE = re.compile(r"[a-z]{2,}")
# Words are counted in duties and requirements; nice-to-have and company lines add
# nothing measurable in cross-validation and cost a third of the tokenising.
_WORD_GROUPS = ("r", "q")
_TITLE_WORD_RE = re.compile(r"[a-z][a-z0-9+#]*")
_STOP = frozenset(
    "the and for with you our are will your this that from have has been who can all not "
    "but they their them its was were into also such other more most any each which what "
    "when where while how than then there these those may would should could about over "
    "within across per via etc including include includes".split()
)
log1p = math.log1p


def group_texts(doc: Doc) -> dict[str, str]:
    """The body's lines joined per section group (boilerplate lines dropped)."""
    sections, lines = doc.sections, doc.lines
    buckets: dict[str, list[str]] = {}
    get = _GROUP.get
    for line, sec in zip(lines, sections, strict=True):
        g = get(sec)
        if g is not None:
            b = buckets.get(g)
            if b is None:
                buckets[g] = [line]
            else:
                b.append(line)
    return {g: "\n".join(b) for g, b in buckets.items()}


def features(a) -> dict[str, float]:
    """Sparse features of an ``core.Analysis`` (body-tagged postings)."""
    f: dict[str, float] = {}
    doc = a.doc
    for g, txt in group_texts(doc).items():
        if g not in _WORD_GROUPS:
            continue
        pre = f"w:{g}:"
        for w, c in Counter(_WORD_RE.findall(txt)).items():
            if w not in _STOP:
                f[pre + w] = log1p(c)
    # lexicon phrases and evidence per group
    starts, sections = doc.starts, doc.sections
    sums: dict[str, float] = {}
    phrases: dict[str, float] = {}
    for start, payloads, _cred in a.hits:
        g = _GROUP.get(sections[bisect_right(starts, start) - 1])
        if g is None:
            continue
        for (arch, name), w in payloads:
            k = f"p:{g}:{arch}:{name}"
            phrases[k] = phrases.get(k, 0.0) + w
            k = f"s:{arch}:{g}"
            sums[k] = sums.get(k, 0.0) + w
    for k, v in phrases.items():
        f[k] = log1p(v)
    for k, v in sums.items():
        f[k] = log1p(v)
    raw, lp = a.raw, a.lex_probs
    for arch in ARCHETYPES:
        f["lex:" + arch] = log1p(raw[arch])
        f["lp:" + arch] = lp[arch]
    if a.title:
        tw = _TITLE_WORD_RE.findall(a.title.lower())
        for w in set(tw):
            f["t:" + w] = 1.0
        for x, y in zip(tw, tw[1:], strict=False):  # "data scientist" is not "data" + "scientist"
            f[f"t:{x}_{y}"] = 1.0
    f["ta:" + (a.t_arch or "none")] = 1.0
    f["len"] = log1p(doc.n_content_words) / 8.0
    return f


class Encoder:
    """``features`` for a fixed vocabulary, straight to (column, value) pairs.

    The nightly tagger must stay cheap (at least 2,000 postings a CPU second), and most of
    ``features``' cost is building strings for words the model never learned. This does
    the same lookups keyed by the parts (group and word, phrase tuple), so only known
    features are touched. ``tests/tagger`` checks both give the same pairs.
    """

    def __init__(self, vocab: list[str]):
        self.words: dict[str, dict[str, int]] = {g: {} for g in _GROUPS}
        self.phrases: dict[tuple[str, str, str], int] = {}
        self.sums: dict[tuple[str, str], int] = {}
        self.titles: dict[str, int] = {}
        self.other: dict[str, int] = {}
        for j, name in enumerate(vocab):
            kind, _, rest = name.partition(":")
            if kind == "w":
                g, _, w = rest.partition(":")
                self.words[g][w] = j + 1  # (+1: column 0 must not read as "unknown")
            elif kind == "p":
                g, arch, phrase = rest.split(":", 2)
                self.phrases[(g, arch, phrase)] = j
            elif kind == "s":
                arch, _, g = rest.partition(":")
                self.sums[(arch, g)] = j
            elif kind == "t":
                self.titles[rest] = j
            else:
                self.other[name] = j
        self.lex = [(self.other.get("lex:" + x), self.other.get("lp:" + x), x) for x in ARCHETYPES]
        self._hit_columns: dict[tuple[str, int], tuple] = {}

    def _columns(self, g: str, payloads) -> list[tuple[int, float]]:
        """(column, weight) pairs one hit adds in group ``g``: its phrases and the
        per-archetype sums, in the order ``features`` adds them."""
        out = []
        for (arch, name), w in payloads:
            j = self.phrases.get((g, arch, name))
            if j is not None:
                out.append((j, w))
            j = self.sums.get((arch, g))
            if j is not None:
                out.append((j, w))
        return out

    def encode(self, a) -> tuple[list[int], list[float]]:
        cols: list[int] = []
        vals: list[float] = []
        add_c, add_v = cols.append, vals.append
        doc = a.doc
        for g, txt in group_texts(doc).items():
            if g not in _WORD_GROUPS:
                continue
            known = self.words[g]
            counts = Counter(_WORD_RE.findall(txt))
            hit = counts.keys() & known.keys()  # (set algebra in C: most words are unknown)
            cols.extend([known[w] - 1 for w in hit])
            vals.extend([log1p(counts[w]) for w in hit])
        starts, sections = doc.starts, doc.sections
        acc: dict[int, float] = {}
        cache, group_of = self._hit_columns, _GROUP.get
        for start, payloads, _cred in a.hits:
            g = group_of(sections[bisect_right(starts, start) - 1])
            if g is None:
                continue
            # A hit's payloads are one tuple per automaton key, alive as long as the
            # automaton: its columns are worked out once per group, not once per hit.
            entry = cache.get((g, id(payloads)))
            if entry is None or entry[0] is not payloads:
                entry = cache[(g, id(payloads))] = (payloads, self._columns(g, payloads))
            for j, w in entry[1]:
                acc[j] = acc.get(j, 0.0) + w
        cols.extend(acc)
        vals.extend(map(log1p, acc.values()))
        raw, lp = a.raw, a.lex_probs
        for jl, jp, arch in self.lex:
            if jl is not None:
                add_c(jl)
                add_v(log1p(raw[arch]))
            if jp is not None:
                add_c(jp)
                add_v(lp[arch])
        if a.title:
            tw = _TITLE_WORD_RE.findall(a.title.lower())
            tget = self.titles.get
            seen = set()
            for key in (*tw, *(f"{x}_{y}" for x, y in zip(tw, tw[1:], strict=False))):
                j = tget(key)
                if j is not None and j not in seen:
                    seen.add(j)
                    add_c(j)
                    add_v(1.0)
        j = self.other.get("ta:" + (a.t_arch or "none"))
        if j is not None:
            add_c(j)
            add_v(1.0)
        j = self.other.get("len")
        if j is not None:
            add_c(j)
            add_v(log1p(doc.n_content_words) / 8.0)
        return cols, vals
