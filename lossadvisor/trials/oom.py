"""Batched training that survives running out of GPU memory: halve the member group, retry, then go sequential.

All members (candidates × seeds) normally train as one stacked model. When CUDA runs out of memory
doing that, the members are split in two halves and each half is trained as its own batch; a half that
still does not fit is halved again, down to one member at a time (the sequential path). Each member keeps
its seed, so its numbers do not depend on the group it trained in (within the batched/sequential
tolerance the trial tests already hold). What happened is returned as a note for the report.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from lossadvisor.errors import LossAdvisorError

SINGLE_MODEL_OOM = "CUDA ran out of memory training a single model; use a smaller --batch-size or --device cpu"
TrainFn = Callable[..., object]  # lossadvisor.trials.train.train_members


def _is_out_of_memory(exc: BaseException) -> bool:
    import torch

    return isinstance(exc, torch.OutOfMemoryError)


def _free_cached_memory() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def train_halving_on_oom(members: list, tensors, config, sizes: list[int],
                         score: Callable[[Sequence[int], np.ndarray, int], np.ndarray],
                         on_epoch: Callable[[int], None] | None, train: TrainFn):
    """``train(members, ...)`` in one batch, or in halves after an out-of-memory error; (outcome, note or None).

    ``score(positions, outputs, offset)`` scores members at ``offset + position`` of ``members``.
    """
    from dataclasses import replace

    from lossadvisor.trials.train_types import TrainOutcome

    try:
        outcome = train(members, tensors, config, sizes, lambda p, o: score(p, o, 0), on_epoch)
        return outcome, None
    except Exception as exc:
        if not _is_out_of_memory(exc):
            raise
    _free_cached_memory()
    if len(members) == 1:
        raise LossAdvisorError(SINGLE_MODEL_OOM) from None
    outcomes, largest = [], 0
    pending = [(0, len(members) // 2), (len(members) // 2, len(members))]
    while pending:
        start, stop = pending.pop(0)
        group = members[start:stop]
        group_config = config if config.budget_s is None else \
            replace(config, budget_s=config.budget_s * len(group) / len(members))
        try:
            outcome = train(group, tensors, group_config, sizes, lambda p, o, s=start: score(p, o, s), on_epoch)
        except Exception as exc:
            if not _is_out_of_memory(exc):
                raise
            _free_cached_memory()
            if len(group) == 1:
                raise LossAdvisorError(SINGLE_MODEL_OOM) from None
            middle = start + len(group) // 2
            pending[:0] = [(start, middle), (middle, stop)]
            continue
        outcomes.append((start, outcome))
        largest = max(largest, len(group))
    outcomes.sort(key=lambda pair: pair[0])
    parts = [o for _, o in outcomes]
    total = TrainOutcome([t for o in parts for t in o.traces], max(o.epochs_run for o in parts),
                         sum(o.steps for o in parts), sum(o.seconds for o in parts),
                         all(o.cuda_graph for o in parts), sum(o.vmap_groups for o in parts))
    how = "one model at a time (the sequential path)" if largest == 1 else f"groups of at most {largest} members"
    note = (f"CUDA ran out of memory training all {len(members)} members at once; the group was halved "
            f"after each out-of-memory error and trained in {how}")
    return total, note
