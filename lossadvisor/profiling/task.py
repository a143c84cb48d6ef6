"""Infer the learning task from the target column(s), with the evidence for it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

COUNT_NAME = re.compile(r"(count|^num_|^n_|visits|calls|claims|events|sales|orders|clicks|qty|quantity)", re.IGNORECASE)
MAX_INTEGER_CLASSES = 10


@dataclass(frozen=True)
class TaskInference:
    task: str
    evidence: tuple[str, ...]


def infer_task(frame: pd.DataFrame | None, target: tuple[str, ...], separator: str = "|",
               has_masks: bool = False, override: str | None = None) -> TaskInference:
    """binary, multiclass, multilabel, regression, count, multitarget or segmentation."""
    if override is not None:
        return TaskInference(override, (f"given with --task {override}",))
    if frame is None or not target:
        if has_masks:
            return TaskInference("segmentation", ("a mask folder was given and no target column",))
        raise ValueError("nothing to infer a task from")
    if len(target) > 1:
        return _infer_multi(frame, target)
    return _infer_single(frame[target[0]], separator)


def _is_binary_indicator(column: pd.Series) -> bool:
    values = set(pd.unique(column.dropna()))
    return values <= {0, 1, True, False, 0.0, 1.0}


def _infer_multi(frame: pd.DataFrame, target: tuple[str, ...]) -> TaskInference:
    if all(_is_binary_indicator(frame[c]) for c in target):
        return TaskInference("multilabel", (f"{len(target)} target columns, each 0/1",))
    return TaskInference("multitarget", (f"{len(target)} target columns, not all 0/1 indicators",))


def _infer_single(column: pd.Series, separator: str) -> TaskInference:
    values = column.dropna()
    n_unique = int(values.nunique())
    name = str(column.name)
    if not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce")
        if len(values) >= 20 and numbers.notna().mean() >= 0.95 and numbers.nunique() > MAX_INTEGER_CLASSES:
            odd = values[numbers.isna()].astype(str).unique()[:3]
            inferred = _infer_single(numbers.rename(name), separator)
            return TaskInference(inferred.task, inferred.evidence + (
                f"{int(numbers.isna().sum())} target values are not numbers ({', '.join(map(repr, odd))}) "
                "and are left out",))
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        text = values.astype(str)
        delimited = float(text.str.contains(re.escape(separator), regex=True).mean())
        if separator and delimited >= 0.05:
            return TaskInference("multilabel", (f"{delimited:.0%} of labels hold several values separated by '{separator}'",))
        if n_unique == 2:
            return TaskInference("binary", ("non-numeric target with 2 distinct values",))
        return TaskInference("multiclass", (f"non-numeric target with {n_unique} distinct values",))
    array = values.to_numpy(dtype=float)
    finite = array[np.isfinite(array)]
    integral = bool(len(finite)) and bool(np.all(finite == np.round(finite)))
    if n_unique == 2:
        return TaskInference("binary", ("numeric target with exactly 2 distinct values",))
    if not integral:
        return TaskInference("regression", (f"real-valued target with {n_unique} distinct values",))
    non_negative = bool(np.all(finite >= 0))
    consecutive = n_unique <= MAX_INTEGER_CLASSES and set(np.unique(finite)) == set(range(int(finite.min()), int(finite.min()) + n_unique))
    if consecutive and not COUNT_NAME.search(name):
        return TaskInference("multiclass", (
            f"integer target with {n_unique} consecutive values {int(finite.min())}..{int(finite.max())} "
            "(read as class codes; pass --task count if they are counts)",
        ))
    if non_negative:
        why = "its name suggests counts" if COUNT_NAME.search(name) else f"{n_unique} distinct values"
        return TaskInference("count", (f"non-negative integer target ({why})",))
    return TaskInference("regression", (f"integer target with negative values and {n_unique} distinct values",))
