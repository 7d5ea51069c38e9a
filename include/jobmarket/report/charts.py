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


def hbar(labels: Sequence[str], values: Sequence[float], xlabel: str, colors=None, fmt: str = "{:,.0f}") -> str:
    fig = _figure(8, 0.35 * len(labels) + 0.8)
    ax = fig.add_subplot()
    y = range(len(labels))
    ax.barh(list(y), list(values), color=colors or [color(str(k), i) for i, k in enumerate(labels)])
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel, fontsize=8)
    for yi, v in zip(y, values, strict=True):
        ax.annotate(fmt.format(v), (v, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    _style(ax)
    return to_svg(fig)


def lines(x: Sequence, series: dict[str, Sequence[float]], ylabel: str) -> str:
    fig = _figure(8, 3.0)
    ax = fig.add_subplot()
    for i, (name, ys) in enumerate(series.items()):
        ax.plot(list(x), list(ys), marker="o", markersize=3, linewidth=1.5, label=name, color=color(name, i))
    ax.set_ylabel(ylabel, fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _style(ax)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.8)
    fig.autofmt_xdate()
    return to_svg(fig)


def heatmap(rows: Sequence[str], cols: Sequence[str], values, xlabel: str, ylabel: str, fmt: str = "{:,.0f}") -> str:
    import numpy as np

    data = np.asarray(values, dtype=float)
    fig = _figure(8, 0.42 * len(rows) + 1.3)
    ax = fig.add_subplot()
    ax.imshow(data, cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    top = np.nanmax(data) if data.size else 0
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            v = data[i, j]
            if v and not np.isnan(v):
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 * top else "black")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
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
