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

from jobmarket.normalize._text import fix_text, fold

ATS_FAMILIES = frozenset({"greenhouse", "lever", "ashby", "smartrecruiters", "workable", "recruitee"})
DEFAULT_ALIASES_FILE = Path(__file__).resolve().parents[2] / "config" / "company_aliases.yaml"

_LEGAL = re.compile(
    r"(?:[,\s]+(?:inc|incorporated|llc|l l c|ltd|limited|gmbh|mbh|ag|sa|s a|sas|sarl|srl|spa|s p a|bv|b v|nv|"
    r"plc|pbc|corp|corporation|co|company|lp|llp|pty|pte|oy|ab|as|aps|kg|ug|se|sl|kk|"
    r"gmbh co kg|co kg|holdings?|group)\b)+\s*$"
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


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
    stripped = _LEGAL.sub("", text).strip(" ,")
    key = _NON_ALNUM.sub("", stripped or text)
    return key or _NON_ALNUM.sub("", text)


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
    """Canonical company key of one posting (lower case, ``[a-z0-9]``).

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
