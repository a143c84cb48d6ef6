"""The JSON contracts (saved profile, recommendation, trial report), validated where they are read.

The schemas are JSON Schema (draft 7) files shipped in :mod:`lossadvisor.schemas`; a test checks the
outputs of ``profile``, ``recommend`` and ``trial`` against them. Validation uses fastjsonschema, a
maintained pure-Python validator with no dependencies: it imports in ~45 ms where jsonschema (with
referencing and the compiled rpds-py) took 200-450 ms on the shared machine, and ``recommend --profile``
must start in well under half a second; its validators are generated ahead of time
(``python -m lossadvisor.schemas.generate``). It stops at the first error, which is what we report:
``p.json: classes.imbalance_ratio must be a number ≥ 1, got an object``.

Imports nothing heavy (no pandas, sklearn or torch).
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from pathlib import Path
from typing import Any, Callable

from lossadvisor.errors import LoadError
from lossadvisor.text_decoding import read_stdin_text, read_text_file

CONTRACTS = ("profile", "recommendation", "trial")
_TYPE_NAMES = {"number": "a number", "integer": "a whole number", "string": "a string", "boolean": "true or false",
               "array": "a list", "object": "an object", "null": "null"}


def schema(contract: str) -> dict:
    """The JSON Schema of one contract."""
    return json.loads((files("lossadvisor.schemas") / f"{contract}.schema.json").read_text(encoding="utf-8"))


@functools.cache
def _validator(contract: str) -> Callable[[Any], Any]:
    """The validator generated from the schema (lossadvisor/schemas/generate.py says why it is generated)."""
    import importlib

    return importlib.import_module(f"lossadvisor.schemas._{contract}_validator").validate


def validate_document(document: Any, contract: str, source: str) -> None:
    """Raise LoadError naming the first place where ``document`` breaks the contract."""
    import fastjsonschema

    try:
        _validator(contract)(document)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise LoadError(f"{source}: {describe_violation(exc)}") from None


def describe_violation(exc) -> str:
    """'classes.imbalance_ratio must be a number ≥ 1, got an object' from a fastjsonschema error."""
    where = _path_text(exc.name)
    if exc.rule == "required":
        missing = [key for key in exc.rule_definition if not isinstance(exc.value, dict) or key not in exc.value]
        key = missing[0] if missing else "?"
        return f"{where + '.' if where else ''}{key} is missing"
    return f"{where or 'the document'} must be {expected(exc.definition)}, got {describe_value(exc.value)}"


def expected(definition: dict) -> str:
    """What a schema node accepts, in words."""
    if "enum" in definition:
        return "one of " + ", ".join(json.dumps(v) for v in definition["enum"])
    if "anyOf" in definition:
        return " or ".join(expected(option) for option in definition["anyOf"])
    kinds = definition.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    main = [k for k in kinds if k != "null"]
    text = " or ".join(_TYPE_NAMES.get(k, k) for k in main) or "a value"
    low, high = definition.get("minimum"), definition.get("maximum")
    if low is not None and high is not None:
        text += f" in [{low:g}, {high:g}]"
    elif low is not None:
        text += f" ≥ {low:g}"
    elif high is not None:
        text += f" ≤ {high:g}"
    if "minItems" in definition and definition.get("minItems") == definition.get("maxItems"):
        text += f" of {definition['minItems']} items"
    elif "minItems" in definition:
        text += f" of {definition['minItems']} or more items"
    return text + (" or null" if "null" in kinds else "")


def describe_value(value: Any) -> str:
    """A value as the user wrote it, briefly."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 40 else value[:37] + "...")
    return json.dumps(value)


def _path_text(name: str) -> str:
    """'data.warnings[0]' (fastjsonschema's name for the place) → 'warnings[0]'."""
    return name[len("data"):].lstrip(".") if name.startswith("data") else name


def parse_json(text: str, source: str) -> Any:
    """JSON without NaN or Infinity (which Python accepts and JSON does not)."""

    def refuse(name: str):
        raise LoadError(f"{source}: {name} is not valid JSON (write null for a missing value)")

    try:
        return json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{source} is not valid JSON (line {exc.lineno}): {exc.msg}") from None
    except RecursionError:
        raise LoadError(f"{source} is nested too deeply to be a lossadvisor file") from None


def read_document(path: str | Path, contract: str, what: str) -> dict:
    """Read, decode, parse and validate one JSON document; ``-`` reads standard input."""
    if str(path) == "-":
        source, text = "<stdin>", read_stdin_text().text
    else:
        path = Path(path)
        if not path.is_file():
            raise LoadError(f"{what} not found: {path}")
        source, text = str(path), read_text_file(path).text
    document = parse_json(text, source)
    validate_document(document, contract, source)
    return document
