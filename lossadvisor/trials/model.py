"""M small MLPs as one module: stacked weights [M, d_in, d_out] and batched matrix products.

Member m's layers are slices ``weight[m]`` and ``bias[m]``; members share no parameter, so the
sum of the members' losses has, for each member, exactly that member's gradient, and AdamW
(elementwise) updates each member as if it trained alone. Members with the same seed start
from the same weights: paired seeds (the comparison is between losses, not initializations).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


def member_init(seed: int, sizes: Sequence[int]) -> list[torch.Tensor]:
    """Initial weights and biases of one MLP, from its seed alone.

    U(−1/√fan_in, 1/√fan_in) for weights and biases, the scale ``nn.Linear`` uses
    (He et al. 2015 with a = √5), drawn on the CPU so every device starts from the same numbers.
    """
    generator = torch.Generator().manual_seed(int(seed))
    tensors = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / fan_in**0.5
        tensors.append((torch.rand(fan_in, fan_out, generator=generator) * 2 - 1) * bound)
        tensors.append((torch.rand(1, fan_out, generator=generator) * 2 - 1) * bound)
    return tensors


class StackedMLP(nn.Module):
    """ReLU MLPs, one per seed in ``seeds``; input (M, B, d_in) → output (M, B, d_out)."""

    def __init__(self, seeds: Sequence[int], sizes: Sequence[int], device: torch.device | str = "cpu"):
        super().__init__()
        per_member = [member_init(seed, sizes) for seed in seeds]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for layer in range(len(sizes) - 1):
            self.weights.append(nn.Parameter(torch.stack([m[2 * layer] for m in per_member]).to(device)))
            self.biases.append(nn.Parameter(torch.stack([m[2 * layer + 1] for m in per_member]).to(device)))

    @property
    def n_members(self) -> int:
        return self.weights[0].shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = len(self.weights) - 1
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(bias, x, weight)
            if layer < last:
                x = torch.relu(x)
        return x

    def member_sq_grad_norms(self) -> torch.Tensor:
        """Σ over parameters of each member's squared gradient norm, shape (M,)."""
        total = None
        for p in self.parameters():
            term = p.grad.pow(2).flatten(1).sum(1)
            total = term if total is None else total + term
        return total
