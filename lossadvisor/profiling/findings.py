"""Warnings: findings with a stable code and a quantitative message."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    severity: str = "warning"  # info | warning

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(code=data["code"], message=data["message"], severity=data.get("severity", "warning"))


MAX_LISTED = 5  # past this many classes, one summary finding instead of one each


def _pct(x: float) -> str:
    return f"{x:.1%}" if x >= 0.001 else f"{x:.2%}"


def balance_findings(classes) -> list[Finding]:
    found = []
    if classes.imbalance_ratio >= 3:
        found.append(Finding("IMBALANCE", f"imbalance ratio {classes.imbalance_ratio:.1f}: majority '{classes.majority}' "
                                          f"has {classes.counts[classes.majority]} rows, minority '{classes.minority}' "
                                          f"{classes.counts[classes.minority]}"))
    rare, tiny = classes.below_1pct, classes.below_10_rows
    if len(rare) <= MAX_LISTED:
        found += [Finding("RARE_CLASS", f"class '{label}' is {_pct(classes.proportions[label])} of rows (below 1%)")
                  for label in rare]
    else:
        found.append(Finding("RARE_CLASS", f"{len(rare)} classes are each below 1% of rows: {_some(rare)}"))
    if len(tiny) <= MAX_LISTED:
        found += [Finding("TINY_CLASS", f"class '{label}' has {classes.counts[label]} rows (fewer than 10): "
                                        "too few to cross-validate or to trust its metrics") for label in tiny]
    else:
        found.append(Finding("TINY_CLASS", f"{len(tiny)} classes have fewer than 10 rows each: {_some(tiny)}"))
    return found


def _some(labels) -> str:
    shown = ", ".join(f"'{label}'" for label in labels[:MAX_LISTED])
    return shown + (", …" if len(labels) > MAX_LISTED else "")


def noise_findings(noise, attempted: bool = False) -> list[Finding]:
    if noise is None:
        if attempted:
            return [Finding("NOISE_UNAVAILABLE", "no label-noise estimate: it needs two or more classes with at least "
                                                 "5 rows each, at most 30 classes, and a usable feature column", "info")]
        return []
    overlap = (getattr(noise, "overlap", None) or {}).get("detected")
    if overlap:
        return [Finding("CLASS_OVERLAP", f"the model's disagreement with the labels looks like class overlap, not "
                                         f"label noise: {noise.reliability_reason}", "info")]
    if not noise.reliable or noise.estimated_rate is None:
        return [Finding("NOISE_UNRELIABLE", f"label noise {noise.summary} "
                                            f"(out-of-fold accuracy {noise.oof_accuracy:.2f})", "info")]
    if noise.estimated_rate >= 0.05:
        low, high = noise.ci
        return [Finding("LABEL_NOISE", f"an estimated {_pct(noise.estimated_rate)} of labels look wrong "
                                       f"(interval {_pct(low)}–{_pct(high)}, out-of-fold accuracy {noise.oof_accuracy:.2f})")]
    return []


def nonfinite_target_findings(nonfinite: dict[str, dict[str, int]] | None, not_numbers: int = 0) -> list[Finding]:
    """Missing, ±inf or (for a numeric target) non-numeric target values: rows a loss cannot use."""
    found = []
    for column, counts in (nonfinite or {}).items():
        parts = [f"{n} {what}" for what, n in (("missing", counts["nan"]), ("+inf", counts["posinf"]),
                                                ("-inf", counts["neginf"]), ("non-numeric", not_numbers)) if n]
        not_numbers = 0  # only the first target column is profiled as a number
        if parts:
            found.append(Finding("TARGET_NONFINITE", f"target '{column}' has {', '.join(parts)} value(s); "
                                                     "drop or fix those rows before training"))
    return found


def target_findings(stats) -> list[Finding]:
    found = []
    if stats.outlier_fraction >= 0.01:
        found.append(Finding("TARGET_OUTLIERS", f"{_pct(stats.outlier_fraction)} of target values are robust outliers "
                                                f"(|x − median| > 3.5 × 1.4826 × MAD, MAD = {stats.mad:.4g})"))
    if stats.heavy_tailed:
        shape = (f"excess kurtosis {stats.kurtosis:.1f}, skewness {stats.skewness:.1f}"
                 if math.isfinite(stats.kurtosis) else f"Hill tail index {stats.tail_index:.2g} (kurtosis overflows)")
        found.append(Finding("HEAVY_TAIL", f"target is heavy-tailed: {shape}"))
    if stats.dispersion is not None and stats.dispersion > 1.5:
        found.append(Finding("OVERDISPERSED", f"count target variance/mean = {stats.dispersion:.2f} (Poisson has 1)"))
    if stats.is_count and stats.zero_fraction >= 0.3:
        found.append(Finding("ZERO_INFLATED", f"{_pct(stats.zero_fraction)} of target values are zero"))
    return found


def per_target_findings(targets, noise_attempted: bool = False) -> list[Finding]:
    """The target, balance and label-noise findings of each target of a multi-target profile, each naming
    its target; ``noise_attempted``: the noise was measured (no ``--no-noise``), so a class target without an
    estimate says why."""
    found = []
    for section in targets:
        own = target_findings(section.target_stats) if section.target_stats is not None else \
            balance_findings(section.classes) if section.classes is not None else []
        if section.classes is not None:
            own += noise_findings(section.label_noise, attempted=noise_attempted)
        found += [Finding(f.code, f"target '{section.name}': {f.message}", f.severity) for f in own]
    return found


def overview_findings(overview, target: tuple[str, ...], kinds: dict[str, str], cardinality: dict[str, int]) -> list[Finding]:
    found = []
    missing = {k: v for k, v in overview.missing_fraction.items() if v > 0}
    if missing:
        worst = max(missing, key=missing.__getitem__)
        found.append(Finding("MISSING_VALUES", f"{len(missing)} column(s) have missing values; worst '{worst}' "
                                               f"is {_pct(missing[worst])} missing"))
    if overview.duplicate_rows:
        found.append(Finding("DUPLICATE_ROWS", f"{overview.duplicate_rows} duplicate rows "
                                               f"({_pct(overview.duplicate_fraction)} of rows)"))
    constant = [c for c in overview.constant_columns if c not in target]
    if constant:
        found.append(Finding("CONSTANT_COLUMNS", f"constant column(s) carry no information: {', '.join(constant[:5])}", "info"))
    for name, n in cardinality.items():
        found.append(Finding("HIGH_CARDINALITY", f"categorical column '{name}' has {n} distinct values", "info"))
    return found


def feature_findings(outliers) -> list[Finding]:
    if outliers is None:
        return []
    found = []
    if outliers.nonfinite_values:
        found.append(Finding("NONFINITE_FEATURES", f"{outliers.nonfinite_values} feature values are ±inf"))
    if outliers.fraction >= 0.05:
        worst = next(iter(outliers.worst_columns), None)
        where = f"; most in '{worst}'" if worst else ""
        found.append(Finding("FEATURE_OUTLIERS", f"{_pct(outliers.fraction)} of rows have an extreme feature value{where}",
                             "info"))
    return found


def mask_findings(masks) -> list[Finding]:
    found = []
    if masks.foreground_fraction < 0.05:
        found.append(Finding("SMALL_FOREGROUND", f"foreground is {_pct(masks.foreground_fraction)} of pixels on average"))
    if masks.empty_fraction > 0:
        found.append(Finding("EMPTY_MASKS", f"{_pct(masks.empty_fraction)} of masks have no foreground"))
    return found


def profile_findings(profile, cardinality: dict[str, int], noise_attempted: bool) -> list[Finding]:
    """Every finding about a measured Profile, section by section."""
    found = overview_findings(profile.overview, profile.target, profile.overview.column_kinds, cardinality)
    found += feature_findings(profile.feature_outliers)
    nonfinite, stats = profile.target_nonfinite, profile.target_stats
    infinite = sum(v for k, v in nonfinite[profile.target[0]].items() if k != "nan") if profile.target else 0
    found += nonfinite_target_findings(nonfinite, stats.nonfinite - infinite if stats is not None else 0)
    if profile.classes is not None:
        found += balance_findings(profile.classes)
    if profile.targets:  # multi-target: each target's findings, named (the top-level stats repeat the first target's)
        found += per_target_findings(profile.targets, noise_attempted)
    else:
        found += noise_findings(profile.label_noise, attempted=noise_attempted)
        if stats is not None:
            found += target_findings(stats)
    if profile.masks is not None:
        found += mask_findings(profile.masks)
    return found
