"""What the trainer takes and gives: its configuration, the members to train, their tensors, their traces.

Shared by the epoch loop (:mod:`lossadvisor.trials.train`) and the step (:mod:`lossadvisor.trials.stepper`),
which is why they live in neither.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class TrainConfig:
    """How members are trained; the same for every member of a trial."""

    hidden: tuple[int, ...] = (64, 64)
    batch_size: int = 256
    epochs: int = 10
    budget_s: float | None = None
    lr: float = 3e-3
    weight_decay: float = 1e-4
    patience: int | None = 3
    device: str = "cpu"
    cuda_graph: bool = True
    evaluate_every_epoch: bool = True


@dataclass(frozen=True)
class Member:
    """One model to train: a candidate's loss module with one seed."""

    candidate: int
    seed: int
    loss: nn.Module
    form: str
    fold: int = 0  # cross-fitting: which (seed, fold) of the plan trains it (FoldIndex row); 0 for one split


@dataclass(frozen=True)
class FoldIndex:
    """Cross-fitting rows on the device: ``x_train`` and ``x_val`` then hold every row, and each
    member trains on ``train[member.fold]`` and is stopped early on ``val[member.fold]``.

    ``val`` is (folds, longest validation fold): shorter folds wrap round to fill it (static
    shapes); the validation *loss* curve is the only thing those repeats touch.
    """

    train: tuple[torch.Tensor, ...]
    val: torch.Tensor
    # (folds, longest test fold), wrapped like ``val``. When given, each member is evaluated on its
    # own validation rows only, keeps its best weights, and predicts its own test rows once at the
    # end (image trials: predicting every image with every fold's model each epoch cost more than
    # training). Its traces then hold outputs on those rows only, in order (see trials.crossfit.fold_output).
    test: torch.Tensor | None = None


@dataclass(frozen=True)
class TrainTensors:
    """Features and targets, already on the training device."""

    x_train: torch.Tensor
    x_val: torch.Tensor
    x_test: torch.Tensor
    y_train: dict[str, torch.Tensor]
    y_val: dict[str, torch.Tensor]
    folds: FoldIndex | None = None  # cross-fitting; None for the single split


@dataclass
class MemberTrace:
    """What one member did: curves per epoch and its outputs at the best validation epoch."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_score: list[float] = field(default_factory=list)
    grad_norm_mean: list[float] = field(default_factory=list)
    grad_norm_max: list[float] = field(default_factory=list)
    best_epoch: int = -1
    best_score: float = -math.inf
    val_output: np.ndarray | None = None
    test_output: np.ndarray | None = None
    diverged_epoch: int | None = None
    stopped_epoch: int | None = None


@dataclass(frozen=True)
class TrainOutcome:
    traces: list[MemberTrace]
    epochs_run: int
    steps: int
    seconds: float
    cuda_graph: bool
    vmap_groups: int
    notes: tuple[str, ...] = ()  # e.g. how an out-of-memory error changed the batching (trials.oom)


# (member positions, validation outputs (m, n_val, k)) → one score per member, higher is better.
ScoreFn = Callable[[Sequence[int], np.ndarray], np.ndarray]
