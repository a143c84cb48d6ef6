"""Overview of a table: column kinds, missing values, duplicates, constant columns."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lossadvisor.profiling.value_sections import Overview

ID_NAME = re.compile(r"(^id$|_id$|^id_|uuid|guid|^key$|_key$|^index$)", re.IGNORECASE)
IMAGE_SUFFIX = re.compile(r"\.(?:png|jpe?g|tiff?|bmp|gif|npy|nii(?:\.gz)?|dcm)$", re.IGNORECASE)
DATE_HINT = re.compile(r"\d{1,4}[-/:.]\d{1,2}")
SAMPLE = 500


def column_kind(column: pd.Series, distinct: int | None = None, count: int | None = None) -> str:
    """numeric, boolean, datetime, categorical, text, id, path or list for one column.

    `distinct` is the column's count of distinct non-missing values when the caller already has it;
    `count` its number of non-missing values, when `column` is only the head of it (the streaming profile).
    """
    name = str(column.name)
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetime"
    values = column.dropna()
    if pd.api.types.is_numeric_dtype(column):
        if ID_NAME.search(name) and _is_integral(values) and _distinct(values, distinct) > 0.5 * max(len(values), 1):
            return "id"
        return "numeric"
    sample = values.head(SAMPLE)
    if len(sample) == 0:
        return "categorical"
    if sample.map(lambda v: isinstance(v, (list, tuple, np.ndarray))).mean() > 0.9:
        return "list"
    text = sample.astype(str)
    if text.str.match(r"^\s*\[.*\]\s*$").mean() > 0.9:
        return "list"
    if text.str.contains(IMAGE_SUFFIX).mean() > 0.9:
        return "path"
    if text.str.contains(DATE_HINT).mean() > 0.9 and _parses_as_dates(text):
        return "datetime"
    present = len(values) if count is None else count
    unique_fraction = _distinct(values, distinct) / present
    words = text.str.split().str.len().mean()
    if words >= 3:
        return "text"
    if ID_NAME.search(name) or (unique_fraction > 0.9 and present > 50):
        return "id"
    return "categorical"


def _is_integral(values: pd.Series) -> bool:
    if len(values) == 0:
        return False
    array = values.to_numpy(dtype=float, na_value=np.nan)
    finite = array[np.isfinite(array)]
    return bool(len(finite)) and bool(np.all(finite == np.round(finite)))


def _parses_as_dates(text: pd.Series) -> bool:
    parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() > 0.9)


def _distinct(values: pd.Series, known: int | None) -> int:
    return int(values.nunique()) if known is None else known


def profile_overview(frame: pd.DataFrame) -> Overview:
    """Rows, columns, kinds, missing fraction per column, duplicate rows and constant columns.

    One factorisation per text-like column at most: its codes give the distinct count (for the kind and
    the constant check) and stand in for the values in the row hash that finds duplicates.
    """
    keys, distinct, constant = {}, {}, []
    missing_counts = frame.isna().sum()
    for name in frame.columns:
        column = frame[name]
        if _is_plain_numeric(column):
            keys[name] = _hashable_numbers(column, has_nan=bool(missing_counts[name]))
            if _is_constant(column):
                constant.append(str(name))
            continue
        try:
            codes, uniques = pd.factorize(column, use_na_sentinel=True)
        except TypeError:  # unhashable values (lists): not a key, never constant
            continue
        keys[name], distinct[str(name)] = codes, len(uniques)
        if len(uniques) + int((codes < 0).any()) <= 1:
            constant.append(str(name))
    kinds = {str(c): column_kind(frame[c], distinct.get(str(c))) for c in frame.columns}
    hashed = [c for c in keys if kinds[str(c)] != "list"]
    constant = [c for c in constant if kinds[c] != "list"]
    rows = max(len(frame), 1)
    missing = {str(c): round(float(v) / rows, 6) if len(frame) else float("nan") for c, v in missing_counts.items()}
    duplicates = count_duplicate_rows(pd.DataFrame({i: keys[c] for i, c in enumerate(hashed)})) if hashed else 0
    return Overview(
        rows=int(frame.shape[0]),
        columns=int(frame.shape[1]),
        column_kinds=kinds,
        missing_fraction=missing,
        duplicate_rows=duplicates,
        constant_columns=tuple(constant),
        distinct=distinct,
    )


def count_duplicate_rows(keys: pd.DataFrame) -> int:
    """Rows that repeat an earlier row, exactly.

    A 64-bit hash per row (pandas.util.hash_pandas_object) finds the candidates in one pass; equal rows
    always share a hash, so only rows whose hash repeats are compared value by value, which makes the
    count exact even when two different rows collide.
    """
    if keys.shape[0] < 2:
        return 0
    hashes = row_hashes(keys)
    shared = pd.Series(hashes).duplicated(keep=False).to_numpy()
    if not shared.any():
        return 0
    return int(keys[shared].duplicated().sum())


def row_hashes(keys: pd.DataFrame) -> np.ndarray:
    """One uint64 per row, equal for equal rows."""
    return pd.util.hash_pandas_object(keys, index=False).to_numpy()


def _is_plain_numeric(column: pd.Series) -> bool:
    """A numpy number, bool or datetime column: hashed as is, no factorisation needed."""
    kind = getattr(column.dtype, "kind", "O")
    return isinstance(column.dtype, np.dtype) and kind in "biufM"


def _hashable_numbers(column: pd.Series, has_nan: bool = True) -> np.ndarray:
    """The values with 0.0 and -0.0 made one, and every NaN made the same NaN, as pandas' equality has them."""
    values = column.to_numpy()
    if values.dtype.kind == "f":
        values = values + 0.0   # -0.0 + 0.0 == +0.0
        if has_nan:
            values[np.isnan(values)] = np.nan
    return values


def _is_constant(column: pd.Series) -> bool:
    """At most one distinct value, counting missing as a value (nunique(dropna=False) <= 1) without hashing."""
    missing = int(column.isna().sum())
    if missing == len(column):
        return True
    if missing:
        return False
    values = column.to_numpy()
    return bool(values.min() == values.max())
