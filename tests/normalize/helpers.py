"""Shared loaders for the normalize tests (recordings in ../shared/fixtures)."""

from __future__ import annotations

import collections
import json
from functools import cache

from tests.support import BOARDS, CRAWL_DATE, FIXTURES

CRAWL_DIR = FIXTURES / "greenhouse-crawl" / f"dt={CRAWL_DATE}"


def board_json(relpath: str):
    return json.loads((BOARDS / relpath).read_text(encoding="utf-8"))


def parsed(family: str, relpath: str, board: str = "all") -> list[dict]:
    """A recording through its adapter: the normalized rows the pipeline would see."""
    from jobmarket.sources import BoardContext, get_adapter

    return get_adapter(family).parse((BOARDS / relpath).read_bytes(), BoardContext(family, board))


@cache
def crawl_location_counts() -> collections.Counter:
    """location.name of every posting in the 2026-08-22 crawl, with counts."""
    counts: collections.Counter = collections.Counter()
    for path in sorted(CRAWL_DIR.glob("*.json")):
        for job in json.loads(path.read_text(encoding="utf-8"))["jobs"]:
            loc = job.get("location")
            name = loc.get("name") if isinstance(loc, dict) else loc
            if name:
                counts[name] += 1
    return counts
