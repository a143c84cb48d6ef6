"""Where ``lossadvisor check`` gets its thresholds, and how they are validated.

Precedence, first found wins (the sources are never merged with each other):

1. ``--config FILE`` (YAML with a ``check:`` mapping, or TOML with ``[tool.lossadvisor.check]``
   or ``[check]``);
2. walking up from the working directory, in each directory: ``pyproject.toml`` if it has a
   ``[tool.lossadvisor.check]`` table, else ``.lossadvisor.yaml``;
3. the built-in defaults of :class:`~lossadvisor.checks.Thresholds`.

Command-line flags then override single values. Keys may be written ``max_noise`` or
``max-noise``; an unknown key or a bad value is a :class:`~lossadvisor.errors.ConfigError`
that names the file and the key (exit code 2).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

from lossadvisor.checks.gate import CHECKS_BY_KEY, LEGACY_CHECK_IDS
from lossadvisor.checks.outcome import NOISE_BOUNDS, Thresholds
from lossadvisor.config_files import (PYPROJECT, discover_section, pyproject_section, read_toml, read_yaml,
                                      yaml_sections)
from lossadvisor.errors import ConfigError
from lossadvisor.vocabulary import TASKS

SECTION = "check"


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("a whole number >= 0")
    return value


def _number(low: float, high: float) -> Callable[[Any], float | int]:
    def parse(value: Any) -> float | int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"a number in [{low:g}, {high:g}]")
        if not low <= value <= high:
            raise ValueError(f"a number in [{low:g}, {high:g}]")
        return value  # an int stays an int, so messages echo "20", not "20.0"

    return parse


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in options:
            raise ValueError(f"one of {', '.join(options)}")
        return value.lower()

    return parse


def _columns(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        names = tuple(part.strip() for part in value.split(",") if part.strip())
    elif isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        names = tuple(v.strip() for v in value)
    else:
        raise ValueError("a column name, a comma-separated list, or a list of names")
    if not names:
        raise ValueError("at least one column name")
    return names


def _levels(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError("a mapping of check ID or name to error, warning or off")
    levels = {}
    for check, level in value.items():
        key = canonical_check_key(str(check))
        if key not in CHECKS_BY_KEY:
            raise ValueError(f"check IDs or names; '{check}' is not a check (see docs/check.md)")
        # YAML 1.1 reads a bare `off` as false; take it as meant.
        levels[key] = "off" if level is False else _choice(("error", "warning", "off"))(level)
    return levels


def canonical_check_key(key: str) -> str:
    """A check's ID or name as given; an ID from before the CHK- prefix becomes the new one, with a warning."""
    if key in LEGACY_CHECK_IDS:
        warnings.warn(f"check ID '{key}' is deprecated: use '{LEGACY_CHECK_IDS[key]}' (check IDs now start with "
                      "CHK- so that they are never mistaken for rule IDs)", DeprecationWarning, stacklevel=3)
        return LEGACY_CHECK_IDS[key]
    return key


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


FRACTION = _number(0.0, 1.0)
PARSERS: dict[str, Callable[[Any], Any]] = {
    "min_rows": _count,
    "min_rows_per_class": _count,
    "max_imbalance": _number(1.0, math.inf),
    "max_noise": FRACTION,
    "noise_bound": _choice(NOISE_BOUNDS),
    "max_nonfinite_target": _count,
    "max_outlier_fraction": FRACTION,
    "max_missing": FRACTION,
    "max_duplicates": FRACTION,
    "expect_task": _choice(TASKS),
    "expect_target": _columns,
    "max_psi": _number(0.0, math.inf),
    "max_js_distance": FRACTION,
    "max_new_classes": _count,
    "max_vanished_classes": _count,
    "max_noise_increase": FRACTION,
    "max_target_shift": FRACTION,
    "max_added_columns": _count,
    "max_removed_columns": _count,
    "max_retyped_columns": _count,
    "same_task": _flag,
    "max_group_gap": FRACTION,
    "levels": _levels,
    "strict": _flag,
}
NULLABLE = {f.name for f in dataclasses.fields(Thresholds)} - {"noise_bound", "levels", "strict"}
assert set(PARSERS) == {f.name for f in dataclasses.fields(Thresholds)}, "every threshold needs a parser"


def validate_settings(raw: Any, origin: str) -> dict[str, Any]:
    """Check names and values of a settings mapping; return them with canonical keys."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"invalid config in {origin}: the '{SECTION}' section must be a mapping of option: value")
    settings: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).replace("-", "_")
        if name not in PARSERS:
            raise ConfigError(f"invalid config in {origin}: unknown option '{key}' (known: {', '.join(sorted(PARSERS))})")
        if name in settings:  # max_noise and max-noise both given: which one was meant is unknowable
            raise ConfigError(f"invalid config in {origin}: option '{name}' is given twice (as "
                              f"{', '.join(repr(k) for k in raw if str(k).replace('-', '_') == name)})")
        try:
            settings[name] = parse_value(name, value)
        except ValueError as exc:
            raise ConfigError(f"invalid config in {origin}: '{key}' must be {exc}; got {value!r}") from None
    return settings


def parse_value(name: str, value: Any) -> Any:
    """One option's value, checked; ValueError says what was expected. ``None`` disables a check."""
    if value is None and name in NULLABLE:
        return None
    return PARSERS[name](value)


def read_config_file(path: Path) -> dict[str, Any]:
    """The validated settings in a config file given with ``--config``."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        if path.suffix.lower() == ".toml":
            document = read_toml(path)
            section = pyproject_section(document, SECTION)
            if section is None:
                section = document.get(SECTION)
            if section is None:
                raise ConfigError(f"invalid config in {path}: no [tool.lossadvisor.{SECTION}] or [{SECTION}] table")
            return validate_settings(section, str(path))
        document = read_yaml(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    return _yaml_settings(document, path)


def _yaml_settings(document: Any, path: Path) -> dict[str, Any]:
    return validate_settings(yaml_sections(document, path).get(SECTION), str(path))


def discover_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with [tool.lossadvisor.check], or .lossadvisor.yaml with `check:`, upward."""
    found = discover_section(start, SECTION)
    return found[1] if found else None


def load_settings(config: Path | None, start: Path, discover: bool = True) -> tuple[dict[str, Any], Path | None]:
    """Settings from --config, else from the nearest discovered file, else none; and where they came from."""
    if config is not None:
        return read_config_file(config), Path(config)
    found = discover_config(start) if discover else None
    if found is None:
        return {}, None
    if found.name == PYPROJECT:
        return validate_settings(pyproject_section(read_toml(found), SECTION), f"{found} [tool.lossadvisor.{SECTION}]"), found
    try:
        return _yaml_settings(read_yaml(found), found), found
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {found}: {exc}") from None


def resolve_thresholds(
    config: Path | None,
    overrides: Mapping[str, Any],
    start: Path | None = None,
    discover: bool = True,
) -> tuple[Thresholds, Path | None]:
    """Thresholds from the first config source found, with command-line overrides on top.

    ``overrides`` holds only the flags the user gave, keyed by option name; each is
    validated like a config value, with the flag named in the error.
    """
    settings, origin = load_settings(config, start or Path.cwd(), discover)
    for name, value in overrides.items():
        try:
            parsed = parse_value(name, value)
        except ValueError as exc:
            if name == "levels":
                raise ConfigError(f"invalid option --disable: expected {exc}") from None
            raise ConfigError(f"invalid option --{name.replace('_', '-')}: expected {exc}; got {value!r}") from None
        settings[name] = {**settings.get("levels", {}), **parsed} if name == "levels" else parsed
    return Thresholds(**settings), origin
