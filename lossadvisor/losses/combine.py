"""Combinations of losses and penalty terms (guide 6.2.4, 6.2.7, 6.3.8)."""

from __future__ import annotations

from typing import Callable, Iterable

import torch
from torch import nn

from lossadvisor.losses.cards import ParamError, get_card


def _build_components(owner: str, components: list[dict], build: Callable, reduction: str | None):
    """Build each validated component; the owner's reduction overrides theirs."""
    kinds = {get_card(c["loss"]).inputs for c in components}
    if owner == "composite" and len(kinds) > 1:
        raise ParamError(f"composite components must take the same inputs; got {', '.join(sorted(kinds))}")
    modules, weights, names = nn.ModuleList(), [], []
    for comp in components:
        params = dict(comp["params"])
        if reduction is not None and "reduction" in params:
            params["reduction"] = reduction
        modules.append(build(comp["loss"], **params))
        weights.append(comp["weight"])
        names.append(_unique(comp["name"], names))
    return modules, weights, names


def _unique(name: str, taken: list[str]) -> str:
    if name not in taken:
        return name
    i = 2
    while f"{name}_{i}" in taken:
        i += 1
    return f"{name}_{i}"


class CompositeLoss(nn.Module):
    """Σ_i w_i·L_i(output, target) (guide 6.2.4); ``last_components`` holds each weighted part.

    Build with :func:`lossadvisor.losses.build_loss` ("composite", components=[...]).
    """

    name = "composite"

    def __init__(self, modules: nn.ModuleList, weights: list[float], names: list[str]) -> None:
        super().__init__()
        self.parts = modules
        self.weights = weights
        self.names = names
        self.last_components: dict[str, float] = {}

    def forward(self, output, target) -> torch.Tensor:
        total = None
        parts = {}
        for name, weight, module in zip(self.names, self.weights, self.parts):
            value = weight * module(output, target)
            parts[name] = value.detach()
            total = value if total is None else total + value
        self.last_components = {k: float(v.sum()) for k, v in parts.items()}
        return total


# Kendall et al. 2018: a Gaussian likelihood gives 1/(2σ²)·L + log σ (eq. 7), a softmax
# likelihood scaled by 1/σ² gives 1/σ²·L + log σ (eq. 10). With s = log σ², log σ = ½s.
_CLASSIFICATION_INPUTS = frozenset({"class_logits", "binary_logits", "multilabel_logits", "segmentation_logits"})


def task_factor(loss_name: str) -> float:
    """The factor c in c·e^{-s}·L: 1 for a classification loss, ½ for any other (Gaussian) task."""
    return 1.0 if get_card(loss_name).inputs in _CLASSIFICATION_INPUTS else 0.5


class UncertaintyWeightedLoss(nn.Module):
    """Multi-task loss with learned weights, Σ_i c_i·e^{-s_i}·L_i + ½s_i, s = log σ² (Kendall et al. 2018).

    c_i = ½ for regression-type tasks (Gaussian likelihood, the paper's eq. 7) and 1 for
    classification tasks (scaled softmax likelihood, eq. 10); guide 6.1.4, 6.3.8 name the
    method without the formula. forward takes a sequence of per-task outputs and one of
    per-task targets. Its ``log_vars`` are parameters: give them to the optimizer with the model's.
    """

    name = "uncertainty_weighted"

    def __init__(self, modules: nn.ModuleList, names: list[str], init_log_var: float = 0.0) -> None:
        super().__init__()
        self.parts = modules
        self.names = names
        self.factors = [task_factor(module.name) for module in modules]
        self.log_vars = nn.Parameter(torch.full((len(modules),), float(init_log_var)))
        self.last_components: dict[str, float] = {}

    def forward(self, outputs, targets) -> torch.Tensor:
        if len(outputs) != len(self.parts) or len(targets) != len(self.parts):
            raise ValueError(f"uncertainty_weighted has {len(self.parts)} tasks; got {len(outputs)} outputs "
                             f"and {len(targets)} targets")
        total = 0
        for i, (module, out, tgt) in enumerate(zip(self.parts, outputs, targets)):
            task_loss = module(out, tgt)
            s = self.log_vars[i].to(task_loss.dtype)
            total = total + self.factors[i] * torch.exp(-s) * task_loss + 0.5 * s
            self.last_components[self.names[i]] = float(task_loss.detach().sum())
        return total


def _weights(parameters) -> list[torch.Tensor]:
    if isinstance(parameters, nn.Module):
        return [p for p in parameters.parameters() if p.requires_grad]
    if isinstance(parameters, torch.Tensor):
        return [parameters]
    return list(parameters)


class ElasticNetPenalty(nn.Module):
    """strength·(l1_ratio·Σ|w| + (1 - l1_ratio)·½Σw²) over the given weights (guide 6.2.7; Zou & Hastie 2005).

    forward takes a module, a tensor or an iterable of tensors; add the result to the data loss.
    """

    name = "elastic_net"

    def __init__(self, strength: float = 1e-4, l1_ratio: float = 0.5) -> None:
        super().__init__()
        self.strength, self.l1_ratio = strength, l1_ratio

    def forward(self, parameters: nn.Module | torch.Tensor | Iterable[torch.Tensor]) -> torch.Tensor:
        total = 0
        for w in _weights(parameters):
            total = total + self.l1_ratio * w.abs().sum() + (1 - self.l1_ratio) * 0.5 * w.pow(2).sum()
        return self.strength * torch.as_tensor(total)


class L1Penalty(ElasticNetPenalty):
    """strength·Σ|w| (lasso; Tibshirani 1996; guide 6.2.7)."""

    name = "l1_penalty"

    def __init__(self, strength: float = 1e-4) -> None:
        super().__init__(strength, 1.0)


class L2Penalty(ElasticNetPenalty):
    """strength·½Σw² (weight decay as a loss term; guide 6.2.7)."""

    name = "l2_penalty"

    def __init__(self, strength: float = 1e-4) -> None:
        super().__init__(strength, 0.0)


__all__ = ["CompositeLoss", "UncertaintyWeightedLoss", "task_factor", "ElasticNetPenalty", "L1Penalty", "L2Penalty"]
