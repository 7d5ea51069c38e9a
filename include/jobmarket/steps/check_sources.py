"""Task ``check_sources``: fail the run (after the healthy sources were
published) if any source had every one of its boards fail."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from jobmarket.core.handoffs import PipelineError
from jobmarket.core.lake import Lake, read_parquet
from jobmarket.core.schema import SOURCE_HEALTH
from jobmarket.core.settings import Settings


def check_source_health(dt: date, *, settings: Settings | None = None) -> dict[str, Any]:
    """Raise if any source had every one of its boards fail on ``dt``."""

    settings = settings or Settings.from_env()
    lake = Lake(settings.lake)
    path = lake.partition_dir(SOURCE_HEALTH.path, dt) / "part-0.parquet"
    if not path.is_file():
        raise PipelineError(f"no source_health partition for {dt}: the run did not publish")
    by_source: dict[str, Counter] = {}
    for row in read_parquet(path, columns=["source", "status"]).to_pylist():
        by_source.setdefault(row["source"], Counter())[row["status"]] += 1
    dead = [s for s, c in by_source.items() if c.get("failed", 0) == sum(c.values())]
    if dead:
        raise PipelineError(f"{dt}: every board failed for source(s) {sorted(dead)}; see curated/source_health")
    return {s: dict(c) for s, c in by_source.items()}
