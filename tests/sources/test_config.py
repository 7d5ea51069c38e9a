"""The sources file is validated on load, with errors that say where."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from jobmarket.core.settings import ConfigError
from jobmarket.sources import REGISTRY
from jobmarket.sources.config import DEFAULT_SOURCES_FILE, KNOWN_FAMILIES, load_sources


def _write(tmp_path: Path, doc) -> Path:
    p = tmp_path / "sources.yaml"
    p.write_text(yaml.safe_dump(doc) if not isinstance(doc, str) else doc)
    return p


def _base(**entry):
    return {"http": {"contact": "ops@example.org"},
            "sources": {"lever": {"boards": ["plaid"], **entry}}}


def test_shipped_sources_file_loads():
    s = load_sources(DEFAULT_SOURCES_FILE)
    assert {"greenhouse", "lever", "ashby"} <= set(s.names)
    gh = s.get("greenhouse")
    assert gh.base_url == "https://boards-api.greenhouse.io" and len(gh.boards) >= 20
    assert "ops" not in s.http.user_agent and s.http.contact in s.http.user_agent
    assert s.get("remotive").rate_per_second <= 0.1, "Remotive asks for very few requests"


def test_every_known_family_has_an_adapter():
    assert set(KNOWN_FAMILIES) == set(REGISTRY)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"http": {"contact": "x"}, "sources": {"foo": {"boards": ["a"]}}}, "sources.foo.family: unknown family 'foo'"),
        (_base(boards=[]), "sources.lever.boards: expected a non-empty list"),
        (_base(boards=[{"company": "Plaid"}]), "sources.lever.boards[0].token: missing board token"),
        (_base(boards=["plaid", "plaid"]), "sources.lever.boards[1]: duplicate board 'plaid'"),
        (_base(base_url="ftp://api.lever.co"), "sources.lever.base_url: bad URL"),
        (_base(rate_per_second=-1), "sources.lever.rate_per_second: must be positive"),
        (_base(max_concurrency=0), "sources.lever.max_concurrency: must be positive"),
        (_base(read_timeout="slow"), "sources.lever.read_timeout: expected a number"),
        (_base(robots="maybe"), "sources.lever.robots: expected 'obey' or 'exempt'"),
        (_base(rate_limit=1), "sources.lever: unknown field(s) ['rate_limit']"),
        ({"sources": {"lever": {"boards": ["plaid"]}}}, "http.contact: a contact address is required"),
        ("sources: [unclosed", "not valid YAML"),
    ],
)
def test_mistakes_name_file_entry_and_field(tmp_path, doc, message):
    path = _write(tmp_path, doc)
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_adding_a_board_is_one_line(tmp_path):
    text = DEFAULT_SOURCES_FILE.read_text().replace("      - airbnb\n", "      - airbnb\n      - newco\n", 1)
    s = load_sources(_write(tmp_path, text))
    assert "newco" in [b.token for b in s.get("greenhouse").boards]


def test_unknown_source_in_params_is_an_error():
    s = load_sources(DEFAULT_SOURCES_FILE)
    with pytest.raises(ConfigError, match="unknown source"):
        s.names_by_family(["nope"])
    assert s.names_by_family(["lever"])["lever"] == ["lever"]
    assert s.names_by_family(["lever"])["greenhouse"] == []
