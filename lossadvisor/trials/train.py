"""The batched trainer: all candidates × seeds as one stacked MLP, one backward, one step.

Per minibatch: every member gathers its own rows (seed s fixes the row order, shared by every
loss with that seed), the stacked network runs once, each loss group (one candidate, all its
seeds) computes its members' losses at once through ``torch.func.vmap``, the masked sum is
back-propagated once and AdamW steps once. A member whose loss or gradient turns NaN/inf is
frozen (weights restored, gradients masked) and reported as diverged; early stopping freezes a
member the same way. All of that is tensor arithmetic with no host read, so on CUDA the whole
step is captured once in a CUDA graph and replayed (small models are launch-bound on a GPU).
The sequential path (``--no-batch``) is this same code with one member at a time.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from lossadvisor.trials.heads import FORM_TARGET, adapt_output
from lossadvisor.trials.model import StackedMLP

EVAL_CHUNK = 65_536
GRAPH_WARMUP_STEPS = 3
MIN_STEPS = 16
MIN_BATCH = 32


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


@dataclass(frozen=True)
class TrainTensors:
    """Features and targets, already on the training device."""

    x_train: torch.Tensor
    x_val: torch.Tensor
    x_test: torch.Tensor
    y_train: dict[str, torch.Tensor]
    y_val: dict[str, torch.Tensor]


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


# (member positions, validation outputs (m, n_val, k)) → one score per member, higher is better.
ScoreFn = Callable[[Sequence[int], np.ndarray], np.ndarray]


class _LossGroup:
    """Members [start, stop) that share one loss module: their per-member losses, shape (g,)."""

    def __init__(self, start: int, stop: int, loss: nn.Module, form: str):
        self.start, self.stop, self.loss, self.form = start, stop, loss, form
        self.target = FORM_TARGET[form]
        # vmap runs the group's members in one call; a loss vmap cannot trace falls back to a loop.
        self.batched = True

    def __call__(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        inputs = adapt_output(output[self.start : self.stop], self.form)
        if self.batched:
            try:
                return torch.func.vmap(self.loss)(inputs, target)
            except Exception:  # noqa: BLE001 — any vmap limitation: run members one by one
                self.batched = False
        return torch.stack([self.loss(inputs[i], target[i]) for i in range(inputs.shape[0])])


def _groups(members: Sequence[Member]) -> list[_LossGroup]:
    groups, start = [], 0
    for i in range(1, len(members) + 1):
        if i == len(members) or members[i].candidate != members[start].candidate:
            groups.append(_LossGroup(start, i, members[start].loss, members[start].form))
            start = i
    return groups


def epoch_order(seed: int, epoch: int, n_rows: int, batch_size: int) -> torch.Tensor:
    """Row order of one epoch for one seed, (steps, batch): a permutation, wrapped to fill the last batch.

    Every batch is full so the step has static shapes (a CUDA graph needs them); the few rows
    repeated at the end are the first rows of the same permutation.
    """
    generator = torch.Generator().manual_seed(int(seed) * 1_000_003 + epoch)
    order = torch.randperm(n_rows, generator=generator)
    steps = math.ceil(n_rows / batch_size)
    pad = steps * batch_size - n_rows
    if pad:
        order = torch.cat([order, order[:pad]])
    return order.view(steps, batch_size)


class _Stepper:
    """The training step as tensor arithmetic with static buffers (graph-capturable)."""

    def __init__(self, members: Sequence[Member], data: TrainTensors, config: TrainConfig, sizes: Sequence[int]):
        device = data.x_train.device
        self.data, self.groups = data, _groups(members)
        self.model = StackedMLP([m.seed for m in members], sizes, device)
        self.params = list(self.model.parameters())
        capturable = device.type == "cuda"
        self.optimizer = torch.optim.AdamW(
            self.params, lr=config.lr, weight_decay=config.weight_decay, capturable=capturable
        )
        n = len(members)
        self.active = torch.ones(n, dtype=torch.bool, device=device)
        self.diverged = torch.zeros(n, dtype=torch.bool, device=device)
        self.loss_sum = torch.zeros(n, device=device)
        self.grad_sum = torch.zeros(n, device=device)
        self.grad_max = torch.zeros(n, device=device)
        self.steps_active = torch.zeros(n, device=device)

    def member_losses(self, output: torch.Tensor, targets: dict[str, torch.Tensor], rows: torch.Tensor | None):
        parts = []
        for group in self.groups:
            target = targets[group.target]
            target = target[rows[group.start : group.stop]] if rows is not None else target.expand(
                group.stop - group.start, *target.shape
            )
            parts.append(group(output, target))
        return torch.cat(parts)

    def step(self, rows: torch.Tensor) -> None:
        """One optimizer step for every active member; ``rows`` is (M, B) training-row indices."""
        output = self.model(self.data.x_train[rows])
        losses = self.member_losses(output, self.data.y_train, rows)
        finite = torch.isfinite(losses)
        self.diverged.logical_or_(self.active & ~finite)
        self.active.logical_and_(finite)
        torch.where(self.active, losses, torch.zeros_like(losses)).sum().backward()
        grad_norm = self.model.member_sq_grad_norms().sqrt()
        finite = torch.isfinite(grad_norm)
        self.diverged.logical_or_(self.active & ~finite)
        self.active.logical_and_(finite)
        keep = self.active.view(-1, 1, 1)
        saved = []
        for p in self.params:
            p.grad.copy_(torch.where(keep, p.grad, torch.zeros_like(p.grad)))
            saved.append(p.detach().clone())
        self.optimizer.step()
        with torch.no_grad():
            for p, old in zip(self.params, saved):
                p.copy_(torch.where(keep, p, old))
            live = self.active.float()
            self.loss_sum.add_(torch.nan_to_num(losses.detach(), nan=0.0, posinf=0.0, neginf=0.0) * live)
            self.grad_sum.add_(torch.nan_to_num(grad_norm, nan=0.0, posinf=0.0) * live)
            self.grad_max.copy_(torch.maximum(self.grad_max, torch.nan_to_num(grad_norm, nan=0.0, posinf=0.0) * live))
            self.steps_active.add_(live)

    @torch.no_grad()
    def outputs(self, x: torch.Tensor) -> torch.Tensor:
        """Every member's output on all rows of ``x``: (M, n, k), computed in row chunks."""
        m = self.model.n_members
        chunks = [self.model(x[i : i + EVAL_CHUNK].expand(m, -1, -1)) for i in range(0, x.shape[0], EVAL_CHUNK)]
        return torch.cat(chunks, dim=1)


