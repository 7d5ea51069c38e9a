"""Board-family adapters: one module per family behind one interface (base.Adapter).

The registry (``jobmarket.sources.registry``) is lazy so importing
``jobmarket.sources`` does not import every adapter's dependencies.
"""

from __future__ import annotations

from jobmarket.sources.base import Adapter, BoardContext, FetchPlan, ParseError
from jobmarket.sources.registry import REGISTRY, get_adapter

__all__ = ["Adapter", "BoardContext", "FetchPlan", "ParseError", "REGISTRY", "get_adapter"]
