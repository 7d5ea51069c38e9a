"""The family -> adapter registry, lazy: looking an adapter up imports only
its own module (config validation at DAG parse time imports no adapter's
dependencies). Adding a family is one module plus one line here."""

from __future__ import annotations

import importlib
from typing import Any

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
    "workday": "jobmarket.sources.workday:WorkdayAdapter",
    "teamtailor": "jobmarket.sources.teamtailor:TeamtailorAdapter",
    "personio": "jobmarket.sources.personio:PersonioAdapter",
    "bamboohr": "jobmarket.sources.bamboohr:BambooHrAdapter",
    "pinpoint": "jobmarket.sources.pinpoint:PinpointAdapter",
    "rippling": "jobmarket.sources.rippling:RipplingAdapter",
    "eightfold": "jobmarket.sources.eightfold:EightfoldAdapter",
}

_CACHE: dict[str, Any] = {}


def get_adapter(family: str) -> Any:
    """The adapter (a ``jobmarket.sources.base.Adapter``) of ``family``."""
    if family not in _CACHE:
        try:
            target = REGISTRY[family]
        except KeyError:
            raise KeyError(f"no adapter for family {family!r} (have: {', '.join(sorted(REGISTRY))})") from None
        module, cls = target.split(":")
        _CACHE[family] = getattr(importlib.import_module(module), cls)()
    return _CACHE[family]
