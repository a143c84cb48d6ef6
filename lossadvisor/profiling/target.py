"""Regression and count targets: location, scale, shape, outliers, tails, zeros, dispersion."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from lossadvisor.profiling.value_sections import ROBUST_Z_CUTOFF, TargetStats

MAD_TO_SIGMA = 1.4826   # MAD of a normal distribution × 1.4826 = σ
SAMPLE_SIZE = 500
QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


def is_heavy_tailed(kurtosis: float, tail_index: float | None) -> bool:
    """Excess kurtosis above 3 (a t-distribution with < ~6 degrees of freedom) or a Hill index below 3."""
    return kurtosis > 3.0 or (tail_index is not None and tail_index < 3.0)


def robust_outlier_fraction(values: np.ndarray) -> float:
    """Share of values with |x - median| / (1.4826·MAD) > 3.5; falls back to the mean absolute deviation when MAD is 0."""
    if len(values) == 0:
        return 0.0
    median = np.median(values)
    deviation = np.abs(values - median)
    scale = MAD_TO_SIGMA * np.median(deviation)
    if scale == 0:
        scale = 1.2533 * deviation.mean()  # mean absolute deviation → σ for a normal
    if scale == 0:
        return 0.0
    return float(np.mean(deviation / scale > ROBUST_Z_CUTOFF))


def hill_tail_index(values: np.ndarray) -> float | None:
    """Hill estimator of the tail index of |x - median| over the top sqrt(n) values (small = heavy tail)."""
    deviation = np.sort(np.abs(values - np.median(values)))[::-1]
    k = int(math.sqrt(len(deviation)))
    if k < 10 or deviation[k] <= 0:
        return None
    if np.unique(deviation[: k + 1]).size < (k + 1) / 2:
        return None  # many ties in the tail (small integers): the estimator is not defined for such data
    return float(1.0 / np.mean(np.log(deviation[:k] / deviation[k])))


def variance_mean_slope(target: np.ndarray, feature: np.ndarray, bins: int = 10) -> float | None:
    """Slope of log variance on log mean of the target across quantile bins of a feature (Tweedie power)."""
    order = np.argsort(feature, kind="stable")
    means, variances = [], []
    for chunk in np.array_split(target[order], bins):
        if len(chunk) > 5 and chunk.mean() > 0 and chunk.var(ddof=1) > 0:
            means.append(chunk.mean())
            variances.append(chunk.var(ddof=1))
    if len(means) < 4 or np.ptp(np.log(means)) < 0.1:
        return None
    slope, _ = np.polyfit(np.log(means), np.log(variances), 1)
    return float(slope)


def strongest_feature(features: pd.DataFrame, target: np.ndarray) -> np.ndarray | None:
    """The numeric feature with the largest absolute rank correlation with the target."""
    best, best_corr = None, 0.1
    ranked_target = pd.Series(target).rank().to_numpy()
    for name in features.select_dtypes("number").columns[:50]:
        column = features[name].to_numpy(dtype=float)
        mask = np.isfinite(column)
        if mask.sum() < 50 or np.ptp(column[mask]) == 0:
            continue
        corr = abs(np.corrcoef(pd.Series(column[mask]).rank(), ranked_target[mask])[0, 1])
        if np.isfinite(corr) and corr > best_corr:
            best, best_corr = np.where(mask, column, np.nanmedian(column)), corr
    return best


def seeded_sample(values: np.ndarray, seed: int, size: int = SAMPLE_SIZE) -> tuple[float, ...]:
    """Up to `size` values drawn without replacement with the seed, kept in row order."""
    if len(values) <= size:
        return tuple(values.tolist())
    index = np.sort(np.random.default_rng(seed).choice(len(values), size=size, replace=False))
    return tuple(values[index].tolist())


@np.errstate(over="ignore", invalid="ignore")  # values near ±1e308 overflow to inf moments, not warnings
def target_stats(column: pd.Series, features: pd.DataFrame | None = None, task: str = "regression",
                 seed: int = 0) -> TargetStats:
    """Every target measurement; the variance-mean slope uses the feature most related to the target."""
    numeric = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    finite_mask = np.isfinite(numeric)
    values = numeric[finite_mask]
    series = pd.Series(values)
    mean = float(values.mean())
    non_negative = bool(np.all(values >= 0))
    is_integer = bool(np.all(values == np.round(values)))
    is_count = task == "count" or (non_negative and is_integer and task != "regression")
    variance = float(values.var(ddof=1)) if len(values) > 1 else 0.0
    slope = None
    if features is not None and non_negative and len(values) >= 100:
        feature = strongest_feature(features.loc[finite_mask], values)
        slope = variance_mean_slope(values, feature) if feature is not None else None
    kurtosis = float(series.kurt()) if len(values) > 3 else 0.0
    tail_index = hill_tail_index(values)
    return TargetStats(
        mean=mean,
        median=float(np.median(values)),
        std=float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        mad=float(np.median(np.abs(values - np.median(values)))),
        skewness=float(series.skew()) if len(values) > 2 else 0.0,
        kurtosis=kurtosis,
        outlier_fraction=robust_outlier_fraction(values),
        tail_index=tail_index,
        zero_fraction=float(np.mean(values == 0)),
        non_negative=non_negative,
        is_integer=is_integer,
        is_count=is_count,
        bounded_01=bool(values.min() >= 0 and values.max() <= 1),
        dispersion=variance / mean if is_count and mean > 0 else None,
        variance_mean_slope=slope,
        minimum=float(values.min()),
        maximum=float(values.max()),
        quantiles={f"p{round(q * 100):02d}": float(np.quantile(values, q)) for q in QUANTILES},
        missing=int(column.isna().sum()),
        nonfinite=int((~finite_mask).sum() - column.isna().sum()),
        sample=seeded_sample(values, seed),
        heavy_tailed=is_heavy_tailed(kurtosis, tail_index),
    )
