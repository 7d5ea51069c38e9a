"""Keying and decoding the posting objects of a night, old way against new,
on the benchmark's 20,000-posting night (real descriptions, as
``bench/run.py`` builds it): ``json.dumps`` (the old key, still used for
documents msgspec cannot encode exactly) against msgspec's encoding
(``parse_reuse.encoded_payload``), each with its cleanliness check; and the
responses' decoding, ``json.loads`` against ``parse_reuse.decode_body``.

    .venv/bin/python bench/parse_micro.py [--n 20000] [--runs 5]

CPU seconds, best of ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402


def best(fn, runs: int) -> float:
    out = []
    for _ in range(runs):
        t = time.process_time()
        fn()
        out.append(time.process_time() - t)
    return min(out)


def main() -> int:
    from jobmarket.hygiene import dumped_is_clean, encoded_is_clean
    from jobmarket.incremental.parse_reuse import decode_body, encoded_payload, object_payload

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    boards = synth.night(synth.crawl_jobs(), args.n)
    bodies = [json.dumps({"jobs": synth.with_content(b, js)}).encode() for b, js in boards.items()]
    objs = [o for body in bodies for o in decode_body(body)[0]["jobs"]]
    print(f"{len(objs):,} posting objects, {sum(map(len, bodies)) / 1e6:.0f} MB of JSON in {len(bodies)} responses")

    def old_keys():
        for o in objs:
            dumped_is_clean(object_payload(o))

    def new_keys():
        for o in objs:
            encoded_is_clean(encoded_payload(o))

    print("| what | old (CPU s) | new (CPU s) |")
    print("|---|---|---|")
    print(f"| key + clean check of every object | json.dumps {best(old_keys, args.runs):.3f} "
          f"| msgspec {best(new_keys, args.runs):.3f} |")
    print(f"| decode every response | json.loads {best(lambda: [json.loads(b) for b in bodies], args.runs):.3f} "
          f"| msgspec {best(lambda: [decode_body(b) for b in bodies], args.runs):.3f} |")

    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
