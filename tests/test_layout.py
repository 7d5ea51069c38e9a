"""The package reads from the bottom up (docs/architecture.md): the layers
import only the layers below them (lazy imports count), one module per DAG
task in ``jobmarket.steps``, the step order written once, no module over 600
lines, no test-only code in the package."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from jobmarket.pipeline import STEPS

from tests.support import REPO

PKG = REPO / "include" / "jobmarket"
# layer of a top-level name under jobmarket; anything not listed (cli, report,
# replay, demo, deploy, docs, summary) is the top layer.
LAYERS = {"core": 0, "sources": 1, "normalize": 1, "tagger": 1, "quality": 1, "ops": 1, "text": 1, "hygiene": 1,
          "incremental": 2, "boards": 2, "steps": 3, "pipeline": 4}
TOP = 5


def _modules() -> dict[str, Path]:
    out = {}
    for f in PKG.rglob("*.py"):
        rel = f.relative_to(PKG.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        out[name] = f
    return out


def _imports(name: str, path: Path) -> set[str]:
    """Modules of ours that ``name`` imports anywhere (top level or in a function)."""
    mods = _modules()
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for t in targets:
            while t and t not in mods:
                t = t.rpartition(".")[0]
            if t and t != name and t.startswith("jobmarket"):
                found.add(t)
    return found


def _layer(name: str) -> int:
    parts = name.split(".")
    return LAYERS.get(parts[1], TOP) if len(parts) > 1 else TOP


def test_layers_import_only_downwards():
    bad = []
    for name, path in _modules().items():
        for dep in _imports(name, path):
            if dep == "jobmarket":  # the root package holds only __version__
                continue
            same = dep.split(".")[:2] == name.split(".")[:2]
            if _layer(dep) > _layer(name) or (not same and _layer(dep) == _layer(name) in (0, 2, 3, 4)):
                if not (name.startswith("jobmarket.incremental") and dep.startswith("jobmarket.incremental")):
                    bad.append(f"{name} -> {dep}")
    assert not bad, "imports against the layers:\n" + "\n".join(sorted(bad))


def test_no_step_imports_another_step():
    bad = [f"{n} -> {d}" for n, p in _modules().items() if n.startswith("jobmarket.steps.")
           for d in _imports(n, p) if d.startswith("jobmarket.steps.") and d != n]
    assert not bad, bad


def test_no_import_cycles():
    mods = _modules()
    edges = {n: _imports(n, p) for n, p in mods.items()}
    sys.setrecursionlimit(10_000)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_one_module_per_dag_task_and_the_dag_calls_it():
    steps = {p.stem for p in (PKG / "steps").glob("*.py") if p.stem != "__init__"}
    tasks = set(STEPS)
    assert steps == tasks
    dag = (REPO / "dags" / "job_market_nightly.py").read_text()
    called = set(re.findall(r"from jobmarket\.steps\.(\w+) import", dag))
    assert called == tasks


def test_no_module_over_600_lines():
    long = {str(p.relative_to(PKG)): n for p in PKG.rglob("*.py") if (n := len(p.read_text().splitlines())) > 600}
    assert not long, long


def test_no_test_only_reference_code_in_the_package():
    names = [f"{p.relative_to(PKG)}: {node.name}" for p in PKG.rglob("*.py")
             for node in ast.walk(ast.parse(p.read_text()))
             if isinstance(node, ast.FunctionDef) and node.name.endswith("_reference")]
    assert not names, names
