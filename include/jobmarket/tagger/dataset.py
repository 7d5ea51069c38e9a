"""Every labelled posting the tagger learns from, with its source group and split.

Labels live in two places:

* the shared fixtures (``../shared/fixtures/postings/labelled_train.jsonl`` and
  ``labelled_dev.jsonl``): third-party text, read where it is, never copied;
* our own labels (``data/own_labels*.jsonl``): references to fixture postings (a board
  recording, or ``postings/pool.jsonl`` by id) with the label, never the text.

Each row gets a ``group`` (the public source it came from) so cross-validation can hold a
whole source out, and a ``split``: ``holdout`` for a fixed eighth of the rows chosen by a
hash of the id, which no modelling choice may look at (``jobmarket evaluate --holdout``
scores it once, with a model fitted on the rest); ``cv`` for everything else.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .evaluation import load_rows
from .lexicon import DATA_DIR

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures"
SHARED_FILES = ("postings/labelled_train.jsonl", "postings/labelled_dev.jsonl")
OWN_FILES = ("own_labels.jsonl", "own_labels_2.jsonl", "own_labels_pool.jsonl")
HOLDOUT_EVERY = 8


def split_of(posting_id: str) -> str:
    h = int(hashlib.sha1(f"holdout:{posting_id}".encode()).hexdigest(), 16)
    return "holdout" if h % HOLDOUT_EVERY == 0 else "cv"


def _group(row: dict) -> str:
    if row.get("ref") or "source_repo" in row:  # pool refs and dev rows: id is "<source>-..."
        return str(row["id"]).split("-", 1)[0]
    src = row.get("source") or "unknown"
    return "boards" if "/" in src else src  # own labels of board recordings: one group


def _pool(fixtures: Path) -> dict[str, dict]:
    with open(fixtures / "postings" / "pool.jsonl", encoding="utf-8") as fh:
        return {r["id"]: r for r in map(json.loads, fh)}


def _own(path: Path, fixtures: Path, pool: dict | None) -> tuple[list[dict], dict | None]:
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    if not any(r.get("ref") for r in rows):
        return load_rows(path), pool  # board-recording references, resolved there
    pool = pool if pool is not None else _pool(fixtures)
    out = []
    for r in rows:
        src = pool.get(r["id"])
        if src is None:
            raise FileNotFoundError(f"{path.name}: {r['id']} is not in {r['ref']}")
        out.append({**r, "title": src.get("title"), "description": src.get("description")})
    return out, pool


def labelled_rows(fixtures: Path | None = None) -> list[dict]:
    """All labelled rows, each with ``group`` and ``split``; ids are unique."""
    fixtures = Path(fixtures or FIXTURES)
    rows: list[dict] = []
    for rel in SHARED_FILES:
        rows.extend(load_rows(fixtures / rel))
    pool = None
    for name in OWN_FILES:
        own, pool = _own(DATA_DIR / name, fixtures, pool)
        rows.extend(own)
    seen: set[str] = set()
    out = []
    for r in rows:
        key = str(r["id"])
        if key in seen:  # (a posting labelled twice keeps its first, shared label)
            continue
        seen.add(key)
        r["group"] = _group(r)
        r["split"] = split_of(key)
        out.append(r)
    return out

