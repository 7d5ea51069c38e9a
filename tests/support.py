"""Paths and helpers shared by the tests (importable as tests.support)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = SHARED / "fixtures"
BOARDS = FIXTURES / "boards"
CRAWL_DATE = "2026-08-22"



def manifest_counts() -> dict[str, int]:
    """Recorded posting counts per fixture file, from boards/MANIFEST.tsv."""
    out = {}
    lines = (BOARDS / "MANIFEST.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t"), strict=False))
        if row.get("n_postings", "").isdigit():
            out[row["local_path"]] = int(row["n_postings"])
    return out



os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def replay_sources(bundle, server_url: str, tmp_path: Path, **overrides):
    """A SourcesFile pointing at a replay server (optionally some boards only)."""
    import yaml
    from jobmarket.replay import sources_yaml
    from jobmarket.sources.config import load_sources

    doc = yaml.safe_load(sources_yaml(bundle, server_url))
    for family, boards in overrides.items():
        if boards is None:
            doc["sources"].pop(family, None)
        else:
            doc["sources"][family]["boards"] = boards
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_sources(path)
