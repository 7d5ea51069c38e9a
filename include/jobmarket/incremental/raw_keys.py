"""The raw-keys file: the JSON keys of each board's raw records, per date and
family, under ``work/raw_keys/dt=<date>/<family>.json``.

The schema drift gate compares a source's record keys with its trailing
history; reading every date's raw again for that would cost a night's parse
each. The parse step writes the file for its date from the keys it saw while
parsing (the raw is read once), and any rerun of parse rewrites it. A date
without the file (an older lake) is read from its raw once and then cached.
The file depends on the raw alone: it has no version.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from jobmarket.core.handoffs import RAW_KEYS_STEP
from jobmarket.core.lake import Lake
from jobmarket.quality.history import PARSED_STATUSES

log = logging.getLogger(__name__)


def record_keys(doc: Any) -> set[str] | None:
    """Top-level keys of the posting records of one JSON response.

    The records are the largest list of objects in the response (``jobs``
    for Greenhouse and Ashby, the top-level list for Lever); a single object
    with no such list is one record. None when the body holds no objects.
    """
    if isinstance(doc, list):
        recs = [r for r in doc if isinstance(r, dict)]
    elif isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list) and any(isinstance(x, dict) for x in v)]
        recs = [r for r in max(lists, key=len) if isinstance(r, dict)] if lists else [doc]
    else:
        return None
    if not recs:
        return None
    keys: set[str] = set()
    for r in recs:
        keys.update(r)
    return keys


def raw_keys(lake: Lake, family: str, dt: date, *, use_cache: bool = True,
             known: dict[str, set[str]] | None = None) -> dict[str, list[str]]:
    """board -> sorted JSON keys of its raw records on ``dt`` (boards whose raw
    is JSON with records). Cached per date and family under work/raw_keys.
    The parse step writes the cache for its date with ``known`` (the keys it
    saw while parsing, so the raw is not read twice), and any rerun of parse
    rewrites it: a board that failed and landed later is parsed again."""
    cache = lake.work_dir(RAW_KEYS_STEP, dt) / f"{family}.json"
    if use_cache:
        try:
            return json.loads(cache.read_text())
        except (OSError, ValueError):
            pass
    out: dict[str, list[str]] = {}
    for board, d in lake.raw_boards(family, dt):
        manifest = lake.read_manifest(d) or {}
        if manifest.get("status") not in PARSED_STATUSES:
            continue
        if known is not None and board in known:
            if known[board]:
                out[board] = sorted(known[board])
            continue
        keys: set[str] = set()
        for name in manifest.get("landed", []):
            try:
                doc = json.loads(lake.read_raw(d, name))
            except (OSError, ValueError, EOFError, RecursionError) as exc:
                log.debug("%s/%s %s: not JSON (%s)", family, board, name, exc)
                continue
            keys |= record_keys(doc) or set()
        if keys:
            out[board] = sorted(keys)
    lake.write_json(cache, out)
    return out