def _run_epoch_eager(stepper: _Stepper, order: torch.Tensor) -> None:
    for rows in order:
        stepper.optimizer.zero_grad(set_to_none=True)
        stepper.step(rows)


class _GraphRunner:
    """Capture ``stepper.step`` once in a CUDA graph and replay it for every later step.

    Follows PyTorch's whole-network capture recipe: a few eager warm-up steps on a side stream
    (these are real training steps, so the step count is unchanged), grads set to None before
    capture so backward allocates them from the graph's pool, AdamW with capturable=True.
    """

    def __init__(self, stepper: _Stepper, static_rows: torch.Tensor):
        self.stepper, self.static_rows, self.graph = stepper, static_rows, None
        self.warm_left = GRAPH_WARMUP_STEPS

    def run(self, order: torch.Tensor) -> None:
        for rows in order:
            self.static_rows.copy_(rows)
            if self.graph is not None:
                self.graph.replay()
            elif self.warm_left > 0:
                self._warm_step()
            else:
                self._capture_and_run()

    def _warm_step(self) -> None:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            self.stepper.optimizer.zero_grad(set_to_none=True)
            self.stepper.step(self.static_rows)
        torch.cuda.current_stream().wait_stream(side)
        self.warm_left -= 1

    def _capture_and_run(self) -> None:
        self.stepper.optimizer.zero_grad(set_to_none=True)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            self.stepper.step(self.static_rows)
        self.graph = graph
        graph.replay()  # capture records the step without running it


