"""Read the evidence benchmark's committed output: the results table and each case's profile facts.

``results.csv`` has one row per (set, condition, loss configuration, objective) with the columns in
:data:`RESULT_COLUMNS`; ``params`` is compact JSON and ``tied_with_best`` says whether that loss was
the best for its (set, condition, objective) or tied with it within the interval.
``facts.jsonl`` has one JSON object per line, ``{"set", "condition", "task", "facts"}``, where
``facts`` is :func:`lossadvisor.advice.conditions.profile_facts` of the training data, so rule
conditions can be judged without the data. Only the standard library is used (no pandas): the
fit runs in ``lossadvisor rules fit`` and in a unit test.

Every problem raises :class:`ConfigError` naming the file and the line.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from lossadvisor.errors import ConfigError

RESULT_COLUMNS = ("set", "condition", "task", "loss", "params", "objective", "metric", "mean", "lo", "hi",
                  "tied_with_best", "seeds", "folds")
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


@dataclass(frozen=True)
class Measurement:
    """One row of results.csv: a configured loss measured under one objective on one (set, condition)."""

    set: str
    condition: str
    task: str
    loss: str
    params: Mapping[str, Any]
    objective: str
    mean: float
    tied_with_best: bool


@dataclass(frozen=True)
class Case:
    """One (set, condition) with the profile facts of its training data."""

    set: str
    condition: str
    task: str
    facts: Mapping[str, Any]


@dataclass(frozen=True)
class EvidenceTable:
    """The measurements and the cases they were made on."""

    measurements: tuple[Measurement, ...]
    cases: tuple[Case, ...]

    @property
    def sets(self) -> tuple[str, ...]:
        """The distinct sets, in first-seen order."""
        return tuple(dict.fromkeys(case.set for case in self.cases))


def read_evidence(results: Path | str, facts: Path | str) -> EvidenceTable:
    """Both files, checked against each other: every measured (set, condition) must have its facts."""
    measurements = read_results(results)
    cases = read_facts(facts)
    known = {(case.set, case.condition) for case in cases}
    for row in measurements:
        if (row.set, row.condition) not in known:
            raise ConfigError(f"{results}: set '{row.set}', condition '{row.condition}' has no facts in {facts}")
    return EvidenceTable(measurements, cases)


def read_results(path: Path | str) -> tuple[Measurement, ...]:
    """The rows of results.csv (header checked, numbers and flags parsed)."""
    path = Path(path)
    with _open(path) as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in RESULT_COLUMNS if name not in (reader.fieldnames or ())]
        if missing:
            raise ConfigError(f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(RESULT_COLUMNS)})")
        rows = [_measurement(raw, path, line) for line, raw in enumerate(reader, start=2)]
    if not rows:
        raise ConfigError(f"{path}: no result rows")
    return tuple(rows)


def read_facts(path: Path | str) -> tuple[Case, ...]:
    """The cases of facts.jsonl, one JSON object per non-blank line."""
    path = Path(path)
    cases: dict[tuple[str, str], Case] = {}
    with _open(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}: line {line_no}: not valid JSON ({exc.msg})") from None
            case = _case(raw, path, line_no)
            if (case.set, case.condition) in cases:
                raise ConfigError(f"{path}: line {line_no}: set '{case.set}', condition '{case.condition}' repeated")
            cases[(case.set, case.condition)] = case
    if not cases:
        raise ConfigError(f"{path}: no cases")
    return tuple(cases.values())


def _open(path: Path):
    if not path.is_file():
        raise ConfigError(f"evidence file not found: {path}")
    return path.open(encoding="utf-8", newline="")


def _measurement(raw: Mapping[str, str], path: Path, line: int) -> Measurement:
    where = f"{path}: line {line}"
    for key in ("set", "condition", "task", "loss", "objective"):
        if not (raw.get(key) or "").strip():
            raise ConfigError(f"{where}: column '{key}' is empty")
    try:
        params = json.loads(raw["params"] or "{}")
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: column 'params' is not valid JSON ({exc.msg})") from None
    if not isinstance(params, dict):
        raise ConfigError(f"{where}: column 'params' must be a JSON object, got {raw['params']!r}")
    try:
        mean = float(raw["mean"])
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: column 'mean' must be a number, got {raw['mean']!r}") from None
    flag = (raw["tied_with_best"] or "").strip().lower()
    if flag not in _TRUE + _FALSE:
        raise ConfigError(f"{where}: column 'tied_with_best' must be true or false, got {raw['tied_with_best']!r}")
    return Measurement(set=raw["set"].strip(), condition=raw["condition"].strip(), task=raw["task"].strip(),
                       loss=raw["loss"].strip(), params=params, objective=raw["objective"].strip(), mean=mean,
                       tied_with_best=flag in _TRUE)


def _case(raw: Any, path: Path, line: int) -> Case:
    where = f"{path}: line {line}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    for key in ("set", "condition", "task"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ConfigError(f"{where}: key '{key}' is missing or not a string")
    facts = raw.get("facts")
    if not isinstance(facts, dict):
        raise ConfigError(f"{where}: key 'facts' must be an object of profile facts")
    return Case(set=raw["set"].strip(), condition=raw["condition"].strip(), task=raw["task"].strip(),
                facts={**facts, "task": facts.get("task") or raw["task"].strip()})
