"""Group-aware classification losses (guide 6.2.13): group-reweighted cross-entropy and group DRO.

Input: logits (N, C) and int64 targets that carry the row's group too, ``t = y + C·g`` (class y,
group g in 0..G-1); plain class ids are the one-group case (g = 0), where both losses are plain
cross-entropy. ``lossadvisor trial --sensitive COL`` packs the targets this way. Both modules also
take a stack of members, logits (M, N, C) and targets (M, N), and return one loss per member (M,):
group DRO keeps one set of group weights per member, which the batched trainer needs.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from lossadvisor.losses._reduce import as_tensor


def unpack(logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``t = y + C·g`` → (y, g), C being the logits' last dimension."""
    c = logits.shape[-1]
    target = target.long()
    return target % c, target // c


def _ce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-row cross-entropy for (..., N, C) logits and (..., N) classes."""
    return -F.log_softmax(logits, dim=-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)


class GroupReweightedCrossEntropyLoss(nn.Module):
    """Σ_i w_{g_i} CE_i / Σ_i w_{g_i}: each group's rows weighted by ``group_weight[g]``.

    With w_g = n / (G·n_g) every group counts as much as any other in the mean, the group-balanced
    reweighting that Sagawa et al. 2020 and Idrissi et al. 2022 use as the strong simple baseline
    for worst-group accuracy. 'mean' divides by the weight sum (torch's weighted-CE convention).
    """

    name = "group_reweighted_ce"
    member_stacked = True

    def __init__(self, group_weight: list[float], reduction: str = "mean") -> None:
        super().__init__()
        self.group_weight, self.reduction = list(group_weight), reduction

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        y, g = unpack(logits, target)
        weights = as_tensor(self.group_weight, logits)[g.clamp(0, len(self.group_weight) - 1)]
        values = weights * _ce(logits, y)
        if self.reduction == "none":
            return values
        if self.reduction == "sum":
            return values.sum(-1)
        return values.sum(-1) / weights.sum(-1).clamp_min(torch.finfo(values.dtype).tiny)


class GroupDROLoss(nn.Module):
    """Online group DRO (Sagawa et al. 2020, Algorithm 1): minimize Σ_g q_g ℓ_g, where ℓ_g is the mean
    cross-entropy of group g's rows in the batch and q is updated by exponentiated gradient ascent,
    q_g ← q_g · exp(η (ℓ_g + C/√n_g)), renormalized, at every training step.

    ``group_counts`` (training rows per group) sets G and the paper's group adjustment C/√n_g
    (``adjustment`` = C; 0 turns it off). ``step_size`` is η (the paper's η_q = 0.01). q starts
    uniform and is updated in log space only when the loss is computed for training (its input
    requires a gradient); evaluation calls read q without changing it. ``reset_state`` starts over.
    'none' gives per-row values q_{g_i} CE_i / n_{g_i} whose sum is the 'mean' objective.
    """

    name = "group_dro"
    member_stacked = True

    def __init__(self, group_counts: list[float], step_size: float = 0.01, adjustment: float = 0.0,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.group_counts, self.step_size, self.adjustment = list(group_counts), float(step_size), float(adjustment)
        self.reduction, self._held = reduction, False
        self.register_buffer("log_q", torch.empty(0), persistent=False)

    def reset_state(self) -> None:
        self.log_q = torch.empty(0, device=self.log_q.device)

    @contextlib.contextmanager
    def hold_state(self) -> Iterator[None]:
        """Compute the loss without updating q (the doctor's finite-difference check uses this)."""
        held, self._held = self._held, True
        try:
            yield
        finally:
            self._held = held

    @property
    def group_weights(self) -> torch.Tensor:
        """The current q, one row per member (empty before the first training step)."""
        return self.log_q.exp()

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        stacked = logits.dim() == 3
        if not stacked:
            logits, target = logits.unsqueeze(0), target.unsqueeze(0)
        m, n_groups = logits.shape[0], len(self.group_counts)
        y, g = unpack(logits, target)
        member = F.one_hot(g.clamp(0, n_groups - 1), n_groups).to(logits.dtype)      # (M, N, G)
        ce = _ce(logits, y)                                                           # (M, N)
        rows = member.sum(1)                                                          # (M, G)
        group_loss = torch.einsum("mn,mng->mg", ce, member) / rows.clamp_min(1)       # absent group: 0
        if self.log_q.shape != (m, n_groups):
            self.log_q = torch.full((m, n_groups), -torch.log(torch.tensor(float(n_groups))).item(),
                                    dtype=logits.dtype, device=logits.device)
        if torch.is_grad_enabled() and logits.requires_grad and not self._held:
            adjust = self.adjustment / as_tensor(self.group_counts, logits).clamp_min(1).sqrt()
            with torch.no_grad():
                log_q = self.log_q.to(logits.dtype) + self.step_size * (group_loss.detach() + adjust)
                self.log_q = log_q - torch.logsumexp(log_q, dim=1, keepdim=True)
        q = self.log_q.to(logits.dtype).exp()
        if self.reduction == "none":
            values = ce * (member @ (q / rows.clamp_min(1)).unsqueeze(-1)).squeeze(-1)
            return values if stacked else values[0]
        loss = (q * group_loss).sum(1)
        return loss if stacked else loss[0]
