"""Scrape throughput against per-host politeness limits, on the recorded crawl.

    .venv/bin/python bench/bench_scrape.py [--hosts 4] [--latency 0.05] [--rate 50] [--burst 4] [--concurrency 4]

Serves the 390-board Greenhouse crawl (../shared/fixtures/greenhouse-crawl) with
jobmarket.replay, one ReplayServer per "host" (each on its own port, so each is
its own host to the client's limiter), with ``--latency`` seconds per request.
The boards are dealt round-robin into one source per host, and every source is
scraped at once through one shared PoliteClient, as the DAG's mapped scrape
tasks would be. Everything stays on 127.0.0.1; raw lands in a temporary lake.

Per host it prints the requests made (robots.txt included), the wall time from
first to last request, the effective request rate against the configured one,
and two floors: the concurrency floor (requests x latency / max_concurrency)
and the rate floor ((requests - burst) / rate). The ratio compares the host's
wall time with the larger floor: 1.0 would be perfect use of the allowance.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

from jobmarket.core.settings import Settings
from jobmarket.replay import SHARED_FIXTURES, ReplayServer, fixture_bundle
from jobmarket.sources.config import parse_sources
from jobmarket.sources.http import PoliteClient
from jobmarket.steps.scrape import SourceFailed, scrape_source

DT = "2026-08-22"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument(
        "--latency", type=float, default=0.05, help="seconds the server takes per request"
    )
    ap.add_argument("--rate", type=float, default=50.0, help="rate_per_second per host")
    ap.add_argument("--burst", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=4, help="max_concurrency per host")
    ap.add_argument("--boards", type=int, default=0, help="only the first N boards (0: all 390)")
    ap.add_argument("--json", help="also write the figures to this file (bench/run.py reads it)")
    args = ap.parse_args(argv)

    if not (SHARED_FIXTURES / "greenhouse-crawl" / f"dt={DT}").is_dir():
        print(f"no crawl at {SHARED_FIXTURES}/greenhouse-crawl/dt={DT}", file=sys.stderr)
        return 2
    bundle = fixture_bundle(SHARED_FIXTURES, DT)
    boards = sorted(set(bundle.boards["greenhouse"]))
    if args.boards:
        boards = boards[: args.boards]
    servers = [ReplayServer(bundle, latency=args.latency).start() for _ in range(args.hosts)]
    try:
        doc = {"http": {"contact": "bench@example.invalid"}, "sources": {}}
        for i, srv in enumerate(servers):
            doc["sources"][f"gh{i + 1}"] = {
                "family": "greenhouse",
                "base_url": f"{srv.url}/greenhouse",
                "content": False,  # the crawl was recorded without descriptions
                "rate_per_second": args.rate,
                "burst": args.burst,
                "max_concurrency": args.concurrency,
                "backoff_base": 0.05,
                "backoff_max": 0.5,
                "options": {"replay": True},
                "boards": boards[i :: args.hosts],
            }
        sources = parse_sources(doc, Path("<bench>"))
        with (
            tempfile.TemporaryDirectory(prefix="bench-scrape-") as lake,
            PoliteClient(sources.http.user_agent) as client,
        ):
            settings = Settings(lake=Path(lake))
            results: dict[str, object] = {}

            def run(name: str) -> None:
                try:
                    results[name] = scrape_source(
                        name,
                        date.fromisoformat(DT),
                        settings=settings,
                        sources=sources,
                        client=client,
                    )
                except SourceFailed as exc:
                    results[name] = exc

            threads = [threading.Thread(target=run, args=(s.name,)) for s in sources.sources]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - t0
            figures = report(sources, servers, client, results, wall, args)
            if args.json:
                Path(args.json).write_text(json.dumps(figures))
    finally:
        for srv in servers:
            srv.stop()
    return 0


def report(sources, servers, client, results, wall, args) -> None:
    statuses: Counter = Counter()
    for r in results.values():
        statuses.update(r["counts"] if isinstance(r, dict) else {"SourceFailed": 1})
    print(
        f"{sum(len(s.boards) for s in sources.sources)} boards on {len(servers)} hosts, "
        f"latency {args.latency * 1000:.0f} ms; limits per host: rate {args.rate:g}/s, "
        f"burst {args.burst}, max_concurrency {args.concurrency}"
    )
    print(f"board status: {dict(statuses)}; total wall {wall:.2f} s\n")
    head = (
        "host",
        "requests",
        "wall s",
        "req/s",
        "limit/s",
        "conc floor s",
        "rate floor s",
        "wall/floor",
    )
    rows = []
    figures = {"wall": wall, "boards": sum(len(s.boards) for s in sources.sources),
               "statuses": dict(statuses), "hosts": []}
    for srv in servers:
        netloc = srv.url.split("//", 1)[1]
        n = client.requests_per_host[netloc]
        span = client.last_request_at[netloc] - client.first_request_at[netloc] + args.latency
        conc_floor = n * args.latency / args.concurrency
        rate_floor = max(0.0, (n - args.burst) / args.rate)
        floor = max(conc_floor, rate_floor)
        figures["hosts"].append({"requests": n, "span": span, "conc_floor": conc_floor,
                                 "rate_floor": rate_floor, "ratio": span / floor})
        rows.append(
            (
                netloc,
                str(n),
                f"{span:.2f}",
                f"{n / span:.1f}",
                f"{args.rate:g}",
                f"{conc_floor:.2f}",
                f"{rate_floor:.2f}",
                f"{span / floor:.2f}",
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    for line in (head, tuple("-" * w for w in widths), *rows):
        print(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
    total = sum(client.requests_per_host.values())
    print(
        f"\nall hosts: {total} requests in {wall:.2f} s = {total / wall:.1f} req/s "
        f"(configured ceiling {args.rate * len(servers):g} req/s across {len(servers)} hosts)"
    )
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
