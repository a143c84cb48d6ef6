"""Regression and count losses: prediction (N,) or (N, 1) (or (N, K) for several targets), target (N,).

'none' gives one value per sample (the mean over targets when K > 1).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from lossadvisor.losses._reduce import per_sample, reduce_values


class _RegressionLoss(nn.Module):
    """Base: aligns shapes, computes element-wise values, reduces per sample."""

    name = "?"

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def elementwise(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if pred.dim() == 2 and pred.shape[1] == 1 and target.dim() == 1:
            pred = pred[:, 0]
        target = target.to(pred.dtype).reshape(pred.shape)
        return reduce_values(per_sample(self.elementwise(pred, target)), self.reduction)


class MSELoss(_RegressionLoss):
    """(y - f)²; torch.nn.MSELoss (guide 6.1.1)."""

    name = "mse"

    def elementwise(self, pred, target):
        return F.mse_loss(pred, target, reduction="none")


class MAELoss(_RegressionLoss):
    """|y - f|; torch.nn.L1Loss (guide 6.1.1)."""

    name = "mae"

    def elementwise(self, pred, target):
        return F.l1_loss(pred, target, reduction="none")


class HuberLoss(_RegressionLoss):
    """Huber loss with threshold δ; torch.nn.HuberLoss (Huber 1964; guide 6.1.1)."""

    name = "huber"

    def __init__(self, delta: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.delta = delta

    def elementwise(self, pred, target):
        return F.huber_loss(pred, target, delta=self.delta, reduction="none")


class LogCoshLoss(_RegressionLoss):
    """log cosh(r) = r + softplus(-2r) - log 2, stable for any r (guide 6.1.1)."""

    name = "log_cosh"

    def elementwise(self, pred, target):
        r = pred - target
        return r + F.softplus(-2 * r) - math.log(2)


class QuantileLoss(_RegressionLoss):
    """Pinball loss max(τr, (τ-1)r), r = y - f (Koenker & Bassett 1978; guide 6.1.8)."""

    name = "quantile"

    def __init__(self, tau: float = 0.5, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.tau = tau

    def elementwise(self, pred, target):
        r = target - pred
        return torch.maximum(self.tau * r, (self.tau - 1) * r)


class AsymmetricMSELoss(_RegressionLoss):
    """Expectile loss |τ - 1(r < 0)|·r², r = y - f (Newey & Powell 1987)."""

    name = "asymmetric_mse"

    def __init__(self, tau: float = 0.5, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.tau = tau

    def elementwise(self, pred, target):
        r = target - pred
        return torch.where(r < 0, 1 - self.tau, self.tau).to(r.dtype) * r * r


class PoissonLoss(_RegressionLoss):
    """Poisson NLL with a log link, exp(η) - yη; torch.nn.PoissonNLLLoss(log_input=True)."""

    name = "poisson"

    def __init__(self, full: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full = full

    def elementwise(self, pred, target):
        return F.poisson_nll_loss(pred, target, log_input=True, full=self.full, reduction="none")


class TweedieLoss(_RegressionLoss):
    """Tweedie deviance (up to terms in y) with a log link, 1 < p < 2 (Jorgensen 1987).

    -y·exp((1-p)η)/(1-p) + exp((2-p)η)/(2-p), η the predicted log-mean.
    """

    name = "tweedie"

    def __init__(self, power: float = 1.5, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.power = power

    def elementwise(self, pred, target):
        p = self.power
        return -target * torch.exp((1 - p) * pred) / (1 - p) + torch.exp((2 - p) * pred) / (2 - p)


class GaussianNLLLoss(_RegressionLoss):
    """Gaussian NLL on (N, 2) = mean and log-variance; torch.nn.GaussianNLLLoss (Nix & Weigend 1994).

    The variance exp(s) is floored at 1e-6 (torch's eps); 0.5(log var + r²/var).
    """

    name = "gaussian_nll"

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if pred.dim() != 2 or pred.shape[1] != 2:
            raise ValueError(f"gaussian_nll takes (N, 2) = mean, log-variance; got shape {tuple(pred.shape)}")
        mean, var = pred[:, 0], torch.exp(pred[:, 1])
        values = F.gaussian_nll_loss(mean, target.to(pred.dtype).reshape(mean.shape), var, eps=1e-6,
                                     reduction="none")
        return reduce_values(values, self.reduction)


__all__ = [
    "MSELoss", "MAELoss", "HuberLoss", "LogCoshLoss", "QuantileLoss", "AsymmetricMSELoss", "PoissonLoss",
    "TweedieLoss", "GaussianNLLLoss",
]
