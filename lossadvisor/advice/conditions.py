"""The closed condition language of the rule base, and the facts it reads.

A rule's ``when:`` is a YAML mapping in one of four forms, nothing else:

- ``{all: [cond, ...]}`` — every condition holds;
- ``{any: [cond, ...]}`` — at least one holds;
- ``{not: cond}`` — the condition does not hold;
- ``{fact: NAME, OP: VALUE, ...}`` — a comparison on one named fact, with one or more of
  ``eq``, ``ne``, ``lt``, ``le``, ``gt``, ``ge``, ``in``, ``not_in`` (all must hold), or
  ``known: true|false`` (whether the fact has a value).

Null facts: a fact that is missing or null (no data given, a section that does not apply,
an abstained noise estimate) makes every comparison on it **false** — ``ne`` and ``not_in``
included. Only ``known: false`` and a ``not:`` around a comparison are true for a null fact;
guard with ``known`` where that matters. Conditions are parsed once into frozen objects and
evaluated without ``eval``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Union

from lossadvisor.errors import ConfigError
from lossadvisor.profiling.class_sections import LabelNoise
from lossadvisor.profiling.profile import Profile

NUMBER, TEXT, FLAG, LIST, MAPPING = "number", "text", "flag", "list", "mapping"

# name -> (kind, meaning). The vocabulary of `when:`; anything else is refused at load time.
FACTS: dict[str, tuple[str, str]] = {
    "task": (TEXT, "binary, multiclass, multilabel, regression, count, multitarget, segmentation"),
    "rows": (NUMBER, "rows in the table"),
    "columns": (NUMBER, "columns in the table"),
    "n_targets": (NUMBER, "number of target columns"),
    "features_per_row": (NUMBER, "feature columns divided by rows (p/n)"),
    "structure.type": (TEXT, "tabular, timeseries, grouped, sequence, segmentation, image, graph, embedding"),
    "structure.lag1_autocorrelation": (NUMBER, "lag-1 autocorrelation of the target in time order"),
    "structure.n_groups": (NUMBER, "number of groups"),
    "classes.n_classes": (NUMBER, "number of classes (labels for multilabel)"),
    "classes.counts": (MAPPING, "rows per class, in class order"),
    "classes.imbalance_ratio": (NUMBER, "majority count / minority count"),
    "classes.minority_fraction": (NUMBER, "share of rows in the rarest class"),
    "classes.min_count": (NUMBER, "rows in the rarest class"),
    "classes.normalized_entropy": (NUMBER, "class entropy / log K (1 = balanced)"),
    "classes.label_cardinality": (NUMBER, "mean labels per row (multilabel)"),
    "label_noise.estimated_rate": (NUMBER, "estimated share of wrong labels"),
    "label_noise.ci": (LIST, "[low, high] interval of the noise rate"),
    "label_noise.ci_low": (NUMBER, "lower end of the noise-rate interval"),
    "label_noise.reliable": (FLAG, "whether the noise estimate can be trusted (reliability high)"),
    "label_noise.ci_high": (NUMBER, "upper end of the noise-rate interval"),
    "label_noise.reliability": (TEXT, "high, moderate, low or none: how far the noise estimate can be trusted"),
    "label_noise.overlap": (FLAG, "the disagreement is class overlap or model error, not label noise"),
    "target_stats.outlier_fraction": (NUMBER, "share of targets with robust z > 3.5"),
    "target_stats.kurtosis": (NUMBER, "excess kurtosis of the target"),
    "target_stats.skewness": (NUMBER, "skewness of the target"),
    "target_stats.mad": (NUMBER, "median absolute deviation of the target"),
    "target_stats.std": (NUMBER, "standard deviation of the target"),
    "target_stats.heavy_tailed": (FLAG, "the profiler's heavy-tail verdict"),
    "target_stats.tail_index": (NUMBER, "Hill estimate of the upper tail index"),
    "target_stats.is_count": (FLAG, "non-negative integer target"),
    "target_stats.non_negative": (FLAG, "target never below zero"),
    "target_stats.dispersion": (NUMBER, "variance / mean of a count target"),
    "target_stats.variance_mean_slope": (NUMBER, "slope of log variance on log mean (Tweedie power)"),
    "target_stats.zero_fraction": (NUMBER, "share of zero targets"),
    "target_stats.gross_error_fraction": (NUMBER, "share of rows whose target is outlying and not predicted by the "
                                                  "features (out-of-fold robust model); null: not measured"),
    "target_stats.contaminated": (FLAG, "gross target errors measured (gross_error_fraction ≥ 0.03); null: not "
                                        "measured, which is not evidence of contamination"),
    "target_stats.explained_outlier_share": (NUMBER, "share of outlying targets the features predict"),
    "target_stats.residual_scale": (NUMBER, "1.4826 × MAD of the out-of-fold residuals, target units"),
    "feature_outliers.fraction": (NUMBER, "share of rows with outlying features"),
    "masks.foreground_fraction": (NUMBER, "mean foreground share per image"),
    "masks.empty_fraction": (NUMBER, "share of images with no foreground"),
    "masks.n_classes": (NUMBER, "mask classes including background"),
    "groups.n_groups": (NUMBER, "sensitive groups (--sensitive), counting those too small to measure"),
    "groups.counts": (MAPPING, "rows per sensitive group, by group name"),
    "groups.min_share": (NUMBER, "share of rows in the smallest measured sensitive group"),
    "groups.base_rate_gap": (NUMBER, "max − min positive-class rate over measured groups (binary)"),
    "groups.base_rate_ratio": (NUMBER, "max / min positive-class rate over measured groups (binary)"),
    "groups.error_gap": (NUMBER, "max − min out-of-fold model error over groups"),
    "groups.error_ratio": (NUMBER, "max / min out-of-fold model error over groups"),
    "objective": (TEXT, "recall, precision, f1, fbeta, balanced_accuracy, calibration, accuracy, mae, rmse, quantile"),
    "objective.given": (FLAG, "the user chose the objective (false: the default was assumed)"),
    "objective.beta": (NUMBER, "β of an F-β objective"),
    "objective.quantile": (NUMBER, "τ of a quantile objective"),
    "cost.fn": (NUMBER, "cost of a false negative"),
    "cost.fp": (NUMBER, "cost of a false positive"),
    "cost.ratio": (NUMBER, "cost.fn / cost.fp"),
    "cost.under": (NUMBER, "cost of under-predicting by one unit"),
    "cost.over": (NUMBER, "cost of over-predicting by one unit"),
    "budget": (TEXT, "fast or normal"),
}

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in")
ORDERED = ("lt", "le", "gt", "ge")


@dataclass(frozen=True)
class Compare:
    """``fact OP value`` for each (op, value) pair; all must hold."""

    fact: str
    tests: tuple[tuple[str, Any], ...]

    def holds(self, facts: Mapping[str, Any]) -> bool:
        value = facts.get(self.fact)
        return all(_compare(op, value, operand) for op, operand in self.tests)


@dataclass(frozen=True)
class All:
    parts: tuple["Condition", ...]

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return all(part.holds(facts) for part in self.parts)


@dataclass(frozen=True)
class Any_:
    parts: tuple["Condition", ...]

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return any(part.holds(facts) for part in self.parts)


@dataclass(frozen=True)
class Not:
    part: "Condition"

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return not self.part.holds(facts)


Condition = Union[Compare, All, Any_, Not]


def _noise_grade_facts(noise: LabelNoise) -> tuple[str | None, bool | None]:
    """label_noise.reliability and .overlap (absent in profiles made before issue 16); a Python API dict
    may carry anything there, so both are checked."""
    reliability, overlap = noise.reliability, noise.overlap
    if reliability is not None and reliability not in ("high", "moderate", "low", "none"):
        raise ConfigError(f"profile: label_noise.reliability must be high, moderate, low or none, got {reliability!r}")
    if overlap is not None and not (isinstance(overlap, Mapping) and isinstance(overlap.get("detected", False), bool)):
        raise ConfigError(f"profile: label_noise.overlap must be an object with a true/false 'detected', got {overlap!r}")
    return reliability, None if overlap is None else overlap.get("detected")


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _compare(op: str, value: Any, operand: Any) -> bool:
    if op == "known":
        return (not _is_null(value)) == operand
    if _is_null(value):
        return False  # documented: every comparison on a null fact is false
    if op == "eq":
        return value == operand
    if op == "ne":
        return value != operand
    if op == "in":
        return value in operand
    if op == "not_in":
        return value not in operand
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return {"lt": value < operand, "le": value <= operand, "gt": value > operand, "ge": value >= operand}[op]


def parse_condition(raw: Any, where: str) -> Condition:
    """Parse a ``when:`` mapping; ``where`` ("file: rule ID") prefixes every error."""
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"{where}: key 'when' must be a mapping (all/any/not/fact), got {raw!r}")
    if "fact" not in raw:
        if len(raw) != 1:
            raise ConfigError(f"{where}: key 'when' must have one of all/any/not/fact, got {sorted(raw)}")
        (key, body), = raw.items()
        if key in ("all", "any"):
            if not isinstance(body, list) or not body:
                raise ConfigError(f"{where}: key '{key}' must be a non-empty list of conditions")
            parts = tuple(parse_condition(item, where) for item in body)
            return All(parts) if key == "all" else Any_(parts)
        if key == "not":
            return Not(parse_condition(body, where))
        raise ConfigError(f"{where}: unknown condition key '{key}' (expected all, any, not or fact)")
    return _parse_compare(raw, where)


def _parse_compare(raw: dict, where: str) -> Compare:
    name = raw["fact"]
    if not isinstance(name, str):  # a list or mapping here would not even be hashable
        raise ConfigError(f"{where}: key 'fact' must be a fact name (a string), got {type(name).__name__}")
    if name not in FACTS:
        raise ConfigError(f"{where}: unknown fact '{name}' (see `lossadvisor rules facts`)")
    kind = FACTS[name][0]
    tests = []
    for op, operand in raw.items():
        if op == "fact":
            continue
        if op == "known":
            if not isinstance(operand, bool):
                raise ConfigError(f"{where}: key 'known' on fact '{name}' must be true or false")
        elif op not in COMPARISONS:
            raise ConfigError(f"{where}: unknown operator '{op}' on fact '{name}' (expected {', '.join(COMPARISONS)}, known)")
        elif op in ORDERED and (kind != NUMBER or not _is_number(operand)):
            raise ConfigError(f"{where}: operator '{op}' on {kind} fact '{name}' needs a number, got {operand!r}")
        elif op in ("in", "not_in") and not isinstance(operand, list):
            raise ConfigError(f"{where}: operator '{op}' on fact '{name}' needs a list, got {operand!r}")
        tests.append((op, tuple(operand) if isinstance(operand, list) else operand))
    if not tests:
        raise ConfigError(f"{where}: condition on fact '{name}' has no operator")
    return Compare(name, tuple(tests))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def facts_used(condition: Condition) -> set[str]:
    """Every fact a condition reads."""
    if isinstance(condition, Compare):
        return {condition.fact}
    if isinstance(condition, Not):
        return facts_used(condition.part)
    return set().union(*(facts_used(part) for part in condition.parts))


def holds_on(condition: Condition, facts: Mapping[str, Any], names: frozenset[str]) -> bool:
    """Whether the condition holds when only the facts in ``names`` are judged (every other test passes).

    ``holds_on(rule.when, facts, frozenset({"task"}))`` asks whether a rule is written for this task,
    whatever the data's other facts say.
    """
    if isinstance(condition, Compare):
        return condition.fact not in names or condition.holds(facts)
    if isinstance(condition, Not):
        return not condition.part.holds(facts) if facts_used(condition.part) <= names else True
    results = [holds_on(part, facts, names) for part in condition.parts]
    return all(results) if isinstance(condition, All) else any(results)


def describe(condition: Condition) -> str:
    """A one-line, human-readable form of a condition (for docs and `rules show`)."""
    if isinstance(condition, Compare):
        symbols = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "in": "in", "not_in": "not in"}
        parts = []
        for op, operand in condition.tests:
            if op == "known":
                parts.append(f"{condition.fact} is {'known' if operand else 'unknown'}")
            else:
                shown = list(operand) if isinstance(operand, tuple) else operand
                parts.append(f"{condition.fact} {symbols[op]} {shown}")
        return " and ".join(parts)
    if isinstance(condition, Not):
        return f"not ({describe(condition.part)})"
    joiner = " and " if isinstance(condition, All) else " or "
    return "(" + joiner.join(describe(part) for part in condition.parts) + ")"


def profile_facts(profile: Profile) -> dict[str, Any]:
    """Flatten a Profile (docs/profile-schema.md) into the named facts rules read.

    Sections that are None leave their facts out (so they read as null); nothing here looks
    at the data itself.
    """
    facts: dict[str, Any] = {
        "task": profile.task,
        "rows": profile.rows or None,
        "columns": profile.columns or None,
        "n_targets": len(profile.target) or None,
    }
    if facts["rows"] and facts["columns"] and facts["n_targets"]:
        facts["features_per_row"] = (facts["columns"] - facts["n_targets"]) / facts["rows"]
    structure = profile.structure
    if structure is not None:
        facts.update({"structure.type": structure.type, "structure.n_groups": structure.n_groups,
                      "structure.lag1_autocorrelation": structure.lag1_autocorrelation})
    classes = profile.classes
    if classes is not None:
        facts.update({"classes.counts": classes.counts or None, "classes.n_classes": len(classes.counts) or None,
                      "classes.imbalance_ratio": classes.imbalance_ratio,
                      "classes.normalized_entropy": classes.normalized_entropy,
                      "classes.label_cardinality": classes.label_cardinality})
        if classes.counts:
            smallest = min(classes.counts.values())
            facts["classes.min_count"] = smallest
            total = profile.rows if profile.task == "multilabel" and profile.rows else sum(classes.counts.values())
            facts["classes.minority_fraction"] = smallest / total if total else None
    noise = profile.label_noise
    if noise is not None:
        facts["label_noise.estimated_rate"] = noise.estimated_rate
        facts["label_noise.reliable"] = noise.reliable
        facts["label_noise.ci"] = list(noise.ci) if noise.ci else None
        facts["label_noise.ci_low"], facts["label_noise.ci_high"] = noise.ci if noise.ci else (None, None)
        facts["label_noise.reliability"], facts["label_noise.overlap"] = _noise_grade_facts(noise)
    stats = profile.target_stats
    if stats is not None:
        for key in ("outlier_fraction", "kurtosis", "skewness", "mad", "std", "heavy_tailed", "tail_index",
                    "is_count", "non_negative", "dispersion", "variance_mean_slope", "zero_fraction"):
            facts[f"target_stats.{key}"] = getattr(stats, key)
        if stats.contamination is not None:
            for key in ("gross_error_fraction", "contaminated", "explained_outlier_share", "residual_scale"):
                facts[f"target_stats.{key}"] = getattr(stats.contamination, key)
    if profile.feature_outliers is not None:
        facts["feature_outliers.fraction"] = profile.feature_outliers.fraction
    masks = profile.masks
    if masks is not None:
        facts["masks.foreground_fraction"] = masks.foreground_fraction
        facts["masks.empty_fraction"] = masks.empty_fraction
        facts["masks.n_classes"] = len(masks.class_pixel_fraction) or None
    groups = profile.groups
    if groups is not None:
        facts.update({"groups.n_groups": len(groups.groups), "groups.counts": groups.counts,
                      "groups.min_share": groups.min_measured_share, "groups.base_rate_gap": groups.base_rate_gap,
                      "groups.base_rate_ratio": groups.base_rate_ratio, "groups.error_gap": groups.error_gap,
                      "groups.error_ratio": groups.error_ratio})
    return {name: value for name, value in facts.items() if not _is_null(value)}
