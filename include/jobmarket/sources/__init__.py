"""Board-family adapters: one module per family behind one interface (base.Adapter).

The registry is lazy so importing ``jobmarket.sources`` (e.g. from config
validation at DAG parse time) does not import every adapter's dependencies.
"""

from __future__ import annotations

import importlib

from jobmarket.sources.base import Adapter, BoardContext, FetchPlan, ParseError

# family -> "module:Class". Adding a family is one module plus one line here.
REGISTRY: dict[str, str] = {
    "greenhouse": "jobmarket.sources.greenhouse:GreenhouseAdapter",
    "lever": "jobmarket.sources.lever:LeverAdapter",
    "ashby": "jobmarket.sources.ashby:AshbyAdapter",
}

_CACHE: dict[str, Adapter] = {}


def get_adapter(family: str) -> Adapter:
    if family not in _CACHE:
        try:
            target = REGISTRY[family]
        except KeyError:
            raise KeyError(f"no adapter for family {family!r} (have: {', '.join(sorted(REGISTRY))})") from None
        module, cls = target.split(":")
        _CACHE[family] = getattr(importlib.import_module(module), cls)()
    return _CACHE[family]


__all__ = ["Adapter", "BoardContext", "FetchPlan", "ParseError", "REGISTRY", "get_adapter"]
