"""Shared reduction and masking helpers for the loss modules."""

from __future__ import annotations

import torch

from lossadvisor.losses.cards import ParamError


def reduce_values(values: torch.Tensor, reduction: str, valid: torch.Tensor | None = None) -> torch.Tensor:
    """Reduce per-sample values (N,) by 'mean' (over valid samples), 'sum' or 'none'.

    Invalid (ignored) samples must already be zero in ``values``; 'mean' divides by
    the number of valid samples (at least 1, so an all-ignored batch gives 0, not NaN).
    """
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    if valid is None:
        return values.mean()
    return values.sum() / valid.sum().clamp_min(1).to(values.dtype)


def per_sample(values: torch.Tensor) -> torch.Tensor:
    """Mean over every dimension but the first: element-wise losses → one value per sample."""
    if values.dim() <= 1:
        return values
    return values.reshape(values.shape[0], -1).mean(dim=1)


def as_tensor(values, like: torch.Tensor) -> torch.Tensor:
    """A list parameter (class weights, counts) as a tensor on ``like``'s device and dtype."""
    return torch.as_tensor(values, dtype=like.dtype, device=like.device)


def check_classes(name: str, values, num_classes: int, what: str) -> None:
    """Per-class lists must have one entry per logit column."""
    if values is not None and len(values) != num_classes:
        raise ParamError(f"{name}: {what} has {len(values)} entries but the logits have {num_classes} classes")
