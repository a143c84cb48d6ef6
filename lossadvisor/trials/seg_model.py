"""M small U-Nets as one module: on a GPU every convolution is a grouped convolution with one group per member;
on a CPU each member's forward runs in turn on its slice of the same stacked weights (faster there, see forward).

A two- or three-level encoder–decoder with skip connections (Ronneberger et al. 2015), small
enough for a short trial: width 8 and two levels is about 5,000 parameters per member (three levels of
width 16, about 86,000). Member m's
weights are slices ``weight[m]`` of parameters shaped (M, out, in, k, k); a convolution with
``groups=M`` over the members' channels side by side computes all members at once, and members
share no weight, so the summed loss gives each member exactly its own gradient (as in
:mod:`lossadvisor.trials.model` for the tabular MLP). Input (M, B, c_in, H, W) → logits
(M, B, classes, H, W); any H and W (the decoder upsamples to the skip's size).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def _conv_shapes(c_in: int, n_classes: int, width: int, levels: int) -> list[tuple[int, int, int]]:
    """(out, in, kernel) of every convolution in forward order."""
    shapes, channels = [], c_in
    widths = [width * 2**level for level in range(levels)]
    for w in widths:  # encoder: two 3×3 convolutions per level
        shapes += [(w, channels, 3), (w, w, 3)]
        channels = w
    for w in reversed(widths[:-1]):  # decoder: 1×1 to the skip's width at low resolution, add the skip, one 3×3
        shapes += [(w, channels, 1), (w, w, 3)]
        channels = w
    shapes.append((n_classes, channels, 1))
    return shapes


def member_init(seed: int, shapes: Sequence[tuple[int, int, int]]) -> list[torch.Tensor]:
    """One member's weights from its seed alone: He-uniform U(±√(6/fan_in)) for the ReLU layers
    (He et al. 2015), zero biases; drawn on the CPU so every device starts from the same numbers."""
    generator = torch.Generator().manual_seed(int(seed))
    tensors = []
    for out, c_in, k in shapes:
        bound = (6.0 / (c_in * k * k)) ** 0.5
        tensors.append((torch.rand(out, c_in, k, k, generator=generator) * 2 - 1) * bound)
        tensors.append(torch.zeros(out))
    return tensors


class StackedUNet(nn.Module):
    """One small U-Net per seed in ``seeds``, computed together with grouped convolutions."""

    eval_chunk = 4  # images per forward pass when scoring: small chunks stay in cache (and bound the memory)
    per_member: bool | None = None  # None: one member after another on a CPU, grouped convolutions elsewhere

    def __init__(self, seeds: Sequence[int], c_in: int, n_classes: int, width: int = 8, levels: int = 2,
                 device: torch.device | str = "cpu"):
        super().__init__()
        if levels not in (2, 3):
            raise ValueError("levels must be 2 or 3")
        self.levels = levels
        shapes = _conv_shapes(c_in, n_classes, width, levels)
        per_member = [member_init(seed, shapes) for seed in seeds]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.stack([m[2 * i] for m in per_member]).to(device)) for i in range(len(shapes)))
        self.biases = nn.ParameterList(
            nn.Parameter(torch.stack([m[2 * i + 1] for m in per_member]).to(device)) for i in range(len(shapes)))

    @property
    def n_members(self) -> int:
        return self.weights[0].shape[0]

    def _conv(self, index: int, x: torch.Tensor, relu: bool = True, member: int | None = None) -> torch.Tensor:
        """Layer ``index`` for every member at once (grouped), or for one ``member`` alone."""
        weight, bias = self.weights[index], self.biases[index]
        if member is not None:
            y = F.conv2d(x, weight[member], bias[member], padding=weight.shape[-1] // 2)
        else:
            m, out, c_in, k, _ = weight.shape
            y = F.conv2d(x, weight.reshape(m * out, c_in, k, k), bias.reshape(m * out), padding=k // 2, groups=m)
        return torch.relu(y) if relu else y

    def _unet(self, h: torch.Tensor, member: int | None) -> torch.Tensor:
        skips, layer = [], 0
        for level in range(self.levels):
            if level:
                h = F.max_pool2d(h, 2, ceil_mode=True)
            h = self._conv(layer + 1, self._conv(layer, h, member=member), member=member)
            layer += 2
            skips.append(h)
        for skip in reversed(skips[:-1]):
            # Additive skips (as in LinkNet, Chaurasia & Culurciello 2017) instead of concatenation: the
            # full-resolution convolution then reads `width` channels, not 3·width, which is most of the cost.
            h = self._conv(layer, h, relu=False, member=member)
            h = torch.relu(F.interpolate(h, size=skip.shape[-2:], mode="nearest") + skip)
            h = self._conv(layer + 1, h, member=member)
            layer += 2
        return self._conv(layer, h, relu=False, member=member)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m, n = x.shape[0], x.shape[1]
        if self.per_member or (self.per_member is None and x.device.type == "cpu"):
            # On a CPU, one member after another: a member's activations (about 0.5 MB for 4 images of 64×64
            # at width 8) stay in cache through its whole forward and backward, while the grouped convolution
            # streams all members' (M times that) through memory at every layer and was measured 1.2–1.6× slower
            # than training the members one at a time. The loss, the backward call and the optimizer step
            # stay one for all members. oneDNN computes in NHWC, so NCHW activations would be reordered in
            # and out of every convolution; max pooling and upsampling also vectorise over channels in NHWC.
            outs = [self._unet(x[i].contiguous(memory_format=torch.channels_last), i) for i in range(m)]
            return torch.stack(outs)
        h = x.transpose(0, 1).reshape(n, -1, *x.shape[-2:])  # members' channels side by side
        out = self._unet(h, None)
        return out.reshape(n, m, -1, *out.shape[-2:]).transpose(0, 1)

    def member_sq_grad_norms(self) -> torch.Tensor:
        """Σ over parameters of each member's squared gradient norm, shape (M,)."""
        total = None
        for p in self.parameters():
            term = p.grad.pow(2).flatten(1).sum(1)
            total = term if total is None else total + term
        return total
