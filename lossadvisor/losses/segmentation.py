"""Segmentation losses: logits (N, C, *spatial), int64 labels (N, *spatial).

Probabilities are the softmax over C (the sigmoid when C = 1, labels {0, 1}). Overlap
terms are summed per sample and class (or over the whole batch with ``batch=True``);
``ignore_index`` pixels are left out of every term. With ``smooth`` in numerator and
denominator, a class absent from both target and prediction scores loss 0, and one
absent from the target but predicted scores close to 1 (documented on the cards).
'none' returns one value per sample (N,), or per class (C,) with ``batch=True``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lossadvisor.losses._reduce import reduce_values
from lossadvisor.losses.classification import FocalLoss


def _probs_and_onehot(logits: torch.Tensor, target: torch.Tensor, ignore_index: int | None):
    """(N, C, P) probabilities and one-hot target with ignored pixels zeroed, plus the pixel mask."""
    n, c = logits.shape[:2]
    flat = logits.reshape(n, c, -1)
    labels = target.reshape(n, -1).long()
    valid = torch.ones_like(labels, dtype=torch.bool) if ignore_index is None else labels != ignore_index
    labels = torch.where(valid, labels, torch.zeros_like(labels))
    if c == 1:
        probs = torch.sigmoid(flat)
        onehot = labels.unsqueeze(1).to(flat.dtype)
    else:
        probs = F.softmax(flat, dim=1)
        onehot = F.one_hot(labels, c).permute(0, 2, 1).to(flat.dtype)
    mask = valid.unsqueeze(1).to(flat.dtype)
    return probs * mask, onehot * mask, valid


class _OverlapLoss(nn.Module):
    """Shared TP/FP/FN bookkeeping for the Dice family."""

    def __init__(self, smooth: float = 1e-5, include_background: bool = True, batch: bool = False,
                 ignore_index: int | None = None, reduction: str = "mean") -> None:
        super().__init__()
        self.smooth = smooth
        self.include_background = include_background
        self.batch = batch
        self.ignore_index = ignore_index
        self.reduction = reduction

    def counts(self, logits: torch.Tensor, target: torch.Tensor):
        """Soft TP, FP, FN (N, C) — or (1, C) with batch — and the one-hot target."""
        probs, onehot, _ = _probs_and_onehot(logits, target, self.ignore_index)
        if not self.include_background and probs.shape[1] > 1:
            probs, onehot = probs[:, 1:], onehot[:, 1:]
        dims = (0, 2) if self.batch else (2,)
        tp = (probs * onehot).sum(dim=dims, keepdim=False)
        fp = (probs * (1 - onehot)).sum(dim=dims)
        fn = ((1 - probs) * onehot).sum(dim=dims)
        if self.batch:
            tp, fp, fn = tp.unsqueeze(0), fp.unsqueeze(0), fn.unsqueeze(0)
        return tp, fp, fn, onehot

    def finish(self, per_class: torch.Tensor) -> torch.Tensor:
        """(N, C) → per-sample mean over classes, then the reduction; (1, C) with batch → (C,)."""
        values = per_class[0] if self.batch else per_class.mean(dim=1)
        if self.batch and self.reduction == "mean":
            return values.mean()
        return reduce_values(values, self.reduction)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        tp, fp, fn, _ = self.counts(logits, target)
        return self.finish(self.per_class(tp, fp, fn))

    def per_class(self, tp, fp, fn) -> torch.Tensor:
        raise NotImplementedError


class DiceLoss(_OverlapLoss):
    """Soft Dice loss 1 - (2TP + s)/(2TP + FP + FN + s) (Milletari et al. 2016; guide 6.1.7)."""

    name = "dice"

    def per_class(self, tp, fp, fn) -> torch.Tensor:
        return 1 - (2 * tp + self.smooth) / (2 * tp + fp + fn + self.smooth)


class TverskyLoss(_OverlapLoss):
    """Tversky loss 1 - (TP + s)/(TP + α·FP + β·FN + s) (Salehi et al. 2017).

    α weighs false positives, β false negatives; α = β = 0.5 is Dice.
    """

    name = "tversky"

    def __init__(self, alpha: float = 0.3, beta: float = 0.7, smooth: float = 1e-5,
                 include_background: bool = True, batch: bool = False, ignore_index: int | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(smooth, include_background, batch, ignore_index, reduction)
        self.alpha, self.beta = alpha, beta

    def per_class(self, tp, fp, fn) -> torch.Tensor:
        return 1 - (tp + self.smooth) / (tp + self.alpha * fp + self.beta * fn + self.smooth)


class FocalTverskyLoss(TverskyLoss):
    """Focal Tversky loss (1 - TI)^(1/γ) (Abraham & Khan 2019), mean over classes.

    γ = 4/3 gives the exponent 0.75. Its gradient grows without bound as TI → 1, so
    the base is floored at 1e-12 (a perfect class contributes exactly 0).
    """

    name = "focal_tversky"

    def __init__(self, alpha: float = 0.3, beta: float = 0.7, gamma: float = 4 / 3, smooth: float = 1e-5,
                 include_background: bool = True, batch: bool = False, ignore_index: int | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(alpha, beta, smooth, include_background, batch, ignore_index, reduction)
        self.gamma = gamma

    def per_class(self, tp, fp, fn) -> torch.Tensor:
        base = super().per_class(tp, fp, fn)
        floored = base.clamp_min(1e-12) ** (1 / self.gamma)
        return torch.where(base > 0, floored, torch.zeros_like(floored))


class GeneralizedDiceLoss(_OverlapLoss):
    """Generalised Dice (Sudre et al. 2017): class weights w_c = 1/(Σ t_c)².

    A class absent from the target (infinite weight) takes the largest finite weight of
    its sample (or of the batch with ``batch=True``); all absent → weights 0, loss 0.
    """

    name = "generalized_dice"

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        tp, fp, fn, onehot = self.counts(logits, target)
        ground = tp + fn
        weights = 1 / ground.detach() ** 2
        absent = torch.isinf(weights)
        weights = torch.where(absent, torch.zeros_like(weights), weights)
        largest = weights.amax(dim=1, keepdim=True)
        weights = torch.where(absent, largest.expand_as(weights), weights)
        numer = 2 * (weights * tp).sum(dim=1) + self.smooth
        denom = (weights * (2 * tp + fp + fn)).sum(dim=1) + self.smooth
        values = 1 - numer / denom
        return reduce_values(values, self.reduction)


class DiceCELoss(nn.Module):
    """λ_dice·Dice + λ_ce·CE, the nnU-Net default (Isensee et al. 2021; guide 6.2.4).

    CE is torch's cross-entropy averaged over pixels (BCE with logits when C = 1).
    """

    name = "dice_ce"

    def __init__(self, lambda_dice: float = 1.0, lambda_ce: float = 1.0, smooth: float = 1e-5,
                 include_background: bool = True, batch: bool = False, ignore_index: int | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.lambda_dice, self.lambda_ce = lambda_dice, lambda_ce
        self.reduction = reduction
        self.ignore_index = ignore_index
        self.dice = DiceLoss(smooth, include_background, batch, ignore_index, reduction)

    def pixel_loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Per-sample mean of the pixel loss over valid pixels, (N,)."""
        _, _, valid = _probs_and_onehot(logits, target, self.ignore_index)
        labels = torch.where(valid.reshape(target.shape), target.long(), torch.zeros_like(target.long()))
        if logits.shape[1] == 1:
            pixel = F.binary_cross_entropy_with_logits(logits[:, 0], labels.to(logits.dtype), reduction="none")
        else:
            pixel = F.cross_entropy(logits, labels, reduction="none")
        pixel = pixel.reshape(pixel.shape[0], -1) * valid
        return pixel.sum(dim=1) / valid.sum(dim=1).clamp_min(1)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        other = reduce_values(self.pixel_loss(logits, target), self.reduction)
        return self.lambda_dice * self.dice(logits, target) + self.lambda_ce * other


