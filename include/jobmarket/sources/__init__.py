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
    "smartrecruiters": "jobmarket.sources.smartrecruiters:SmartRecruitersAdapter",
    "workable": "jobmarket.sources.workable:WorkableAdapter",
    "recruitee": "jobmarket.sources.recruitee:RecruiteeAdapter",
    "remoteok": "jobmarket.sources.remoteok:RemoteOkAdapter",
    "remotive": "jobmarket.sources.remotive:RemotiveAdapter",
    "arbeitnow": "jobmarket.sources.arbeitnow:ArbeitnowAdapter",
    "himalayas": "jobmarket.sources.himalayas:HimalayasAdapter",
    "hn": "jobmarket.sources.hn:HackerNewsAdapter",
    "jsonld": "jobmarket.sources.jsonld:JsonLdAdapter",
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
