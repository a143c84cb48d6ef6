"""Evaluation metrics, weighted so that one call scores many bootstrap resamples at once.

Every metric takes ``weights`` of shape ``(n,)`` or ``(B, n)``: row weights (a bootstrap
resample is a vector of multinomial counts), and returns one value per weight row. Sorting
the scores happens once per call whatever B is, which is what makes a 1,000-replicate
bootstrap over a few thousand rows cheap. The unweighted values equal scikit-learn's
(``average_precision_score``, ``roc_auc_score``, ``f1_score``, ``balanced_accuracy_score``,
``mean_pinball_loss``, ``mean_poisson_deviance``); the tests check that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from lossadvisor.errors import LossAdvisorError
from lossadvisor.vocabulary import OBJECTIVE_METRICS, OBJECTIVES_WITHOUT_METRIC, TABLE_METRICS, TASK_METRICS


@dataclass(frozen=True)
class Metric:
    """One metric: its name, whether higher is better, what it reads, and how it is computed.

    The name, direction, tasks and description come from :data:`lossadvisor.vocabulary.TABLE_METRICS`.

    ``kind`` says what the metric needs: ``score`` (positive-class probability, threshold-free),
    ``threshold`` (binary labels at a threshold chosen on validation data), ``label`` (argmax
    labels), ``value`` (regression predictions in target units), ``positive`` (positive
    predicted means, count targets).
    """

    name: str
    higher_is_better: bool
    kind: str
    tasks: tuple[str, ...]
    compute: Callable[..., np.ndarray]
    description: str


def _as_rows(weights: np.ndarray | None, n: int) -> np.ndarray:
    if weights is None:
        return np.ones((1, n))
    w = np.asarray(weights, dtype=np.float64)
    return w[None, :] if w.ndim == 1 else w


def _curve_points(y: np.ndarray, score: np.ndarray, weights: np.ndarray | None):
    """Weighted true/false positive counts at every distinct score threshold (descending)."""
    w = _as_rows(weights, len(y))
    order = np.argsort(-score, kind="stable")
    s, ww = score[order], w[:, order]
    positive = y[order].astype(bool)
    last_of_tie = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = np.cumsum(np.where(positive, ww, 0), axis=1)[:, last_of_tie].astype(np.float64)
    seen = np.cumsum(ww, axis=1)[:, last_of_tie].astype(np.float64)
    return tp, seen - tp, s[last_of_tie]


def average_precision(y: np.ndarray, score: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Area under the precision-recall curve as the step sum Σ (R_k − R_{k−1}) P_k."""
    tp, fp, _ = _curve_points(y, score, weights)
    total = tp[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = tp / np.maximum(tp + fp, 1e-300)
        recall = tp / total
    step = np.diff(np.concatenate([np.zeros_like(recall[:, :1]), recall], axis=1), axis=1)
    out = np.sum(step * precision, axis=1)
    return np.where(total[:, 0] > 0, out, np.nan)


def roc_auc(y: np.ndarray, score: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Area under the ROC curve (trapezoids; ties count one half)."""
    tp, fp, _ = _curve_points(y, score, weights)
    pos, neg = tp[:, -1:], fp[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = np.concatenate([np.zeros_like(tp[:, :1]), tp / pos], axis=1)
        fpr = np.concatenate([np.zeros_like(fp[:, :1]), fp / neg], axis=1)
    out = np.sum(np.diff(fpr, axis=1) * (tpr[:, 1:] + tpr[:, :-1]) / 2.0, axis=1)
    return np.where((pos[:, 0] > 0) & (neg[:, 0] > 0), out, np.nan)


def best_f1_threshold(y: np.ndarray, score: np.ndarray) -> float:
    """The score threshold (predict positive when score >= t) that maximizes F1 on these rows."""
    tp, fp, thresholds = _curve_points(y, score, None)
    tp, fp = tp[0], fp[0]
    fn = tp[-1] - tp
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1e-300)
    return float(thresholds[int(np.argmax(f1))])


def _confusion(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None, n_classes: int):
    """Weighted per-class true positives, predicted counts and true counts, each (B, C)."""
    w = _as_rows(weights, len(y))
    true_1h = np.eye(n_classes)[y]
    pred_1h = np.eye(n_classes)[pred]
    return w @ (true_1h * pred_1h), w @ pred_1h, w @ true_1h


def macro_f1(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None, n_classes: int | None = None) -> np.ndarray:
    """Unweighted mean of per-class F1 over the classes present in the truth or the predictions."""
    c = n_classes or int(max(y.max(), pred.max())) + 1
    tp, predicted, actual = _confusion(y, pred, weights, c)
    denom = predicted + actual
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), np.nan)
    return np.nanmean(f1, axis=1)


def balanced_accuracy(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None, n_classes: int | None = None) -> np.ndarray:
    """Mean per-class recall over the classes present in the truth."""
    c = n_classes or int(max(y.max(), pred.max())) + 1
    tp, _, actual = _confusion(y, pred, weights, c)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(actual > 0, tp / np.where(actual > 0, actual, 1), np.nan)
    return np.nanmean(recall, axis=1)


def binary_f1(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """F1 of the positive class (label 1)."""
    tp, predicted, actual = _confusion(y, pred, weights, 2)
    denom = predicted[:, 1] + actual[:, 1]
    return np.where(denom > 0, 2 * tp[:, 1] / np.where(denom > 0, denom, 1), 0.0)


def binary_recall(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Recall of the positive class (label 1)."""
    tp, _, actual = _confusion(y, pred, weights, 2)
    return np.where(actual[:, 1] > 0, tp[:, 1] / np.where(actual[:, 1] > 0, actual[:, 1], 1), np.nan)


def accuracy(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    w = _as_rows(weights, len(y))
    return (w @ (y == pred).astype(np.float64)) / w.sum(axis=1)


def _weighted_mean(values: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    w = _as_rows(weights, len(values))
    return (w @ values) / w.sum(axis=1)


def mae(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    return _weighted_mean(np.abs(y - pred), weights)


def rmse(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    return np.sqrt(_weighted_mean((y - pred) ** 2, weights))


def pinball(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None, tau: float = 0.5) -> np.ndarray:
    """Mean pinball (quantile) loss at level tau: max(tau·r, (tau − 1)·r), r = y − pred."""
    r = y - pred
    return _weighted_mean(np.maximum(tau * r, (tau - 1.0) * r), weights)


def poisson_deviance(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Mean Poisson deviance 2·(y·log(y/μ) − y + μ); μ is floored at 1e-8."""
    mu = np.maximum(pred, 1e-8)
    with np.errstate(invalid="ignore", divide="ignore"):
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
    return _weighted_mean(2.0 * (ylogy - y + mu), weights)


def _metric(name: str, kind: str, compute: Callable[..., np.ndarray]) -> Metric:
    word = TABLE_METRICS[name]
    return Metric(name, word.higher_is_better, kind, word.tasks, compute, word.description)


_COMPUTED = {"pr_auc": ("score", average_precision), "roc_auc": ("score", roc_auc), "f1": ("threshold", binary_f1),
             "recall": ("threshold", binary_recall), "macro_f1": ("label", macro_f1),
             "balanced_accuracy": ("label", balanced_accuracy), "accuracy": ("label", accuracy),
             "mae": ("value", mae), "rmse": ("value", rmse), "pinball": ("value", pinball),
             "poisson_deviance": ("positive", poisson_deviance)}
METRICS: dict[str, Metric] = {name: _metric(name, *_COMPUTED[name]) for name in TABLE_METRICS}


def choose_metric(task: str, metric: str | None = None, objective: str | None = None) -> str:
    """The primary metric: the one asked for, else the objective's, else the task default."""
    if task not in TASK_METRICS:
        raise LossAdvisorError(f"trial supports {', '.join(TASK_METRICS)} targets; this one is {task}")
    name = metric
    if name is None and objective is not None:
        key = objective.strip().lower().replace("-", "_")
        if key in OBJECTIVES_WITHOUT_METRIC:
            allowed = ", ".join(n for n, m in METRICS.items() if task in m.tasks)
            raise LossAdvisorError(f"trial has no test metric for the objective '{objective}'; name the metric that "
                                   f"decides with --metric (for a {task} target: {allowed})")
        if key not in OBJECTIVE_METRICS:
            raise LossAdvisorError(f"unknown objective '{objective}'; expected one of: {', '.join(OBJECTIVE_METRICS)}")
        name = OBJECTIVE_METRICS[key]
        if task == "multiclass" and name == "f1":
            name = "macro_f1"
        if task == "multiclass" and name in ("recall", "pr_auc", "roc_auc"):
            name = "balanced_accuracy" if name == "recall" else "macro_f1"
    if name is None:
        return TASK_METRICS[task][0]
    if name not in METRICS:
        raise LossAdvisorError(f"unknown metric '{name}'; expected one of: {', '.join(METRICS)}")
    if task not in METRICS[name].tasks:
        allowed = ", ".join(n for n, m in METRICS.items() if task in m.tasks)
        raise LossAdvisorError(f"metric '{name}' does not apply to a {task} target; use one of: {allowed}")
    return name


def report_metrics(task: str, primary: str) -> tuple[str, ...]:
    """The primary metric followed by the task's other metrics."""
    return (primary,) + tuple(m for m in TASK_METRICS[task] if m != primary)
