"""Registry crawl at scale: thousands of boards in shards, against the politeness floor.

    .venv/bin/python bench/bench_boards.py [--sizes 1000,4000] [--rate 40] [--concurrency 8] [--shard-size 250]

Registry boards (70% Greenhouse, 15% Lever, 15% Ashby, tagged ``bench``) are
served by jobmarket.replay on 127.0.0.1, one ReplayServer per family (each its
own host to the client's limiter): each token answers with a recorded board
of its family (the 390-board Greenhouse crawl, the Lever and Ashby
recordings), except 1 in 20 that answers 404, 1 in 25 that answers with an
empty board and 1 in 50 that takes ``--slow-s`` seconds. The sources file
selects the boards with ``registry: {tags: [bench]}``; the shards are planned
and scraped exactly as the DAG's mapped tasks do (jobmarket.steps.scrape:
plan_shards, scrape_shard), the shards of one family one after another (its
pool has one slot), the families side by side. Raw lands in a temporary lake.
The servers run in a separate process, so the peak RSS is the crawler's.

The rate limits are high on purpose (``--rate`` requests a second per host,
not the production 1/s) so the bench runs in minutes; the floor scales with
them. Floor = max over hosts of (requests to the host - burst) / rate: what
the per-host limits allow at best. Each size runs in its own process, so its
peak RSS (ru_maxrss of the crawling process) is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

DT = date(2026, 8, 22)
SHARE = {"greenhouse": 0.70, "lever": 0.15, "ashby": 0.15}


def _serve(tokens: dict, slow_s: float, conn) -> None:
    """The replay servers, in their own process: the crawler's RSS is its own."""
    from jobmarket.replay import SHARED_FIXTURES, ReplayServer, registry_bundle

    bundle = registry_bundle(tokens, SHARED_FIXTURES, str(DT), every_404=20, every_empty=25, every_slow=50,
                             slow_s=slow_s)
    servers = {f: ReplayServer(bundle.subset([f])).start() for f in tokens}
    conn.send({f: srv.url for f, srv in servers.items()})
    conn.recv()  # stop
    conn.send({f: sum(1 for _, p in srv.requests if p != "/robots.txt") for f, srv in servers.items()})
    for srv in servers.values():
        srv.stop()


def one(n: int, args) -> dict:
    import multiprocessing

    from jobmarket.boards.registry import Registry, save
    from jobmarket.core.lake import Lake
    from jobmarket.core.settings import Settings
    from jobmarket.sources.config import parse_sources
    from jobmarket.steps.scrape import SourceFailed, plan_shards, scrape_shard

    tokens = {f: [f"{f[:2]}{i:05d}" for i in range(round(n * s))] for f, s in SHARE.items()}
    conn, child_conn = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(tokens, args.slow_s, child_conn))
    server.start()
    urls = conn.recv()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-boards-") as tmp:
            lake = Lake(tmp)
            reg = Registry()
            for f, toks in tokens.items():
                for t in toks:
                    reg.add({"family": f, "token": t, "company": t.title(), "found_by": "bench", "found_on": DT,
                             "tags": ["bench"]})
            save(lake, DT, reg)
            del reg
            doc = {"http": {"contact": "bench@example.invalid"}, "sources": {
                f: {"base_url": f"{url}/{f}", "rate_per_second": args.rate, "burst": args.burst,
                    "max_concurrency": args.concurrency, "backoff_base": 0.05, "backoff_max": 0.5,
                    "content": False, "options": {"replay": True}, "shard_size": args.shard_size,
                    "registry": {"tags": ["bench"]}}
                for f, url in urls.items()}}
            sources = parse_sources(doc, Path("<bench>"))
            settings = Settings(lake=Path(tmp))
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            counts: Counter = Counter()
            failed_shards = []
            lock = threading.Lock()
            n_shards = 0
            trace: list[float] = []  # the process's RSS after each shard, in finishing order

            def family(f: str) -> None:
                nonlocal n_shards
                plan = plan_shards(DT, family=f, settings=settings, sources=sources)
                with lock:
                    n_shards += len(plan)
                for shard in plan:
                    try:
                        out = scrape_shard(shard, DT, settings=settings, sources=sources, run_id="bench", slots=1)
                        with lock:
                            counts.update(out["counts"])
                            trace.append(_rss_mb())
                    except SourceFailed:
                        with lock:
                            failed_shards.append(shard["label"])

            start = time.monotonic()
            threads = [threading.Thread(target=family, args=(f,)) for f in urls]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - start
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    finally:
        conn.send("stop")
        per_host = conn.recv()
        server.join(timeout=30)
    floor = max((r - args.burst) / args.rate for r in per_host.values())
    return {"boards": sum(len(t) for t in tokens.values()), "shards": n_shards, "wall_s": round(wall, 2),
            "floor_s": round(floor, 2), "ratio": round(wall / floor, 3), "requests": per_host,
            "board_status": dict(counts), "failed_shards": failed_shards,
            "rss_before_scrape_mb": round(rss_before / 1024, 1), "peak_rss_mb": round(peak / 1024, 1),
            "rss_by_quarter_mb": [trace[min(len(trace) - 1, len(trace) * q // 4)] for q in range(1, 5)]}


def _rss_mb() -> float:
    """Current resident set of this process (Linux), in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,4000", help="board counts, each run in its own process")
    ap.add_argument("--rate", type=float, default=40.0, help="rate_per_second per host (production: 1)")
    ap.add_argument("--burst", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=8, help="max_concurrency per host")
    ap.add_argument("--shard-size", type=int, default=250)
    ap.add_argument("--slow-s", type=float, default=0.3, help="seconds a slow board takes")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    if args.one:
        print("BENCH " + json.dumps(one(args.one, args)), flush=True)
        return 0
    results = []
    for n in (int(x) for x in args.sizes.split(",")):
        cmd = [sys.executable, __file__, "--one", str(n), "--rate", str(args.rate), "--burst", str(args.burst),
               "--concurrency", str(args.concurrency), "--shard-size", str(args.shard_size),
               "--slow-s", str(args.slow_s)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")]
        if not lines:
            print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
            return 1
        r = json.loads(lines[-1][6:])
        results.append(r)
        print(f"{r['boards']:>6,d} boards in {r['shards']:>3d} shards: wall {r['wall_s']:7.2f}s  floor "
              f"{r['floor_s']:7.2f}s  wall/floor {r['ratio']:.3f}  peak RSS {r['peak_rss_mb']:.0f} MB "
              f"(before scrape {r['rss_before_scrape_mb']:.0f} MB; RSS after each quarter of the shards "
              f"{r['rss_by_quarter_mb']} MB)  boards {r['board_status']}  "
              f"requests/host {r['requests']}  failed shards {r['failed_shards']}", flush=True)
    print(f"limits per host: rate {args.rate}/s, burst {args.burst}, concurrency {args.concurrency}; "
          f"shard size {args.shard_size}; 1 in 20 boards 404, 1 in 25 empty, 1 in 50 slow ({args.slow_s}s)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
