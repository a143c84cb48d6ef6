"""One training step for every member at once, run eagerly or captured once in a CUDA graph and replayed.

The epoch loop in :mod:`lossadvisor.trials.train` drives these steps (its docstring tells the
whole design: masked divergence, frozen members, one backward, one AdamW step).
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from lossadvisor.trials.heads import FORM_TARGET, adapt_output
from lossadvisor.trials.model import StackedMLP
from lossadvisor.trials.train_types import Member, TrainConfig, TrainTensors

EVAL_CHUNK = 65_536
GRAPH_WARMUP_STEPS = 3


class _LossGroup:
    """Members [start, stop) that share one loss module: their per-member losses, shape (g,)."""

    def __init__(self, start: int, stop: int, loss: nn.Module, form: str):
        self.start, self.stop, self.loss, self.form = start, stop, loss, form
        self.target = FORM_TARGET[form]
        # vmap runs the group's members in one call; a loss vmap cannot trace falls back to a loop.
        # A loss that takes the members' stack itself (group DRO keeps state per member) gets it whole.
        self.batched = True
        self.stacked = bool(getattr(loss, "member_stacked", False))
        if hasattr(loss, "reset_state"):
            loss.reset_state()

    def __call__(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        inputs = adapt_output(output[self.start : self.stop], self.form)
        if self.stacked:
            return self.loss(inputs, target)
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


class Stepper:
    """The training step as tensor arithmetic with static buffers (graph-capturable)."""

    def __init__(self, members: Sequence[Member], data: TrainTensors, config: TrainConfig, sizes: Sequence[int],
                 build_model: Callable[[list[int], torch.device], nn.Module] | None = None):
        device = data.x_train.device
        self.data, self.groups = data, _groups(members)
        # Cross-fitting: each member's validation rows (indices into x_val), else None (all of x_val).
        self.val_rows = None if data.folds is None else data.folds.val[[m.fold for m in members]]
        # Own-rows evaluation (FoldIndex.test): each member's test rows, else None.
        own = data.folds is not None and data.folds.test is not None
        self.test_rows = data.folds.test[[m.fold for m in members]] if own else None
        seeds = [m.seed for m in members]
        # Any stacked model works (parameters with a leading member axis); the tabular MLP by default.
        self.model = build_model(seeds, device) if build_model else StackedMLP(seeds, sizes, device)
        self.params = list(self.model.parameters())
        # Own-rows evaluation: each member's parameters at its best validation epoch so far.
        self.best_params = [p.detach().clone() for p in self.params] if own else None
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

    def validation_outputs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Every member's validation outputs and loss: on all of ``x_val``, or, with own-rows evaluation,
        on its own validation rows only (then the outputs are (M, its rows, ...))."""
        if self.test_rows is None:
            val_out = self.outputs(self.data.x_val)
            return val_out, self.validation_losses(val_out)
        val_out = self.outputs_at(self.data.x_val, self.val_rows)
        return val_out, self.member_losses(val_out, self.data.y_val, self.val_rows)

    def validation_losses(self, val_out: torch.Tensor) -> torch.Tensor:
        """Each member's loss on its validation rows; ``val_out`` is (M, rows of x_val, k)."""
        if self.val_rows is None:
            return self.member_losses(val_out, self.data.y_val, None)
        rows = self.val_rows
        members = torch.arange(rows.shape[0], device=rows.device).unsqueeze(1)
        gathered = val_out[members, rows]  # (M, validation rows, ...): any output shape (MLP rows, U-Net images)
        return self.member_losses(gathered, self.data.y_val, rows)

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
        keeps = [self.active.view(-1, *[1] * (p.dim() - 1)) for p in self.params]
        saved = []
        for p, keep in zip(self.params, keeps):
            p.grad.copy_(torch.where(keep, p.grad, torch.zeros_like(p.grad)))
            saved.append(p.detach().clone())
        self.optimizer.step()
        with torch.no_grad():
            for p, old, keep in zip(self.params, saved, keeps):
                p.copy_(torch.where(keep, p, old))
            live = self.active.float()
            self.loss_sum.add_(torch.nan_to_num(losses.detach(), nan=0.0, posinf=0.0, neginf=0.0) * live)
            self.grad_sum.add_(torch.nan_to_num(grad_norm, nan=0.0, posinf=0.0) * live)
            self.grad_max.copy_(torch.maximum(self.grad_max, torch.nan_to_num(grad_norm, nan=0.0, posinf=0.0) * live))
            self.steps_active.add_(live)

    @torch.no_grad()
    def outputs_at(self, x: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        """Each member's output on its own rows of ``x`` (``rows`` is (M, r)): (M, r, ...), in chunks."""
        chunk = getattr(self.model, "eval_chunk", EVAL_CHUNK)
        return torch.cat([self.model(x[rows[:, i : i + chunk]]) for i in range(0, rows.shape[1], chunk)], dim=1)

    @torch.no_grad()
    def outputs(self, x: torch.Tensor) -> torch.Tensor:
        """Every member's output on all rows of ``x``: (M, n, k), computed in row chunks."""
        m, chunk = self.model.n_members, getattr(self.model, "eval_chunk", EVAL_CHUNK)
        chunks = [self.model(x[i : i + chunk].unsqueeze(0).expand(m, *x[i : i + chunk].shape))
                  for i in range(0, x.shape[0], chunk)]
        return torch.cat(chunks, dim=1)


def run_epoch_eager(stepper: Stepper, order: torch.Tensor) -> None:
    for rows in order:
        stepper.optimizer.zero_grad(set_to_none=True)
        stepper.step(rows)


class GraphRunner:
    """Capture ``stepper.step`` once in a CUDA graph and replay it for every later step.

    Follows PyTorch's whole-network capture recipe: a few eager warm-up steps on a side stream
    (these are real training steps, so the step count is unchanged), grads set to None before
    capture so backward allocates them from the graph's pool, AdamW with capturable=True.
    """

    def __init__(self, stepper: Stepper, static_rows: torch.Tensor):
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
