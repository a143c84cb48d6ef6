"""Drift between two profiles: what changed since the last good snapshot.

Pure functions over two typed profiles (:class:`~lossadvisor.profiling.profile.Profile`, read at the
contract's precision, ``Profile.as_saved()``, so a profile measured now drifts from a baseline exactly as
its saved JSON would); nothing here reads data. :func:`compare_profiles` gathers every measurement into a
:class:`Drift`; ``lossadvisor.checks`` turns it into pass/fail findings.

Class-mix shift is measured twice: the population stability index, the credit-scoring
convention (below 0.1 stable, above 0.25 a significant shift; Siddiqi 2006), and the
Jensen–Shannon distance, which is symmetric, bounded in [0, 1] with base-2 logarithms,
and finite when a class appears on one side only (Lin 1991). The target's shift is the
two-sample Kolmogorov–Smirnov statistic D (the largest gap between the two empirical
CDFs) on the profiles' seeded target samples, or, when a profile carries no sample,
the same statistic read off its quantile grid (guide 6.2.10 on domain shift).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from lossadvisor.profiling.class_sections import ClassBalance
from lossadvisor.profiling.profile import Profile
from lossadvisor.profiling.value_sections import TargetStats

# A class absent on one side would make PSI infinite; the usual fix is a small floor.
PSI_FLOOR = 1e-4


@dataclass(frozen=True)
class SchemaChange:
    """Columns added, removed or retyped (kind changed) between baseline and current."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    retyped: tuple[tuple[str, str, str], ...] = ()  # (column, baseline kind, current kind)


@dataclass(frozen=True)
class TargetShift:
    """How far the target's distribution moved: KS statistic D and how it was obtained."""

    ks_statistic: float
    method: str  # "sample" (two-sample KS on seeded samples) or "quantiles"
    baseline_median: float | None
    current_median: float | None


@dataclass(frozen=True)
class Drift:
    """Every drift measurement; None where it does not apply (e.g. PSI on regression)."""

    psi: float | None
    js_distance: float | None
    new_classes: tuple[str, ...] | None
    vanished_classes: tuple[str, ...] | None
    noise_change: float | None
    baseline_noise: float | None
    current_noise: float | None
    target_shift: TargetShift | None
    schema: SchemaChange
    tasks: tuple[str | None, str | None] = (None, None)   # (baseline, current)
    groups: Any = None   # profiling.groups.GroupShift when either profile has --sensitive groups


def _normalise(proportions: Mapping[str, float], labels: Sequence[str]) -> np.ndarray:
    values = np.array([max(float(proportions.get(label, 0.0)), 0.0) for label in labels])
    total = values.sum()
    return values / total if total > 0 else values


def population_stability_index(
    baseline: Mapping[str, float], current: Mapping[str, float], floor: float = PSI_FLOOR
) -> float:
    """PSI = sum over classes of (current - baseline) * ln(current / baseline).

    Proportions are floored at ``floor`` so a class present on one side only gives a
    large, finite contribution instead of infinity.
    """
    labels = sorted(set(baseline) | set(current))
    p = np.maximum(_normalise(baseline, labels), floor)
    q = np.maximum(_normalise(current, labels), floor)
    return float(np.sum((q - p) * np.log(q / p)))


def jensen_shannon_distance(baseline: Mapping[str, float], current: Mapping[str, float]) -> float:
    """sqrt of the Jensen–Shannon divergence with base-2 logs: 0 identical, 1 disjoint."""
    labels = sorted(set(baseline) | set(current))
    p = _normalise(baseline, labels)
    q = _normalise(current, labels)
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / m[mask])))

    divergence = max((kl(p) + kl(q)) / 2, 0.0)
    return min(math.sqrt(divergence), 1.0)


