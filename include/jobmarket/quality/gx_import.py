"""Importing Great Expectations without the libraries our suites never use.

``import great_expectations`` costs about 5 CPU s, and every process that
validates pays it: the validate, validate_tagged and record_run tasks of
each night, and ``jobmarket run``. Nearly half of it is two imports made
for one expectation we do not use: ``expect_column_kl_divergence_to_be_less_than``
imports ``scipy.stats`` (its statistics) and ``altair`` (its chart) at
module level, and GX imports every core expectation on start-up.

:func:`defer_unused_dependencies` puts a stand-in for each of them in
``sys.modules`` before GX is imported. The stand-in imports the real module
the first time anything reads an attribute from it, so code that does use
them still works, only later; nothing in our suites or Data Docs does
(``tests/quality/test_gx_import.py``). Measured: ``import
great_expectations`` 5.2 -> 2.9 CPU s on the bench machine.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

DEFERRED = ("scipy.stats", "altair")
_lock = threading.Lock()


class _Deferred(types.ModuleType):
    """A module not imported yet: the first attribute read imports it."""

    def __getattr__(self, attr: str):
        return getattr(_load(self), attr)


def _load(stub: _Deferred) -> types.ModuleType:
    name = stub.__name__
    with _lock:
        if sys.modules.get(name) is stub:
            del sys.modules[name]
        return importlib.import_module(name)


def defer_unused_dependencies() -> None:
    """Install the stand-ins (once; not for a module already imported or
    not installed)."""
    if "great_expectations" in sys.modules:
        return  # too late to matter, and GX holds the real ones
    for name in DEFERRED:
        top = name.split(".", 1)[0]
        if name in sys.modules or importlib.util.find_spec(top) is None:
            continue
        stub = _Deferred(name)
        stub.__spec__ = None  # importing it again returns the stand-in, not a half-loaded module
        sys.modules[name] = stub
