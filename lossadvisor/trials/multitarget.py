"""Multi-target trials: a shared MLP trunk with one head per target, and three ways to combine the losses.

    report = run_multitarget_trials(frame, ("price", "rooms", "kind"), DataFacts("multitarget"), TrialOptions())

Each target is measured on its own training rows: a numeric column with more than
``MAX_CLASSES`` values is a regression target, trained with Huber when more than 1% of its values
are robust outliers (|x − median| > 3.5 · 1.4826 · MAD; δ = 1.345 · 1.4826 · MAD, 95% Gaussian
efficiency, in that column's units) and with MSE otherwise; any other column is a classification
target trained with cross-entropy. Regression heads predict the standardized target, and the loss
is computed after converting back to the column's units, so the targets' scales reach the
combined loss as they would in a plain multi-task model. The candidates (guide 6.1.4, 6.3.8):

- ``sum``: the plain sum of the per-target losses (the baseline);
- ``scale_weights``: fixed weights 1 / L₀, L₀ the loss of the constant predictor on the training
  rows (the variance for MSE, the class entropy for cross-entropy), so every target starts at 1;
- ``uncertainty_weighted``: Σ c_t e^{−s_t} L_t + ½ s_t with a learned s_t = log σ_t² per target and
  member, c = ½ for regression and 1 for classification (Kendall et al. 2018, eq. 7 and 10). s_t starts
  at log(c_t · L₀), where every weighted term starts at 1 as with ``scale_weights``: from s = 0 a
  short fit cannot move s far enough to undo a scale of 10⁸, and the trial would only compare
  initializations.

Metrics per target: R² (regression) and macro-F1 (classification); the ``combined`` score is their
unweighted mean over targets (each is scale-free, 1 is perfect). The notes name, per candidate,
the targets it helped or hurt against ``sum`` (paired bootstrap on that target's metric).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.encoding import FeatureMatrix, encode_features
from lossadvisor.trials.model import StackedMLP
from lossadvisor.trials.prepare import DataFacts, _time_key
from lossadvisor.trials.split import Split, split_rows

FORM = "multitarget"
MAX_CLASSES = 10
COMBINERS = ("sum", "scale_weights", "uncertainty_weighted")


@dataclass(frozen=True)
class TargetSpec:
    """One target as the trial measured it: its kind, head width, scale and loss."""

    name: str
    kind: str  # regression | classification
    width: int
    mean: float = 0.0
    std: float = 1.0
    classes: tuple[str, ...] = ()
    loss: str = "mse"
    delta: float | None = None
    outlier_fraction: float = 0.0
    constant_loss: float = 1.0  # L₀: the loss of the constant predictor on the training rows

    @property
    def metric(self) -> str:
        return f"{'r2' if self.kind == 'regression' else 'macro_f1'}:{self.name}"

    def describe(self) -> str:
        if self.kind == "classification":
            return f"{self.name}: cross_entropy ({len(self.classes)} classes)"
        if self.loss == "huber":
            return f"{self.name}: huber(delta={self.delta:.4g}) ({self.outlier_fraction:.1%} robust outliers)"
        return f"{self.name}: mse ({self.outlier_fraction:.1%} robust outliers)"


@dataclass(frozen=True)
class MultiTargetData:
    split: Split
    features: FeatureMatrix
    y: np.ndarray  # (n, T): regression values in their units, class codes as floats
    targets: tuple[TargetSpec, ...]
    dropped_rows: int


def _measure(name: str, column: pd.Series, train: np.ndarray) -> tuple[TargetSpec, np.ndarray]:
    numeric = pd.to_numeric(column, errors="coerce")
    if numeric.notna().all() and numeric.nunique() > MAX_CLASSES:
        values = numeric.to_numpy(dtype=np.float64)
        fit = values[train]
        median = float(np.median(fit))
        mad = float(np.median(np.abs(fit - median)))
        outliers = float(np.mean(np.abs(fit - median) > 3.5 * 1.4826 * mad)) if mad > 0 else 0.0
        std = float(fit.std()) or 1.0
        if outliers > 0.01 and mad > 0:
            delta = 1.345 * 1.4826 * mad
            r = np.abs(fit - median)
            constant = float(np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))))
            spec = TargetSpec(name, "regression", 1, float(fit.mean()), std, (), "huber", delta, outliers, constant)
        else:
            spec = TargetSpec(name, "regression", 1, float(fit.mean()), std, (), "mse", None, outliers, std**2)
        return spec, values
    text = column.astype(str).to_numpy()
    classes = tuple(sorted(set(text)))
    if len(classes) < 2:
        raise LossAdvisorError(f"target column '{name}' has a single value; a loss needs at least two")
    codes = np.searchsorted(np.asarray(classes), text).astype(np.float64)
    p = np.bincount(codes[train].astype(int), minlength=len(classes)) / len(train)
    entropy = float(-(p[p > 0] * np.log(p[p > 0])).sum())
    return TargetSpec(name, "classification", len(classes), classes=classes, loss="cross_entropy",
                      constant_loss=max(entropy, 1e-6)), codes


def prepare_multitarget(frame: pd.DataFrame, targets: Sequence[str], facts: DataFacts, seed: int) -> MultiTargetData:
    missing = [t for t in targets if t not in frame.columns]
    if missing:
        raise LossAdvisorError(f"target column(s) not found: {', '.join(missing)}")
    keep = frame[list(targets)].notna().all(axis=1).to_numpy()
    frame = frame.loc[keep].reset_index(drop=True)
    groups = order_key = None
    if facts.group_column and facts.group_column in frame.columns:
        groups = frame[facts.group_column].astype(str).to_numpy()
    elif facts.time_column and facts.time_column in frame.columns:
        order_key = _time_key(frame[facts.time_column])
    split = split_rows(len(frame), seed, order_key=order_key, groups=groups)
    measured = [_measure(t, frame[t], split.train) for t in targets]
    y = np.column_stack([values for _, values in measured])
    exclude = tuple(targets) + tuple(c for c in (facts.group_column, facts.time_column) if c)
    features = encode_features(frame, split.train, facts.column_kinds, exclude=exclude)
    return MultiTargetData(split, features, y, tuple(s for s, _ in measured), int((~keep).sum()))


class MultiTargetLoss(nn.Module):
    """Per-target losses on their heads' columns, combined by ``mode``; reads s_t from the last T columns."""

    def __init__(self, targets: Sequence[TargetSpec], mode: str, weights: Sequence[float] | None = None):
        super().__init__()
        self.targets, self.mode = list(targets), mode
        self.weights = list(weights) if weights is not None else [1.0] * len(targets)
        self.name = mode

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        total, start, n_heads = 0.0, 0, sum(t.width for t in self.targets)
        for i, spec in enumerate(self.targets):
            head = output[..., start : start + spec.width]
            start += spec.width
            if spec.kind == "classification":
                loss = F.cross_entropy(head.reshape(-1, spec.width), target[..., i].reshape(-1).long())
                factor = 1.0
            else:
                pred = head[..., 0] * spec.std + spec.mean  # back in the column's units
                if spec.loss == "huber":
                    loss = F.huber_loss(pred, target[..., i], delta=spec.delta)
                else:
                    loss = F.mse_loss(pred, target[..., i])
                factor = 0.5
            if self.mode == "uncertainty_weighted":
                s = output[..., n_heads + i].mean()  # the member's free log σ² (constant over rows)
                total = total + factor * torch.exp(-s) * loss + 0.5 * s
            else:
                total = total + self.weights[i] * loss
        return total


class StackedMLPLogVars(nn.Module):
    """The stacked MLP plus one free log σ² per target and member, appended as T constant output columns."""

    def __init__(self, seeds: Sequence[int], sizes: Sequence[int], init_log_vars: Sequence[float], device):
        super().__init__()
        self.mlp = StackedMLP(seeds, sizes, device)
        start = torch.tensor([float(v) for v in init_log_vars]).view(1, 1, -1).repeat(len(seeds), 1, 1)
        self.log_vars = nn.Parameter(start.to(device))

    @property
    def n_members(self) -> int:
        return self.mlp.n_members

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.mlp(x)
        return torch.cat([out, self.log_vars.expand(-1, out.shape[1], -1)], dim=-1)

    def member_sq_grad_norms(self) -> torch.Tensor:
        return self.mlp.member_sq_grad_norms() + self.log_vars.grad.pow(2).flatten(1).sum(1)
