"""The quality configuration (``include/config/quality.yaml``), typed and
validated when it is loaded: a mistake raises :class:`QualityConfigError`
naming the file, the key and what is wrong."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobmarket.core.settings import REPO_DIR, ConfigError, read_yaml

DEFAULT_QUALITY_FILE = REPO_DIR / "include" / "config" / "quality.yaml"
SEVERITIES = ("warn", "fail")
PERIODS = ("year", "month", "week", "day", "hour")

# Gate name -> its numeric settings and their allowed ranges ((lo, hi), inclusive).
GATE_PARAMS: dict[str, dict[str, tuple[float, float]]] = {
    "volume_drop": {"max_drop_fraction": (0.0, 1.0), "min_baseline": (0, 1e9)},
    "board_volume_drop": {"max_drop_fraction": (0.0, 1.0), "min_baseline": (0, 1e9)},
    "went_empty": {"min_baseline": (0, 1e9)},
    "null_rate_jump": {"max_increase": (0.0, 1.0)},
    "schema_drift": {},
    "quarantine_rate": {"max_fraction": (0.0, 1.0)},
}
GATES = tuple(GATE_PARAMS)
NULL_RATE_COLUMNS_DEFAULT = ("title", "url", "company", "posted_at", "description")


class QualityConfigError(ConfigError):
    """The quality file is wrong; the message says where and how."""


@dataclass(frozen=True)
class GateConfig:
    name: str
    severity: str
    params: dict[str, float] = field(default_factory=dict)
    columns: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> float:
        return self.params[key]


@dataclass(frozen=True)
class QualityConfig:
    path: Path
    history_dates: int = 7
    min_history_dates: int = 3
    description_chars: tuple[int, int] = (1, 200_000)
    bounded_currencies: tuple[str, ...] = ()
    salary_bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    gates: dict[str, GateConfig] = field(default_factory=dict)
    overrides: dict[str, dict[str, GateConfig]] = field(default_factory=dict)

    def gate(self, name: str, source: str | None = None) -> GateConfig:
        """The gate's settings for ``source`` (its override, else the default)."""
        return (self.overrides.get(source or "") or {}).get(name) or self.gates[name]


def _err(path: Path, where: str, msg: str) -> QualityConfigError:
    return QualityConfigError(f"{path}: {where}: {msg}")


