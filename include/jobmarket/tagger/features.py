"""Features of one analysed posting for the trained archetype model (``model.py``).

What decides an archetype is not which words a posting uses but where it uses them: "Spark"
in the duties is a data engineer's week, "Spark" under nice-to-have is a footnote. So every
word and lexicon phrase is counted per section group:

* ``r``: duties (responsibilities, and the untitled intro that usually describes the role),
* ``q``: requirements,
* ``n``: nice-to-have, company blurb (low-weight lines); boilerplate lines count nothing.

Feature names (the model's vocabulary keeps only those seen often enough in training):

* ``w:{group}:{word}``: log(1 + count) of a word in the group,
* ``p:{group}:{archetype}:{phrase}``: log(1 + weighted hits) of a lexicon phrase,
* ``s:{archetype}:{group}``: log(1 + summed lexicon evidence) per archetype and group,
* ``lex:{archetype}``: log(1 + the lexicon's resolved evidence), ``lp:{archetype}``: the
  lexicon scorer's own probability (its judgement stacked under the model),
* ``t:{word}`` and ``ta:{archetype}``: the title's words and the title rule's archetype,
* ``len``: log of the body's word count.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from itertools import compress

from . import text
from .lexicon import ARCHETYPES

_GROUP = {
    text.RESP: "r",
    text.INTRO: "r",
    text.UNKNOWN: "r",
    text.REQ: "q",
    text.NICE: "n",
    text.COMPANY: "n",
}
_GROUPS = ("r", "q", "n")
# Words: letters and digits, keeping the marks of c++, c#, .net, node.js out of it except
# "+" and "#" (the rest split cleanly). One-letter words carry nothing but "r".
_WORD_RE = re.compile(r"[a-z][a-z0-9+#]+|r\b")
_TITLE_WORD_RE = re.compile(r"[a-z][a-z0-9+#]*")
_STOP = frozenset(
    "the and for with you our are will your this that from have has been who can all not "
    "but they their them its was were into also such other more most any each which what "
    "when where while how than then there these those may would should could about over "
    "within across per via etc including include includes".split()
)
log1p = math.log1p


def group_texts(doc: text.Doc) -> dict[str, str]:
    """The body's lines joined per section group (boilerplate lines dropped)."""
    sections, lines = doc.sections, doc.lines
    out = {}
    for g in _GROUPS:
        mask = [_GROUP.get(s) == g for s in sections]
        if any(mask):
            out[g] = "\n".join(compress(lines, mask))
    return out


def features(a) -> dict[str, float]:
    """Sparse features of an ``core.Analysis`` (body-tagged postings)."""
    f: dict[str, float] = {}
    doc = a.doc
    for g, txt in group_texts(doc).items():
        counts = Counter(_WORD_RE.findall(txt))
        pre = f"w:{g}:"
        for w, c in counts.items():
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
        for w in set(_TITLE_WORD_RE.findall(a.title.lower())):
            f["t:" + w] = 1.0
    f["ta:" + (a.t_arch or "none")] = 1.0
    f["len"] = log1p(doc.n_content_words) / 8.0
    return f
