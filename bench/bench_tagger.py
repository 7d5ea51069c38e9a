"""Throughput of the archetype tagger on real descriptions, on one core.

    .venv/bin/python bench/bench_tagger.py [--n 6000] [--pool]

Bodies: every recorded board posting with a description (Ashby, Lever, RemoteOK,
Remotive, Himalayas, Jobicy, Arbeitnow, Greenhouse, SmartRecruiters, HN comments) plus
the labelled development postings, cycled until N postings (``corpus.BENCH_SOURCES``: the
2015 HN page added for labels later is left out so that figures stay comparable). Runs in
this process only (pinned to one core); the first pass is a warm-up that builds the automata.

Prints wall-clock throughput and CPU-time throughput. On a shared machine the wall-clock
figure drops when other processes run on the same core; the CPU-time figure does not.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from itertools import cycle, islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"


def corpus() -> list[tuple[str, str]]:
    from jobmarket.tagger.corpus import BENCH_SOURCES, iter_board_postings

    rows = [(p["title"], p["description"]) for p in iter_board_postings(FIXTURES, BENCH_SOURCES)]
    dev = FIXTURES / "postings" / "labelled_dev.jsonl"
    if dev.exists():
        with open(dev, encoding="utf-8") as fh:
            rows += [
                (r["title"], r["description"]) for r in map(json.loads, fh) if r.get("description")
            ]
    return rows


def pool() -> list[tuple[str, str]]:
    """The unlabelled pool: 4,032 distinct real postings with full bodies (issue #13's
    throughput corpus: each text once, so no cache can help)."""
    with open(FIXTURES / "postings" / "pool.jsonl", encoding="utf-8") as fh:
        return [(r["title"], r["description"]) for r in map(json.loads, fh)]


def cli_run() -> int:
    """The contract's own measure: `jobmarket tag FILE` over the 4,032 distinct pool
    postings, the whole process (start-up, model load, JSON in and out) on one core."""
    import resource
    import subprocess

    src = FIXTURES / "postings" / "pool.jsonl"
    n = sum(1 for _ in open(src, encoding="utf-8"))
    exe = Path(sys.executable).with_name("jobmarket")
    core = str(sorted(os.sched_getaffinity(0))[0])
    for run in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(["taskset", "-c", core, str(exe), "tag", str(src)],
                       stdout=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"run {run + 1}: jobmarket tag, {n} pool postings on core {core}: wall {wall:.2f} s "
              f"({n / wall:,.0f}/s), CPU {cpu:.2f} s ({n / cpu:,.0f} postings per CPU s)")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=6000, help="postings to tag (default 6000)")
    ap.add_argument("--pool", action="store_true",
                    help="tag each pool posting once instead of cycling the board corpus")
    ap.add_argument("--cli", action="store_true",
                    help="time `jobmarket tag` on the pool file as a whole process, on one core")
    args = ap.parse_args()
    if args.cli:
        return cli_run()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # pin to ONE core
    t_load = time.process_time()
    from jobmarket.tagger import TAGGER_VERSION, tag
    from jobmarket.tagger.model import load

    load()
    print(f"import + model load {time.process_time() - t_load:.2f} CPU s")
    rows = pool() if args.pool else corpus()
    if not rows:
        print("no fixture descriptions found", file=sys.stderr)
        return 2
    for t, d in rows[:50]:  # warm-up: automata, regexes, lazy ftfy import
        tag(t, d)
    tag("x", "Weâ€™re hiring â€\x9d now")
    work = rows[50:] if args.pool else list(islice(cycle(rows), args.n))
    lat = []
    c0 = time.process_time()
    t0 = time.perf_counter()
    for t, d in work:
        s = time.perf_counter()
        tag(t, d)
        lat.append(time.perf_counter() - s)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    chars = sum(len(d) for _, d in work)
    lat.sort()
    print(f"tagger_version      {TAGGER_VERSION}")
    print(
        f"distinct bodies     {len(rows)} (median {statistics.median(len(d) for _, d in rows):.0f} chars)"
    )
    print(f"postings tagged     {len(work)} on 1 core in {wall:.2f} s")
    print(
        f"throughput          {len(work) / wall:,.0f} postings/s  ({chars / wall / 1e6:.1f} MB/s of raw description)"
    )
    print(
        f"cpu-time throughput {len(work) / cpu:,.0f} postings/s  (CPU seconds of this process: {cpu:.2f} s;"
        f" wall/cpu = {wall / cpu:.2f}, above 1 means the core was shared)"
    )
    print(
        f"latency per posting p50 {lat[len(lat) // 2] * 1e3:.3f} ms  p99 {lat[int(len(lat) * 0.99)] * 1e3:.3f} ms  max {lat[-1] * 1e3:.2f} ms"
    )
    big = "<p>" + "Build Spark and Kafka pipelines; model data in dbt. " * 4000 + "</p>"
    s = time.perf_counter()
    tag("Data Engineer", big)
    print(f"one {len(big) // 1024} KB body     {(time.perf_counter() - s) * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
