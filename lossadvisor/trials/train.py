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
from typing import Callable, Sequence

import numpy as np
import torch

from lossadvisor.trials.stepper import GraphRunner, Stepper, run_epoch_eager
from lossadvisor.trials.train_types import Member, MemberTrace, ScoreFn, TrainConfig, TrainOutcome, TrainTensors

MIN_STEPS = 16
MIN_BATCH = 32


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


def wrapped_order(seed: int, epoch: int, rows: torch.Tensor, steps: int, batch_size: int) -> torch.Tensor:
    """Cross-fitting: one member's training ``rows`` in the seed's order, wrapped round to fill ``steps`` batches.

    Every member takes the same number of steps (one stacked model); a fold with fewer training
    rows than the largest (forward chaining) sees some of them twice in an epoch.
    """
    generator = torch.Generator().manual_seed(int(seed) * 1_000_003 + epoch)
    order = torch.randperm(len(rows), generator=generator)
    need = steps * batch_size
    order = order.repeat(math.ceil(need / len(rows)))[:need]
    return rows[order].view(steps, batch_size)


def _end_epoch(stepper: Stepper, traces: list[MemberTrace], epoch: int, score: ScoreFn, config: TrainConfig, last: bool):
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
    val_out, val_loss = stepper.validation_outputs()
    val_np, val_loss = val_out.cpu().numpy(), val_loss.cpu().numpy()
    scores = score(live, val_np[live])
    improved = []
    for i, s in zip(live, scores):
        trace = traces[i]
        trace.val_loss.append(float(val_loss[i]))
        trace.val_score.append(float(s))
        if np.isfinite(s) and (s > trace.best_score or trace.best_epoch < 0):
            trace.best_score, trace.best_epoch = float(s), epoch
            trace.val_output = val_np[i].copy()  # a view would keep every member's outputs of that epoch alive
            improved.append(i)
        elif config.patience is not None and epoch - trace.best_epoch >= config.patience:
            trace.stopped_epoch = epoch
            active[i] = False
    if improved and stepper.best_params is not None:  # own-rows evaluation: test rows are predicted at the end
        best = torch.as_tensor(improved, device=stepper.active.device)
        for p, kept in zip(stepper.params, stepper.best_params):
            kept[best] = p.detach()[best]
    elif improved:
        same_rows = stepper.data.x_test is stepper.data.x_val  # cross-fitting: outputs on every row, once
        test_np = val_np if same_rows else stepper.outputs(stepper.data.x_test).cpu().numpy()
        for i in improved:
            traces[i].test_output = test_np[i]
    stepper.active.copy_(torch.as_tensor(active, device=stepper.active.device))


def _predict_own_tests(stepper: Stepper, traces: list[MemberTrace]) -> None:
    """Own-rows evaluation: every member's best weights predict its own test rows, once."""
    if not any(t.best_epoch >= 0 for t in traces):
        return
    with torch.no_grad():
        for p, kept in zip(stepper.params, stepper.best_params):
            p.copy_(kept)
    test_np = stepper.outputs_at(stepper.data.x_test, stepper.test_rows).cpu().numpy()
    for i, trace in enumerate(traces):
        if trace.best_epoch >= 0:
            trace.test_output = test_np[i]


def train_members(
    members: Sequence[Member],
    data: TrainTensors,
    config: TrainConfig,
    sizes: Sequence[int],
    score: ScoreFn,
    on_epoch: Callable[[int], None] | None = None,
    build_model: Callable[[list[int], torch.device], nn.Module] | None = None,
) -> TrainOutcome:
    """Train ``members`` together as one stacked model (``build_model(seeds, device)``, by default
    the MLP of ``sizes``); returns one trace per member."""
    stepper = Stepper(members, data, config, sizes, build_model)
    device = data.x_train.device
    folds = data.folds
    n_train = data.x_train.shape[0] if folds is None else max(len(folds.train[m.fold]) for m in members)
    # The batch size is an upper bound: small tables get smaller batches (at least MIN_STEPS per
    # epoch), otherwise a short fit on 1,000 rows would take a handful of optimizer steps.
    batch = max(1, min(config.batch_size, max(MIN_BATCH, math.ceil(n_train / MIN_STEPS)), n_train))
    use_graph = bool(config.cuda_graph and device.type == "cuda" and torch.cuda.is_available())
    runner = GraphRunner(stepper, torch.zeros(len(members), batch, dtype=torch.long, device=device)) if use_graph else None
    traces = [MemberTrace() for _ in members]
    max_epochs = config.epochs if config.budget_s is None else max(config.epochs, 10_000)
    start, steps, epochs_run = time.perf_counter(), 0, 0
    for epoch in range(max_epochs):
        if folds is None:
            by_seed = {seed: epoch_order(seed, epoch, n_train, batch) for seed in {m.seed for m in members}}
            order = torch.stack([by_seed[m.seed] for m in members], dim=1).to(device)
        else:
            steps_per_epoch = math.ceil(n_train / batch)
            by_fold = {(m.seed, m.fold): wrapped_order(m.seed, epoch, folds.train[m.fold], steps_per_epoch, batch)
                       for m in members}
            order = torch.stack([by_fold[(m.seed, m.fold)] for m in members], dim=1).to(device)
        if runner is not None:
            runner.run(order)
        else:
            run_epoch_eager(stepper, order)
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
    if stepper.best_params is not None:
        _predict_own_tests(stepper, traces)
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
