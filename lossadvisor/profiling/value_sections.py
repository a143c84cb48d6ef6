"""The profile's table sections, as types: ``overview``, ``structure``, ``target_stats``,
``feature_outliers`` and ``masks``.

Pandas-free like :mod:`lossadvisor.profiling.class_sections` (same ``to_dict``/``from_dict`` contract);
the measuring modules (``overview``, ``structure``, ``target``, ``feature_outliers``, ``masks``) import
these types and fill them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from lossadvisor.profiling.contamination import TargetContamination

ROBUST_Z_CUTOFF = 3.5   # Iglewicz & Hoaglin (1993) modified z-score cut-off
OUTLIER_METHOD = f"robust z-score (|x - median| / (1.4826·MAD) > {ROBUST_Z_CUTOFF}) on any numeric feature"


def round_measure(value):
    """A float to six decimals, NaN to None; anything else (ints, flags, None) as it is."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    return value


@dataclass(frozen=True)
class Overview:
    rows: int
    columns: int
    column_kinds: dict[str, str]
    missing_fraction: dict[str, float]
    duplicate_rows: int
    constant_columns: tuple[str, ...]
    # Distinct non-missing values of the text-like columns, counted on the way (not part of the JSON).
    distinct: dict[str, int] = field(default_factory=dict, compare=False)
    duplicate_fraction: float | None = None   # duplicate_rows / rows unless given (a saved profile's value)

    def __post_init__(self) -> None:
        if self.duplicate_fraction is None:   # frozen: set once, here, from the counts
            object.__setattr__(self, "duplicate_fraction", self.duplicate_rows / self.rows if self.rows else 0.0)

    def to_dict(self) -> dict:
        return {
            "column_kinds": dict(self.column_kinds),
            "missing_fraction": dict(self.missing_fraction),
            "duplicate_rows": self.duplicate_rows,
            "duplicate_fraction": round(self.duplicate_fraction, 6),
            "constant_columns": list(self.constant_columns),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], rows: int, columns: int) -> Overview:
        """``rows`` and ``columns``: the profile's own counts (the section does not repeat them)."""
        return cls(rows=rows, columns=columns, column_kinds=dict(data.get("column_kinds") or {}),
                   missing_fraction=dict(data.get("missing_fraction") or {}),
                   duplicate_rows=data.get("duplicate_rows") or 0,
                   constant_columns=tuple(data.get("constant_columns") or ()),
                   duplicate_fraction=data.get("duplicate_fraction"))


@dataclass(frozen=True)
class Structure:
    type: str | None
    time_column: str | None = None
    monotonic: bool | None = None
    regular_spacing: bool | None = None
    lag1_autocorrelation: float | None = None
    group_column: str | None = None
    n_groups: int | None = None
    sequence_columns: tuple[str, ...] = field(default_factory=tuple)
    path_columns: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        data["sequence_columns"] = list(self.sequence_columns)
        data["path_columns"] = list(self.path_columns)
        if self.lag1_autocorrelation is not None:
            data["lag1_autocorrelation"] = round(self.lag1_autocorrelation, 6)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Structure:
        return cls(type=data.get("type"), time_column=data.get("time_column"), monotonic=data.get("monotonic"),
                   regular_spacing=data.get("regular_spacing"), lag1_autocorrelation=data.get("lag1_autocorrelation"),
                   group_column=data.get("group_column"), n_groups=data.get("n_groups"),
                   sequence_columns=tuple(data.get("sequence_columns") or ()),
                   path_columns=tuple(data.get("path_columns") or ()))


