"""Features of one analysed posting for the trained archetype model (``model.py``).

What decides an archetype is not which words a posting uses but where it uses them: "Spark"
in the duties is a data engineer's week, "Spark" under nice-to-have is a footnote. So every
lexicon phrase (``data/archetype_lexicon.json``) is counted per section group:

* ``r``: duties (responsibilities, and the untitled intro that usually describes the role),
* ``q``: requirements,
* ``n``: nice-to-have, company blurb (low-weight lines); boilerplate and headers count nothing.

Feature names (the model's vocabulary keeps only those seen often enough in training):

* ``p:{group}:{archetype}:{phrase}``: log(1 + weighted hits) of a lexicon phrase,
* ``s:{archetype}:{group}``: log(1 + summed lexicon evidence) per archetype and group,
* ``lex:{archetype}``: log(1 + the lexicon's resolved evidence), ``lp:{archetype}``: the
  lexicon scorer's own probability (its judgement stacked under the model),
* ``t:{word}``, ``t:{word}_{next}`` and ``ta:{archetype}``: the title's words and word
  pairs, and the title rule's archetype,
* ``len``: log of the body's word count.

Body words outside the lexicon were tried (per group, counts or presence): in grouped
cross-validation they moved macro-F1 by less than its noise (0.824 without, 0.829-0.833
with) and cost more than the whole lexicon scan to tokenise, so the model reads phrases.
"""

from __future__ import annotations

import math
import re

from .lexicon import ARCHETYPES
from .text import COMPANY, INTRO, NICE, REQ, RESP, UNKNOWN

_GROUP = {
    RESP: "r",
    INTRO: "r",
    UNKNOWN: "r",
    REQ: "q",
    NICE: "n",
    COMPANY: "n",
}
_TITLE_WORD_RE = re.compile(r"[a-z][a-z0-9+#]*")
log1p = math.log1p


def features(a) -> dict[str, float]:
    """Sparse features of an ``core.Analysis`` (body-tagged postings)."""
    f: dict[str, float] = {}
    doc = a.doc
    # lexicon phrases and evidence per group
    sections = doc.sections
    sums: dict[str, float] = {}
    phrases: dict[str, float] = {}
    for line, payloads in a.kept_hits:
        g = _GROUP.get(sections[line])
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

    The nightly tagger must stay cheap, and building a name string for every phrase hit
    costs more than the model's arithmetic. This does the same lookups keyed by the parts
    (phrase tuple, archetype and group), so only known features are touched.
    ``tests/tagger/test_model.py`` checks both give the same pairs.
    """

    def __init__(self, vocab: list[str]):
        self.phrases: dict[tuple[str, str, str], int] = {}
        self.sums: dict[tuple[str, str], int] = {}
        self.titles: dict[str, int] = {}
        self.other: dict[str, int] = {}
        for j, name in enumerate(vocab):
            kind, _, rest = name.partition(":")
            if kind == "p":
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
        sections = doc.sections
        acc: dict[int, float] = {}
        cache, group_of = self._hit_columns, _GROUP.get
        for line, payloads in a.kept_hits:
            g = group_of(sections[line])
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
