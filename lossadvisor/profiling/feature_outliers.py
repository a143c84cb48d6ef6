"""Outliers in feature space: rows with an extreme value in any numeric feature."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lossadvisor.profiling.target import MAD_TO_SIGMA
from lossadvisor.profiling.value_sections import ROBUST_Z_CUTOFF, FeatureOutliers

SAMPLE_CAP = 200_000


def feature_outliers(features: pd.DataFrame, kinds: dict[str, str], seed: int = 0) -> FeatureOutliers | None:
    """Share of rows that are robust-z outliers in at least one numeric feature (sampled past 200k rows).

    Columns with a zero MAD (binary flags, mostly-constant columns) are skipped: every non-mode
    value would look extreme there.
    """
    names = [n for n in features.columns if kinds.get(n) == "numeric"]
    if not names:
        return None
    sample = features[names]
    if len(sample) > SAMPLE_CAP:
        sample = sample.sample(SAMPLE_CAP, random_state=seed)
    values = sample.to_numpy(dtype=float, na_value=np.nan)
    nonfinite = int(np.isinf(values).sum())
    values = np.where(np.isfinite(values), values, np.nan)
    with warnings.catch_warnings():  # an all-missing or all-inf column has no median; it is skipped below
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(values, axis=0)
        scale = MAD_TO_SIGMA * np.nanmedian(np.abs(values - median), axis=0)
    usable = np.isfinite(scale) & (scale > 0)
    if not usable.any():
        return FeatureOutliers(0.0, (), {}, nonfinite)
    with np.errstate(invalid="ignore"):
        flagged = np.abs(values[:, usable] - median[usable]) / scale[usable] > ROBUST_Z_CUTOFF
    used = tuple(np.asarray(names)[usable])
    per_column = dict(zip(used, flagged.mean(axis=0).tolist()))
    worst = dict(sorted(per_column.items(), key=lambda kv: -kv[1])[:5])
    return FeatureOutliers(float(flagged.any(axis=1).mean()), used, {k: v for k, v in worst.items() if v > 0}, nonfinite)
