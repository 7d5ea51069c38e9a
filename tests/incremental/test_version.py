"""The one versioning helper: a cache's version moves with the code of its own
step (and its reference data, and package versions), not with other steps'."""

from __future__ import annotations

import shutil

import pytest
from jobmarket.core.settings import PACKAGE_DIR
from jobmarket.incremental import carry, normalize_cache, parse_reuse, version


@pytest.fixture()
def package_copy(tmp_path, monkeypatch):
    """A copy of the package's code that the version helper reads instead."""
    copy = tmp_path / "jobmarket"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "data", "replay_sample"))
    monkeypatch.setattr(version, "PACKAGE_DIR", copy)
    return copy


def _versions() -> dict[str, str]:
    return {
        "parse": parse_reuse.parser_version.__wrapped__(),
        "normalize": normalize_cache.normalize_version.__wrapped__(),
        "carry": carry.fingerprint("x"),
    }


def _touch(path) -> None:
    path.write_text(path.read_text() + "\n# edited\n")


def test_tag_code_change_keeps_the_parse_cache(package_copy):
    before = _versions()
    _touch(package_copy / "steps" / "tag.py")
    _touch(package_copy / "incremental" / "tag_cache.py")
    _touch(package_copy / "steps" / "publish.py")
    _touch(package_copy / "steps" / "curate.py")
    assert _versions() == before


def test_parse_code_change_starts_the_parse_cache_cold(package_copy):
    before = _versions()
    _touch(package_copy / "steps" / "parse.py")
    after = _versions()
    assert after["parse"] != before["parse"]
    assert after["normalize"] == before["normalize"] and after["carry"] == before["carry"]


def test_normalizer_change_moves_parse_and_normalize_versions(package_copy):
    before = _versions()
    _touch(package_copy / "normalize" / "salary.py")
    after = _versions()
    assert after["parse"] != before["parse"] and after["normalize"] != before["normalize"]
    assert after["carry"] == before["carry"]


def test_suite_change_moves_only_the_carried_verdicts(package_copy):
    before = _versions()
    _touch(package_copy / "quality" / "suites.py")
    after = _versions()
    assert after["carry"] != before["carry"]
    assert (after["parse"], after["normalize"]) == (before["parse"], before["normalize"])


def test_version_of_counts_data_packages_and_parts(tmp_path):
    f = tmp_path / "aliases.yaml"
    f.write_text("a: b\n")
    base = version.version_of([], data=[f])
    assert version.version_of([], data=[f], packages=["pyarrow"]) != base
    assert version.version_of([], data=[f], parts=["v2"]) != base
    f.write_text("a: c\n")
    assert version.version_of([], data=[f]) != base
    assert version.version_of([], data=[tmp_path / "missing.yaml"]) != base
