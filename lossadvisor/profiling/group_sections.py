"""The profile's ``groups`` section (``--sensitive``), as types: facts per sensitive group.

Pandas-free like :mod:`lossadvisor.profiling.class_sections`; measured by
:mod:`lossadvisor.profiling.groups` (guide 6.2.13), read back with ``from_dict``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

MIN_GROUP_ROWS = 30
MIN_NOISE_ROWS = 200


def round4(value: float | None) -> float | None:
    """Group facts are shown to four decimals; None and non-finite values read as None."""
    return None if value is None or not math.isfinite(value) else round(float(value), 4)


@dataclass(frozen=True)
class GroupFacts:
    name: str
    rows: int
    share: float
    measured: bool                                # False: too few rows to measure
    class_shares: Mapping[str, float] | None      # classification: share of each class in the group
    base_rate: float | None                       # binary: share of the positive class
    noise_rate: float | None                      # label-noise estimate (None: not measured / abstained)
    noise_note: str | None
    target: Mapping[str, float] | None            # regression/count: mean, std, quantiles
    model_error: float | None = None              # out-of-fold error of the noise estimator's model

    @property
    def note(self) -> str | None:
        """Why a group was not measured (None when it was)."""
        return None if self.measured else f"too few rows to measure (< {MIN_GROUP_ROWS})"

    def to_dict(self) -> dict:
        return {"group": self.name, "rows": self.rows, "share": round(self.share, 4), "measured": self.measured,
                "note": self.note,
                "class_shares": None if self.class_shares is None else {k: round(v, 4) for k, v in self.class_shares.items()},
                "base_rate": None if self.base_rate is None else round(self.base_rate, 4),
                "label_noise": None if self.noise_rate is None and self.noise_note is None else
                {"estimated_rate": None if self.noise_rate is None else round(self.noise_rate, 4), "note": self.noise_note},
                "model_error": None if self.model_error is None else round(self.model_error, 4),
                "target": None if self.target is None else {k: round(v, 4) for k, v in self.target.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupFacts:
        noise = data.get("label_noise") or {}
        shares, target = data.get("class_shares"), data.get("target")
        return cls(name=str(data.get("group")), rows=data.get("rows") or 0, share=data.get("share") or 0.0,
                   measured=bool(data.get("measured")), class_shares=None if shares is None else dict(shares),
                   base_rate=data.get("base_rate"), noise_rate=noise.get("estimated_rate"),
                   noise_note=noise.get("note"), target=None if target is None else dict(target),
                   model_error=data.get("model_error"))


@dataclass(frozen=True)
class GroupProfile:
    columns: tuple[str, ...]
    groups: tuple[GroupFacts, ...]
    positive_class: str | None
    base_rate_gap: float | None       # binary: max − min base rate over measured groups
    base_rate_ratio: float | None     # binary: max / min base rate over measured groups
    noise_gap: float | None           # max − min noise estimate over groups with one
    error_gap: float | None = None    # max − min out-of-fold model error over groups with one
    error_ratio: float | None = None  # max / min out-of-fold model error
    min_rows_to_measure: int = MIN_GROUP_ROWS
    min_rows_for_noise: int = MIN_NOISE_ROWS

    @property
    def counts(self) -> dict[str, int]:
        """Rows per group, by group name in sorted order (the order of the trial's group codes)."""
        return {g.name: g.rows for g in sorted(self.groups, key=lambda g: g.name)}

    @property
    def min_measured_share(self) -> float | None:
        """The smallest share of rows among the measured groups (the rules' ``groups.min_share``)."""
        shares = [g.share for g in self.groups if g.measured]
        return min(shares) if shares else None

    def to_dict(self) -> dict:
        return {"columns": list(self.columns), "positive_class": self.positive_class,
                "min_rows_to_measure": self.min_rows_to_measure, "min_rows_for_noise": self.min_rows_for_noise,
                "base_rate_gap": round4(self.base_rate_gap), "base_rate_ratio": round4(self.base_rate_ratio),
                "noise_gap": round4(self.noise_gap), "error_gap": round4(self.error_gap),
                "error_ratio": round4(self.error_ratio), "counts": self.counts,
                "groups": [g.to_dict() for g in self.groups]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupProfile:
        return cls(columns=tuple(data.get("columns") or ()),
                   groups=tuple(GroupFacts.from_dict(g) for g in data.get("groups") or ()),
                   positive_class=data.get("positive_class"), base_rate_gap=data.get("base_rate_gap"),
                   base_rate_ratio=data.get("base_rate_ratio"), noise_gap=data.get("noise_gap"),
                   error_gap=data.get("error_gap"), error_ratio=data.get("error_ratio"),
                   min_rows_to_measure=data.get("min_rows_to_measure", MIN_GROUP_ROWS),
                   min_rows_for_noise=data.get("min_rows_for_noise", MIN_NOISE_ROWS))
