"""A pool entry → the frame a run trains on: rows with a target, a seeded subsample, no leaking columns,
and the condition injected (observed target in the frame, the clean one kept beside it)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lossadvisor.evidence.inject import flip_labels, gross_errors, parse_condition

LEAK_RANK_CORRELATION = 0.95   # a feature this rank-correlated with the target is a recoding of it (wage, lwage)
LEAK_PURITY = 0.99             # a categorical feature whose levels give the class this purely is one too


@dataclass(frozen=True)
class PreparedSet:
    """One (set, condition): features + observed target in ``frame``, the clean target in ``truth``."""

    name: str
    condition: str
    task: str
    target: str
    frame: pd.DataFrame
    truth: np.ndarray
    dropped: tuple[str, ...]   # leaking feature columns removed


def stable_seed(text: str, seed: int) -> int:
    """A seed for one named thing: the same name and seed give the same number on every machine."""
    return (zlib.crc32(text.encode("utf-8")) + 1_000_003 * seed) % (2**32)


def clean_frame(frame: pd.DataFrame, target: str, task: str, max_rows: int, seed: int,
                name: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Rows with a target; at most ``max_rows`` of them (a seeded sample); leaking columns dropped."""
    frame = frame.loc[frame[target].notna()].reset_index(drop=True)
    if len(frame) > max_rows:
        rows = np.sort(np.random.default_rng(stable_seed(name, seed)).choice(len(frame), max_rows, replace=False))
        frame = frame.iloc[rows].reset_index(drop=True)
    leaks = leaking_columns(frame, target, task)
    return frame.drop(columns=list(leaks)), leaks


def leaking_columns(frame: pd.DataFrame, target: str, task: str) -> tuple[str, ...]:
    """Features that restate the target: |Spearman ρ| ≥ 0.95 with it (numbers), or levels that give the
    class with ≥ 99% purity while having fewer than n/5 levels (a recoded label)."""
    y = frame[target]
    numeric_y = pd.to_numeric(y, errors="coerce") if task in ("regression", "count") else \
        pd.Series(pd.factorize(y.astype(str), sort=True)[0], index=y.index).astype(float)
    out = []
    for name in frame.columns:
        if name == target:
            continue
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            both = pd.concat([column.astype(float), numeric_y], axis=1).dropna()
            if len(both) > 10 and both.iloc[:, 0].nunique() > 1:
                rho = both.iloc[:, 0].rank().corr(both.iloc[:, 1].rank())
                if np.isfinite(rho) and abs(rho) >= LEAK_RANK_CORRELATION:
                    out.append(name)
                    continue
        if task in ("binary", "multiclass"):
            levels = column.astype(str)
            if levels.nunique() < len(frame) / 5:
                purity = pd.crosstab(levels, y.astype(str)).max(axis=1).sum() / len(frame)
                if purity >= LEAK_PURITY:
                    out.append(name)
    return tuple(out)


def apply_condition(frame: pd.DataFrame, target: str, task: str, condition: str, seed: int,
                    name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The frame with the observed (corrupted) target, and the clean target values."""
    parsed = parse_condition(condition)
    truth = frame[target].to_numpy()
    if parsed.kind == "clean":
        return frame, truth
    rows_seed = stable_seed(f"{name}|{condition}", seed)
    observed = frame.copy()
    if parsed.kind.startswith("flip"):
        if task not in ("binary", "multiclass"):
            raise ValueError(f"{condition} needs a class target; {name} is {task}")
        codes, uniques = pd.factorize(frame[target].astype(str), sort=True)
        original = {str(v): v for v in frame[target]}
        flipped = flip_labels(codes, len(uniques), parsed.rate, parsed.kind, rows_seed)
        observed[target] = [original[uniques[c]] for c in flipped]
    else:
        values = pd.to_numeric(frame[target]).to_numpy(dtype=np.float64)
        observed[target] = gross_errors(values, parsed.rate, rows_seed)
    return observed, truth
