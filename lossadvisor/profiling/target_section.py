"""The profile's ``targets`` section: each target of a multi-target table measured on its own.

A multi-target profile (``--target a,b,c``, task ``multitarget``) used to take its target facts from
the first column only, so a heavy tail in any other column fired no rule. This section holds one
:class:`TargetProfile` per target column, each with the facts a single-target profile of that column
would have (``target_stats`` for a regression or count target, ``classes`` for a binary or multiclass
one), so the rule base can run per target (:mod:`lossadvisor.advice.per_target`). A class target also
carries its own label-noise estimate (``label_noise``) and a numeric target its gross-error measure
(``target_stats.contamination``), both on the feature columns alone: no target column is a feature of
another target's model (:func:`lossadvisor.profiling.measure.measure_target_noise` says why).

Pandas-free, like the other section types: ``recommend --profile`` reads it without importing the
profiler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from lossadvisor.profiling.class_sections import ClassBalance, LabelNoise
from lossadvisor.profiling.value_sections import TargetStats

TARGET_KINDS = ("regression", "count", "binary", "multiclass")
NUMERIC_KINDS = ("regression", "count")


@dataclass(frozen=True)
class TargetProfile:
    """One target column measured as if it were the only target."""

    name: str
    kind: str                          # regression, count, binary or multiclass
    evidence: tuple[str, ...]          # why that kind (the single-column task inference)
    target_stats: TargetStats | None   # regression and count targets
    classes: ClassBalance | None       # binary and multiclass targets
    missing: int                       # rows where this target is missing
    label_noise: LabelNoise | None = None  # binary and multiclass targets; None: --no-noise or not estimable

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "evidence": list(self.evidence),
            "target_stats": None if self.target_stats is None else self.target_stats.to_dict(),
            "classes": None if self.classes is None else self.classes.to_dict(),
            "label_noise": None if self.label_noise is None else self.label_noise.to_dict(),
            "missing": self.missing,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetProfile:
        stats, classes, noise = data.get("target_stats"), data.get("classes"), data.get("label_noise")
        return cls(name=data.get("name"), kind=data.get("kind"), evidence=tuple(data.get("evidence") or ()),
                   target_stats=None if stats is None else TargetStats.from_dict(stats),
                   classes=None if classes is None else ClassBalance.from_dict(classes),
                   missing=data.get("missing") or 0,
                   label_noise=None if noise is None else LabelNoise.from_dict(noise))
