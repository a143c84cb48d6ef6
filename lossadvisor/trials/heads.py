"""How each loss reads the shared network output, and how outputs become predictions.

Every member of a trial has the same network (same width, same output size), so members with
the same seed start from the same weights whatever their loss. A loss then reads that output in
its own form (the losses package's input contract):

- ``logits``: (N, C) class logits, int64 targets — the cross-entropy family.
- ``binary_logit``: (N,) logit z₁ − z₀, float 0/1 targets — ``bce``, ``weighted_bce``; the same
  probability as softmax(z)₁, so binary losses of both families are scored alike.
- ``mean``: (N,) prediction of the standardized target — MSE, MAE, Huber, quantile, ...
- ``log_mean``: (N,) log of the mean, in units of the training mean: the target is divided by its
  training mean (:func:`log_link_scale`), so a network whose output starts near 0 starts at the mean
  count — Poisson, Tweedie (log link). Table and multi-target trials both use this one mechanism.
- ``mean_logvar``: (N, 2) mean and log-variance of the standardized target — Gaussian NLL.
- ``multilabel``: (N, L) one logit per label, float 0/1 targets (N, L) — BCE, ASL (multilabel trials).
- ``multitarget``: every head's columns (and the log σ² columns); the loss slices them (multi-target trials).
"""

from __future__ import annotations

import numpy as np

from lossadvisor.errors import LossAdvisorError
from lossadvisor.vocabulary import SINGLE_LABEL_TASKS, TRIAL_REGRESSION_TASKS

SIGMOID_LOSSES = ("bce", "weighted_bce")
LOG_LINK_LOSSES = ("poisson", "tweedie")
REGRESSION_LOSSES = ("mse", "mae", "huber", "log_cosh", "quantile", "asymmetric_mse", "poisson", "tweedie", "gaussian_nll")
MULTILABEL_ONLY = ("asymmetric_multilabel", "soft_fbeta")
# Parameters measured in target units: divided by the target's training standard deviation,
# because the network predicts the standardized target.
SCALE_PARAMETERS = {"huber": ("delta",)}

# The target tensor each form trains on.
FORM_TARGET = {
    "logits": "class",
    "grouped_logits": "class_group",   # group-aware losses: class + C·group (lossadvisor.losses.group)
    "binary_logit": "binary",
    "mean": "standardized",
    "mean_logvar": "standardized",
    "log_mean": "mean_scaled",
    "multilabel": "multilabel",
    "multitarget": "multitarget",
}


def input_form(loss: str, task: str) -> str:
    """The form in which ``loss`` reads the network output on a ``task`` target."""
    if task in SINGLE_LABEL_TASKS:
        if loss in REGRESSION_LOSSES or loss in MULTILABEL_ONLY:
            raise LossAdvisorError(f"loss '{loss}' does not apply to a {task} target")
        if loss in SIGMOID_LOSSES:
            if task != "binary":
                raise LossAdvisorError(f"loss '{loss}' is for binary (or multilabel) targets; this one is {task}")
            return "binary_logit"
        return "logits"
    if task in TRIAL_REGRESSION_TASKS:
        if loss not in REGRESSION_LOSSES:
            raise LossAdvisorError(f"loss '{loss}' does not apply to a {task} target")
        if loss in LOG_LINK_LOSSES:
            return "log_mean"
        return "mean_logvar" if loss == "gaussian_nll" else "mean"
    raise LossAdvisorError(f"trial supports binary, multiclass, regression and count targets; this one is {task}")


def output_size(task: str, n_classes: int) -> int:
    """Width of the network output: C logits, or 2 (mean, log-variance) for regression."""
    return n_classes if task in SINGLE_LABEL_TASKS else 2


def log_link_scale(target_mean: float) -> float:
    """The divisor of a log-link target: its training mean when positive, else 1.

    Poisson and Tweedie deviances are scale-equivariant (d(cy, cμ) = c^(2−p)·d(y, μ); Jørgensen
    1987; McCullagh & Nelder 1989), so training on y/ȳ has the same minimiser as on y; without it,
    a count with mean 80 starts at μ = e⁰ = 1 and a short trial spends its epochs climbing to the mean.

    Why divide the target rather than add log ȳ to the output (the same minimiser): the losses are
    negative log-likelihoods with the terms in y alone dropped (``poisson`` is exp(η) − yη), so their
    value has no fixed zero and its scale follows the column's. Multi-target trials weigh heads
    against each other by that value: ``sum`` adds it, ``scale_weights`` divides it by L₀ (the loss
    at the best constant prediction), and Kendall et al. (2018) weighting starts log σ² at log(c·L₀)
    and needs L > 0 for c·e^(−s)·L + s/2 to have a minimum in s. On y/ȳ the constant prediction is
    η = 0 whatever the column's scale, so L₀ is 1 for Poisson (e⁰ − mean(y/ȳ)·0) and
    1/(p−1) + 1/(2−p) for Tweedie: positive and scale-free. With the offset instead, Poisson's
    L₀ = ȳ(1 − log ȳ) is negative for ȳ > e: the 1/L₀ weight is meaningless and the learned log σ²
    runs off to −∞.
    """
    return float(target_mean) if np.isfinite(target_mean) and target_mean > 0 else 1.0


def scale_params(loss: str, params: dict, target_std: float) -> dict:
    """Convert target-unit parameters to the standardized scale the network predicts."""
    names = SCALE_PARAMETERS.get(loss, ())
    return {k: (float(v) / target_std if k in names else v) for k, v in params.items()}


def adapt_output(output, form: str):
    """Network output (..., k) → the tensor the loss reads (torch, inside the training step)."""
    if form in ("logits", "grouped_logits", "multilabel", "multitarget"):
        return output
    if form == "binary_logit":
        return output[..., 1] - output[..., 0]
    if form == "mean_logvar":
        return output[..., :2]
    return output[..., 0]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def predictions(output: np.ndarray, form: str, target_mean: float = 0.0, target_std: float = 1.0) -> np.ndarray:
    """Network output (N, k) → class probabilities (N, C) or predictions in target units (N,)."""
    output = output.astype(np.float64)
    if form in ("logits", "grouped_logits"):
        return _softmax(output)
    if form == "binary_logit":
        p = 1.0 / (1.0 + np.exp(-np.clip(output[:, 1] - output[:, 0], -50, 50)))
        return np.column_stack([1.0 - p, p])
    if form == "log_mean":
        return np.exp(np.clip(output[:, 0], -30.0, 30.0)) * log_link_scale(target_mean)
    return output[:, 0] * target_std + target_mean
