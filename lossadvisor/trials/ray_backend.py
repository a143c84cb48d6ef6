"""Trials on a Ray cluster: groups of (candidate × seed) members trained by the same batched engine on workers.

    report = run_trials(frame, "y", facts, specs, TrialOptions(backend="ray", address="ray://head:10001"))

The members are cut into contiguous groups (one per worker slot unless ``ray_groups`` says otherwise);
each Ray task trains its group with :func:`lossadvisor.trials.train.train_members`, exactly as the local
backend trains all members at once, and the traces come back in member order to be scored and compared
as usual. This gives the local numbers because a member's result depends on nothing but its own seed and
loss: its initial weights come from its seed (:func:`~lossadvisor.trials.model.member_init`), its row
order from its seed (:func:`~lossadvisor.trials.train.epoch_order`), members share no parameter and AdamW
is elementwise, and a stopped or diverged member is frozen while the others train on
(tests/test_ray_backend.py checks this for any grouping). A time budget (``--budget``) breaks this: how
many epochs fit depends on the machine.

On CUDA each task asks for ``GPU_SHARE`` of a GPU, so small groups share one device.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Sequence

from lossadvisor.errors import ConfigError

GPU_SHARE = 0.25
INSTALL_HINT = "pip install 'lossadvisor[ray]'"


def import_ray():
    """The ray module, or a ConfigError that says how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError(f"--backend ray needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


def split_members(n_members: int, n_groups: int) -> list[range]:
    """Contiguous, nearly equal groups of member positions (a candidate's seeds stay together where they fit)."""
    n_groups = max(1, min(n_groups, n_members))
    size, extra = divmod(n_members, n_groups)
    groups, start = [], 0
    for g in range(n_groups):
        stop = start + size + (1 if g < extra else 0)
        groups.append(range(start, stop))
        start = stop
    return groups


def train_group(train_local, members, tensors, scorer, options, sizes):
    """One Ray task: train these members with the local engine (`train_local`) on this worker's device."""
    import torch

    torch.set_num_threads(options.threads)
    device = torch.device(options.device)
    members = [replace(m, loss=m.loss.to(device)) for m in members]
    tensors = _move(tensors, device)
    traces, outcome = train_local(members, tensors, scorer, replace(options, backend="local"), sizes, None)
    return traces, outcome.epochs_run, outcome.steps, outcome.vmap_groups


def train_on_ray(train_local: Callable, members: Sequence, tensors, scorer, options, sizes: Sequence[int],
                 on_epoch: Callable[[int], None] | None = None):
    """Train the members in groups on Ray workers; (traces in member order, merged TrainOutcome).

    `train_local` is the local backend's training function (lossadvisor.trials.run), run by each task.
    """
    import torch

    from lossadvisor.trials.train_types import TrainOutcome

    ray = import_ray()
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(address=options.address, include_dashboard=False, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ConfigError(f"cannot reach the Ray cluster at {options.address or 'a new local instance'}: "
                              f"{str(exc).strip().splitlines()[0]}") from None
    try:
        slots = int(ray.cluster_resources().get("CPU", 1))
        groups = split_members(len(members), options.ray_groups or slots)
        gpu = GPU_SHARE if options.device == "cuda" else 0
        task = ray.remote(num_cpus=options.threads, num_gpus=gpu)(train_group)
        cpu_members = [replace(m, loss=m.loss.to("cpu")) for m in members]
        shared_tensors = ray.put(_move(tensors, torch.device("cpu")))
        shared_scorer = ray.put(scorer)
        start = time.perf_counter()
        futures = [task.remote(train_local, [cpu_members[i] for i in group], shared_tensors, shared_scorer, options,
                               list(sizes))
                   for group in groups]
        results = ray.get(futures)
        seconds = time.perf_counter() - start
    finally:
        if started:
            ray.shutdown()
    traces = [trace for group_traces, *_ in results for trace in group_traces]
    epochs = max(r[1] for r in results)
    if on_epoch is not None:
        for epoch in range(epochs):
            on_epoch(epoch)
    outcome = TrainOutcome(traces, epochs, sum(r[2] for r in results), seconds, False, sum(r[3] for r in results))
    return traces, outcome


def _move(tensors, device):
    from lossadvisor.trials.train_types import FoldIndex, TrainTensors

    folds = tensors.folds and FoldIndex(tensors.folds.train, tensors.folds.val.to(device))
    return TrainTensors(
        x_train=tensors.x_train.to(device), x_val=tensors.x_val.to(device), x_test=tensors.x_test.to(device),
        y_train={k: v.to(device) for k, v in tensors.y_train.items()},
        y_val={k: v.to(device) for k, v in tensors.y_val.items()}, folds=folds,
    )
