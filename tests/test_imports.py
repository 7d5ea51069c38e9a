"""Every module of the package imports on its own, as a task's fresh process
would import it first (an import cycle only shows from some entry points)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import jobmarket

SCRIPT = """
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for mod in [m for m in sys.modules if m == "jobmarket" or m.startswith("jobmarket.")]:
        del sys.modules[mod]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc(limit=3).splitlines()[-1])
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_first():
    names = [m.name for m in pkgutil.walk_packages(jobmarket.__path__, "jobmarket.")]
    assert len(names) > 40
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *names], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
