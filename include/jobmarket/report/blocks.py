"""The building blocks of the report's sections: number formats, links, and the
chart / table / empty blocks the template renders (see sections.py)."""

from __future__ import annotations

from typing import Any

ARCHETYPES = ["data_engineer", "analytics", "applied_ml", "ml_engineer", "research", "ai_engineer", "other"]
ARRANGEMENTS = ["remote", "hybrid", "onsite", "unknown"]
SENIORITY = ["intern", "junior", "mid", "senior", "staff_principal", "manager", "director_plus", "unknown"]


def _missing(v: Any) -> bool:
    import pandas as pd

    return v is None or bool(pd.isna(v)) if not isinstance(v, (list, tuple)) else False


def _n(v: Any) -> str:
    if _missing(v):  # None, NaN, NA
        return "-"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.1f}"
    return f"{int(v):,}"


def _money(v: Any) -> str:
    return "-" if _missing(v) else f"{v:,.0f}"


def link(text: str, href: str | None) -> dict[str, str | None]:
    ok = isinstance(href, str) and href.lower().startswith(("https://", "http://"))
    return {"text": text, "href": href if ok else None}


def _order(values, preferred: list[str]) -> list[str]:
    vals = list(dict.fromkeys(values))
    return [v for v in preferred if v in vals] + sorted(v for v in vals if v not in preferred)


def _span(dates: list) -> str:
    if not dates:
        return "no dates"
    first, last = min(dates), max(dates)
    n = len(set(dates))
    return f"{first}" if first == last else f"{first} to {last} ({n} crawl dates)"


def chart(svg: str, caption: str, figure: dict | None = None) -> dict:
    """A chart; ``figure`` (see ``fig``) is its data for figures.json and its CSV."""
    return {"kind": "chart", "svg": svg, "caption": caption, "figure": figure}


def fig(name: str, records, definition: str, n: int | None = None) -> dict:
    """A chart's numbers: ``records`` (a DataFrame or list of dicts), what they count, and n."""
    if hasattr(records, "to_dict"):
        records = records.to_dict(orient="records")
    clean = [{str(k): _plain(v) for k, v in r.items()} for r in records]
    return {"name": name, "definition": definition, "n": n, "records": clean}


def _plain(v: Any) -> Any:
    """A JSON/CSV-ready value: numpy scalars to Python, missing to None, dates to text."""
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if _missing(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    return v if isinstance(v, (int, float, str, bool)) else str(v)


def table(columns: list[str], rows: list[list], caption: str, numeric: set[int] | None = None,
          muted: set[int] | None = None) -> dict:
    """``muted``: indices of rows greyed as too small to read (the caption says why)."""
    return {"kind": "table", "columns": columns, "rows": rows, "caption": caption, "numeric": numeric or set(),
            "muted": muted or set()}


def empty(text: str) -> dict:
    return {"kind": "empty", "text": text}


def _pct(k: float, n: float) -> str:
    return f"{100 * k / n:.1f}%" if n else "-"
