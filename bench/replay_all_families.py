"""Every board family scraped at production-like per-host limits, one host per family.

    .venv/bin/python bench/replay_all_families.py [--budget 100] [--latency 0.02] [--gh-boards 0] [--json out.json]

Serves jobmarket.replay.all_families_bundle (../shared/fixtures: the 390-board
Greenhouse crawl and every other family's recordings) with one ReplayServer
per family, each on its own port: in production every family is its own host
(boards-api.greenhouse.io, api.lever.co, hn.algolia.com, ...), and the client's
limits are keyed by host, so each family gets its own token bucket and
concurrency cap. The HN server answers 404 for robots.txt, as hn.algolia.com
does (meaning: allow all).

Limits are the ones docs/sources.md ships per family
(jobmarket.replay.PRODUCTION_LIMITS; include/config/sources.yaml sets the
same 1/s, burst 2, 2 concurrent for greenhouse, lever and ashby). A family
whose requests would take longer than ``--budget`` seconds at its shipped
rate gets its rate scaled up just enough to fit (``(requests - burst) / rate
<= budget``); the table marks such rows with the scale factor. With the
defaults only Greenhouse is scaled (391 requests at 1/s would take ~6.5
minutes). ``--no-scale`` runs at the shipped limits whatever it takes.

Every family's source is scraped at once through one shared PoliteClient, as
the DAG's mapped scrape tasks would be. Per host it prints the requests made
(robots.txt included), the wall time from the first to the last request, the
effective rate, the configured rate / burst / max_concurrency, the most
requests the server saw in flight at once, and whether the host stayed within
its limit: requests <= burst + rate x wall (a token bucket can never exceed
that). Raw lands in a temporary lake; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import yaml
from jobmarket.core.settings import Settings
from jobmarket.replay import (
    DEFAULT_REPLAY_DATE,
    PRODUCTION_LIMITS,
    SHARED_FIXTURES,
    ReplayServer,
    all_families_bundle,
    sources_yaml,
)
from jobmarket.sources.config import parse_sources
from jobmarket.sources.http import PoliteClient
from jobmarket.steps.scrape import SourceFailed, scrape_source

PRODUCTION_HOSTS = {
    "greenhouse": "boards-api.greenhouse.io",
    "lever": "api.lever.co",
    "ashby": "api.ashbyhq.com",
    "smartrecruiters": "api.smartrecruiters.com",
    "workable": "apply.workable.com",
    "recruitee": "{company}.recruitee.com",
    "remoteok": "remoteok.com",
    "remotive": "remotive.com",
    "arbeitnow": "www.arbeitnow.com",
    "himalayas": "himalayas.app",
    "hn": "hn.algolia.com",
    "jsonld": "hire.rebase.network + icims",
}


def expected_requests(bundle, family: str) -> int:
    """Requests a scrape of the family makes, robots.txt included (from the routes served)."""
    prefix = f"/{family}/"
    routes = [k for k in bundle.routes if k.startswith(prefix)]
    if family == "smartrecruiters":
        return 1 + len(routes) - 1  # robots + list + details; the unlisted shared detail is never asked
    return 1 + len(routes)


def plan_limits(bundle, budget: float, scale: bool) -> dict[str, dict]:
    out = {}
    for family in bundle.families():
        lim = dict(PRODUCTION_LIMITS[family])
        n = expected_requests(bundle, family)
        factor = 1.0
        if scale and n > lim["burst"] and (n - lim["burst"]) / lim["rate_per_second"] > budget:
            factor = math.ceil((n - lim["burst"]) / (lim["rate_per_second"] * budget))
            lim["rate_per_second"] = lim["rate_per_second"] * factor
        out[family] = {**lim, "_scale": factor}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=100.0,
                    help="seconds a family may take at its rate before the rate is scaled up (default 100)")
    ap.add_argument("--no-scale", action="store_true", help="shipped limits only, however long it takes")
    ap.add_argument("--latency", type=float, default=0.02, help="seconds each server takes per request")
    ap.add_argument("--gh-boards", type=int, default=0, help="only the first N Greenhouse boards (0: all 390)")
    ap.add_argument("--families", help="comma-separated families (default: all with recordings)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)

    if not (SHARED_FIXTURES / "boards").is_dir():
        print(f"no recordings at {SHARED_FIXTURES}/boards", file=sys.stderr)
        return 2
    bundle = all_families_bundle(SHARED_FIXTURES, DEFAULT_REPLAY_DATE)
    if args.families:
        bundle = bundle.subset(args.families.split(","))
    if args.gh_boards and "greenhouse" in bundle.boards:
        keep = sorted(bundle.boards["greenhouse"])[: args.gh_boards]
        bundle.boards["greenhouse"] = keep
        keep_paths = {f"/greenhouse/v1/boards/{b}/jobs" for b in keep}
        bundle.routes = {k: r for k, r in bundle.routes.items()
                         if not k.startswith("/greenhouse/") or k in keep_paths}
    limits = plan_limits(bundle, args.budget, not args.no_scale)
    servers = {
        f: ReplayServer(bundle.subset([f]), latency=args.latency,
                        robots_txt=None if f == "hn" else "User-agent: *\nAllow: /\n").start()
        for f in bundle.families()
    }
    try:
        doc = yaml.safe_load(sources_yaml(
            bundle, "http://127.0.0.1:1", contact="bench@example.invalid",
            limits={f: {k: v for k, v in lim.items() if not k.startswith("_")} for f, lim in limits.items()},
            base_urls={f: s.url for f, s in servers.items()},
        ))
        sources = parse_sources(doc, Path("<bench>"))
        with (
            tempfile.TemporaryDirectory(prefix="bench-allfam-") as lake,
            PoliteClient(sources.http.user_agent) as client,
        ):
            settings = Settings(lake=Path(lake))
            results: dict[str, object] = {}
            dt = date.fromisoformat(DEFAULT_REPLAY_DATE)

            def run(name: str) -> None:
                try:
                    results[name] = scrape_source(name, dt, settings=settings, sources=sources, client=client)
                except SourceFailed as exc:
                    results[name] = exc

            threads = [threading.Thread(target=run, args=(s.name,)) for s in sources.sources]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - t0
            figures = report(sources, servers, client, results, limits, wall, args)
            if args.json:
                Path(args.json).write_text(json.dumps(figures, indent=1))
    finally:
        for srv in servers.values():
            srv.stop()
    return 0 if all(h["within"] and h["failed"] == 0 for h in figures["hosts"]) else 1


def report(sources, servers, client, results, limits, wall, args) -> dict:
    statuses: Counter = Counter()
    for r in results.values():
        statuses.update(r["counts"] if isinstance(r, dict) else {"SourceFailed": 1})
    print(f"{sum(len(s.boards) for s in sources.sources)} boards of {len(servers)} families, one host each; "
          f"server latency {args.latency * 1000:.0f} ms; budget {args.budget:g} s per host"
          f"{' (no scaling)' if args.no_scale else ''}")
    print(f"board status: {dict(statuses)}; total wall {wall:.1f} s\n")
    head = ("family", "production host", "local host", "boards", "ok", "requests", "wall s", "req/s",
            "limit/s", "burst", "max conc", "seen conc", "allowed", "within")
    rows, hosts = [], []
    for s in sources.sources:
        srv = servers[s.family]
        netloc = srv.url.split("//", 1)[1]
        n = client.requests_per_host.get(netloc, 0)
        span = (client.last_request_at[netloc] - client.first_request_at[netloc]) if n else 0.0
        lim = limits[s.family]
        rate, burst = s.rate_per_second, s.burst
        allowed = burst + rate * span  # the most a token bucket can let through in `span`
        within = n <= allowed + 1e-6
        r = results.get(s.name)
        counts = r["counts"] if isinstance(r, dict) else {"failed": len(s.boards)}
        ok = counts.get("ok", 0) + counts.get("not_modified", 0)
        scaled = f" (x{lim['_scale']:g})" if lim["_scale"] != 1 else ""
        hosts.append({"family": s.family, "host": netloc, "boards": len(s.boards), "ok": ok,
                      "failed": counts.get("failed", 0), "requests": n, "server_requests": len(srv.requests),
                      "span_s": span, "rate_eff": (n - 1) / span if span > 0 else None,
                      "rate_limit": rate, "production_rate": PRODUCTION_LIMITS[s.family]["rate_per_second"],
                      "scale": lim["_scale"], "burst": burst, "max_concurrency": s.max_concurrency,
                      "seen_concurrency": srv.max_inflight, "allowed": allowed, "within": within,
                      "errors": (r.get("errors") if isinstance(r, dict) else str(r))})
        rows.append((
            s.family, PRODUCTION_HOSTS.get(s.family, "?"), netloc, str(len(s.boards)), str(ok), str(n),
            f"{span:.2f}", f"{(n - 1) / span:.2f}" if span > 0 else "-",
            f"{rate:g}{scaled}", str(burst), str(s.max_concurrency), str(srv.max_inflight),
            f"{allowed:.1f}", "yes" if within else "NO",
        ))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    left = {0, 1, 2}
    for line in (head, tuple("-" * w for w in widths), *rows):
        print("  ".join(c.ljust(w) if i in left else c.rjust(w)
                        for i, (c, w) in enumerate(zip(line, widths, strict=True))))
    print("\nreq/s = (requests - 1) / wall: intervals between the first and last request of the host.")
    print("allowed = burst + limit x wall: the most requests a token bucket admits in that wall time;")
    print("within = requests <= allowed. seen conc = most requests in flight at the server at once.")
    scaled = [h for h in hosts if h["scale"] != 1]
    for h in scaled:
        print(f"scaled: {h['family']} rate {h['production_rate']:g}/s x{h['scale']:g} = {h['rate_limit']:g}/s "
              f"to fit {h['requests']} requests in the {args.budget:g} s budget "
              f"(at {h['production_rate']:g}/s they would take "
              f"~{(h['requests'] - h['burst']) / h['production_rate']:.0f} s)")
    for h in hosts:
        if h["failed"]:
            print(f"FAILED boards of {h['family']}: {h['errors']}")
    return {"wall": wall, "statuses": dict(statuses), "hosts": hosts}


if __name__ == "__main__":
    raise SystemExit(main())
