"""Matplotlib charts rendered to inline SVG (text kept as text, no external
resources, deterministic ids), for the self-contained report.

Labels are archetypes, skills, seniorities and dates: controlled vocabularies,
never free text from postings (that goes into escaped HTML tables)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

PALETTE = {
    "data_engineer": "#4C72B0", "analytics": "#DD8452", "applied_ml": "#55A868",
    "ml_engineer": "#C44E52", "research": "#8172B3", "ai_engineer": "#937860", "other": "#BBBBBB",
    "remote": "#55A868", "hybrid": "#4C72B0", "onsite": "#DD8452", "unknown": "#CCCCCC",
}
_FALLBACK = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]


def color(key: str, i: int = 0) -> str:
    return PALETTE.get(key, _FALLBACK[i % len(_FALLBACK)])


def _figure(width: float = 8.0, height: float = 3.2):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig


def to_svg(fig) -> str:
    import matplotlib

    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "jobmarket-report"
    matplotlib.rcParams["font.family"] = "DejaVu Sans"
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    # Scale with the page: drop the fixed size, keep the viewBox.
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="chart" role="img"', svg, count=1)
    return svg


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", color="#eeeeee", linewidth=0.8)
    ax.set_axisbelow(True)


def hbar(labels: Sequence[str], values: Sequence[float], xlabel: str, colors=None, fmt: str = "{:,.0f}",
         notes: Sequence[str] | None = None, suppressed: Sequence[bool] | None = None) -> str:
    """Horizontal bars; ``notes`` (e.g. "n=12") follow each value, and a ``suppressed``
    bar (too few postings) is drawn as an empty grey outline saying so instead of a value."""
    fig = _figure(8, 0.35 * len(labels) + 0.8)
    ax = fig.add_subplot()
    y = list(range(len(labels)))
    sup = list(suppressed) if suppressed is not None else [False] * len(labels)
    vals = [0.0 if s or v != v else v for v, s in zip(values, sup, strict=True)]
    cols = list(colors or [color(str(k), i) for i, k in enumerate(labels)])
    ax.barh(y, vals, color=["#dddddd" if s else c for c, s in zip(cols, sup, strict=True)])
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel, fontsize=8)
    for yi, v, s in zip(y, vals, sup, strict=True):
        note = f" ({notes[yi]})" if notes else ""
        text = f"too few{note}" if s else fmt.format(v) + note
        ax.annotate(text, (v, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7,
                    color="#888888" if s else "black")
    _style(ax)
    return to_svg(fig)


def lines(x: Sequence, series: dict[str, Sequence[float]], ylabel: str) -> str:
    fig = _figure(8, 3.0)
    ax = fig.add_subplot()
    for i, (name, ys) in enumerate(series.items()):
        ax.plot(list(x), list(ys), marker="o", markersize=3, linewidth=1.5, label=name, color=color(name, i))
    ax.set_ylabel(ylabel, fontsize=8)
    # Counts and shares are never negative: an all-zero series sits on the axis, not mid-chart.
    top = max((v for ys in series.values() for v in ys if v == v), default=0)
    ax.set_ylim(0, max(1.0, 1.1 * top))
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _style(ax)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.8)
    fig.autofmt_xdate()
    return to_svg(fig)


def heatmap(rows: Sequence[str], cols: Sequence[str], values, xlabel: str, ylabel: str, fmt: str = "{:,.0f}",
            suppressed_rows: Sequence[bool] | None = None) -> str:
    """A matrix of numbers; ``suppressed_rows`` (too few postings) are greyed and left blank."""
    import numpy as np

    data = np.asarray(values, dtype=float).copy()
    if suppressed_rows is not None:
        for i, s in enumerate(suppressed_rows):
            if s:
                data[i, :] = np.nan
    fig = _figure(8, 0.42 * len(rows) + 1.3)
    ax = fig.add_subplot()
    cmap = matplotlib_cmap("Blues")
    ax.imshow(np.ma.masked_invalid(data), cmap=cmap, aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    top = np.nanmax(data) if data.size and not np.isnan(data).all() else 0
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            v = data[i, j]
            if v and not np.isnan(v):
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 * top else "black")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    return to_svg(fig)


def matplotlib_cmap(name: str):
    import matplotlib

    return matplotlib.colormaps[name].with_extremes(bad="#eeeeee")  # suppressed cells


def km_curves(curves: dict[str, tuple[Sequence[float], Sequence[float]]], xlabel: str) -> str:
    """Step curves of the share of postings still open (Kaplan-Meier), one per group."""
    fig = _figure(8, 3.0)
    ax = fig.add_subplot()
    for i, (name, (t, s)) in enumerate(curves.items()):
        ax.step([0, *t], [1.0, *s], where="post", label=name, color=color(name, i), linewidth=1.5)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel("share still open", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _style(ax)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.8)
    return to_svg(fig)


def stacked_share(categories: Sequence[str], segments: dict[str, Sequence[float]], xlabel: str) -> str:
    fig = _figure(8, 0.38 * len(categories) + 1.0)
    ax = fig.add_subplot()
    left = [0.0] * len(categories)
    y = list(range(len(categories)))
    for i, (name, vals) in enumerate(segments.items()):
        ax.barh(y, list(vals), left=left, label=name, color=color(name, i))
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.set_yticks(y, categories)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.legend(fontsize=7, frameon=False, ncols=len(segments), loc="lower left", bbox_to_anchor=(0, 1.0))
    _style(ax)
    return to_svg(fig)


def ranges(labels: Sequence[str], p25, p50, p75, xlabel: str) -> str:
    fig = _figure(8, 0.35 * len(labels) + 0.9)
    ax = fig.add_subplot()
    y = list(range(len(labels)))
    ax.barh(y, [b - a for a, b in zip(p25, p75, strict=True)], left=list(p25), color="#9ecae1", label="p25-p75")
    ax.scatter(list(p50), y, color="#08519c", zorder=3, s=14, label="median")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel, fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    _style(ax)
    return to_svg(fig)


def diverging(labels: Sequence[str], values: Sequence[float], xlabel: str) -> str:
    colors = ["#55A868" if v >= 0 else "#C44E52" for v in values]
    return hbar(labels, values, xlabel, colors=colors, fmt="{:+.1f}")


def flow(x: Sequence, open_: Sequence[int], new: Sequence[int], closed: Sequence[int]) -> str:
    fig = _figure(8, 3.4)
    ax1, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=[1.2, 1])
    idx = list(range(len(x)))
    ax1.plot(idx, list(open_), marker="o", markersize=3, color="#4C72B0")
    ax1.set_ylabel("open", fontsize=8)
    w = 0.4
    ax2.bar([i - w / 2 for i in idx], list(new), width=w, color="#55A868", label="new")
    ax2.bar([i + w / 2 for i in idx], list(closed), width=w, color="#C44E52", label="closed")
    ax2.set_xticks(idx, [str(d) for d in x], rotation=30, ha="right")
    ax2.set_ylabel("postings", fontsize=8)
    ax2.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    for ax in (ax1, ax2):
        _style(ax)
        ax.grid(axis="y", color="#eeeeee", linewidth=0.8)
    return to_svg(fig)


def small_multiples(x: Sequence, panels: dict[str, Sequence[float]]) -> str:
    n = len(panels)
    fig = _figure(8, 1.3 * n + 0.6)
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    idx = list(range(len(x)))
    for i, (ax, (name, ys)) in enumerate(zip(axes, panels.items(), strict=True)):
        ax.bar(idx, list(ys), color=_FALLBACK[i % len(_FALLBACK)])
        ax.set_ylim(0, max(1.0, 1.1 * max(ys, default=0)))
        ax.set_title(name, fontsize=8, loc="left")
        _style(ax)
        ax.grid(axis="y", color="#eeeeee", linewidth=0.8)
    axes[-1].set_xticks(idx, [str(d) for d in x], rotation=30, ha="right")
    return to_svg(fig)
