"""Held-out splits that respect the structure the profile found.

Train / validation / test: the model fits on train, early stopping and the binary threshold are
chosen on validation, and every reported number comes from test rows that neither saw. Classes
are stratified, time series are cut in time order (the future never trains the past), and grouped
rows keep each group on one side (guide 6.1.10: an honest comparison needs an honest hold-out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossadvisor.errors import LossAdvisorError

FRACTIONS = (0.6, 0.2, 0.2)
MIN_ROWS = 30


@dataclass(frozen=True)
class Split:
    """Row positions of each part, and how they were chosen."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    method: str


def _cut(n: int) -> tuple[int, int]:
    n_train = int(round(FRACTIONS[0] * n))
    n_val = int(round(FRACTIONS[1] * n))
    return n_train, n_train + n_val


def split_stratified(labels: np.ndarray, seed: int) -> Split:
    """Each class split 60/20/20 on its own; a class with 3+ rows has one in each part."""
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for value in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == value))
        n = len(rows)
        a, b = _cut(n)
        if n >= 3:
            a, b = min(max(a, 1), n - 2), min(max(b, a + 1), n - 1)
        for part, chunk in zip(parts, (rows[:a], rows[a:b], rows[b:])):
            part.append(chunk)
    train, val, test = (np.sort(np.concatenate(p)) for p in parts)
    return Split(train, val, test, "stratified")


def split_random(n: int, seed: int) -> Split:
    rows = np.random.default_rng(seed).permutation(n)
    a, b = _cut(n)
    return Split(np.sort(rows[:a]), np.sort(rows[a:b]), np.sort(rows[b:]), "random")


def split_time(order_key: np.ndarray) -> Split:
    """Earliest 60% train, next 20% validation, latest 20% test."""
    rows = np.argsort(order_key, kind="stable")
    a, b = _cut(len(rows))
    return Split(rows[:a], rows[a:b], rows[b:], "time-ordered")


def split_grouped(groups: np.ndarray, seed: int) -> Split:
    """Whole groups go to one part, shuffled, until each part holds its share of rows."""
    codes, inverse = np.unique(groups, return_inverse=True)
    if len(codes) < 3:
        raise LossAdvisorError(f"a grouped split needs at least 3 groups; the group column has {len(codes)}")
    sizes = np.bincount(inverse)
    order = np.random.default_rng(seed).permutation(len(codes))
    cumulative = np.cumsum(sizes[order]) / len(groups)
    part_of_group = np.empty(len(codes), dtype=np.int64)
    part_of_group[order] = np.searchsorted([FRACTIONS[0], FRACTIONS[0] + FRACTIONS[1]], cumulative, side="left")
    # Every part needs at least one group, whatever the sizes.
    for part in (1, 2):
        if not np.any(part_of_group == part):
            part_of_group[order[-1 if part == 2 else -2]] = part
    row_part = part_of_group[inverse]
    train, val, test = (np.flatnonzero(row_part == p) for p in range(3))
    return Split(train, val, test, "grouped")


def split_rows(
    n_rows: int,
    seed: int,
    labels: np.ndarray | None = None,
    order_key: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> Split:
    """The split for this data: grouped, else time-ordered, else stratified, else random."""
    if n_rows < MIN_ROWS:
        raise LossAdvisorError(f"trial needs at least {MIN_ROWS} rows to hold some out; the data has {n_rows}")
    if groups is not None:
        split = split_grouped(groups, seed)
    elif order_key is not None:
        split = split_time(order_key)
    elif labels is not None:
        split = split_stratified(labels, seed)
    else:
        split = split_random(n_rows, seed)
    if min(len(split.train), len(split.val), len(split.test)) == 0:
        raise LossAdvisorError(f"the {split.method} split left a part empty; more rows or groups are needed")
    return split
