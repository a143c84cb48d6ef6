"""The out-of-fold model behind the label-noise estimate: sample the rows, fit the boosted model fold by fold.

Split from :mod:`lossadvisor.profiling.noise`, which counts the wrong labels on these probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lossadvisor.profiling.noise_features import MAX_BINS, prepare_features

# Rows x trees-per-boosting-round kept for the model fit, so 10 classes cost what 2 do (speed budget).
ROW_TREE_BUDGET = 80_000
MIN_ROWS = 2_000
# One tree per class per round: past this many classes the fit no longer fits the time budget.
MAX_CLASSES = 30


@dataclass(frozen=True)
class OutOfFold:
    """Out-of-fold class probabilities for the rows used, and what was left out on the way."""

    probs: np.ndarray          # rows_used x classes
    codes: np.ndarray          # given label of each row, as an index into names
    names: tuple[str, ...]
    positions: np.ndarray      # each row's 0-based position in the caller's frame
    folds: int
    dropped_classes: tuple[str, ...]
    skipped_columns: tuple[str, ...]


def fit_out_of_fold(features: pd.DataFrame, labels: pd.Series, *, seed: int = 0, sample_cap: int = 20_000,
                    folds: int = 5, threads: int = 1, progress: bool = False,
                    groups: pd.Series | None = None) -> OutOfFold | None:
    """Sample rows, prepare the features and fit the boosted model fold by fold; None when impossible."""
    if len(features) != len(labels):
        raise ValueError(f"features have {len(features)} rows but labels have {len(labels)}")
    codes, names, positions, dropped = _encode_labels(labels, folds)
    if not 2 <= len(names) <= MAX_CLASSES:
        return None
    chosen = _stratified_sample(codes, _row_cap(sample_cap, len(names)), folds, seed)
    positions, codes = positions[chosen], codes[chosen]
    X, categorical, skipped = prepare_features(features.iloc[positions])
    if X.shape[1] == 0:
        return None
    group_codes = None if groups is None else pd.factorize(groups.iloc[positions])[0]
    probs = _out_of_fold_probabilities(X, codes, categorical, folds, seed, threads, progress, group_codes)
    return OutOfFold(probs, codes, tuple(names), positions, folds, tuple(dropped), tuple(skipped))


# --- labels and sampling -------------------------------------------------------------------------

def _encode_labels(labels: pd.Series, folds: int) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
    """Class codes, class names (as str), positions of usable rows, and 'name (n rows)' of dropped classes."""
    text = labels.reset_index(drop=True)
    present = text.notna().to_numpy()
    as_str = text[present].astype(str)
    counts = as_str.value_counts()
    small = counts[counts < folds]
    usable = counts[counts >= folds]
    names = sorted(usable.index.tolist())
    lookup = {name: i for i, name in enumerate(names)}
    keep = as_str.isin(lookup)
    positions = np.flatnonzero(present)[keep.to_numpy()]
    codes = as_str[keep].map(lookup).to_numpy(dtype=np.int64)
    dropped = [f"'{name}' ({n} rows)" for name, n in small.items()]
    return codes, names, positions, dropped


def _row_cap(sample_cap: int, n_classes: int) -> int:
    trees_per_round = 1 if n_classes == 2 else n_classes
    return max(min(sample_cap, ROW_TREE_BUDGET // trees_per_round), min(sample_cap, MIN_ROWS))


def _stratified_sample(codes: np.ndarray, cap: int, folds: int, seed: int) -> np.ndarray:
    """Sorted indices of at most about ``cap`` rows: each class in proportion, never below ``folds``."""
    if len(codes) <= cap:
        return np.arange(len(codes))
    rng = np.random.default_rng(seed)
    chosen = []
    for k in np.unique(codes):
        members = np.flatnonzero(codes == k)
        take = min(len(members), max(folds, round(cap * len(members) / len(codes))))
        chosen.append(rng.choice(members, size=take, replace=False))
    return np.sort(np.concatenate(chosen))


# --- the out-of-fold model -----------------------------------------------------------------------

# A short, fast schedule: it estimated the noise as well as sklearn's defaults (100 rounds at 0.1,
# 31 leaves) in our runs at under half the time.
BOOSTING = {"learning_rate": 0.2, "max_iter": 60, "max_leaf_nodes": 15, "tol": 1e-7}


def describe_model(folds: int) -> str:
    return f"HistGradientBoostingClassifier, {folds}-fold out-of-fold"


def _make_model(categorical: np.ndarray, seed: int, train_labels: np.ndarray):
    from sklearn.ensemble import HistGradientBoostingClassifier

    # Early stopping holds out a stratified 10%: only when every class can spare rows for it.
    counts = np.bincount(train_labels)
    early = len(train_labels) >= 1_000 and counts[counts > 0].min() >= 20
    return HistGradientBoostingClassifier(
        **BOOSTING, max_bins=MAX_BINS - 1, categorical_features=categorical if categorical.any() else None,
        early_stopping=early, n_iter_no_change=5, validation_fraction=0.1, random_state=seed,
    )


def _out_of_fold_probabilities(X: np.ndarray, y: np.ndarray, categorical: np.ndarray, folds: int,
                               seed: int, threads: int, progress: bool,
                               groups: np.ndarray | None = None) -> np.ndarray:
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
    from threadpoolctl import threadpool_limits

    probs = np.zeros((len(y), int(y.max()) + 1))
    if groups is not None and np.unique(groups).size >= folds:
        splits = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y, groups)
    else:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y)
    with threadpool_limits(limits=threads), _fold_progress(progress, folds) as advance:
        for train, test in splits:
            model = _make_model(categorical, seed, y[train])
            model.fit(X[train], y[train])
            probs[np.ix_(test, model.classes_)] = model.predict_proba(X[test])
            advance()
    return probs


class _fold_progress:
    """A rich progress bar on stderr, one step per fold; does nothing when disabled."""

    def __init__(self, enabled: bool, folds: int) -> None:
        self.enabled, self.folds, self.bar = enabled, folds, None

    def __enter__(self):
        if not self.enabled:
            return lambda: None
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("label noise: out-of-fold model", total=self.folds)
        return lambda: self.bar.advance(task)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

