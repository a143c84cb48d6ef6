"""Class balance: counts, imbalance ratio, entropy, rare classes, effective numbers (Cui et al. 2019)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from lossadvisor.class_weights import effective_number
from lossadvisor.profiling.class_sections import EFFECTIVE_NUMBER_BETA, ClassBalance
def normalized_entropy(counts: list[int]) -> float:
    """Shannon entropy of the class proportions divided by log K (1 = balanced)."""
    total = sum(counts)
    probabilities = [c / total for c in counts if c > 0]
    if len(counts) < 2:
        return 1.0
    entropy = -sum(p * math.log(p) for p in probabilities)
    return entropy / math.log(len(counts))


POSITIVE_NAMES = ("1", "true", "yes", "y", "positive", "pos")


def class_order(labels: pd.Series, positive: str | None = None) -> list:
    """Distinct labels in sorted order (numeric order for numbers); the class index order used everywhere.

    For a binary target the positive class goes last (index 1, the '1' of a sigmoid output): the one
    named by `positive`, else a label that reads as positive (1, True, yes, ...), else the minority class.
    """
    values = pd.unique(labels.dropna())
    try:
        order = sorted(values)
    except TypeError:
        order = sorted(values, key=str)
    if len(order) != 2:
        return order
    chosen = positive_class(labels, order, positive)
    return [v for v in order if v is not chosen and v != chosen] + [chosen]


def positive_class(labels: pd.Series, order: list, requested: str | None = None):
    """The positive label of a binary target (see class_order)."""
    names = [label_text(v) for v in order]
    if requested is not None:
        if requested not in names:
            from lossadvisor.errors import LoadError

            raise LoadError(f"--positive-class '{requested}' is not a label; labels are: {', '.join(names)}")
        return order[names.index(requested)]
    for value, name in zip(order, names):
        if name.lower() in POSITIVE_NAMES:
            return value
    tally = labels.value_counts()
    return min(order, key=lambda v: (tally[v], names[order.index(v)]))


def balance_from_counts(counts: dict[str, int], label_cardinality: float | None = None,
                        rows: int | None = None) -> ClassBalance:
    """All balance measures from label counts (in class order); `rows` is the denominator for 1%."""
    present = [c for c in counts.values() if c > 0]
    total = rows if rows is not None else sum(counts.values())
    return ClassBalance(
        counts=dict(counts),
        imbalance_ratio=max(present) / min(present) if present else float("nan"),
        normalized_entropy=normalized_entropy(list(counts.values())),
        below_1pct=tuple(k for k, v in counts.items() if v / total < 0.01),
        below_10_rows=tuple(k for k, v in counts.items() if v < 10),
        effective_numbers={k: effective_number(v, EFFECTIVE_NUMBER_BETA) for k, v in counts.items()},
        label_cardinality=label_cardinality,
        rows=rows,
    )


def class_balance(labels: pd.Series, positive: str | None = None) -> ClassBalance:
    """Balance of a single-label target (missing labels are left out); counts are in class order."""
    order = class_order(labels, positive)
    tally = labels.value_counts(dropna=True)
    counts = {label_text(v): int(tally[v]) for v in order}
    balance = balance_from_counts(counts)
    if len(order) == 2:
        return replace(balance, positive=label_text(order[-1]))
    return balance


def multilabel_indicators(frame: pd.DataFrame, target: tuple[str, ...], separator: str) -> pd.DataFrame:
    """A 0/1 indicator frame, one column per label, from several 0/1 columns or one delimited column."""
    if len(target) > 1:
        return frame[list(target)].fillna(0).astype(int)
    column = frame[target[0]].fillna("").astype(str)
    # A row with no label (an empty cell) has no indicator set; it is not a label named "".
    return column.str.get_dummies(sep=separator).drop(columns=[""], errors="ignore")


def multilabel_balance(indicators: pd.DataFrame) -> ClassBalance:
    """Per-label positive counts; the imbalance ratio compares the most and least frequent labels."""
    counts = {str(c): int(indicators[c].sum()) for c in indicators.columns}
    cardinality = float(indicators.sum(axis=1).mean()) if len(indicators) else 0.0
    return balance_from_counts(counts, label_cardinality=cardinality, rows=len(indicators))


def label_text(value) -> str:
    """A label as the profile names it: 2.0 (an integer label read as float beside missing values) is '2'."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
