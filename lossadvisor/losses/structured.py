"""Sequence and embedding losses: CTC, triplet, contrastive, InfoNCE."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lossadvisor.losses._reduce import reduce_values


class CTCLoss(nn.Module):
    """Connectionist temporal classification; torch.nn.CTCLoss (Graves et al. 2006; guide 6.1.7).

    Input (N, T, C) logits and (N, S) int64 labels padded with -1 (or explicit lengths).
    'mean' divides each sequence's loss by its label length, as torch does; 'none' gives (N,).
    Computed in float32 when the logits are half precision (torch's CTC needs float).
    """

    name = "ctc"

    def __init__(self, blank: int = 0, zero_infinity: bool = True, reduction: str = "mean") -> None:
        super().__init__()
        self.blank, self.zero_infinity, self.reduction = blank, zero_infinity, reduction

    def forward(self, logits: torch.Tensor, target: torch.Tensor, input_lengths: torch.Tensor | None = None,
                target_lengths: torch.Tensor | None = None) -> torch.Tensor:
        n, t = logits.shape[:2]
        work = logits.float() if logits.dtype in (torch.float16, torch.bfloat16) else logits
        log_probs = F.log_softmax(work, dim=-1).transpose(0, 1)
        if input_lengths is None:
            input_lengths = torch.full((n,), t, dtype=torch.long)
        if target_lengths is None:
            target_lengths = (target >= 0).sum(dim=1)
        labels = target.clamp_min(0).long()
        loss = F.ctc_loss(log_probs, labels, input_lengths, target_lengths, blank=self.blank,
                          reduction=self.reduction, zero_infinity=self.zero_infinity)
        return loss.to(logits.dtype)


def _hardest(distances: torch.Tensor, labels: torch.Tensor):
    """Batch-hard indices: farthest same-label and nearest other-label sample per anchor."""
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    positive_mask, negative_mask = same & ~eye, ~same
    far = distances.masked_fill(~positive_mask, float("-inf")).argmax(dim=1)
    near = distances.masked_fill(~negative_mask, float("inf")).argmin(dim=1)
    valid = positive_mask.any(dim=1) & negative_mask.any(dim=1)
    return far, near, valid


class TripletLoss(nn.Module):
    """Triplet loss on batch-hard triplets (Schroff et al. 2015; Hermans et al. 2017).

    Input (N, D) embeddings and (N,) identity labels. For each anchor the farthest
    positive and nearest negative are chosen (without gradient) and torch's
    TripletMarginLoss is applied; anchors lacking either score 0 and are not averaged.
    """

    name = "triplet"

    def __init__(self, margin: float = 0.2, normalize: bool = True, reduction: str = "mean") -> None:
        super().__init__()
        self.margin, self.normalize, self.reduction = margin, normalize, reduction

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = F.normalize(embeddings, dim=1) if self.normalize else embeddings
        with torch.no_grad():
            far, near, valid = _hardest(torch.cdist(x.float(), x.float()), labels)
        values = F.triplet_margin_loss(x, x[far], x[near], margin=self.margin, reduction="none")
        values = torch.where(valid, values, torch.zeros_like(values))
        return reduce_values(values, self.reduction, valid)


class ContrastiveLoss(nn.Module):
    """Pairwise contrastive loss (Hadsell et al. 2006): same label d², different max(m - d, 0)².

    Input (N, D) embeddings and (N,) labels; each anchor averages over its N-1 pairs.
    d is floored at 1e-6 so that coincident points keep finite gradients.
    """

    name = "contrastive"

    def __init__(self, margin: float = 1.0, normalize: bool = True, reduction: str = "mean") -> None:
        super().__init__()
        self.margin, self.normalize, self.reduction = margin, normalize, reduction

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = F.normalize(embeddings, dim=1) if self.normalize else embeddings
        squared = (x.unsqueeze(0) - x.unsqueeze(1)).pow(2).sum(dim=-1)
        distance = squared.clamp_min(1e-12).sqrt()
        same = (labels.unsqueeze(0) == labels.unsqueeze(1)).to(x.dtype)
        pair = same * squared + (1 - same) * F.relu(self.margin - distance).pow(2)
        off_diagonal = 1 - torch.eye(len(labels), dtype=x.dtype, device=x.device)
        values = (pair * off_diagonal).sum(dim=1) / max(len(labels) - 1, 1)
        return reduce_values(values, self.reduction)


class InfoNCELoss(nn.Module):
    """InfoNCE with in-batch negatives (Oord et al. 2018; Chen et al. 2020).

    Input (N, D) queries and (N, D) matching keys; CE over cosine similarities / τ with
    the matching key as the class (log-softmax subtracts the max).
    """

    name = "info_nce"

    def __init__(self, temperature: float = 0.07, reduction: str = "mean") -> None:
        super().__init__()
        self.temperature, self.reduction = temperature, reduction

    def forward(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        q, k = F.normalize(queries, dim=1), F.normalize(keys.to(queries.dtype), dim=1)
        logits = q @ k.T / self.temperature
        targets = torch.arange(len(q), device=q.device)
        return F.cross_entropy(logits, targets, reduction=self.reduction)


__all__ = ["CTCLoss", "TripletLoss", "ContrastiveLoss", "InfoNCELoss"]
