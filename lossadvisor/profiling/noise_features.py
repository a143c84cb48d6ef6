"""The features the label-noise model reads: a float matrix from a frame, and the columns skipped.

The out-of-fold model that reads them is in :mod:`lossadvisor.profiling.noise_model`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lossadvisor.profiling.overview import column_kind

USED_KINDS = ("numeric", "boolean", "datetime", "categorical")
MAX_BINS = 64
MAX_CATEGORIES = MAX_BINS - 2   # the most frequent ones keep a code, the rest share one (the model's limit)


def prepare_features(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A float matrix the boosted model reads, which of its columns are categorical, and the skipped columns.

    Numbers keep NaN (the model routes missing values itself) and ±inf becomes NaN; datetimes become
    seconds; categoricals become codes. Id-like, free-text, path and list columns carry no class signal
    a tree can use, so they are skipped and named.
    """
    matrix, categorical, skipped = [], [], []
    for name in frame.columns:
        column = frame[name]
        kind = column_kind(column)
        values = _as_numbers(column, kind) if kind in USED_KINDS else None
        if values is None:
            skipped.append(f"'{name}' ({kind})")
            continue
        if np.unique(values[~np.isnan(values)]).size < 2:
            continue   # constant or empty: nothing to split on
        matrix.append(values)
        categorical.append(kind == "categorical")
    X = np.column_stack(matrix) if matrix else np.empty((len(frame), 0))
    return X, np.array(categorical, dtype=bool), skipped


def _as_numbers(column: pd.Series, kind: str) -> np.ndarray | None:
    if kind == "categorical":
        text = column.astype("string")
        top = text.value_counts().index[:MAX_CATEGORIES]
        kept = text.where(text.isin(top))   # rarer categories become missing here, then their own code below
        codes = pd.Categorical(kept, categories=top).codes.astype(float)   # a fresh, writable array
        codes[(codes < 0) & text.notna().to_numpy()] = MAX_CATEGORIES   # the rarer categories
        codes[text.isna().to_numpy()] = np.nan
        return codes
    if kind == "datetime":
        if pd.api.types.is_timedelta64_dtype(column):
            return column.dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
        stamps = pd.to_datetime(column, errors="coerce", utc=True, format="mixed")
        return (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isinf(values), np.nan, values)
