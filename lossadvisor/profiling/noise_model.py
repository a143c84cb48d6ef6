"""The out-of-fold model behind the label-noise estimate: sample the rows, fit the learners fold by fold.

Split from :mod:`lossadvisor.profiling.noise`, which counts the wrong labels on these probabilities;
the learners and the choice among them are in :mod:`lossadvisor.profiling.noise_learners`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lossadvisor.profiling.noise_features import MAX_BINS, prepare_features
from lossadvisor.profiling.noise_learners import (
    LARGE_FOLDS,
    choose_probabilities,
    dense_design,
    fit_learner,
    plan_folds,
    plan_learners,
)

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
    learner: str = "boosting"                       # the candidate chosen (see noise_learners)
    log_loss: dict[str, float] | None = None        # out-of-fold log loss of every candidate tried
    independent_rows: int | None = None             # groups among the rows used (None: every row is one)


def fit_out_of_fold(features: pd.DataFrame, labels: pd.Series, *, seed: int = 0, sample_cap: int = 20_000,
                    folds: int | None = None, threads: int = 1, progress: bool = False,
                    groups: pd.Series | None = None, learners: tuple[str, ...] | None = None) -> OutOfFold | None:
    """Sample rows, prepare the features, fit the learners fold by fold and keep the best; None when impossible.

    ``folds`` and ``learners`` default to the plan for the table's size (``noise_learners.plan_folds``,
    ``plan_learners``); ``learners=("boosting",), folds=5`` is the earlier, boosting-only estimate.
    """
    if len(features) != len(labels):
        raise ValueError(f"features have {len(features)} rows but labels have {len(labels)}")
    least = folds or LARGE_FOLDS
    codes, names, positions, dropped = _encode_labels(labels, least)
    if not 2 <= len(names) <= MAX_CLASSES:
        return None
    chosen = _stratified_sample(codes, _row_cap(sample_cap, len(names)), least, seed)
    positions, codes = positions[chosen], codes[chosen]
    X, categorical, skipped = prepare_features(features.iloc[positions])
    if X.shape[1] == 0:
        return None
    # More folds only where every class can fill them (classes with fewer rows than 5 were dropped above).
    folds = min(plan_folds(len(codes), len(names), folds), int(np.bincount(codes).min()))
    learners = learners or plan_learners(len(codes))
    group_codes = None if groups is None else pd.factorize(groups.iloc[positions])[0]
    by_learner = _out_of_fold_probabilities(X, codes, categorical, folds, seed, threads, progress, group_codes,
                                            learners)
    learner, probs, losses = choose_probabilities(by_learner, codes)
    independent = None if group_codes is None else int(np.unique(group_codes).size)
    return OutOfFold(probs, codes, tuple(names), positions, folds, tuple(dropped), tuple(skipped), learner, losses,
                     independent)


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


LEARNER_NAMES = {"boosting": "HistGradientBoostingClassifier", "logistic": "logistic regression (L2)",
                 "knn": "k-nearest neighbours"}


def describe_model(folds: int, learner: str = "boosting", tried: tuple[str, ...] = ()) -> str:
    """E.g. 'HistGradientBoostingClassifier, 5-fold out-of-fold' or 'ensemble mean of ..., 10-fold ...'."""
    if learner == "ensemble":
        what = "mean of " + " + ".join(LEARNER_NAMES[t] for t in tried if t in LEARNER_NAMES)
    else:
        what = LEARNER_NAMES[learner]
    chosen = f", chosen by out-of-fold log loss among {len(tried)}" if len(tried) > 1 else ""
    return f"{what}, {folds}-fold out-of-fold{chosen}"


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
                               groups: np.ndarray | None = None,
                               learners: tuple[str, ...] = ("boosting",)) -> dict[str, np.ndarray]:
    """Out-of-fold probabilities of every learner, all on the same seeded splits."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
    from threadpoolctl import threadpool_limits

    n_classes = int(y.max()) + 1
    probs = {name: np.zeros((len(y), n_classes)) for name in learners}
    dense = dense_design(X, categorical) if set(learners) - {"boosting"} else None
    if groups is not None and np.unique(groups).size >= folds:
        splits = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y, groups)
    else:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y)
    make_boosting = lambda train_y: _make_model(categorical, seed, train_y)   # noqa: E731
    with threadpool_limits(limits=threads), _fold_progress(progress, folds) as advance:
        for train, test in splits:
            for name in learners:
                matrix = X if name == "boosting" else dense
                probs[name][test] = fit_learner(name, matrix[train], y[train], matrix[test], n_classes, seed,
                                                make_boosting)
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

