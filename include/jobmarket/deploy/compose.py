"""Read docker-compose.yaml as Compose does: YAML anchors and ``<<`` merge
keys, then variable interpolation from ``.env`` and the environment."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "compose_spec.json"

# $$ | ${NAME} | ${NAME<op>arg} with op in :- - :? ? | $NAME
_VAR = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


class InterpolationError(ValueError):
    """A required variable (``${VAR:?message}``) is unset or empty."""


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """Substitute ``${VAR}``-style references like Compose; ``$$`` stays ``$$``
    (Compose passes it on as a literal ``$`` to the container)."""

    def sub(m: re.Match[str]) -> str:
        if m.group("escaped"):
            return "$$"
        name = m.group("braced") or m.group("named")
        op, arg = m.group("op"), m.group("arg") or ""
        value = variables.get(name)
        if op in (":-", ":?"):
            missing = not value
        else:
            missing = value is None
        if not missing:
            return str(value)
        if op in (":-", "-"):
            return interpolate(arg, variables)
        if op in (":?", "?"):
            raise InterpolationError(f"required variable {name} is missing a value: {arg}")
        return ""

    return _VAR.sub(sub, text)


def _interpolate_tree(node: Any, variables: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, list):
        return [_interpolate_tree(v, variables) for v in node]
    if isinstance(node, dict):
        return {k: _interpolate_tree(v, variables) for k, v in node.items()}
    return node


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a Compose ``.env`` file (comments, blanks and
    optional quotes handled)."""
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key] = value
    return out


def load_raw(path: Path) -> dict[str, Any]:
    """The file as YAML (anchors and merge keys resolved), not interpolated:
    what the Compose schema validates."""
    return yaml.safe_load(Path(path).read_text())


def load(path: Path, variables: Mapping[str, str]) -> dict[str, Any]:
    """The file with every ``${...}`` substituted from ``variables``."""
    return _interpolate_tree(load_raw(path), variables)


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text())


def validate(doc: Mapping[str, Any]) -> list[str]:
    """Compose-schema errors of ``doc`` (empty when valid), one line each."""
    import jsonschema

    validator_cls = jsonschema.validators.validator_for(schema())
    validator = validator_cls(schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]
