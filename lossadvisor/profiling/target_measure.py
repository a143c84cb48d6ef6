"""Measure each target of a multi-target table on its own (the profile's ``targets`` section).

Each column gets the single-column task inference (:func:`lossadvisor.profiling.task.infer_task` on
that column alone: binary, multiclass, regression or count) and then the measures a profile of that
column alone would hold: :func:`~lossadvisor.profiling.target.target_stats` for a numeric target (its
MAD, tails and outliers decide Huber's δ and the heavy-tail rules), :func:`~lossadvisor.profiling.balance.class_balance`
for a classification target (its counts decide class weights). Each target is measured on the rows
where it is present, so one target's missing values do not shrink another's measures.
"""

from __future__ import annotations

import pandas as pd

from lossadvisor.errors import LoadError
from lossadvisor.profiling.balance import class_balance
from lossadvisor.profiling.target import target_stats
from lossadvisor.profiling.target_section import NUMERIC_KINDS, TargetProfile
from lossadvisor.profiling.task import infer_task


def measure_targets(frame: pd.DataFrame, target: tuple[str, ...], features: pd.DataFrame | None = None,
                    seed: int = 0) -> tuple[TargetProfile, ...]:
    """One :class:`TargetProfile` per target column; ``features`` feed the variance-mean slope."""
    if len(target) < 2:
        raise LoadError(f"--task multitarget needs two or more target columns (--target a,b); got "
                        f"{len(target)}: {', '.join(target) or 'none'}")
    numeric_features = features.select_dtypes("number") if features is not None else None
    return tuple(measure_target(frame[name], numeric_features, seed) for name in target)


def measure_target(column: pd.Series, numeric_features: pd.DataFrame | None = None, seed: int = 0) -> TargetProfile:
    """The kind of one target column and its measures, as a single-target profile would take them."""
    name = str(column.name)
    present = column.notna().to_numpy()
    if column.nunique(dropna=True) < 2:
        only = column.dropna().iloc[0] if present.any() else "nothing"
        raise LoadError(f"target column '{name}' has a single value ({only!r}); a loss needs at least two")
    # An empty separator: a target column of a multi-target table is one label per row, never a label set.
    inferred = infer_task(column.to_frame(), (name,), separator="")
    kind = inferred.task
    stats = classes = None
    if kind in NUMERIC_KINDS:
        stats = target_stats(column, numeric_features, kind, seed)
    else:
        classes = class_balance(column)
    return TargetProfile(name, kind, inferred.evidence, stats, classes, int((~present).sum()))