def _number(path: Path, where: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _err(path, where, f"expected a number, got {value!r}")
    if not lo <= value <= hi:
        raise _err(path, where, f"must be between {lo:g} and {hi:g}, got {value!r}")
    return float(value)


def _pair(path: Path, where: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise _err(path, where, f"expected [min, max], got {value!r}")
    lo, hi = (_number(path, f"{where}[{i}]", v, 0, 1e12) for i, v in enumerate(value))
    if lo > hi:
        raise _err(path, where, f"min {lo:g} is above max {hi:g}")
    return lo, hi


def _gate(path: Path, where: str, name: str, raw: Any, base: GateConfig | None) -> GateConfig:
    if not isinstance(raw, dict):
        raise _err(path, where, "expected a mapping with at least 'severity'")
    allowed = {"severity", *GATE_PARAMS[name]} | ({"columns"} if name == "null_rate_jump" else set())
    unknown = set(raw) - allowed
    if unknown:
        raise _err(path, where, f"unknown setting(s) {sorted(unknown)} (allowed: {sorted(allowed)})")
    severity = raw.get("severity", base.severity if base else None)
    if severity not in SEVERITIES:
        raise _err(path, where + ".severity", f"expected one of {list(SEVERITIES)}, got {severity!r}")
    params = dict(base.params) if base else {}
    for key, (lo, hi) in GATE_PARAMS[name].items():
        if key in raw:
            params[key] = _number(path, f"{where}.{key}", raw[key], lo, hi)
        elif key not in params:
            raise _err(path, where, f"missing setting {key!r}")
    columns = base.columns if base else NULL_RATE_COLUMNS_DEFAULT if name == "null_rate_jump" else ()
    if "columns" in raw:
        from jobmarket.core.schema import NORMALIZED

        cols = raw["columns"]
        if not isinstance(cols, list) or not cols or not all(isinstance(c, str) for c in cols):
            raise _err(path, where + ".columns", "expected a non-empty list of column names")
        bad = sorted(set(cols) - set(NORMALIZED.column_names))
        if bad:
            raise _err(path, where + ".columns", f"not normalized-postings columns: {bad}")
        columns = tuple(cols)
    return GateConfig(name=name, severity=severity, params=params, columns=columns)


def parse_quality(data: Any, path: Path) -> QualityConfig:
    if not isinstance(data, dict):
        raise _err(path, "top level", "expected a mapping with 'history', 'rows', 'gates'")
    unknown = set(data) - {"history", "rows", "gates", "sources"}
    if unknown:
        raise _err(path, "top level", f"unknown key(s) {sorted(unknown)}")

    history = data.get("history") or {}
    if not isinstance(history, dict) or set(history) - {"dates", "min_dates"}:
        raise _err(path, "history", "expected a mapping with 'dates' and 'min_dates'")
    dates = int(_number(path, "history.dates", history.get("dates", 7), 1, 365))
    min_dates = int(_number(path, "history.min_dates", history.get("min_dates", 3), 1, 365))
    if min_dates > dates:
        raise _err(path, "history.min_dates", f"{min_dates} is more than history.dates ({dates})")

    rows = data.get("rows") or {}
    if not isinstance(rows, dict) or set(rows) - {"description_chars", "salary"}:
        raise _err(path, "rows", "expected a mapping with 'description_chars' and 'salary'")
    desc = _pair(path, "rows.description_chars", rows.get("description_chars", [1, 200000]))
    salary = rows.get("salary") or {}
    if not isinstance(salary, dict) or set(salary) - {"bounded_currencies", "per_period"}:
        raise _err(path, "rows.salary", "expected a mapping with 'bounded_currencies' and 'per_period'")
    from jobmarket.core.currencies import iso4217_codes

    currencies = salary.get("bounded_currencies") or []
    if not isinstance(currencies, list):
        raise _err(path, "rows.salary.bounded_currencies", "expected a list of ISO 4217 codes")
    for i, c in enumerate(currencies):
        if c not in iso4217_codes():
            raise _err(path, f"rows.salary.bounded_currencies[{i}]", f"{c!r} is not an ISO 4217 code")
    per_period = salary.get("per_period") or {}
    if not isinstance(per_period, dict):
        raise _err(path, "rows.salary.per_period", "expected a mapping of pay period to [min, max]")
    bad = sorted(set(per_period) - set(PERIODS))
    if bad:
        raise _err(path, "rows.salary.per_period", f"unknown pay period(s) {bad} (known: {list(PERIODS)})")
    bounds = {p: _pair(path, f"rows.salary.per_period.{p}", v) for p, v in per_period.items()}

    gates_raw = data.get("gates")
    if not isinstance(gates_raw, dict):
        raise _err(path, "gates", f"expected a mapping of gate name to settings (gates: {list(GATES)})")
    unknown = set(gates_raw) - set(GATES)
    if unknown:
        raise _err(path, "gates", f"unknown gate(s) {sorted(unknown)} (known: {list(GATES)})")
    missing = [g for g in GATES if g not in gates_raw]
    if missing:
        raise _err(path, "gates", f"missing gate(s) {missing}: every gate needs a severity")
    gates = {name: _gate(path, f"gates.{name}", name, raw, None) for name, raw in gates_raw.items()}

    sources_raw = data.get("sources") or {}
    if not isinstance(sources_raw, dict):
        raise _err(path, "sources", "expected a mapping of source name to gate overrides")
    overrides: dict[str, dict[str, GateConfig]] = {}
    for source, entry in sources_raw.items():
        if not isinstance(entry, dict):
            raise _err(path, f"sources.{source}", "expected a mapping of gate name to settings")
        unknown = set(entry) - set(GATES)
        if unknown:
            raise _err(path, f"sources.{source}", f"unknown gate(s) {sorted(unknown)} (known: {list(GATES)})")
        overrides[str(source)] = {
            name: _gate(path, f"sources.{source}.{name}", name, raw, gates[name]) for name, raw in entry.items()
        }
    return QualityConfig(
        path=path,
        history_dates=dates,
        min_history_dates=min_dates,
        description_chars=(int(desc[0]), int(desc[1])),
        bounded_currencies=tuple(currencies),
        salary_bounds=bounds,
        gates=gates,
        overrides=overrides,
    )


def load_quality(path: str | os.PathLike[str] | None = None) -> QualityConfig:
    """Load and validate the quality file (``$JOBMARKET_QUALITY`` or the default)."""
    p = Path(path or os.environ.get("JOBMARKET_QUALITY") or DEFAULT_QUALITY_FILE)
    return parse_quality(read_yaml(p, "quality file", QualityConfigError), p)
