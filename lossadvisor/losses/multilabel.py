"""Binary and multilabel losses: logits (N,) or (N, L), float targets in {0, 1}."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lossadvisor.losses._reduce import as_tensor, per_sample, reduce_values


class BCELoss(nn.Module):
    """Binary cross-entropy on logits (torch.nn.BCEWithLogitsLoss; guide 6.1.1).

    'none' gives one value per sample (the mean over labels for multilabel); 'mean'
    equals torch's mean over every element.
    """

    name = "bce"

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction
        self.pos_weight: float | list[float] | None = None

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        pos_weight = None if self.pos_weight is None else as_tensor(self.pos_weight, logits)
        values = F.binary_cross_entropy_with_logits(logits, target.to(logits.dtype), pos_weight=pos_weight,
                                                    reduction="none")
        return reduce_values(per_sample(values), self.reduction)


class WeightedBCELoss(BCELoss):
    """BCE with ``pos_weight`` on the positive term (torch.nn.BCEWithLogitsLoss; guide 6.1.3, 6.1.5).

    pos_weight = n_neg/n_pos for imbalance or c_FN/c_FP for costs, one per label for multilabel.
    """

    name = "weighted_bce"

    def __init__(self, pos_weight: float | list[float], reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.pos_weight = pos_weight


def _pow_from_log(log_x: torch.Tensor, exponent: float) -> torch.Tensor:
    """x^e as exp(e·log x): finite gradients for e < 1 wherever log x is finite."""
    return torch.exp(exponent * log_x)


class AsymmetricMultilabelLoss(nn.Module):
    """Asymmetric loss for multilabel classification (Ridnik et al. 2021).

    -Σ_l [t (1-p)^γ+ log p + (1-t) p_m^γ- log(1-p_m)], p_m = max(p - clip, 0).
    Summed over labels per sample (the paper's scale), averaged over samples.
    """

    name = "asymmetric_multilabel"

    def __init__(self, gamma_neg: float = 4.0, gamma_pos: float = 0.0, clip: float = 0.05,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.gamma_neg, self.gamma_pos, self.clip = gamma_neg, gamma_pos, clip
        self.reduction = reduction

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = target.to(logits.dtype)
        log_p, log_q = F.logsigmoid(logits), F.logsigmoid(-logits)
        positive = _pow_from_log(log_q, self.gamma_pos) * log_p
        if self.clip > 0:
            # 1 - p_m = min(1 - p + clip, 1) >= clip, so its log is finite
            one_minus_pm = (torch.exp(log_q) + self.clip).clamp(max=1)
            p_m = (1 - one_minus_pm).clamp_min(0)
            log_pm = torch.log(p_m.clamp_min(torch.finfo(logits.dtype).tiny))
            modulation = torch.where(p_m > 0, _pow_from_log(log_pm, self.gamma_neg), torch.zeros_like(p_m))
            negative = modulation * torch.log(one_minus_pm)
        else:
            negative = _pow_from_log(log_p, self.gamma_neg) * log_q
        values = -(target * positive + (1 - target) * negative)
        values = values.reshape(values.shape[0], -1).sum(dim=1)
        return reduce_values(values, self.reduction)


class SoftFBetaLoss(nn.Module):
    """1 - soft F-β over the batch, per label, averaged over labels (guide 6.1.3, 6.2.3).

    F-β = ((1+β²)TP + s)/((1+β²)TP + β²FN + FP + s) with soft counts from sigmoid
    probabilities; it equals Tversky with α = 1/(1+β²) on FP and β²/(1+β²) on FN.
    'none' returns per-label values (L,): the loss is a batch statistic.
    """

    name = "soft_fbeta"

    def __init__(self, beta: float = 1.0, smooth: float = 1e-5, reduction: str = "mean") -> None:
        super().__init__()
        self.beta, self.smooth, self.reduction = beta, smooth, reduction

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        prob = torch.sigmoid(logits).reshape(logits.shape[0], -1)
        target = target.to(prob.dtype).reshape(prob.shape)
        tp = (prob * target).sum(dim=0)
        fp = (prob * (1 - target)).sum(dim=0)
        fn = ((1 - prob) * target).sum(dim=0)
        b2 = self.beta ** 2
        score = ((1 + b2) * tp + self.smooth) / ((1 + b2) * tp + b2 * fn + fp + self.smooth)
        return reduce_values(1 - score, self.reduction)


__all__ = ["BCELoss", "WeightedBCELoss", "AsymmetricMultilabelLoss", "SoftFBetaLoss"]