class DiceFocalLoss(DiceCELoss):
    """λ_dice·Dice + λ_focal·softmax focal averaged over pixels (Zhu et al. 2019; guide 6.2.4)."""

    name = "dice_focal"

    def __init__(self, lambda_dice: float = 1.0, lambda_focal: float = 1.0, gamma: float = 2.0,
                 smooth: float = 1e-5, include_background: bool = True, batch: bool = False,
                 ignore_index: int | None = None, reduction: str = "mean") -> None:
        super().__init__(lambda_dice, lambda_focal, smooth, include_background, batch, ignore_index, reduction)
        self.focal = FocalLoss(gamma=gamma, reduction="none")

    def pixel_loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        _, _, valid = _probs_and_onehot(logits, target, self.ignore_index)
        labels = torch.where(valid.reshape(target.shape), target.long(), torch.zeros_like(target.long()))
        n, c = logits.shape[:2]
        if c == 1:
            pixel = self.focal(logits.reshape(-1), labels.reshape(-1).to(logits.dtype))
        else:
            pixel = self.focal(logits.reshape(n, c, -1).permute(0, 2, 1).reshape(-1, c), labels.reshape(-1))
        pixel = pixel.reshape(n, -1) * valid
        return pixel.sum(dim=1) / valid.sum(dim=1).clamp_min(1)


def _lovasz_grad(sorted_fg: torch.Tensor) -> torch.Tensor:
    """Gradient of the Lovász extension of the Jaccard loss at sorted errors (Berman et al. 2018, alg. 1)."""
    gts = sorted_fg.sum()
    intersection = gts - sorted_fg.cumsum(0)
    union = gts + (1 - sorted_fg).cumsum(0)
    jaccard = 1 - intersection / union
    return torch.cat([jaccard[:1], jaccard[1:] - jaccard[:-1]])


class LovaszSoftmaxLoss(nn.Module):
    """Lovász-softmax loss, a convex surrogate of the per-class IoU (Berman et al. 2018; guide 6.1.7).

    Computed per image over valid pixels; 'present' averages over the classes in the
    image's target (an image with none scores 0).
    """

    name = "lovasz"

    def __init__(self, classes: str = "present", ignore_index: int | None = None, reduction: str = "mean") -> None:
        super().__init__()
        self.classes, self.ignore_index, self.reduction = classes, ignore_index, reduction

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        probs, onehot, valid = _probs_and_onehot(logits, target, self.ignore_index)
        values = []
        for i in range(probs.shape[0]):
            keep = valid[i]
            values.append(self._image(probs[i][:, keep], onehot[i][:, keep]))
        return reduce_values(torch.stack(values), self.reduction)

    def _image(self, probs: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
        losses = []
        for c in range(probs.shape[0]):
            fg = onehot[c]
            if self.classes == "present" and fg.sum() == 0:
                continue
            errors = (fg - probs[c]).abs()
            order = torch.argsort(errors.detach(), descending=True)
            losses.append(torch.dot(errors[order], _lovasz_grad(fg[order])))
        if not losses:
            return probs.sum() * 0
        return torch.stack(losses).mean()


__all__ = [
    "DiceLoss", "TverskyLoss", "FocalTverskyLoss", "GeneralizedDiceLoss", "DiceCELoss", "DiceFocalLoss",
    "LovaszSoftmaxLoss",
]