def _end_epoch(stepper: _Stepper, traces: list[MemberTrace], epoch: int, score: ScoreFn, config: TrainConfig, last: bool):
    steps = stepper.steps_active.cpu().numpy()
    loss_sum, grad_sum = stepper.loss_sum.cpu().numpy(), stepper.grad_sum.cpu().numpy()
    grad_max, diverged = stepper.grad_max.cpu().numpy(), stepper.diverged.cpu().numpy()
    active = stepper.active.cpu().numpy()
    for i, trace in enumerate(traces):
        if trace.diverged_epoch is None and trace.stopped_epoch is None:
            trace.train_loss.append(float(loss_sum[i] / steps[i]) if steps[i] else math.nan)
            trace.grad_norm_mean.append(float(grad_sum[i] / steps[i]) if steps[i] else math.nan)
            trace.grad_norm_max.append(float(grad_max[i]))
        if diverged[i] and trace.diverged_epoch is None:
            trace.diverged_epoch = epoch
    for t in (stepper.loss_sum, stepper.grad_sum, stepper.grad_max, stepper.steps_active):
        t.zero_()
    if not (config.evaluate_every_epoch or last):
        return
    live = [i for i, t in enumerate(traces) if t.diverged_epoch is None and t.stopped_epoch is None]
    if not live:
        return
    val_out = stepper.outputs(stepper.data.x_val)
    val_loss = stepper.member_losses(val_out, stepper.data.y_val, None).cpu().numpy()
    val_np = val_out.cpu().numpy()
    scores = score(live, val_np[live])
    improved = []
    for i, s in zip(live, scores):
        trace = traces[i]
        trace.val_loss.append(float(val_loss[i]))
        trace.val_score.append(float(s))
        if np.isfinite(s) and (s > trace.best_score or trace.best_epoch < 0):
            trace.best_score, trace.best_epoch = float(s), epoch
            trace.val_output = val_np[i]
            improved.append(i)
        elif config.patience is not None and epoch - trace.best_epoch >= config.patience:
            trace.stopped_epoch = epoch
            active[i] = False
    if improved:
        test_np = stepper.outputs(stepper.data.x_test).cpu().numpy()
        for i in improved:
            traces[i].test_output = test_np[i]
    stepper.active.copy_(torch.as_tensor(active, device=stepper.active.device))


def train_members(
    members: Sequence[Member],
    data: TrainTensors,
    config: TrainConfig,
    sizes: Sequence[int],
    score: ScoreFn,
    on_epoch: Callable[[int], None] | None = None,
) -> TrainOutcome:
    """Train ``members`` together as one stacked model; returns one trace per member."""
    stepper = _Stepper(members, data, config, sizes)
    device = data.x_train.device
    n_train = data.x_train.shape[0]
    # The batch size is an upper bound: small tables get smaller batches (at least MIN_STEPS per
    # epoch), otherwise a short fit on 1,000 rows would take a handful of optimizer steps.
    batch = max(1, min(config.batch_size, max(MIN_BATCH, math.ceil(n_train / MIN_STEPS)), n_train))
    use_graph = bool(config.cuda_graph and device.type == "cuda" and torch.cuda.is_available())
    runner = _GraphRunner(stepper, torch.zeros(len(members), batch, dtype=torch.long, device=device)) if use_graph else None
    traces = [MemberTrace() for _ in members]
    max_epochs = config.epochs if config.budget_s is None else max(config.epochs, 10_000)
    start, steps, epochs_run = time.perf_counter(), 0, 0
    for epoch in range(max_epochs):
        by_seed = {seed: epoch_order(seed, epoch, n_train, batch) for seed in {m.seed for m in members}}
        order = torch.stack([by_seed[m.seed] for m in members], dim=1).to(device)
        if runner is not None:
            runner.run(order)
        else:
            _run_epoch_eager(stepper, order)
        steps += order.shape[0]
        epochs_run = epoch + 1
        elapsed = time.perf_counter() - start
        out_of_time = config.budget_s is not None and elapsed * (epoch + 2) / (epoch + 1) > config.budget_s
        last = epoch == max_epochs - 1 or out_of_time
        _end_epoch(stepper, traces, epoch, score, config, last)
        if on_epoch is not None:
            on_epoch(epoch)
        if last or not bool(stepper.active.any()):
            break
    if device.type == "cuda":
        torch.cuda.synchronize()
    return TrainOutcome(
        traces=traces,
        epochs_run=epochs_run,
        steps=steps,
        seconds=time.perf_counter() - start,
        cuda_graph=runner is not None and runner.graph is not None,
        vmap_groups=sum(g.batched for g in stepper.groups),
    )
