"""Intervals over cross-fitted units and the ``tied_with_best`` flag of results.csv.

The units are the K × S (fold, seed) test scores of repeated K-fold cross-fitting. They are not independent
(training sets overlap), so the plain t-interval is too narrow; the corrected resampled t-statistic of
Nadeau & Bengio 2003 ("Inference for the generalization error", Machine Learning 52) inflates the variance:

    se² = (1/J + n_test/n_train) · s²,   J = K·S units, s² their sample variance,

and the 95% interval is mean ± t(0.975, J − 1) · se (Bouckaert & Frank 2004 apply it to repeated K-fold).

``tied_with_best`` for a (set, condition, objective): the best loss has the best mean of the objective's
metric (ties: first in the table's loss order); a loss is tied with it when it is the best, or when the
corrected interval of its paired differences to the best (same seed, same fold; units where either is
undefined are left out) contains 0. Fewer than 2 paired units: not tied.
"""

from __future__ import annotations

import math

import numpy as np


def t_quantile(df: int, level: float = 0.975) -> float:
    from scipy.stats import t

    return float(t.ppf(level, df))


def corrected_interval(values: np.ndarray, test_share: float) -> tuple[float, float, float]:
    """(mean, low, high) of the finite values; the interval is NaN with fewer than 2 of them."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(v.mean())
    if v.size < 2:
        return mean, math.nan, math.nan
    se = math.sqrt((1.0 / v.size + test_share) * float(v.var(ddof=1)))
    half = t_quantile(v.size - 1) * se
    return mean, mean - half, mean + half


def best_and_ties(values: np.ndarray, higher_is_better: bool, test_share: float) -> tuple[int | None, list[bool]]:
    """Index of the best loss (rows of ``values``: losses × units) and each loss's tied_with_best flag."""
    sign = 1.0 if higher_is_better else -1.0
    with np.errstate(invalid="ignore"):
        means = np.array([np.nanmean(row) if np.isfinite(row).any() else np.nan for row in values])
    finite = [i for i in range(len(means)) if np.isfinite(means[i])]
    if not finite:
        return None, [False] * len(means)
    best = max(finite, key=lambda i: (sign * means[i], -i))
    tied = []
    for i in range(len(means)):
        if i == best:
            tied.append(True)
            continue
        both = np.isfinite(values[i]) & np.isfinite(values[best])
        if both.sum() < 2:
            tied.append(False)
            continue
        _, low, high = corrected_interval(values[i][both] - values[best][both], test_share)
        tied.append(bool(low <= 0.0 <= high))
    return best, tied
