"""Measure the normalizers on a Greenhouse crawl partition (no Airflow needed).

    .venv/bin/python bench/normalize_measure.py ../shared/fixtures/greenhouse-crawl/dt=2026-08-22

prints the share of postings whose location parses to at least one country
and the salary + location throughput (postings per second, caches cold and
warm).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path
from typing import Any


def load_crawl(directory: Path) -> list[dict[str, Any]]:
    """Greenhouse list responses of a crawl partition, as normalized postings."""
    from jobmarket.sources.base import BoardContext
    from jobmarket.sources.registry import get_adapter

    adapter = get_adapter("greenhouse")
    rows: list[dict[str, Any]] = []
    for path in sorted(Path(directory).glob("*.json")):
        rows.extend(adapter.parse(path.read_bytes(), BoardContext("greenhouse", path.stem)))
    return rows


def location_parse_rate(rows: list[dict[str, Any]]) -> dict[str, float]:
    from jobmarket.normalize.location import parse_location

    with_text = [r for r in rows if r.get("location")]
    parsed = {}
    for r in with_text:
        parsed.setdefault(r["location"], bool(parse_location(r["location"])["countries"]))
    ok = sum(parsed[r["location"]] for r in with_text)
    return {
        "postings": len(rows),
        "with_location": len(with_text),
        "share_with_country": ok / len(with_text) if with_text else 0.0,
        "distinct_strings": len(parsed),
        "distinct_share_with_country": sum(parsed.values()) / len(parsed) if parsed else 0.0,
    }


def throughput(rows: list[dict[str, Any]], on_date: date) -> dict[str, float]:
    """Postings per second for parse_location + normalize_salary, cold then warm caches."""
    from jobmarket.normalize import location, salary

    location._parse_text.cache_clear()
    location._options.cache_clear()
    location._gazetteer()  # reference data load is reported apart
    salary.fx_rate("EUR", "USD", on_date)
    out = {}
    for label in ("cold", "warm"):
        start = time.perf_counter()
        for r in rows:
            place = location.parse_location(r.get("location"), r.get("remote"), r.get("workplace_type"))
            salary.normalize_salary(r, on_date, countries=place["countries"])
        out[f"{label}_postings_per_s"] = len(rows) / (time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("crawl", type=Path, help="a dt=YYYY-MM-DD directory of Greenhouse list responses")
    args = parser.parse_args(argv)
    day = date.fromisoformat(args.crawl.name.removeprefix("dt=")) if args.crawl.name.startswith("dt=") else date.today()
    start = time.perf_counter()
    from jobmarket.normalize.location import _gazetteer

    _gazetteer()
    load_s = time.perf_counter() - start
    rows = load_crawl(args.crawl)
    print(json.dumps({"reference_data_load_s": round(load_s, 2), **location_parse_rate(rows),
                      **{k: round(v) for k, v in throughput(rows, day).items()}}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
