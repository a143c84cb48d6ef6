"""Multi-target trials: a shared MLP trunk with one head per target, and three ways to combine the losses.

    report = run_multitarget_trials(frame, ("price", "rooms", "kind"), DataFacts("multitarget"), TrialOptions())

Each head trains with the loss ``recommend`` configured for its target on that target's own facts
(:mod:`lossadvisor.trials.multitarget_heads`; ``trial`` passes them in). Without a configuration (the
Python API), each target is measured on its own training rows: a numeric column with more than
``MAX_CLASSES`` values is a regression target, trained with Huber when more than 1% of its values
are robust outliers (|x − median| > 3.5 · 1.4826 · MAD; δ = 1.345 · 1.4826 · MAD, 95% Gaussian
efficiency, in that column's units) and with MSE otherwise; any other column is a classification
target trained with cross-entropy. Regression heads predict the standardized target, and the loss
is computed after converting back to the column's units, so the targets' scales reach the
combined loss as they would in a plain multi-task model. Log-link heads (Poisson, Tweedie) are the
exception: they train on the target divided by its training mean, as in table trials, so their loss
at the constant prediction is positive and scale-free (:func:`lossadvisor.trials.heads.log_link_scale`).
The candidates (guide 6.1.4, 6.3.8):

- ``sum``: the plain sum of the per-target losses (the baseline);
- ``scale_weights``: fixed weights 1 / L₀, L₀ the head's loss at the best constant prediction on the
  training rows (the variance for MSE, the class entropy for cross-entropy), so every target starts at 1;
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

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.encoding import FeatureMatrix, encode_features
from lossadvisor.trials.model import StackedMLP
from lossadvisor.trials.multitarget_heads import (HeadLoss, constant_loss, describe_head, fill_class_params, head_form,
                                                  head_loss_value)
from lossadvisor.trials.prepare import DataFacts, _time_key
from lossadvisor.trials.split import Split, split_rows
from lossadvisor.vocabulary import multitarget_metric_name

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
    constant_loss: float = 1.0  # L₀: the head's loss at the best constant prediction on the training rows
    params: Mapping[str, Any] = field(default_factory=dict)   # the loss's parameters (delta included)
    rules: tuple[str, ...] = ()       # the rules that configured it (empty: measured by the trial itself)

    @property
    def metric(self) -> str:
        return multitarget_metric_name(self.name, self.kind == "classification")

    @property
    def form(self) -> str:
        form = head_form(self.loss, self.kind == "classification")
        if form is None:
            raise LossAdvisorError(f"target '{self.name}': loss '{self.loss}' does not fit a {self.kind} head")
        return form

    @property
    def loss_params(self) -> dict[str, Any]:
        return {**({"delta": self.delta} if self.loss == "huber" and self.delta is not None else {}), **self.params}

    def build(self):
        from lossadvisor.losses.registry import build_loss

        try:
            return build_loss(self.loss, **self.loss_params)
        except (TypeError, ValueError, KeyError) as exc:
            raise LossAdvisorError(f"target '{self.name}': cannot build loss {self.loss}: {exc}") from None

    def describe(self) -> str:
        if not self.rules and self.kind == "regression":  # measured by the trial: say why
            return (describe_head(self.name, self.loss, self.loss_params, (), 1)
                    + f" ({self.outlier_fraction:.1%} robust outliers)")
        return describe_head(self.name, self.loss, self.loss_params, self.rules, self.width)


@dataclass(frozen=True)
class MultiTargetData:
    split: Split
    features: FeatureMatrix
    y: np.ndarray  # (n, T): regression values in their units, class codes as floats
    targets: tuple[TargetSpec, ...]
    dropped_rows: int
    split_groups: np.ndarray | None = None  # the group column's label per row when the split is grouped


def _measure(name: str, column: pd.Series, train: np.ndarray, head: HeadLoss | None = None) -> tuple[TargetSpec, np.ndarray]:
    if head is not None:
        spec, values = _configured(column, train, head)
    else:
        spec, values = _measured(name, column, train)
    fit = values[train]
    tau = spec.loss_params.get("tau") if spec.loss == "quantile" else None
    l0 = constant_loss(spec.build(), spec.form, fit, spec.width, tau)
    return replace(spec, constant_loss=max(l0, 1e-6)), values


def _configured(column: pd.Series, train: np.ndarray, head: HeadLoss) -> tuple[TargetSpec, np.ndarray]:
    """A target whose loss ``recommend`` configured (its kind and class order are the profile's)."""
    name = head.name
    if head_form(head.loss, head.classification) is None:
        raise LossAdvisorError(f"target '{name}' is {head.kind}; loss '{head.loss}' does not fit it")
    if not head.classification:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
        fit = values[train]
        std = float(fit.std()) or 1.0
        if head_form(head.loss, False) == "log_mean" and np.any(fit < 0):
            raise LossAdvisorError(f"target '{name}': loss '{head.loss}' needs non-negative values; this one goes "
                                   f"down to {fit.min():g}")
        return TargetSpec(name, "regression", 1, float(fit.mean()), std, (), head.loss, None, 0.0, 1.0,
                          dict(head.params), head.rules), values
    from lossadvisor.profiling.balance import label_text

    text = column.map(label_text)
    classes = head.class_order or tuple(sorted(set(text)))
    unknown = sorted(set(text) - set(classes))
    if unknown:
        raise LossAdvisorError(f"target '{name}' holds labels the recommendation does not know: {', '.join(unknown[:3])}")
    codes = text.map({c: i for i, c in enumerate(classes)}).to_numpy(dtype=np.float64)
    counts = np.bincount(codes[train].astype(int), minlength=len(classes))
    params = fill_class_params(head.loss, head.params, counts)
    return TargetSpec(name, "classification", len(classes), classes=classes, loss=head.loss, params=params,
                      rules=head.rules), codes


def _measured(name: str, column: pd.Series, train: np.ndarray) -> tuple[TargetSpec, np.ndarray]:
    """No configuration given: Huber for a column with > 1% robust outliers, else MSE; cross-entropy for classes."""
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
            return TargetSpec(name, "regression", 1, float(fit.mean()), std, (), "huber", delta, outliers), values
        return TargetSpec(name, "regression", 1, float(fit.mean()), std, (), "mse", None, outliers), values
    text = column.astype(str).to_numpy()
    classes = tuple(sorted(set(text)))
    if len(classes) < 2:
        raise LossAdvisorError(f"target column '{name}' has a single value; a loss needs at least two")
    codes = np.searchsorted(np.asarray(classes), text).astype(np.float64)
    return TargetSpec(name, "classification", len(classes), classes=classes, loss="cross_entropy"), codes


def prepare_multitarget(frame: pd.DataFrame, targets: Sequence[str], facts: DataFacts, seed: int,
                        heads: Sequence[HeadLoss] | None = None) -> MultiTargetData:
    """Split, encode, and measure each target; ``heads`` (from recommend) configure each target's loss."""
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
    by_name = {h.name: h for h in heads or ()}
    measured = [_measure(t, frame[t], split.train, by_name.get(t)) for t in targets]
    y = np.column_stack([values for _, values in measured])
    exclude = tuple(targets) + tuple(c for c in (facts.group_column, facts.time_column) if c)
    features = encode_features(frame, split.train, facts.column_kinds, exclude=exclude)
    return MultiTargetData(split, features, y, tuple(s for s, _ in measured), int((~keep).sum()), groups)


class MultiTargetLoss(nn.Module):
    """Per-target losses on their heads' columns, combined by ``mode``; reads s_t from the last T columns."""

    def __init__(self, targets: Sequence[TargetSpec], mode: str, weights: Sequence[float] | None = None):
        super().__init__()
        self.targets, self.mode = list(targets), mode
        self.weights = list(weights) if weights is not None else [1.0] * len(targets)
        self.parts = nn.ModuleList(spec.build() for spec in self.targets)
        self.forms = [spec.form for spec in self.targets]
        self.name = mode

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        total, start, n_heads = 0.0, 0, sum(t.width for t in self.targets)
        for i, (spec, module, form) in enumerate(zip(self.targets, self.parts, self.forms)):
            head = output[..., start : start + spec.width]
            start += spec.width
            loss = head_loss_value(module, form, head, target[..., i], spec.mean, spec.std)
            if self.mode == "uncertainty_weighted":
                factor = 1.0 if spec.kind == "classification" else 0.5   # Kendall et al. 2018, eq. 10 and 7
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
