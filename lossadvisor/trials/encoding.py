"""Table → a float32 feature matrix, every statistic learned on the training rows only.

Numeric columns: missing and non-finite values → the training median plus a 0/1 missing
indicator, then standardized with the training mean and standard deviation. Categorical columns:
one-hot over the most frequent training levels (rarer or unseen levels → all zeros). Identifier,
free-text and datetime columns are dropped: a small MLP cannot use them honestly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lossadvisor.errors import LossAdvisorError

MAX_LEVELS = 20
DROPPED_KINDS = ("id", "text", "datetime")


@dataclass(frozen=True)
class FeatureMatrix:
    """The encoded features for every row, and what went in and what was dropped."""

    values: np.ndarray
    names: tuple[str, ...]
    dropped: tuple[str, ...]


def infer_kind(column: pd.Series) -> str:
    """numeric, boolean, categorical, or id/text (object columns with too many levels)."""
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_numeric_dtype(column):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetime"
    n_levels = column.nunique(dropna=True)
    if n_levels <= max(MAX_LEVELS, 0.05 * len(column)):
        return "categorical"
    return "text"


def _numeric_block(column: pd.Series, train: np.ndarray) -> tuple[list[np.ndarray], list[str]]:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    values = np.where(np.isfinite(values), values, np.nan)
    train_values = values[train]
    if np.all(np.isnan(train_values)):
        return [], []
    median = float(np.nanmedian(train_values))
    missing = np.isnan(values)
    filled = np.where(missing, median, values)
    mean, std = float(filled[train].mean()), float(filled[train].std())
    blocks, names = [(filled - mean) / (std if std > 0 else 1.0)], [str(column.name)]
    if missing[train].any():
        blocks.append(missing.astype(np.float64))
        names.append(f"{column.name}__missing")
    return blocks, names


def _categorical_block(column: pd.Series, train: np.ndarray) -> tuple[list[np.ndarray], list[str]]:
    text = column.astype("string").fillna("<missing>").to_numpy(dtype=object)
    levels = pd.Series(text[train]).value_counts(sort=True).index[:MAX_LEVELS]
    blocks = [(text == level).astype(np.float64) for level in levels]
    return blocks, [f"{column.name}={level}" for level in levels]


def encode_features(
    frame: pd.DataFrame,
    train: np.ndarray,
    column_kinds: dict[str, str] | None = None,
    exclude: tuple[str, ...] = (),
) -> FeatureMatrix:
    """Encode every usable column of ``frame``; statistics come from the ``train`` rows."""
    kinds = dict(column_kinds or {})
    blocks: list[np.ndarray] = []
    names: list[str] = []
    dropped: list[str] = []
    for name in frame.columns:
        if name in exclude:
            continue
        kind = kinds.get(name) or infer_kind(frame[name])
        if kind in DROPPED_KINDS:
            dropped.append(name)
            continue
        if kind in ("numeric", "boolean"):
            new_blocks, new_names = _numeric_block(frame[name], train)
        else:
            new_blocks, new_names = _categorical_block(frame[name], train)
        if not new_blocks:
            dropped.append(name)
        blocks.extend(new_blocks)
        names.extend(new_names)
    if not blocks:
        raise LossAdvisorError(
            "no usable feature columns for a trial fit (numeric or categorical); "
            f"dropped: {', '.join(dropped) or 'none'}"
        )
    values = np.column_stack(blocks).astype(np.float32)
    return FeatureMatrix(values=values, names=tuple(names), dropped=tuple(dropped))
