"""A/B of the proposed fixes (bench/patches.py) on the parse step's hot path.

    .venv/bin/python bench/ab_patches.py [--n 3000] [--rounds 3]

Parses ``--n`` synthetic Greenhouse postings (adapter parse: HTML to text)
and normalizes them (salary, location, title, duplicate clusters) in this
process, alternating the original functions and the patched ones, and prints
the best CPU time of each. Interleaving and best-of keep the comparison fair
on a shared machine; the outputs are checked to be identical.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    import patches
    from jobmarket import text
    from jobmarket.normalize import dedup, salary
    from jobmarket.sources import BoardContext, get_adapter
    from jobmarket.transform import normalize_rows

    boards = synth.night(synth.crawl_jobs(), args.n, seed=5)
    bodies = [(b, json.dumps({"jobs": synth.with_content(b, js), "meta": {"total": len(js)}}))
              for b, js in boards.items()]
    adapter = get_adapter("greenhouse")
    dt = date(2026, 8, 22)

    def run():
        rows = []
        for b, body in bodies:
            rows.extend(adapter.parse(body, BoardContext(family="greenhouse", board=b)))
        return normalize_rows(rows, dt, "ab")

    originals = {"salary": (salary, "_currency_windows", salary._currency_windows),
                 "dedup": (dedup, "_signature", dedup._signature),
                 "text": (text, "_squeeze", text._squeeze)}
    patched = {}
    for name in originals:
        patches.PATCHES[name]()
        mod, attr, _ = originals[name]
        patched[name] = getattr(mod, attr)
    run()  # warm-up: gazetteer, caches

    def use(which: str) -> None:
        for name, (mod, attr, orig) in originals.items():
            setattr(mod, attr, orig if which == "original" else patched[name])

    best = {"original": float("inf"), "patched": float("inf")}
    outs = {}
    for _ in range(args.rounds):
        for which in ("original", "patched"):
            use(which)
            c0 = time.process_time()
            outs[which] = run()
            best[which] = min(best[which], time.process_time() - c0)
    use("original")
    same = outs["original"] == outs["patched"]
    o, p = best["original"], best["patched"]
    print(f"parse+normalize of {args.n:,} postings, best of {args.rounds} (CPU s): original {o:.2f}, "
          f"patched {p:.2f} ({(1 - p / o) * 100:.0f}% less); outputs identical: {same}")
    print("BENCH-JSON " + json.dumps({"n": args.n, "original": o, "patched": p, "identical": same}))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
