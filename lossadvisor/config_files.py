"""Reading lossadvisor's config files: `.lossadvisor.yaml` and `[tool.lossadvisor.*]` in pyproject.toml.

One file holds one section per command (``check:``, ``recommend:``); the commands validate their own.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Mapping

import yaml

from lossadvisor.errors import ConfigError, LossAdvisorError

CONFIG_FILENAME = ".lossadvisor.yaml"
PYPROJECT = "pyproject.toml"
SECTIONS = ("check", "recommend")


def read_config_text(path: Path) -> str:
    """A config file's text, decoded like every file lossadvisor reads (lossadvisor.text_decoding)."""
    from lossadvisor.text_decoding import read_text_file

    try:
        return read_text_file(path).text
    except LossAdvisorError as exc:
        raise ConfigError(f"invalid config in {path}: {exc}") from None


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(read_config_text(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"invalid config in {path}: malformed YAML{where}") from None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_config_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid config in {path}: malformed TOML ({exc})") from None


def pyproject_section(document: Mapping[str, Any], section: str) -> Any:
    """``[tool.lossadvisor.<section>]`` of a parsed pyproject.toml, or None."""
    tool = document.get("tool")
    table = tool.get("lossadvisor") if isinstance(tool, Mapping) else None
    return table.get(section) if isinstance(table, Mapping) else None


def yaml_sections(document: Any, path: Path) -> Mapping[str, Any]:
    """The top-level mapping of a .lossadvisor.yaml, refusing unknown sections."""
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise ConfigError(f"invalid config in {path}: expected a mapping with a 'check:' or 'recommend:' section")
    unknown = [str(k) for k in document if k not in SECTIONS]
    if unknown:
        raise ConfigError(f"invalid config in {path}: unknown section '{unknown[0]}' "
                          f"(expected {' or '.join(repr(s + ':') for s in SECTIONS)})")
    return document


def discover_section(start: Path, section: str) -> tuple[Any, Path] | None:
    """The nearest config upward from `start`: in each folder, a pyproject.toml with
    [tool.lossadvisor.<section>] first, then a .lossadvisor.yaml (whose section may be absent: None)."""
    for folder in (start.resolve(), *start.resolve().parents):
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            found = pyproject_section(read_toml(pyproject), section)
            if found is not None:
                return found, pyproject
        candidate = folder / CONFIG_FILENAME
        if candidate.is_file():  # the project's config file: the search stops here, section or not
            return yaml_sections(read_yaml(candidate), candidate).get(section), candidate
    return None


def configured_rules(start: Path) -> Path | None:
    """The rule folder or file named by `rules` in the nearest config's `recommend` section.

    A relative path is taken from the config file's folder. Unknown keys are refused by name.
    """
    found = discover_section(start, "recommend")
    if found is None or found[0] is None:
        return None
    settings, origin = found
    if not isinstance(settings, Mapping):
        raise ConfigError(f"invalid config in {origin}: 'recommend' must be a mapping (e.g. rules: my_rules/)")
    unknown = [str(k) for k in settings if k != "rules"]
    if unknown:
        raise ConfigError(f"invalid config in {origin}: unknown recommend key '{unknown[0]}' (expected 'rules')")
    if not isinstance(settings.get("rules"), str):
        raise ConfigError(f"invalid config in {origin}: recommend key 'rules' must be a path")
    return (origin.parent / settings["rules"]).resolve()
