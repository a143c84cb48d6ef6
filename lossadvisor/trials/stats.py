"""Seed statistics and the paired bootstrap comparison with the baseline.

The difference candidate − baseline is paired twice over: the same test rows (one resample of
rows scores both) and the same seeds (seed s gave both the same initial weights and batch
order). Each bootstrap replicate resamples rows (multinomial counts, the weights every metric
accepts) and seeds, and averages the per-seed differences; the 2.5% and 97.5% quantiles give the
95% interval (Efron & Tibshirani 1993, percentile method). Guide 6.1.11 / 6.2.12: compare with a
baseline and test the significance before claiming a winner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

CHUNK = 100
BETTER, SAME, WORSE = "better", "no significant difference", "worse"


@dataclass(frozen=True)
class Comparison:
    """Candidate − baseline on one metric: point estimate, 95% interval, verdict."""

    difference: float
    ci_low: float
    ci_high: float
    verdict: str
    seeds_paired: int


def mean_sd(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for one value), ignoring NaN."""
    arr = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=np.float64)
    if arr.size == 0:
        return float("nan"), float("nan")
    return float(arr.mean()), float(arr.std(ddof=1)) if arr.size > 1 else 0.0


# (row weights (B, n)) → metric per replicate (B,), for one fixed member's predictions.
WeightedScore = Callable[[np.ndarray], np.ndarray]


def paired_bootstrap(
    candidate: list[WeightedScore],
    baseline: list[WeightedScore],
    n_rows: int,
    higher_is_better: bool,
    n_boot: int = 1000,
    seed: int = 0,
) -> Comparison:
    """Bootstrap over rows and seeds of mean(candidate_s − baseline_s); lists are paired by seed."""
    n_seeds = len(candidate)
    if n_seeds == 0 or n_seeds != len(baseline):
        return Comparison(float("nan"), float("nan"), float("nan"), "not compared", 0)
    ones = np.ones((1, n_rows))
    point = float(np.mean([c(ones)[0] - b(ones)[0] for c, b in zip(candidate, baseline)]))
    rng = np.random.default_rng(seed)
    replicates = []
    for start in range(0, n_boot, CHUNK):
        b = min(CHUNK, n_boot - start)
        weights = rng.multinomial(n_rows, np.full(n_rows, 1.0 / n_rows), size=b).astype(np.float64)
        per_seed = np.column_stack([c(weights) - s(weights) for c, s in zip(candidate, baseline)])
        picks = rng.integers(0, n_seeds, size=(b, n_seeds))
        replicates.append(np.nanmean(np.take_along_axis(per_seed, picks, axis=1), axis=1))
    diffs = np.concatenate(replicates)
    low, high = (float(q) for q in np.nanquantile(diffs, [0.025, 0.975]))
    return Comparison(point, low, high, verdict(low, high, higher_is_better), n_seeds)


def verdict(low: float, high: float, higher_is_better: bool) -> str:
    """better / worse when the interval excludes zero, else no significant difference."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "not compared"
    if low > 0:
        return BETTER if higher_is_better else WORSE
    if high < 0:
        return WORSE if higher_is_better else BETTER
    return SAME
