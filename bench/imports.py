"""What a process pays to import the pipeline's libraries, with and without
compiled bytecode (``.pyc``).

``make setup`` compiles every installed module (``uv pip sync
--compile-bytecode``): uv installs none, and where ``PYTHONDONTWRITEBYTECODE``
is set Python never writes them, so each process compiled pandas, GX and
Airflow from source again. "Without" is simulated with an empty
``PYTHONPYCACHEPREFIX``: Python looks for bytecode there, finds none and
compiles (writing nothing, as on such a machine).

    .venv/bin/python bench/imports.py [--runs 3]

Prints the CPU seconds (user + system, the child process's own) of each
import line, best of ``--runs``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

LINES = {
    "great_expectations, pandas, pyarrow.parquet": "import great_expectations, pandas, pyarrow.parquet",
    "the nightly steps (jobmarket.pipeline)": "import jobmarket.pipeline, jobmarket.steps.validate, jobmarket.steps.tag",
    "airflow.sdk": "import airflow.sdk",
}


def child_cpu(code: str, env: dict[str, str]) -> float:
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{code!r} failed")
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    base = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    base.pop("PYTHONPYCACHEPREFIX", None)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| import | with .pyc (CPU s) | without (CPU s) |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as empty:
        for label, code in LINES.items():
            with_pyc = min(child_cpu(code, base) for _ in range(args.runs))
            without = min(child_cpu(code, {**base, "PYTHONPYCACHEPREFIX": empty}) for _ in range(args.runs))
            print(f"| {label} | {with_pyc:.2f} | {without:.2f} |")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
