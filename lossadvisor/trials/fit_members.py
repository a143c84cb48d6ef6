"""Train a trial's members batched (one stacked model) or one at a time, for the image and multilabel trials.

The same choice :func:`lossadvisor.trials.run._train` makes for tables, with the model builder
passed through (a U-Net for images, the MLP otherwise); the time budget is shared out evenly
between members when they train one at a time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

import numpy as np

from lossadvisor.trials.results import TrialOptions
from lossadvisor.trials.train import train_members
from lossadvisor.trials.train_types import Member, TrainConfig, TrainOutcome, TrainTensors


def fit_members(members: list[Member], tensors: TrainTensors,
                validation_scores: Callable[[Sequence[Member], np.ndarray], np.ndarray],
                options: TrialOptions, sizes: Sequence[int] = (), build_model: Callable | None = None,
                on_epoch: Callable[[int], None] | None = None, config: TrainConfig | None = None) -> TrainOutcome:
    """``validation_scores(scored, outputs)`` scores the members ``scored`` on their validation outputs
    (m, n_val, ...), higher is better (under cross-fitting each member reads its own fold's rows)."""
    config = config or options.train

    def scorer_of(group: Sequence[Member]) -> Callable[[Sequence[int], np.ndarray], np.ndarray]:
        return lambda positions, outputs: validation_scores([group[p] for p in positions], outputs)

    if options.batched:
        return train_members(members, tensors, config, sizes, scorer_of(members), on_epoch, build_model)
    if config.budget_s is not None:
        config = replace(config, budget_s=config.budget_s / len(members))
    outcomes = [train_members([m], tensors, config, sizes, scorer_of([m]), on_epoch, build_model) for m in members]
    return TrainOutcome([t for o in outcomes for t in o.traces], max(o.epochs_run for o in outcomes),
                        sum(o.steps for o in outcomes), sum(o.seconds for o in outcomes),
                        any(o.cuda_graph for o in outcomes), sum(o.vmap_groups for o in outcomes))
