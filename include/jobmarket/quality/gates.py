"""Batch-level gates: each source's run compared with its trailing history.

A gate looks at one source (or one board, for ``board_volume_drop``) and has
an outcome: ``pass``; ``warn`` (tripped, severity warn: logged and recorded);
``fail`` (tripped, severity fail: the source's rows are held back for the
date, i.e. quarantined with the gate's name instead of published, and the run
fails naming the source, the gate and the numbers); ``skipped`` (fewer
previous dates than ``history.min_dates``, or no board of the source parsed
today, which source_health and check_sources already report).

The functions here are pure (counts in, results out) apart from
:func:`evaluate`, which reads the lake.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import date
from typing import Any

from jobmarket.core.lake import Lake
from jobmarket.quality.config import QualityConfig
from jobmarket.quality.history import PARSED_STATUSES, DateHistory, load_history

log = logging.getLogger(__name__)


@dataclass
class GateResult:
    source: str
    gate: str
    severity: str
    outcome: str  # pass | warn | fail | skipped
    message: str
    board: str | None = None
    field: str | None = None
    observed: float | None = None
    baseline: float | None = None
    threshold: float | None = None
    history_dates: int = 0
    held_back_rows: int = 0

    @property
    def tripped(self) -> bool:
        return self.outcome in ("warn", "fail")

    def row(self, dt: date, run_id: str) -> dict[str, Any]:
        return {
            "scraped_date": dt,
            "run_id": run_id,
            "source": self.source,
            "board": self.board,
            "gate": self.gate,
            "field": self.field,
            "severity": self.severity,
            "outcome": self.outcome,
            "observed": self.observed,
            "baseline": self.baseline,
            "threshold": self.threshold,
            "history_dates": self.history_dates,
            "held_back_rows": self.held_back_rows,
            "message": self.message,
        }


def _outcome(tripped: bool, severity: str) -> str:
    return severity if tripped else "pass"


def _scope(source: str, board: str | None) -> str:
    return f"{source}/{board}" if board else source


def volume_gate(gate: str, cfg, source: str, today: int, history: list[int], min_dates: int,
                board: str | None = None) -> GateResult:
    """Postings fell by more than ``max_drop_fraction`` of the trailing median."""
    frac, floor = cfg["max_drop_fraction"], cfg["min_baseline"]
    r = GateResult(source=source, board=board, gate=gate, severity=cfg.severity, outcome="skipped",
                   observed=float(today), threshold=frac, history_dates=len(history), message="")
    scope = _scope(source, board)
    if len(history) < min_dates:
        r.message = f"{scope}: {len(history)} previous date(s) with postings, need {min_dates}; not judged"
        return r
    median = float(statistics.median(history))
    r.baseline = median
    if median < floor:
        r.outcome = "pass"
        r.message = f"{scope}: trailing median {median:g} is below {floor:g}; too small to judge a drop"
        return r
    drop = 1 - today / median
    tripped = drop > frac
    r.outcome = _outcome(tripped, cfg.severity)
    r.message = (
        f"{scope}: {today} postings vs a trailing median of {median:g} over {len(history)} date(s): "
        f"{'a drop of ' + format(drop, '.0%') if drop > 0 else 'no drop'}, "
        f"{'above' if tripped else 'within'} the allowed {frac:.0%}"
    )
    return r


def went_empty_gate(cfg, source: str, today: int, history: list[int], min_dates: int) -> GateResult:
    """A source that usually has postings returned none."""
    floor = cfg["min_baseline"]
    r = GateResult(source=source, gate="went_empty", severity=cfg.severity, outcome="skipped",
                   observed=float(today), threshold=floor, history_dates=len(history), message="")
    if len(history) < min_dates:
        r.message = f"{source}: {len(history)} previous date(s), need {min_dates}; not judged"
        return r
    median = float(statistics.median(history))
    r.baseline = median
    tripped = today == 0 and median >= floor
    r.outcome = _outcome(tripped, cfg.severity)
    r.message = (
        f"{source}: returned no postings although its trailing median is {median:g} over {len(history)} date(s)"
        if tripped
        else f"{source}: {today} postings (trailing median {median:g})"
    )
    return r


def null_rate_gate(cfg, source: str, column: str, today: float, history: list[float],
                   min_dates: int) -> GateResult:
    """The share of nulls in a key field rose by more than ``max_increase``."""
    limit = cfg["max_increase"]
    r = GateResult(source=source, gate="null_rate_jump", field=column, severity=cfg.severity, outcome="skipped",
                   observed=round(today, 6), threshold=limit, history_dates=len(history), message="")
    if len(history) < min_dates:
        r.message = f"{source}.{column}: {len(history)} previous date(s), need {min_dates}; not judged"
        return r
    median = float(statistics.median(history))
    r.baseline = round(median, 6)
    rise = today - median
    tripped = rise > limit
    r.outcome = _outcome(tripped, cfg.severity)
    r.message = (
        f"{source}.{column}: null rate {today:.1%} vs a trailing median of {median:.1%}: "
        f"{'a rise of ' + format(rise, '.1%') if rise > 0 else 'no rise'}, "
        f"{'above' if tripped else 'within'} the allowed {limit:.0%}"
    )
    return r


def schema_drift_gate(cfg, source: str, today: dict[str, list[str]], history: list[dict[str, list[str]]],
                      min_dates: int) -> GateResult:
    """JSON keys of the raw records that appeared or vanished, board by board
    (so adding a board is not drift): new = keys no previous date of that
    board had; vanished = keys every previous date of that board had."""
    new: set[str] = set()
    vanished: set[str] = set()
    judged = 0
    boards_drifted = []
    for board, keys in sorted(today.items()):
        past = [set(h[board]) for h in history if board in h]
        if len(past) < min_dates:
            continue
        judged += 1
        k = set(keys)
        b_new = k - set().union(*past)
        b_gone = set.intersection(*past) - k
        if b_new or b_gone:
            boards_drifted.append(board)
        new |= b_new
        vanished |= b_gone
    r = GateResult(source=source, gate="schema_drift", severity=cfg.severity, outcome="skipped",
                   history_dates=len(history), message="")
    if not judged:
        r.message = f"{source}: no board with {min_dates} previous dates of JSON raw; not judged"
        return r
    tripped = bool(new or vanished)
    r.outcome = _outcome(tripped, cfg.severity)
    r.observed = float(len(new) + len(vanished))
    r.threshold = 0.0
    r.field = ",".join([*(f"+{k}" for k in sorted(new)), *(f"-{k}" for k in sorted(vanished))]) or None
    if tripped:
        r.message = (
            f"{source}: raw record keys changed on {len(boards_drifted)} of {judged} board(s) "
            f"({', '.join(boards_drifted[:5])}{', ...' if len(boards_drifted) > 5 else ''}): "
            f"new {sorted(new) or '[]'}, vanished {sorted(vanished) or '[]'}"
        )
    else:
        r.message = f"{source}: raw record keys unchanged on {judged} board(s)"
    return r


def quarantine_rate_gate(cfg, source: str, bad: int, total: int, rejected: int = 0) -> GateResult:
    """The share of a source's postings quarantined one by one: the ``bad`` of
    its ``total`` parsed rows that failed row-level expectations, plus the
    ``rejected`` posting objects the parse step could not make into rows
    (counted in neither ``bad`` nor ``total``), so that a board sending mostly
    broken postings trips the gate as one failing expectations does."""
    limit = cfg["max_fraction"]
    held, postings = bad + rejected, total + rejected
    rate = held / postings if postings else 0.0
    tripped = rate > limit
    verdict = f"{'above' if tripped else 'within'} the allowed {limit:.0%}"
    if rejected:
        message = (f"{source}: {bad} of {total} rows failed row-level expectations and {rejected} posting(s) "
                   f"were rejected at parse: {held} of {postings} postings ({rate:.1%}), {verdict}")
    else:
        message = f"{source}: {bad} of {total} rows ({rate:.1%}) failed row-level expectations, {verdict}"
    return GateResult(
        source=source, gate="quarantine_rate", severity=cfg.severity, outcome=_outcome(tripped, cfg.severity),
        observed=round(rate, 6), threshold=limit, message=message,
    )


def evaluate(
    lake: Lake,
    dt: date,
    cfg: QualityConfig,
    *,
    df,
    health: list[dict[str, Any]],
    bad_by_source: dict[str, int],
    raw_keys,
    rejected_by_source: dict[str, int] | None = None,
) -> list[GateResult]:
    """Every gate for every source seen today.

    ``df`` is this date's parsed rows (pandas, normalized columns); ``health`` is this date's source_health
    rows; ``bad_by_source`` counts rows failing row-level expectations; ``raw_keys(family, date)`` gives
    board -> JSON keys of that date's raw records (``jobmarket.incremental.raw_keys``), for schema drift;
    ``rejected_by_source`` the posting objects rejected at parse (work/rejected), which are not in ``df``.
    """
    rejected_by_source = rejected_by_source or {}
    null_cfg = cfg.gates["null_rate_jump"]
    columns = tuple(null_cfg.columns)
    for o in cfg.overrides.values():
        if "null_rate_jump" in o:
            columns = tuple(dict.fromkeys(columns + o["null_rate_jump"].columns))
    history: list[DateHistory] = load_history(lake, dt, cfg.history_dates, columns)
    min_dates = cfg.min_history_dates

    from collections import Counter

    board_today = Counter(zip(df["source"], df["board"], strict=True))
    null_today = df[["source", *[c for c in columns if c in df.columns]]].isna()
    null_today["source"] = df["source"]
    null_today = null_today.groupby("source").mean() if len(df) else None
    # Boards whose postings were parsed today, per source (family).
    parsed: dict[str, set[str]] = {}
    statuses: dict[str, Counter] = {}
    for h in health:
        statuses.setdefault(h["family"], Counter())[h["status"]] += 1
        if h["status"] in PARSED_STATUSES:
            parsed.setdefault(h["family"], set()).add(h["board"])
    sources = sorted(set(statuses) | set(df["source"].dropna()) | {s for s in rejected_by_source if s})

    results: list[GateResult] = []
    for source in sources:
        boards = parsed.get(source, set())
        total = sum(n for (s, _), n in board_today.items() if s == source)
        results.append(quarantine_rate_gate(cfg.gate("quarantine_rate", source), source,
                                            bad_by_source.get(source, 0), total,
                                            rejected_by_source.get(source, 0)))
        if not boards:
            for gate in ("volume_drop", "went_empty", "null_rate_jump", "schema_drift"):
                g = cfg.gate(gate, source)
                results.append(GateResult(
                    source=source, gate=gate, severity=g.severity, outcome="skipped",
                    message=f"{source}: no board parsed today ({dict(statuses.get(source, {}))}); "
                            "see source_health"))
            continue
        # Baseline per previous date: the same boards' counts (a board added
        # today has none; a board that failed today is not compared).
        src_hist = [h for h in history if any(s == source for (s, _) in h.board_counts)]
        counts = [sum(h.board_counts.get((source, b), 0) for b in boards) for h in src_hist]
        results.append(volume_gate("volume_drop", cfg.gate("volume_drop", source), source, total, counts,
                                   min_dates))
        results.append(went_empty_gate(cfg.gate("went_empty", source), source, total, counts, min_dates))
        bcfg = cfg.gate("board_volume_drop", source)
        for board in sorted(boards):
            past = [h.board_counts[(source, board)] for h in src_hist if (source, board) in h.board_counts]
            results.append(volume_gate("board_volume_drop", bcfg, source,
                                       board_today.get((source, board), 0), past, min_dates, board=board))
        ncfg = cfg.gate("null_rate_jump", source)
        for col in ncfg.columns:
            past = [h.null_rates[source][col] for h in src_hist
                    if source in h.null_rates and col in h.null_rates[source]]
            if null_today is not None and source in null_today.index:
                today_rate = float(null_today.at[source, col])
                results.append(null_rate_gate(ncfg, source, col, today_rate, past, min_dates))
        today_keys = raw_keys(source, dt)  # written by this date's parse step
        if today_keys:
            past_keys = [raw_keys(source, h.dt) for h in history]
            results.append(schema_drift_gate(cfg.gate("schema_drift", source), source, today_keys,
                                             [p for p in past_keys if p], min_dates))
    for r in results:
        if r.outcome == "warn":
            log.warning("quality gate %s warned: %s", r.gate, r.message)
        elif r.outcome == "fail":
            log.error("quality gate %s failed: %s", r.gate, r.message)
    return results
