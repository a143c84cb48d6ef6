"""Single-label classification losses: logits (N, C), int64 class ids (N,).

Binary problems use C = 2 (``focal`` also takes (N,) logits with float {0, 1} targets).
Every loss is computed from ``log_softmax`` / ``logsigmoid`` so that logits of ±100 give
finite values and gradients in float32 and bfloat16 (guide 6.2.5).
"""

from __future__ import annotations


import torch
import torch.nn.functional as F
from torch import nn

from lossadvisor.class_weights import class_balanced_weights
from lossadvisor.losses.cards import ParamError
from lossadvisor.losses._reduce import as_tensor, check_classes, reduce_values


class _ClassLoss(nn.Module):
    """Base: masks ``ignore_index``, computes per-sample values, reduces.

    'mean' averages over the non-ignored samples; 'none' returns (N,) with 0 for
    ignored samples.
    """

    name = "?"

    def __init__(self, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__()
        self.ignore_index = ignore_index
        self.reduction = reduction

    def per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        valid = target != self.ignore_index
        safe = torch.where(valid, target, torch.zeros_like(target)).long()
        values = self.per_sample(logits, safe)
        values = torch.where(valid, values, torch.zeros_like(values))
        return reduce_values(values, self.reduction, valid)


def _log_p_y(logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """log softmax over classes and its entry at the target class."""
    log_p = F.log_softmax(logits, dim=1)
    return log_p, log_p.gather(1, target.unsqueeze(1)).squeeze(1)


def _log_one_minus_p_y(log_p: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """log(1 - p_y) as logsumexp of the other classes: finite gradients as p_y → 1."""
    own = F.one_hot(target, log_p.shape[1]).bool()
    return torch.logsumexp(log_p.masked_fill(own, float("-inf")), dim=1)


class CrossEntropyLoss(_ClassLoss):
    """-log softmax(z)_y; torch.nn.CrossEntropyLoss (guide 6.1.1). Also takes (N, C, *spatial)."""

    name = "cross_entropy"

    def __init__(self, weight: list[float] | None = None, label_smoothing: float = 0.0,
                 ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(ignore_index, reduction)
        self.weight = weight
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        check_classes(self.name, self.weight, logits.shape[1], "weight")
        weight = None if self.weight is None else as_tensor(self.weight, logits)
        values = F.cross_entropy(logits, target.long(), weight=weight, ignore_index=self.ignore_index,
                                 label_smoothing=self.label_smoothing,
                                 reduction="none" if self.reduction == "none" else self.reduction)
        if self.reduction == "none" and values.dim() > 1:
            values = values.reshape(values.shape[0], -1).mean(dim=1)
        return values


class WeightedCrossEntropyLoss(CrossEntropyLoss):
    """Class-weighted CE (torch.nn.CrossEntropyLoss with ``weight``); 'mean' divides by Σ w_y.

    Source: guide 6.1.5, 6.2.8; King & Zeng 2001.
    """

    name = "weighted_cross_entropy"

    def __init__(self, weight: list[float], ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight=weight, ignore_index=ignore_index, reduction=reduction)


class LabelSmoothingLoss(CrossEntropyLoss):
    """CE against (1-ε)·one-hot + ε/C (torch's label_smoothing). Szegedy et al. 2016."""

    name = "label_smoothing"

    def __init__(self, smoothing: float = 0.1, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(label_smoothing=smoothing, ignore_index=ignore_index, reduction=reduction)


class FocalLoss(_ClassLoss):
    """Focal loss, -α_t (1-p_t)^γ log p_t (Lin et al. 2017; guide 6.1.5).

    The modulation is exp(γ·log(1-p_t)) with log(1-p_t) from log-sigmoid or the
    log-sum-exp of the other classes, so γ < 1 keeps finite gradients at |logit| = 50.
    Binary: (N,) logits and float {0, 1} targets, α weighs the positive term and 1-α the
    negative. Multiclass: (N, C) logits, α a list of per-class weights. 'mean' is the plain
    mean over samples (not normalised by α).
    """

    name = "focal"

    def __init__(self, gamma: float = 2.0, alpha: float | list[float] | None = None,
                 ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(ignore_index, reduction)
        self.gamma = gamma
        self.alpha = alpha

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if logits.dim() == 1:
            return reduce_values(self._binary(logits, target.to(logits.dtype)), self.reduction)
        return super().forward(logits, target)

    def _binary(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        log_p, log_q = F.logsigmoid(logits), F.logsigmoid(-logits)
        log_pt = target * log_p + (1 - target) * log_q
        log_one_minus_pt = target * log_q + (1 - target) * log_p
        values = -torch.exp(self.gamma * log_one_minus_pt) * log_pt
        if self.alpha is not None:
            if isinstance(self.alpha, list):
                raise ParamError("focal: a list alpha needs (N, C) logits; binary focal takes a float alpha")
            values = (self.alpha * target + (1 - self.alpha) * (1 - target)) * values
        return values

    def per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        log_p, log_pt = _log_p_y(logits, target)
        values = -torch.exp(self.gamma * _log_one_minus_p_y(log_p, target)) * log_pt
        if self.alpha is None:
            return values
        if isinstance(self.alpha, list):
            check_classes(self.name, self.alpha, logits.shape[1], "alpha")
            return as_tensor(self.alpha, logits)[target] * values
        # a scalar α with C classes: α for classes ≥ 1, 1-α for class 0 (binary as two classes)
        return torch.where(target > 0, self.alpha, 1 - self.alpha).to(values.dtype) * values


class ClassBalancedLoss(_ClassLoss):
    """Class-balanced loss by the effective number of samples (Cui et al. 2019; guide 6.2.8).

    w_y · L(z, y) averaged over samples, L the softmax CE or the focal loss (γ).
    """

    name = "class_balanced"

    def __init__(self, counts: list[float], beta: float = 0.9999, loss_type: str = "softmax",
                 gamma: float = 0.5, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(ignore_index, reduction)
        self.counts = counts
        self.beta = beta
        self.loss_type = loss_type
        self.gamma = gamma
        self.class_weights = class_balanced_weights(counts, beta)

    def per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        check_classes(self.name, self.counts, logits.shape[1], "counts")
        log_p, log_pt = _log_p_y(logits, target)
        values = -log_pt
        if self.loss_type == "focal":
            values = torch.exp(self.gamma * _log_one_minus_p_y(log_p, target)) * values
        return as_tensor(self.class_weights, logits)[target] * values


class LogitAdjustedLoss(_ClassLoss):
    """CE(z + τ log π, y): the logit-adjusted loss (Menon et al. 2021; guide 6.1.5)."""

    name = "logit_adjusted"

    def __init__(self, priors: list[float], tau: float = 1.0, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(ignore_index, reduction)
        total = sum(priors)
        self.priors = [p / total for p in priors]
        self.tau = tau

    def per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        check_classes(self.name, self.priors, logits.shape[1], "priors")
        shift = self.tau * torch.log(as_tensor(self.priors, logits))
        return -_log_p_y(logits + shift, target)[1]


class LDAMLoss(_ClassLoss):
    """Label-distribution-aware margin loss (Cao et al. 2019; guide 6.2.8).

    CE(s·(z - m_y e_y), y) with m_j ∝ n_j^(-1/4), the largest margin ``max_margin``.
    s = 30 assumes cosine logits from a normalised classifier.
    """

    name = "ldam"

    def __init__(self, counts: list[float], max_margin: float = 0.5, s: float = 30.0,
                 weight: list[float] | None = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(ignore_index, reduction)
        raw = [n ** -0.25 for n in counts]
        self.margins = [max_margin * m / max(raw) for m in raw]
        self.s = s
        self.weight = weight

    def per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        check_classes(self.name, self.margins, logits.shape[1], "counts")
        margin = as_tensor(self.margins, logits)[target]
        shifted = logits - F.one_hot(target, logits.shape[1]).to(logits.dtype) * margin.unsqueeze(1)
        values = -_log_p_y(self.s * shifted, target)[1]
        if self.weight is not None:
            values = as_tensor(self.weight, logits)[target] * values
        return values


class Poly1Loss(_ClassLoss):
    """Poly-1: CE + ε(1 - p_y) (Leng et al. 2022)."""

    name = "poly1"

    def __init__(self, epsilon: float = 1.0, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(ignore_index, reduction)
        self.epsilon = epsilon

    def per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        log_pt = _log_p_y(logits, target)[1]
        return -log_pt + self.epsilon * (1 - torch.exp(log_pt))


class GCELoss(_ClassLoss):
    """Generalized cross-entropy (1 - p_y^q)/q (Zhang & Sabuncu 2018; guide 6.1.6).

    p_y^q = exp(q·log p_y), so no probability clamp is needed.
    """

    name = "gce"

    def __init__(self, q: float = 0.7, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(ignore_index, reduction)
        self.q = q

    def per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (1 - torch.exp(self.q * _log_p_y(logits, target)[1])) / self.q


def _reverse_ce(log_pt: torch.Tensor, A: float) -> torch.Tensor:
    """Reverse cross-entropy -Σ_k p_k log t_k with log 0 taken as A: -A(1 - p_y) (Wang et al. 2019, eq. 5)."""
    return -A * (1 - torch.exp(log_pt))


class SCELoss(_ClassLoss):
    """Symmetric cross-entropy α·CE + β·RCE (Wang et al. 2019; guide 6.1.6).

    RCE = -Σ_k p_k log t_k with log 0 taken as A: -A(1 - p_y). A = -4 is the paper's value;
    its reference code clamps the one-hot at 1e-4, i.e. A = ln 1e-4 ≈ -9.21.
    """

    name = "sce"

    def __init__(self, alpha: float = 0.1, beta: float = 1.0, A: float = -4.0, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(ignore_index, reduction)
        self.alpha, self.beta, self.A = alpha, beta, A

    def per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        log_pt = _log_p_y(logits, target)[1]
        return self.alpha * -log_pt + self.beta * _reverse_ce(log_pt, self.A)


class NCERCELoss(_ClassLoss):
    """Normalised CE + reverse CE (Ma et al. 2020; guide 6.1.6)."""

    name = "nce_rce"

    def __init__(self, alpha: float = 1.0, beta: float = 1.0, A: float = -4.0, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(ignore_index, reduction)
        self.alpha, self.beta, self.A = alpha, beta, A

    def per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        log_p, log_pt = _log_p_y(logits, target)
        nce = log_pt / log_p.sum(dim=1)
        return self.alpha * nce + self.beta * _reverse_ce(log_pt, self.A)


class BootstrapLoss(_ClassLoss):
    """Bootstrapping loss (Reed et al. 2014; guide 6.1.6).

    soft: -Σ_k (β t_k + (1-β) p_k) log p_k; hard: p replaced by the one-hot argmax.
    β defaults to 0.95 (soft) or 0.8 (hard).
    """

    name = "bootstrap"

    def __init__(self, mode: str = "soft", beta: float | None = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(ignore_index, reduction)
        self.mode = mode
        self.beta = beta if beta is not None else (0.95 if mode == "soft" else 0.8)

    def per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        log_p, log_pt = _log_p_y(logits, target)
        if self.mode == "soft":
            own = -(torch.exp(log_p) * log_p).sum(dim=1)
        else:
            own = -log_p.gather(1, log_p.detach().argmax(dim=1, keepdim=True)).squeeze(1)
        return self.beta * -log_pt + (1 - self.beta) * own


class MAEClassificationLoss(_ClassLoss):
    """Σ_k |p_k - t_k| = 2(1 - p_y), the symmetric MAE loss (Ghosh et al. 2017)."""

    name = "mae_classification"

    def per_sample(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return 2 * (1 - torch.exp(_log_p_y(logits, target)[1]))


__all__ = [
    "CrossEntropyLoss", "WeightedCrossEntropyLoss", "LabelSmoothingLoss", "FocalLoss", "ClassBalancedLoss",
    "LogitAdjustedLoss", "LDAMLoss", "Poly1Loss", "GCELoss", "SCELoss", "NCERCELoss", "BootstrapLoss",
    "MAEClassificationLoss",
]
