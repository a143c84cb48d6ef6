"""Seed statistics and the paired bootstrap comparison with the baseline.

The difference candidate − baseline is paired twice over: the same test rows (one resample of
rows scores both) and the same seeds (seed s gave both the same initial weights and batch
order). Each bootstrap replicate resamples rows (multinomial counts, the weights every metric
accepts) and seeds, and averages the per-seed differences; the 2.5% and 97.5% quantiles give the
95% interval (Efron & Tibshirani 1993, percentile method). Guide 6.1.11 / 6.2.12: compare with a
baseline and test the significance before claiming a winner.

When the split kept groups whole (a patient's visits, a user's sessions), the rows of a group are
not independent draws and resampling rows understates the spread; ``clusters`` (a group code per
test row) switches the replicates to whole groups (:func:`draw_weights`, the cluster bootstrap of
Davison & Hinkley 1997 §3.8; the notes and report fields are in :mod:`lossadvisor.trials.cluster_boot`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

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
WeightedScore = Callable[[np.ndarray | None], np.ndarray]


def draw_weights(rng: np.random.Generator, n_rows: int, size: int, clusters: np.ndarray | None = None) -> np.ndarray:
    """Row weights of ``size`` bootstrap replicates, shape (size, n_rows), float32.

    Without ``clusters``: each replicate draws ``n_rows`` rows with replacement, a row's weight is
    how often it was drawn (Efron & Tibshirani 1993). With ``clusters`` (codes 0..G-1, one per row,
    every code used): each replicate draws G of the G groups with replacement and every row of a group takes the
    group's count, so a group's rows enter or leave together (Davison & Hinkley 1997 §3.8, the
    first-stage-only scheme: rows within a drawn group are kept as they are, not resampled again;
    Field & Welsh 2007 show its variance is consistent as the number of groups grows). A group of
    identical rows then weighs as one row drawn as often as the group.
    """
    if clusters is None:
        return rng.multinomial(n_rows, np.full(n_rows, 1.0 / n_rows), size=size).astype(np.float32)
    n_groups = int(clusters.max()) + 1
    counts = rng.multinomial(n_groups, np.full(n_groups, 1.0 / n_groups), size=size).astype(np.float32)
    return counts[:, clusters]


def replicate_scores(scores: Sequence[WeightedScore], n_rows: int, n_boot: int = 1000, seed: int = 0,
                     clusters: np.ndarray | None = None) -> np.ndarray:
    """Each member's metric on the same ``n_boot`` resamples, shape (n_boot, members).

    Every member sees the same resamples (one seeded stream), so differences between any two
    members are paired by rows; computing all members once avoids re-scoring the baseline for
    every comparison. ``clusters``: a group label or code per row (any hashable values, renumbered
    0..G-1 here) to resample whole groups (:func:`draw_weights`); None resamples rows, drawing
    exactly what it always drew. A single group gives NaN replicates (no interval can be formed).
    """
    if clusters is not None:
        clusters = np.asarray(clusters)
        if clusters.shape != (n_rows,):
            raise ValueError(f"clusters must hold one group per row ({n_rows}); got shape {clusters.shape}")
        clusters = np.unique(clusters, return_inverse=True)[1].reshape(-1).astype(np.int64)
        if n_rows and clusters.max() == 0:
            # One group: every replicate would be that group, an interval of zero width that claims a
            # precision one group cannot give. NaN replicates make the comparison "not compared".
            return np.full((n_boot, len(scores)), np.nan)
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, len(scores)))
    for start in range(0, n_boot, CHUNK):
        b = min(CHUNK, n_boot - start)
        weights = draw_weights(rng, n_rows, b, clusters)
        for j, score in enumerate(scores):
            out[start : start + b, j] = score(weights)
    return out


def paired_bootstrap(
    candidate: np.ndarray,
    baseline: np.ndarray,
    candidate_point: Sequence[float],
    baseline_point: Sequence[float],
    higher_is_better: bool,
    seed: int = 0,
    margin: float = 0.0,
) -> Comparison:
    """95% interval of mean over seeds of (candidate − baseline), resampling rows and seeds.

    ``candidate`` and ``baseline`` are (n_boot, seeds) replicate scores on the same row
    resamples, columns paired by seed; the seeds are resampled with replacement per replicate.
    """
    n_boot, n_seeds = candidate.shape
    if n_seeds == 0:
        return Comparison(float("nan"), float("nan"), float("nan"), "not compared", 0)
    point = float(np.mean(np.asarray(candidate_point) - np.asarray(baseline_point)))
    picks = np.random.default_rng(seed + 1).integers(0, n_seeds, size=(n_boot, n_seeds))
    per_seed = candidate - baseline
    drawn = np.take_along_axis(per_seed, picks, axis=1)
    finite = np.isfinite(drawn)
    # A mean over the finite draws; a replicate with none (its metric undefined on every drawn seed,
    # e.g. no positive row in the resample) is NaN and dropped below, without numpy's warning.
    with np.errstate(invalid="ignore", divide="ignore"):
        diffs = np.where(finite, drawn, 0.0).sum(axis=1) / finite.sum(axis=1)
    diffs = diffs[np.isfinite(diffs)]
    if diffs.size == 0:
        return Comparison(point, float("nan"), float("nan"), "not compared", n_seeds)
    low, high = (float(q) for q in np.quantile(diffs, [0.025, 0.975]))
    return Comparison(point, low, high, verdict(low, high, higher_is_better, margin, point), n_seeds)


def verdict(low: float, high: float, higher_is_better: bool, margin: float = 0.0, difference: float = 0.0) -> str:
    """better / worse when the interval excludes zero and the estimated ``difference`` is at least
    ``margin`` in that direction; else no significant difference.

    ``margin`` is the smallest difference that matters in practice, as a minimal clinically
    important difference is in trial reporting (Jaeschke, Singer & Guyatt 1989, Controlled Clinical
    Trials 10(4)): a difference must be both reliable (its interval excludes 0) and large enough to
    act on. With every image of a cross-fitted trial tested, a 0.005 Dice gap between two losses of
    equal use is detectable and would otherwise read as "better". ``margin`` 0 (tables) leaves the
    interval alone to decide, exactly as before.
    """
    if not (np.isfinite(low) and np.isfinite(high)):
        return "not compared"
    if low > 0 and (margin <= 0 or difference >= margin):
        return BETTER if higher_is_better else WORSE
    if high < 0 and (margin <= 0 or difference <= -margin):
        return WORSE if higher_is_better else BETTER
    return SAME
