"""Overview of a table: column kinds, missing values, duplicates, constant columns."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

ID_NAME = re.compile(r"(^id$|_id$|^id_|uuid|guid|^key$|_key$|^index$)", re.IGNORECASE)
IMAGE_SUFFIX = re.compile(r"\.(?:png|jpe?g|tiff?|bmp|gif|npy|nii(?:\.gz)?|dcm)$", re.IGNORECASE)
DATE_HINT = re.compile(r"\d{1,4}[-/:.]\d{1,2}")
SAMPLE = 500


@dataclass(frozen=True)
class Overview:
    rows: int
    columns: int
    column_kinds: dict[str, str]
    missing_fraction: dict[str, float]
    duplicate_rows: int
    constant_columns: tuple[str, ...]

    @property
    def duplicate_fraction(self) -> float:
        return self.duplicate_rows / self.rows if self.rows else 0.0

    def to_dict(self) -> dict:
        return {
            "column_kinds": dict(self.column_kinds),
            "missing_fraction": dict(self.missing_fraction),
            "duplicate_rows": self.duplicate_rows,
            "duplicate_fraction": round(self.duplicate_fraction, 6),
            "constant_columns": list(self.constant_columns),
        }


def column_kind(column: pd.Series) -> str:
    """numeric, boolean, datetime, categorical, text, id, path or list for one column."""
    name = str(column.name)
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetime"
    values = column.dropna()
    if pd.api.types.is_numeric_dtype(column):
        if ID_NAME.search(name) and _is_integral(values) and values.nunique() > 0.5 * max(len(values), 1):
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
    unique_fraction = values.nunique() / len(values)
    words = text.str.split().str.len().mean()
    if words >= 3:
        return "text"
    if ID_NAME.search(name) or (unique_fraction > 0.9 and len(values) > 50):
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


def profile_overview(frame: pd.DataFrame) -> Overview:
    """Rows, columns, kinds, missing fraction per column, duplicate rows and constant columns."""
    kinds = {str(c): column_kind(frame[c]) for c in frame.columns}
    missing = {str(c): round(float(v), 6) for c, v in frame.isna().mean().items()}
    hashable = frame[[c for c, k in kinds.items() if k != "list"]]
    duplicates = int(hashable.duplicated().sum()) if hashable.shape[1] else 0
    constant = tuple(str(c) for c in frame.columns if kinds[str(c)] != "list" and frame[c].nunique(dropna=False) <= 1)
    return Overview(
        rows=int(frame.shape[0]),
        columns=int(frame.shape[1]),
        column_kinds=kinds,
        missing_fraction=missing,
        duplicate_rows=duplicates,
        constant_columns=constant,
    )