def class_changes(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(new classes, vanished classes): labels with rows on one side only."""
    present_before = {str(k) for k, v in baseline.items() if v}
    present_now = {str(k) for k, v in current.items() if v}
    return tuple(sorted(present_now - present_before)), tuple(sorted(present_before - present_now))


def ks_statistic(sample_a: Sequence[float], sample_b: Sequence[float]) -> float:
    """Two-sample Kolmogorov–Smirnov D = max_x |F_a(x) - F_b(x)| over the pooled sample."""
    a = np.sort(np.asarray(sample_a, dtype=float))
    b = np.sort(np.asarray(sample_b, dtype=float))
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        raise ValueError("both samples need at least one finite value")
    pooled = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, pooled, side="right") / a.size
    cdf_b = np.searchsorted(b, pooled, side="right") / b.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


def _quantile_grid(quantiles: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (levels, values) from {"p05": v, ...}; ties keep the highest level (a CDF is right-continuous)."""
    pairs = sorted((float(key.lstrip("p")) / 100.0, float(value)) for key, value in quantiles.items())
    levels = np.array([level for level, _ in pairs])
    values = np.maximum.accumulate(np.array([value for _, value in pairs]))
    keep = np.append(values[1:] != values[:-1], True)
    return levels[keep], values[keep]


def ks_from_quantiles(quantiles_a: Mapping[str, float], quantiles_b: Mapping[str, float]) -> float:
    """KS D approximated from two quantile grids.

    Each CDF is the piecewise-linear curve through its (value, level) points, clamped to
    the first and last level outside them; D is the largest gap at any grid value. The
    error is at most the gap between neighbouring levels (0.01 in the tails, 0.15 in the
    shoulders of the usual p01..p99 grid).
    """
    levels_a, values_a = _quantile_grid(quantiles_a)
    levels_b, values_b = _quantile_grid(quantiles_b)
    points = np.concatenate([values_a, values_b])
    cdf_a = np.interp(points, values_a, levels_a)
    cdf_b = np.interp(points, values_b, levels_b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def schema_changes(baseline_kinds: Mapping[str, str], current_kinds: Mapping[str, str]) -> SchemaChange:
    """Columns added, removed, or whose kind (numeric, categorical, ...) changed."""
    added = tuple(c for c in current_kinds if c not in baseline_kinds)
    removed = tuple(c for c in baseline_kinds if c not in current_kinds)
    retyped = tuple(
        (c, str(baseline_kinds[c]), str(current_kinds[c]))
        for c in baseline_kinds
        if c in current_kinds and baseline_kinds[c] != current_kinds[c]
    )
    return SchemaChange(added=added, removed=removed, retyped=retyped)


def target_shift(baseline_stats: TargetStats | None, current_stats: TargetStats | None) -> TargetShift | None:
    """KS D between the two targets, from samples when both have one, else from quantiles."""
    if baseline_stats is None or current_stats is None:
        return None
    medians = (_float_or_none(baseline_stats.median), _float_or_none(current_stats.median))
    sample_a, sample_b = baseline_stats.sample, current_stats.sample
    if sample_a and sample_b:
        return TargetShift(ks_statistic(sample_a, sample_b), "sample", *medians)
    grid_a, grid_b = baseline_stats.quantiles, current_stats.quantiles
    if grid_a and grid_b:
        return TargetShift(ks_from_quantiles(grid_a, grid_b), "quantiles", *medians)
    return None


def noise_rate(profile: Profile) -> float | None:
    """The point estimate of the label-noise rate, or None when not measured or abstained."""
    return None if profile.label_noise is None else _float_or_none(profile.label_noise.estimated_rate)


def compare_profiles(baseline: Profile, current: Profile) -> Drift:
    """All drift measurements between a baseline profile and the current one (both at the contract's
    precision: ``Profile.as_saved()``, or read from JSON)."""
    from lossadvisor.profiling.groups import compare_groups

    base_classes, now_classes = baseline.classes, current.classes
    psi = js = new = vanished = None
    if base_classes is not None and now_classes is not None and base_classes.counts and now_classes.counts:
        before, now = _proportions(base_classes), _proportions(now_classes)
        psi = population_stability_index(before, now)
        js = jensen_shannon_distance(before, now)
        new, vanished = class_changes(base_classes.counts, now_classes.counts)
    noise_before, noise_now = noise_rate(baseline), noise_rate(current)
    change = noise_now - noise_before if noise_before is not None and noise_now is not None else None
    return Drift(
        psi=psi,
        js_distance=js,
        new_classes=new,
        vanished_classes=vanished,
        noise_change=change,
        baseline_noise=noise_before,
        current_noise=noise_now,
        target_shift=target_shift(baseline.target_stats, current.target_stats),
        schema=schema_changes(_column_kinds(baseline), _column_kinds(current)),
        tasks=(baseline.task, current.task),
        groups=compare_groups(baseline.groups, current.groups),
    )


def _column_kinds(profile: Profile) -> Mapping[str, str]:
    return profile.overview.column_kinds if profile.overview is not None else {}


def _proportions(classes: ClassBalance) -> dict[str, float]:
    """The class shares as the saved profile holds them (labels as JSON strings, so 0 and "0" match)."""
    return {str(k): float(v) for k, v in classes.saved_proportions.items()}


def _float_or_none(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
