"""The one pass of the streaming profile: every batch updates counts, sketches and the seeded sample.

Exact over every row: rows, missing values, minimum and maximum, constant columns, target counts (class
balance, target moments, non-finite targets) and duplicate rows (by a 64-bit row hash). Distinct counts
are exact up to 65,536 values per column, then HyperLogLog. Everything else is measured afterwards on
the seeded uniform sample (see :mod:`lossadvisor.profiling.sketches`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lossadvisor.profiling.sketches import BottomK, DistinctCounter, Moments, value_hashes

HEAD_VALUES = 500
TALLY_CAP = 100_000   # past this many distinct target values, the target is summarised, not tallied


@dataclass
class ColumnSummary:
    """What one pass learns about one column."""

    missing: int = 0
    numeric: bool = False
    integral: bool = True
    minimum: float = np.inf
    maximum: float = -np.inf
    distinct: DistinctCounter = field(default_factory=DistinctCounter)
    hashable: bool = True
    head: list = field(default_factory=list)
    dtype: object = None


@dataclass
class PassResult:
    """Everything the pass accumulated, handed to the assembly in :mod:`lossadvisor.profiling.streaming`."""

    rows: int
    columns: dict[str, ColumnSummary]
    row_hashes: np.ndarray | None             # dropped once the duplicates are counted
    target_tally: pd.Series | None            # exact counts of target rows (NaN included), None past TALLY_CAP
    target_moments: Moments
    target_flags: dict[str, int]               # zeros, negatives, non-integers, missing, posinf, neginf, nonnumeric
    target_values: np.ndarray | None           # every finite target value, when asked for
    sample: pd.DataFrame
    sample_positions: np.ndarray


class StreamPass:
    """Feed batches (as pandas frames) in file order; then read :meth:`result`."""

    def __init__(self, target: tuple[str, ...], sample_rows: int, seed: int, keep_target_values: bool) -> None:
        self.target, self.seed = target, seed
        self.rows = 0
        self.columns: dict[str, ColumnSummary] = {}
        self.hashes: list[np.ndarray] = []
        self.tally: pd.Series | None = pd.Series(dtype="int64")
        self.moments = Moments()
        self.flags = dict.fromkeys(("zeros", "negative", "fraction", "missing", "posinf", "neginf", "nonnumeric"), 0)
        self.values: list[np.ndarray] | None = [] if keep_target_values else None
        self.sample = BottomK(sample_rows)

    def update(self, frame: pd.DataFrame) -> None:
        if not self.columns:
            self.columns = {str(c): ColumnSummary(dtype=frame[c].dtype) for c in frame.columns}
        keys = {}
        for name, summary in self.columns.items():
            keys[name] = self._update_column(summary, frame[name])
        hashable = [n for n in self.columns if keys[n] is not None]
        if hashable:
            self.hashes.append(pd.util.hash_pandas_object(pd.DataFrame({i: keys[n] for i, n in enumerate(hashable)}),
                                                          index=False).to_numpy())
        self._update_target(frame)
        self.sample.update(frame, self.rows, self.seed)
        self.rows += len(frame)

    def _update_column(self, summary: ColumnSummary, column: pd.Series):
        """Update one column's summary; return the values standing in for it in the row hash."""
        summary.missing += int(column.isna().sum())
        if len(summary.head) < HEAD_VALUES:
            summary.head.extend(column.dropna().head(HEAD_VALUES - len(summary.head)).tolist())
        kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else "O"
        if kind in "biuf":
            summary.numeric = True
            values = column.to_numpy(dtype=float, na_value=np.nan)
            finite = values[np.isfinite(values)]
            if len(finite):
                summary.minimum = min(summary.minimum, float(values[~np.isnan(values)].min()))
                summary.maximum = max(summary.maximum, float(values[~np.isnan(values)].max()))
                summary.integral = summary.integral and bool(np.all(finite == np.round(finite)))
            elif (~np.isnan(values)).any():
                summary.minimum = min(summary.minimum, float(np.nanmin(values)))
                summary.maximum = max(summary.maximum, float(np.nanmax(values)))
        if not summary.hashable:
            return None
        try:
            summary.distinct.update(value_hashes(column))
        except TypeError:   # lists and other unhashable values: neither counted nor part of the row key
            summary.hashable = False
            return None
        if kind == "f":
            values = column.to_numpy() + 0.0
            values[np.isnan(values)] = np.nan
            return values
        return column.to_numpy() if kind in "biuM" else column.astype(object).where(column.notna(), None).to_numpy()

    def _update_target(self, frame: pd.DataFrame) -> None:
        target = list(self.target)
        if self.tally is not None:
            counts = frame[target[0]].value_counts(dropna=False) if len(target) == 1 \
                else frame[target].value_counts(dropna=False)
            self.tally = counts if self.tally.empty else pd.concat([self.tally, counts]).groupby(
                level=list(range(counts.index.nlevels)), dropna=False, sort=False).sum()
            if len(self.tally) > TALLY_CAP:
                self.tally = None
        column = frame[target[0]]
        self.flags["missing"] += int(column.isna().sum())
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            return
        raw = column.to_numpy(dtype=float, na_value=np.nan)
        self.flags["posinf"] += int(np.isposinf(raw).sum())
        self.flags["neginf"] += int(np.isneginf(raw).sum())
        finite = raw[np.isfinite(raw)]
        self.moments = self.moments.merge(Moments.of(finite))
        self.flags["zeros"] += int((finite == 0).sum())
        self.flags["negative"] += int((finite < 0).sum())
        self.flags["fraction"] += int((finite != np.round(finite)).sum())
        if self.values is not None:
            self.values.append(finite)

    def result(self) -> PassResult:
        sample, positions = self.sample.result()
        hashes = np.concatenate(self.hashes) if self.hashes else np.empty(0, dtype=np.uint64)
        self.hashes = []   # the parts are copied into one array: keep 8 bytes a row once, not twice
        values = np.concatenate(self.values) if self.values else (np.empty(0) if self.values is not None else None)
        return PassResult(self.rows, self.columns, hashes, self.tally, self.moments, self.flags, values,
                          sample, positions)
