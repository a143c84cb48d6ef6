"""Measure gross target errors: outlying targets that a robust model of the features does not predict at all.

The model is scikit-learn's HistGradientBoostingRegressor with the absolute-error loss (a median model, so
the errors it is looking for do not pull its fit), fitted out of fold on up to ``sample_cap`` seeded rows with
its threads pinned. A genuine heavy tail is predicted by the features (its outlying targets have ordinary
residuals); a gross error (Hampel et al. 1986, "Robust Statistics", ch. 1.2) is not. Residuals are scaled by
the robust spread of the residuals in their decile of the prediction, so a multiplicative tail (lognormal,
counts) whose spread grows with the mean is judged against its own spread. The result is
:class:`lossadvisor.profiling.contamination.TargetContamination`.

Limitation: a tail that the features do not predict at all (pure noise with a lognormal σ of 1 or more) reads
as contamination; the profile cannot tell it from errors, and the recommendation then names ``trial`` as the
arbiter (docs/rules.md, "The objective decides the functional").
"""

from __future__ import annotations

import numpy as np

from lossadvisor.profiling.contamination import CONTAMINATED_FRACTION, RESIDUAL_Z_CUTOFF, TargetContamination

TARGET_Z_CUTOFF = 3.5      # the profile's target-outlier cut-off (Iglewicz & Hoaglin 1993)
MIN_ROWS = 200             # fewer rows than this: 5 folds × 10 prediction bins are too thin to judge
FOLDS = 5
BINS = 10
MAD_TO_SIGMA = 1.4826
MODEL = {"loss": "absolute_error", "learning_rate": 0.2, "max_iter": 60, "max_leaf_nodes": 15}


def measure_contamination(X: np.ndarray, y: np.ndarray, categorical: np.ndarray | None = None, seed: int = 0,
                          threads: int = 1, sample_cap: int = 20_000,
                          groups: np.ndarray | None = None) -> TargetContamination | None:
    """Gross target errors among the finite targets; None when it cannot be measured.

    None means "not measured" (fewer than MIN_ROWS finite targets, no usable feature, or a target with
    no spread), never "clean": the rules treat a missing fact as unknown.
    """
    finite = np.isfinite(y)
    X, y = X[finite], y[finite]
    groups = None if groups is None else np.asarray(groups)[finite]
    if len(y) < MIN_ROWS or X.shape[1] == 0 or np.ptp(y) == 0:
        return None
    if len(y) > sample_cap:
        keep = np.sort(np.random.default_rng(seed).choice(len(y), size=sample_cap, replace=False))
        X, y = X[keep], y[keep]
        groups = None if groups is None else groups[keep]
    predicted = out_of_fold_median(X, y, categorical, seed, threads, groups)
    residual = y - predicted
    target_outlying = np.abs(robust_z(y)) > TARGET_Z_CUTOFF
    gross = target_outlying & (np.abs(local_residual_z(residual, predicted)) > RESIDUAL_Z_CUTOFF)
    n_outlying = int(target_outlying.sum())
    fraction = float(gross.mean())
    spread = _robust_scale(residual)
    return TargetContamination(
        gross_error_fraction=fraction,
        explained_outlier_share=1.0 - gross.sum() / n_outlying if n_outlying else None,
        residual_scale=spread, rows_used=int(len(y)), contaminated=fraction >= CONTAMINATED_FRACTION)


def out_of_fold_median(X: np.ndarray, y: np.ndarray, categorical: np.ndarray | None, seed: int, threads: int,
                       groups: np.ndarray | None = None) -> np.ndarray:
    """Out-of-fold predictions of a median (absolute-error) boosted model; grouped folds keep a group together."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.model_selection import GroupKFold, KFold
    from threadpoolctl import threadpool_limits

    if groups is not None and np.unique(groups).size >= FOLDS:
        splits = GroupKFold(n_splits=FOLDS).split(X, y, groups)
    else:
        splits = KFold(n_splits=FOLDS, shuffle=True, random_state=seed).split(X)
    cats = categorical if categorical is not None and categorical.any() else None
    predicted = np.zeros(len(y))
    with threadpool_limits(limits=threads):
        for train, test in splits:
            model = HistGradientBoostingRegressor(**MODEL, categorical_features=cats, random_state=seed)
            predicted[test] = model.fit(X[train], y[train]).predict(X[test])
    return predicted


def robust_z(values: np.ndarray) -> np.ndarray:
    """(x − median) / (1.4826 · MAD), with the mean absolute deviation standing in when MAD is 0."""
    scale = _robust_scale(values)
    if scale == 0:
        return np.zeros(len(values))   # no spread at all: nothing is outlying
    return (values - np.median(values)) / scale


def local_residual_z(residual: np.ndarray, predicted: np.ndarray, bins: int = BINS) -> np.ndarray:
    """Robust z of each residual within its decile of the prediction (the spread may grow with the mean)."""
    z = np.zeros(len(residual))
    order = np.argsort(predicted, kind="stable")
    for chunk in np.array_split(order, bins):
        z[chunk] = robust_z(residual[chunk])
    return z


def _robust_scale(values: np.ndarray) -> float:
    deviation = np.abs(values - np.median(values))
    scale = MAD_TO_SIGMA * float(np.median(deviation))
    if scale == 0:
        scale = 1.2533 * float(deviation.mean())   # mean absolute deviation → σ for a normal
    return scale
