"""Successive halving on the batched trainer: every trial of a bracket trains as a member of one
stacked model; at each rung the best fraction keeps its weights and optimizer state and goes on.

Synchronous successive halving (Jamieson & Talwalkar 2016; the inner loop of Hyperband, Li et al.
2018): n configurations train r epochs, the best ⌈n/η⌉ continue to r·η epochs, and so on up to the
full number of epochs. The survivors *continue* — their slices of the stacked weights and AdamW
moments are copied into a smaller stacked model — so a configuration that reaches the last rung
has trained exactly as long as a plain trial fit. The same code decides the rungs for every
bracket, so Optuna's own pruners (which decide one trial at a time, asynchronously) are not used
here: a batch trains its trials together and is judged together.

Only training and validation rows are touched: the search scores on validation rows and never sees
the test rows, which the final comparison keeps for itself (the over-fitting guard).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

# The trainer's own end-of-epoch bookkeeping (curves, best epoch, early stopping), so a rung scores
# members exactly as a trial does.
from lossadvisor.trials.stepper import Stepper, run_epoch_eager
from lossadvisor.trials.train import MIN_BATCH, MIN_STEPS, epoch_order
from lossadvisor.trials.train import _end_epoch  # noqa: PLC2701 — shared on purpose, see above
from lossadvisor.trials.train_types import Member, MemberTrace, ScoreFn, TrainConfig, TrainTensors


def rung_epochs(max_epochs: int, min_epochs: int, eta: int) -> tuple[int, ...]:
    """Epoch counts at which rungs are judged: min·η^k below ``max_epochs``, then ``max_epochs``."""
    rungs, r = [], max(1, min_epochs)
    while r < max_epochs:
        rungs.append(r)
        r *= eta
    rungs.append(max_epochs)
    return tuple(rungs)


@dataclass(frozen=True)
class RungResult:
    """One rung of one bracket: which trials trained to ``epochs`` and their validation values."""

    epochs: int
    trials: tuple[int, ...]       # positions in the bracket
    values: tuple[float, ...]     # mean over seeds of the best validation score so far (higher is better)


@dataclass(frozen=True)
class BracketOutcome:
    rungs: tuple[RungResult, ...]
    member_epochs: int            # Σ over members of epochs trained (the cost)
    seconds: float


def _narrow(old: Stepper, keep: list[int], members: Sequence[Member], data: TrainTensors, config: TrainConfig,
            sizes: Sequence[int]) -> Stepper:
    """A stacked model of the kept members only, with their weights and AdamW state carried over."""
    new = Stepper([members[i] for i in keep], data, config, sizes)
    index = torch.as_tensor(keep, device=data.x_train.device)
    with torch.no_grad():
        for p_new, p_old in zip(new.params, old.params):
            p_new.copy_(p_old.index_select(0, index))
            state = old.optimizer.state.get(p_old)
            if state:  # 'step' is a scalar shared by all members; the moments are per member
                new.optimizer.state[p_new] = {
                    k: v.index_select(0, index).clone() if torch.is_tensor(v) and v.dim() > 0 else
                    (v.clone() if torch.is_tensor(v) else v) for k, v in state.items()}
        for name in ("active", "diverged"):
            getattr(new, name).copy_(getattr(old, name).index_select(0, index))
    return new


def train_bracket(
    members: Sequence[Member],
    data: TrainTensors,
    config: TrainConfig,
    sizes: Sequence[int],
    score: Callable[[Sequence[Member], np.ndarray], np.ndarray],
    rungs: Sequence[int],
    eta: int,
    on_rung: Callable[[RungResult], None] | None = None,
) -> BracketOutcome:
    """Train a bracket's members (trial = ``member.candidate``) rung by rung, halving at each rung."""
    start = time.perf_counter()
    alive = list(range(len(members)))
    stepper = Stepper(members, data, config, sizes)
    traces = [MemberTrace() for _ in members]
    n_train = data.x_train.shape[0]
    batch = max(1, min(config.batch_size, max(MIN_BATCH, math.ceil(n_train / MIN_STEPS)), n_train))
    epoch, member_epochs, results = 0, 0, []
    for level, rung in enumerate(rungs):
        current = [members[i] for i in alive]
        scorer: ScoreFn = lambda pos, out, cur=current: score([cur[p] for p in pos], out)  # noqa: E731
        while epoch < rung:
            if bool(stepper.active.any()):
                orders = {s: epoch_order(s, epoch, n_train, batch) for s in {m.seed for m in current}}
                run_epoch_eager(stepper, torch.stack([orders[m.seed] for m in current], dim=1).to(data.x_train.device))
                member_epochs += len(current)
                _end_epoch(stepper, [traces[i] for i in alive], epoch, scorer, config, epoch == rung - 1)
            epoch += 1
        trial_ids = sorted({members[i].candidate for i in alive})
        values = tuple(_trial_value([traces[i] for i in alive if members[i].candidate == t]) for t in trial_ids)
        result = RungResult(rung, tuple(trial_ids), values)
        results.append(result)
        if on_rung is not None:
            on_rung(result)
        if level == len(rungs) - 1:
            break
        kept = set(keep_best(trial_ids, values, eta))
        keep = [j for j, i in enumerate(alive) if members[i].candidate in kept]
        stepper = _narrow(stepper, keep, current, data, config, sizes)
        alive = [alive[j] for j in keep]
    return BracketOutcome(tuple(results), member_epochs, time.perf_counter() - start)


def keep_best(trials: Sequence[int], values: Sequence[float], eta: int) -> list[int]:
    """The best ⌈n/η⌉ trials by value (non-finite values last; ties keep the earlier trial)."""
    n_keep = max(1, math.ceil(len(trials) / eta))
    ranked = sorted(range(len(trials)), key=lambda j: (-values[j] if np.isfinite(values[j]) else math.inf, j))
    return [trials[j] for j in ranked[:n_keep]]


def _trial_value(traces: Sequence[MemberTrace]) -> float:
    """Mean over seeds of each member's best validation score; NaN when a seed never scored."""
    scores = [t.best_score for t in traces]
    return float(np.mean(scores)) if scores and all(np.isfinite(scores)) else math.nan

