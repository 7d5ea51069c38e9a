"""The quality file is validated on load with errors that say where and how;
the shipped ISO 4217 list and archetype set agree with their sources."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from jobmarket.quality.config import DEFAULT_QUALITY_FILE, QualityConfigError, load_quality


def _write(tmp_path: Path, mutate) -> Path:
    doc = yaml.safe_load(DEFAULT_QUALITY_FILE.read_text())
    mutate(doc)
    p = tmp_path / "quality.yaml"
    p.write_text(yaml.safe_dump(doc))
    return p


def test_default_file_loads_with_overrides(tmp_path):
    cfg = load_quality()
    assert cfg.gate("volume_drop").severity == "fail" and cfg.gate("schema_drift").severity == "warn"
    p = _write(tmp_path, lambda d: d.update(sources={"lever": {"volume_drop": {"severity": "warn"}}}))
    cfg = load_quality(p)
    assert cfg.gate("volume_drop", "lever").severity == "warn"
    assert cfg.gate("volume_drop", "lever")["max_drop_fraction"] == 0.5  # the rest inherited
    assert cfg.gate("volume_drop", "greenhouse").severity == "fail"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["gates"]["volume_drop"].update(severity="error"),
         "gates.volume_drop.severity: expected one of ['warn', 'fail'], got 'error'"),
        (lambda d: d["gates"]["volume_drop"].update(max_drop_fraction=1.5),
         "gates.volume_drop.max_drop_fraction: must be between 0 and 1, got 1.5"),
        (lambda d: d["gates"].update(row_count={"severity": "warn"}),
         "gates: unknown gate(s) ['row_count']"),
        (lambda d: d["gates"].pop("went_empty"),
         "gates: missing gate(s) ['went_empty']: every gate needs a severity"),
        (lambda d: d["gates"]["null_rate_jump"].update(columns=["title", "salary"]),
         "gates.null_rate_jump.columns: not normalized-postings columns: ['salary']"),
        (lambda d: d["rows"]["salary"].update(bounded_currencies=["USD", "XYZ"]),
         "rows.salary.bounded_currencies[1]: 'XYZ' is not an ISO 4217 code"),
        (lambda d: d["rows"]["salary"]["per_period"].update(hour=[50, 5]),
         "rows.salary.per_period.hour: min 50 is above max 5"),
        (lambda d: d.update(sources={"hn": {"went_empty": {"severity": "warn", "threshold": 3}}}),
         "sources.hn.went_empty: unknown setting(s) ['threshold']"),
        (lambda d: d["history"].update(min_dates=9),
         "history.min_dates: 9 is more than history.dates (7)"),
    ],
)
def test_mistakes_are_reported_with_file_and_key(tmp_path, mutate, message):
    p = _write(tmp_path, mutate)
    with pytest.raises(QualityConfigError) as exc:
        load_quality(p)
    assert str(exc.value).startswith(f"{p}: ")
    assert message in str(exc.value)


def test_iso4217_list_and_archetypes_agree_with_their_sources():
    from jobmarket.core.currencies import iso4217_codes, regenerate_from_babel
    from jobmarket.quality.suites import ARCHETYPES
    from jobmarket.tagger.lexicon import ARCHETYPES as TAGGER_ARCHETYPES

    codes = iso4217_codes()
    assert {"USD", "EUR", "GBP", "JPY", "INR", "CHF"} <= codes and "US$" not in codes and "HRK" not in codes
    pytest.importorskip("babel")
    assert sorted(codes) == regenerate_from_babel()
    assert ARCHETYPES == TAGGER_ARCHETYPES and len(ARCHETYPES) == 7