@dataclass(frozen=True)
class TargetStats:
    mean: float | None
    median: float | None
    std: float | None
    mad: float | None
    skewness: float | None
    kurtosis: float | None
    outlier_fraction: float | None
    tail_index: float | None
    zero_fraction: float | None
    non_negative: bool | None
    is_integer: bool | None
    is_count: bool | None
    bounded_01: bool | None
    dispersion: float | None
    variance_mean_slope: float | None
    minimum: float | None
    maximum: float | None
    quantiles: dict[str, float]
    missing: int | None
    nonfinite: int | None
    sample: tuple[float, ...]   # up to SAMPLE_SIZE seeded finite values in row order, for drift tests
    heavy_tailed: bool | None = None   # excess kurtosis above 3 or a Hill index below 3 (``target.is_heavy_tailed``)
    contamination: TargetContamination | None = None   # gross target errors (``target_errors``); None: not measured

    def to_dict(self) -> dict:
        data = {k: round_measure(v) for k, v in self.__dict__.items()
                if k not in ("minimum", "maximum", "quantiles", "sample", "heavy_tailed", "contamination")}
        data.update(min=round_measure(self.minimum), max=round_measure(self.maximum), heavy_tailed=self.heavy_tailed,
                    quantiles={k: round_measure(v) for k, v in self.quantiles.items()},
                    sample=[round_measure(v) for v in self.sample],
                    contamination=None if self.contamination is None else self.contamination.to_dict())
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetStats:
        plain = ("mean", "median", "std", "mad", "skewness", "kurtosis", "outlier_fraction", "tail_index",
                 "zero_fraction", "non_negative", "is_integer", "is_count", "bounded_01", "dispersion",
                 "variance_mean_slope", "missing", "nonfinite")
        return cls(**{k: data.get(k) for k in plain}, minimum=data.get("min"), maximum=data.get("max"),
                   quantiles=dict(data.get("quantiles") or {}), sample=tuple(data.get("sample") or ()),
                   heavy_tailed=data.get("heavy_tailed"),
                   contamination=(None if data.get("contamination") is None
                                  else TargetContamination.from_dict(data["contamination"])))


@dataclass(frozen=True)
class FeatureOutliers:
    fraction: float | None
    columns_used: tuple[str, ...]
    worst_columns: dict[str, float]   # column → share of rows flagged by it
    nonfinite_values: int | None
    method: str | None = OUTLIER_METHOD

    def to_dict(self) -> dict:
        return {
            "fraction": None if self.fraction is None else round(self.fraction, 6),
            "method": self.method,
            "columns_used": list(self.columns_used),
            "worst_columns": {k: round(v, 6) for k, v in self.worst_columns.items()},
            "nonfinite_values": self.nonfinite_values,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureOutliers:
        return cls(fraction=data.get("fraction"), columns_used=tuple(data.get("columns_used") or ()),
                   worst_columns=dict(data.get("worst_columns") or {}),
                   nonfinite_values=data.get("nonfinite_values"), method=data.get("method"))


@dataclass(frozen=True)
class MaskStats:
    """Summaries over every mask (the per-image values stay with the measuring code, ``masks``)."""

    n_masks: int
    shape: tuple[int, ...] | None              # None when masks differ in shape
    foreground_fraction: float | None          # mean over images of the foreground share of pixels
    foreground_fraction_quantiles: dict[str, float]  # min, p10, median, p90, max over images
    empty_fraction: float | None               # share of masks with no foreground
    class_pixel_fraction: dict[str, float]
    object_sizes: dict[str, float | None]      # connected foreground components: count, min, median, max

    def to_dict(self) -> dict:
        return {
            "n_masks": self.n_masks,
            "shape": list(self.shape) if self.shape else None,
            "foreground_fraction": round_measure(self.foreground_fraction),
            "foreground_fraction_quantiles": {k: round(v, 6) for k, v in self.foreground_fraction_quantiles.items()},
            "empty_fraction": round_measure(self.empty_fraction),
            "class_pixel_fraction": {k: round(v, 6) for k, v in self.class_pixel_fraction.items()},
            "object_sizes": dict(self.object_sizes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MaskStats:
        shape = data.get("shape")
        return cls(n_masks=data.get("n_masks") or 0, shape=tuple(shape) if shape else None,
                   foreground_fraction=data.get("foreground_fraction"),
                   foreground_fraction_quantiles=dict(data.get("foreground_fraction_quantiles") or {}),
                   empty_fraction=data.get("empty_fraction"),
                   class_pixel_fraction=dict(data.get("class_pixel_fraction") or {}),
                   object_sizes=dict(data.get("object_sizes") or {}))
