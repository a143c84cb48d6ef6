"""The learners behind the out-of-fold probabilities, and the choice among them by out-of-fold log loss.

Confident learning (Northcutt, Jiang & Chuang 2021) counts wrong labels from p(given label | x); it is
only as good as those probabilities. On small tables a single boosted model is often not the best
estimate of them: a regularised linear model or k-nearest neighbours on standardised features can
fit better, and the average of several is often better still (stacking's simplest form; Wolpert
1992, Breiman 1996). Each learner is fitted fold by fold on the same splits; the candidates (each
learner and the mean of all) are compared by out-of-fold log loss on the given labels, a proper
scoring rule (Gneiting & Raftery 2007) whose minimiser is the probability of the *given* label, the
quantity confident learning needs. The choice is reported.

Cost. Boosting dominates: logistic regression adds about 5% at any size; k-nearest neighbours
(brute force, quadratic in rows) and 10 folds (2.25x the 5-fold boosting cost) are used only where
the table is small enough that the total stays within the 5-fold cost of a 20,000-row binary table.
"""

from __future__ import annotations

import numpy as np

# Where the table is this small (rows, and rows x boosting trees per round) the extra folds and the
# neighbours learner fit in the time the 5-fold boosted model takes at the 20,000-row sample cap.
SMALL_ROWS = 10_000
SMALL_ROW_TREES = 40_000
SMALL_FOLDS = 10
LARGE_FOLDS = 5
LOGISTIC_C = 1.0         # L2 strength on standardised features (sklearn's default; one-hot columns included)
PROB_FLOOR = 1e-4        # neighbours and trees can say 0: log loss and the count need a floor
ENSEMBLE = "ensemble"


def plan_folds(rows: int, n_classes: int, requested: int | None = None) -> int:
    """Folds for the out-of-fold fit: 10 on small tables, 5 otherwise, unless the caller chose."""
    if requested is not None:
        return requested
    trees = 1 if n_classes == 2 else n_classes
    return SMALL_FOLDS if rows <= SMALL_ROWS and rows * trees <= SMALL_ROW_TREES else LARGE_FOLDS


def plan_learners(rows: int) -> tuple[str, ...]:
    """Which learners to fit: neighbours only where the quadratic search is cheap."""
    return ("boosting", "logistic", "knn") if rows <= SMALL_ROWS else ("boosting", "logistic")


def neighbours(rows: int) -> int:
    """k for the neighbours learner: about sqrt(rows), within [10, 50] (enough rows for a probability)."""
    return int(np.clip(round(np.sqrt(rows)), 10, 50))


def dense_design(X: np.ndarray, categorical: np.ndarray) -> np.ndarray:
    """Standardised numbers (missing -> column median, plus a missing flag) and one-hot categories.

    For the linear and neighbours learners, which cannot read NaN or category codes. The transform
    uses no labels, so fitting it on all rows leaks nothing about the labels into the folds.
    """
    parts = []
    for j in range(X.shape[1]):
        column = X[:, j]
        missing = np.isnan(column)
        if categorical[j]:
            codes = np.where(missing, -1, column).astype(int)
            levels = np.unique(codes)
            parts.append((codes[:, None] == levels[None, :]).astype(float))
            continue
        filled = np.where(missing, np.nanmedian(column) if (~missing).any() else 0.0, column)
        spread = filled.std()
        parts.append(((filled - filled.mean()) / (spread if spread > 0 else 1.0))[:, None])
        if missing.any():
            parts.append(missing[:, None].astype(float))
    return np.hstack(parts) if parts else np.empty((len(X), 0))


def fit_learner(name: str, train_X: np.ndarray, train_y: np.ndarray, test_X: np.ndarray, n_classes: int,
                seed: int, make_boosting) -> np.ndarray:
    """Probabilities (test rows x n_classes) from one learner trained on one fold."""
    if name == "boosting":
        model = make_boosting(train_y)
    elif name == "logistic":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=LOGISTIC_C, max_iter=500)
    elif name == "knn":
        from sklearn.neighbors import KNeighborsClassifier

        model = KNeighborsClassifier(n_neighbors=min(neighbours(len(train_y)), len(train_y)), algorithm="brute")
    else:
        raise ValueError(f"unknown learner {name!r}")
    model.fit(train_X, train_y)
    probs = np.zeros((len(test_X), n_classes))
    probs[:, model.classes_] = model.predict_proba(test_X)
    return probs


def smooth(probs: np.ndarray) -> np.ndarray:
    """Floor every probability at PROB_FLOOR and renormalise, so no given label has probability 0."""
    floored = np.maximum(probs, PROB_FLOOR)
    return floored / floored.sum(axis=1, keepdims=True)


def log_loss_of(probs: np.ndarray, codes: np.ndarray) -> float:
    """Mean negative log probability of the given labels."""
    return float(-np.mean(np.log(probs[np.arange(len(codes)), codes])))


def choose_probabilities(by_learner: dict[str, np.ndarray], codes: np.ndarray
                         ) -> tuple[str, np.ndarray, dict[str, float]]:
    """The candidate with the lowest out-of-fold log loss: each learner, and their mean when there are two or more.

    Ties go to the earlier candidate in order (boosting, logistic, knn, ensemble), so the choice is
    deterministic.
    """
    candidates = {name: smooth(p) for name, p in by_learner.items()}
    if len(by_learner) >= 2:
        candidates[ENSEMBLE] = smooth(np.mean(list(by_learner.values()), axis=0))
    losses = {name: log_loss_of(p, codes) for name, p in candidates.items()}
    chosen = min(losses, key=lambda name: (round(losses[name], 9), list(losses).index(name)))
    return chosen, candidates[chosen], losses
