"""Cross-fitting folds: every row is tested once per seed, by a model that never trained on it.

K folds of the rows (stratified by class, whole groups kept in one fold, or forward-chaining
blocks in time order). Fold k is tested by a model trained on the other folds, with the next
fold, k+1 (mod K), held out for early stopping and the binary threshold; with K=5 that is the
same 60/20/20 proportions as the single split (:mod:`lossadvisor.trials.split`). Each seed draws
its own partition, so the seed-to-seed spread of a trial includes the choice of folds.

Time-ordered rows use forward chaining (Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice*, 3rd ed., §5.10 "time series cross-validation"): the ordered rows are cut into K+2
blocks and fold k trains on blocks 0..k, stops early on block k+1 and is tested on block k+2, so
no model ever trains on rows later than the ones it is tested on, and the first two blocks are
never tested. Guide 6.1.10: an honest comparison needs an honest hold-out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.split import MIN_ROWS, Split

AUTO_FOLDS = 5
AUTO_MAX_ROWS = 20_000  # cross-fitting costs about K× the training; below this size that is seconds


def check_single_split(folds: int | None, kind: str) -> None:
    """Trials that stay on one split: an explicit ``--folds`` above 1 is an error naming what supports folds."""
    if folds is not None and folds > 1:
        raise LossAdvisorError(f"--folds {folds}: {kind} trials use a single split; cross-fitting supports binary, "
                               "multiclass, regression and count tables and segmentation (use --folds 1 or leave it out)")


@dataclass(frozen=True)
class FoldPlan:
    """The cross-fitting of one trial: for each (seed, fold) its train / validation / test rows.

    ``splits[s * k + f]`` is fold ``f`` of the ``s``-th seed; ``tested`` are the rows that some fold
    tests (all rows, except the first two time blocks under forward chaining).
    """

    k: int
    scheme: str          # stratified, random, grouped or forward-chaining
    splits: tuple[Split, ...]
    tested: np.ndarray
    n_seeds: int
    n_rows: int          # all rows of the data, tested or not

    def plan_index(self, seed_index: int, fold: int) -> int:
        return seed_index * self.k + fold


def choose_folds(requested: int | None, n_rows: int) -> int:
    """``None`` → 5 folds under 20,000 rows, else the single split (1); an explicit K is checked."""
    if requested is None:
        return AUTO_FOLDS if n_rows < AUTO_MAX_ROWS else 1
    if requested < 1:
        raise LossAdvisorError(f"--folds must be at least 1 (1 = one train/validation/test split), got {requested}")
    if requested == 2:
        raise LossAdvisorError("--folds must be 1 (single split) or at least 3: each fold is tested by a model "
                               "trained on the others, with one more fold held out for early stopping")
    return requested


def _stratified_labels(labels: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Fold of each row: each class shuffled and dealt round-robin, from a random fold, so folds stay balanced."""
    fold = np.empty(len(labels), dtype=np.int64)
    start = 0
    for value in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == value))
        fold[rows] = (start + np.arange(len(rows))) % k
        start = (start + len(rows)) % k  # the next class starts where this one stopped: fold sizes differ by ≤ 1
    return fold


def _grouped(groups: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Whole groups to folds: shuffled, then largest first onto the fold with the fewest rows so far."""
    codes, inverse = np.unique(groups, return_inverse=True)
    if len(codes) < k:
        raise LossAdvisorError(f"--folds {k} needs at least {k} groups; the group column has {len(codes)}")
    sizes = np.bincount(inverse)
    order = rng.permutation(len(codes))
    order = order[np.argsort(-sizes[order], kind="stable")]
    load = np.zeros(k, dtype=np.int64)
    fold_of_group = np.empty(len(codes), dtype=np.int64)
    for g in order:
        f = int(np.argmin(load))
        fold_of_group[g] = f
        load[f] += sizes[g]
    return fold_of_group[inverse]


def _rotating(fold: np.ndarray, k: int, scheme: str) -> list[Split]:
    out = []
    for f in range(k):
        val_fold = (f + 1) % k
        out.append(Split(np.flatnonzero((fold != f) & (fold != val_fold)), np.flatnonzero(fold == val_fold),
                         np.flatnonzero(fold == f), scheme))
    return out


def forward_chaining(order_key: np.ndarray, k: int) -> list[Split]:
    """K+2 time blocks; fold f trains on blocks 0..f, validates on f+1, tests on f+2."""
    rows = np.argsort(order_key, kind="stable")
    blocks = np.array_split(rows, k + 2)
    return [Split(np.sort(np.concatenate(blocks[: f + 1])), np.sort(blocks[f + 1]), np.sort(blocks[f + 2]),
                  "forward-chaining") for f in range(k)]


def plan_folds(
    k: int,
    n_rows: int,
    seeds: list[int],
    labels: np.ndarray | None = None,
    order_key: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    min_rows: int = MIN_ROWS,
) -> FoldPlan:
    """The folds of every seed: grouped, else forward-chaining, else stratified, else random (as split_rows).

    ``min_rows``: the fewest rows a trial accepts (images are whole units: trials.seg_data.MIN_IMAGES).
    """
    if n_rows < min_rows:
        raise LossAdvisorError(f"trial needs at least {min_rows} rows to hold some out; the data has {n_rows}")
    if order_key is not None and groups is None:
        if n_rows < 2 * (k + 2):
            raise LossAdvisorError(f"--folds {k} needs at least {2 * (k + 2)} time-ordered rows; the data has {n_rows}")
        splits = forward_chaining(order_key, k)
        return FoldPlan(k, "forward-chaining", tuple(splits * len(seeds)), np.sort(np.concatenate([s.test for s in splits])),
                        len(seeds), n_rows)
    if groups is None and n_rows < k:
        raise LossAdvisorError(f"--folds {k} is more than the {n_rows} rows")
    if labels is not None and groups is None:
        smallest = int(np.bincount(np.unique(labels, return_inverse=True)[1]).min())
        if smallest < k:
            raise LossAdvisorError(f"--folds {k} needs at least {k} rows of every class to test each class in every "
                                   f"fold; the smallest class has {smallest}")
    scheme = "grouped" if groups is not None else "stratified" if labels is not None else "random"
    splits: list[Split] = []
    for seed in seeds:
        rng = np.random.default_rng([int(seed), 11])  # a stream of its own: not the single split's draws
        if groups is not None:
            fold = _grouped(groups, k, rng)
        elif labels is not None:
            fold = _stratified_labels(labels, k, rng)
        else:
            fold = rng.permutation(n_rows) % k
        splits.extend(_rotating(fold, k, scheme))
    return FoldPlan(k, scheme, tuple(splits), np.arange(n_rows), len(seeds), n_rows)
