"""The structure of the rows: plain tabular, time series, grouped, sequences, image paths, masks."""

from __future__ import annotations


import numpy as np
import pandas as pd

from lossadvisor.profiling.value_sections import Structure

GROUP_MIN_MEAN_SIZE = 2.0


def lag1_autocorrelation(values: np.ndarray) -> float | None:
    """Pearson correlation of x_t with x_{t-1} (NaN pairs dropped)."""
    x, y = values[1:], values[:-1]
    mask = np.isfinite(x) & np.isfinite(y)
    if mask.sum() < 3 or np.std(x[mask]) == 0 or np.std(y[mask]) == 0:
        return None
    return float(np.corrcoef(x[mask], y[mask])[0, 1])


def time_facts(times: pd.Series, target: pd.Series) -> dict:
    """Monotonic order, regular spacing (≥ 90% of steps equal the most common step), lag-1 autocorrelation."""
    parsed = times if pd.api.types.is_datetime64_any_dtype(times) else pd.to_datetime(times, errors="coerce", format="mixed")
    if parsed.isna().mean() > 0.5 and pd.api.types.is_numeric_dtype(times):
        parsed = times
    monotonic = bool(parsed.is_monotonic_increasing)
    order = np.argsort(parsed.to_numpy(), kind="stable")
    steps = pd.Series(parsed.to_numpy()[order]).diff().dropna()
    regular = bool(len(steps) and (steps == steps.mode().iloc[0]).mean() >= 0.9)
    codes = target if pd.api.types.is_numeric_dtype(target) else target.astype("category").cat.codes.replace(-1, np.nan)
    autocorrelation = lag1_autocorrelation(pd.to_numeric(codes, errors="coerce").to_numpy(dtype=float)[order])
    return {"monotonic": monotonic, "regular_spacing": regular, "lag1_autocorrelation": autocorrelation}


def find_group_column(frame: pd.DataFrame, kinds: dict[str, str], target: tuple[str, ...]) -> str | None:
    """An id-like column whose values repeat (mean group size ≥ 2)."""
    for name, kind in kinds.items():
        if name in target or kind not in ("id", "categorical", "numeric"):
            continue
        from lossadvisor.profiling.overview import ID_NAME

        if not ID_NAME.search(name):
            continue
        n_groups = frame[name].nunique()
        if 1 < n_groups and len(frame) / n_groups >= GROUP_MIN_MEAN_SIZE:
            return name
    return None


def profile_structure(frame: pd.DataFrame | None, kinds: dict[str, str], target: tuple[str, ...],
                      time_column: str | None = None, group_column: str | None = None,
                      has_masks: bool = False) -> Structure:
    """Pick the structure type, most specific first: segmentation, time series, grouped, sequence, image, tabular.

    "sequence" means the target holds sequences (token lists); list-valued features are listed in
    ``sequence_columns`` whatever the type.
    """
    if frame is None:
        return Structure(type="segmentation" if has_masks else "tabular")
    sequences = tuple(n for n, k in kinds.items() if k == "list" and n not in target)
    paths = tuple(n for n, k in kinds.items() if k == "path" and n not in target)
    if time_column is None:
        time_column = next((n for n, k in kinds.items() if k == "datetime" and n not in target), None)
    group_column = group_column or find_group_column(frame, kinds, target)
    common = {"sequence_columns": sequences, "path_columns": paths}
    groups = {"group_column": group_column, "n_groups": int(frame[group_column].nunique())} if group_column else {}
    if has_masks:
        return Structure(type="segmentation", **common, **groups)
    if time_column is not None:
        facts = time_facts(frame[time_column], frame[target[0]]) if target else {}
        return Structure(type="timeseries", time_column=time_column, **facts, **groups, **common)
    if group_column is not None:
        return Structure(type="grouped", **groups, **common)
    if any(kinds.get(name) == "list" for name in target):
        # Sequence *labels* (token lists to predict) are what calls for an alignment-free loss such as
        # CTC; list-valued feature columns are only reported in sequence_columns.
        return Structure(type="sequence", **common)
    if paths:
        return Structure(type="image", **common)
    return Structure(type="tabular", **common)
