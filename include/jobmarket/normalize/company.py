"""A stable company key shared by every board and aggregator a company appears on.

``company_key("greenhouse", "stripe", "Stripe")`` and
``company_key("remoteok", "all", "Stripe, Inc.")`` are both ``"stripe"``.

* ATS families (one board per company: greenhouse, lever, ashby,
  smartrecruiters, workable, recruitee) key on the board token, which does not
  change when the display name does.
* Aggregators and unknown families key on the display name (the board token
  names a feed such as ``all``), falling back to the token when there is none.
* Both go through :func:`name_key`: accents folded, case folded, legal
  suffixes dropped (Inc., LLC, Ltd, GmbH, AG, S.A., B.V., PBC, Corp, plc...),
  then everything but letters and digits removed ("Abnormal Security" ->
  "abnormalsecurity", like the token "abnormalsecurity").
* Then the alias table ``include/config/company_aliases.yaml`` (or the file
  named by ``$JOBMARKET_COMPANY_ALIASES``) maps boards, display names and
  derived keys to one canonical key. It is loaded once per process.
"""

from __future__ import annotations

import os
import re
from functools import cache, lru_cache
from pathlib import Path

from jobmarket.normalize._text import fix_text, fold, trailing_run_start

ATS_FAMILIES = frozenset({"greenhouse", "lever", "ashby", "smartrecruiters", "workable", "recruitee"})
DEFAULT_ALIASES_FILE = Path(__file__).resolve().parents[2] / "config" / "company_aliases.yaml"

# Legal forms a company name may end with ("Stripe, Inc.", "Foo GmbH & Co KG"),
# removed as a run from the end. As a regex, ([,\s]+(?:inc|...)\b)+\s*$,
# every separator of a long run not at the end was a new start scanning the
# rest of it: quadratic (24 s for "Acme" + " inc" * 20000 + " x").
_LEGAL = frozenset(tuple(form.split()) for form in (
    "inc", "incorporated", "llc", "l l c", "ltd", "limited", "gmbh", "mbh", "ag", "sa", "s a", "sas", "sarl",
    "srl", "spa", "s p a", "bv", "b v", "nv", "plc", "pbc", "corp", "corporation", "co", "company", "lp", "llp",
    "pty", "pte", "oy", "ab", "as", "aps", "kg", "ug", "se", "sl", "kk", "gmbh co kg", "co kg", "holding",
    "holdings", "group",
))
_SEPARATORS = re.compile(r"[,\s]+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_WORD = re.compile(r"[\W_]+")


def _strip_legal_suffix(text: str) -> str:
    """``text`` without its trailing run of legal forms, where the old regex's
    leftmost match started: at the first separator (commas and spaces) after
    which the rest is a sequence of forms; the words of a form of several are
    one space apart."""
    if not text or text[0].isspace():
        return text  # the caller strips
    if text[-1].isspace():  # trailing spaces belong to the run's match (\s*$), or stay when there is none
        body = text.rstrip()
        out = _strip_legal_suffix(body)
        return text if out == body else out
    words = _SEPARATORS.split(text)
    seps = _SEPARATORS.findall(text)  # seps[i] lies between words[i] and words[i + 1]
    start = trailing_run_start(words, _LEGAL, lambda i: seps[i] == " ")
    if start is None:
        return text
    return text[:sum(map(len, words[:start])) + sum(map(len, seps[:start - 1]))]


class AliasError(ValueError):
    """The alias file is malformed; the message names the file and the entry."""


@lru_cache(maxsize=65536)
def name_key(name: str | None) -> str:
    """Normalized company name: ``"Stripe, Inc."`` -> ``"stripe"``; ``""`` for nothing."""
    if not name:
        return ""
    text = fold(fix_text(str(name))).replace("&", " and ")
    text = re.sub(r"\([^)]*\)", " ", text)  # "Acme (formerly Foo)"
    text = text.replace(",", " , ")
    text = re.sub(r"\s+", " ", text).strip()
    stripped = _strip_legal_suffix(text).strip(" ,")
    key = _NON_ALNUM.sub("", stripped or text)
    if not key and stripped:
        # A name in another script ("Яндекс", "株式会社メルカリ") has no [a-z0-9]: its
        # letters are the key, or every such company on an aggregator's feed would
        # share the feed token's key and their postings could be merged as duplicates.
        key = _NON_WORD.sub("", stripped)
    return key or _NON_ALNUM.sub("", text) or _NON_WORD.sub("", text)


def _aliases_path() -> Path:
    return Path(os.environ.get("JOBMARKET_COMPANY_ALIASES") or DEFAULT_ALIASES_FILE)


@cache
def load_aliases(path: str | None = None) -> dict[str, dict[str, str]]:
    """``{"boards": {"family:token": key}, "keys": {derived key: key}}`` from the YAML file."""
    import yaml

    p = Path(path) if path else _aliases_path()
    if not p.exists():
        return {"boards": {}, "keys": {}}
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise AliasError(f"{p}: expected a mapping of canonical key -> entry")
    boards: dict[str, str] = {}
    keys: dict[str, str] = {}
    for canonical, entry in data.items():
        canon = str(canonical)
        if not re.fullmatch(r"[a-z0-9]+", canon):
            raise AliasError(f"{p}: canonical key {canon!r} must be lower-case letters and digits")
        entry = entry or {}
        if not isinstance(entry, dict) or set(entry) - {"boards", "names", "keys"}:
            raise AliasError(f"{p}: entry {canon!r} may only have boards, names and keys lists")
        for ref in entry.get("boards") or []:
            family, _, token = str(ref).partition(":")
            if not token:
                raise AliasError(f"{p}: entry {canon!r}: board {ref!r} must be 'family:token'")
            boards[f"{family.lower()}:{token.lower()}"] = canon
        for name in entry.get("names") or []:
            keys[name_key(str(name))] = canon
        for key in entry.get("keys") or []:
            keys[str(key)] = canon
    return {"boards": boards, "keys": keys}


@lru_cache(maxsize=65536)
def company_key(source: str | None, board: str | None, company_name: str | None) -> str:
    """Canonical company key of one posting (lower case ``[a-z0-9]``, or the
    name's letters and digits when it has none of those).

    ``source`` is the board family, ``board`` the board token and
    ``company_name`` the display name, as in the normalized posting.
    """
    family = (source or "").lower()
    token = (board or "").strip().lower()
    aliases = load_aliases()
    by_board = aliases["boards"].get(f"{family}:{token}")
    if by_board:
        return by_board
    if family in ATS_FAMILIES and token:
        derived = name_key(token)
    else:
        derived = name_key(company_name) or name_key(token)
    return aliases["keys"].get(derived, derived)
