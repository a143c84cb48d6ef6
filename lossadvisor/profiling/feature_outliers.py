"""Outliers in feature space: rows with an extreme value in any numeric feature."""

from __future__ import annotations

from dataclasses import dataclass

import warnings

import numpy as np
import pandas as pd

from lossadvisor.profiling.target import MAD_TO_SIGMA, ROBUST_Z_CUTOFF

SAMPLE_CAP = 200_000


@dataclass(frozen=True)
class FeatureOutliers:
    fraction: float
    columns_used: tuple[str, ...]
    worst_columns: dict[str, float]   # column → share of rows flagged by it
    nonfinite_values: int
    method: str = f"robust z-score (|x - median| / (1.4826·MAD) > {ROBUST_Z_CUTOFF}) on any numeric feature"

    def to_dict(self) -> dict:
        return {
            "fraction": round(self.fraction, 6),
            "method": self.method,
            "columns_used": list(self.columns_used),
            "worst_columns": {k: round(v, 6) for k, v in self.worst_columns.items()},
            "nonfinite_values": self.nonfinite_values,
        }


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
