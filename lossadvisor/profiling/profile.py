"""The Profile: the measured fact sheet a loss choice depends on, and its JSON contract.

Rules, checks, trials and renderers receive this type; :meth:`Profile.to_dict` is the JSON contract
(docs/profile-schema.md) and :meth:`Profile.from_dict` reads a saved one back. This module imports no
pandas, so ``recommend --profile`` stays instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lossadvisor.vocabulary import PROFILE_SCHEMA_VERSION

if TYPE_CHECKING:  # annotations only: the section types' modules measure with pandas
    from lossadvisor.profiling.balance import ClassBalance
    from lossadvisor.profiling.feature_outliers import FeatureOutliers
    from lossadvisor.profiling.findings import Finding
    from lossadvisor.profiling.masks import MaskStats
    from lossadvisor.profiling.noise import LabelNoise
    from lossadvisor.profiling.overview import Overview
    from lossadvisor.profiling.sampling import Sampling
    from lossadvisor.profiling.structure import Structure
    from lossadvisor.profiling.target import TargetStats


@dataclass(frozen=True)
class Profile:
    source: str
    rows: int
    columns: int
    target: tuple[str, ...]
    task: str
    task_evidence: tuple[str, ...]
    overview: Overview | None
    structure: Structure
    classes: ClassBalance | None
    label_noise: LabelNoise | None
    target_stats: TargetStats | None
    feature_outliers: FeatureOutliers | None
    masks: MaskStats | None
    target_nonfinite: dict[str, dict[str, int]] | None
    warnings: tuple[Finding, ...] = field(default_factory=tuple)
    sampling: Sampling | None = None      # what a streaming profile counted, estimated and sampled; None in memory

    def to_dict(self) -> dict:
        """The versioned JSON contract (docs/profile-schema.md); inapplicable sections are None."""

        def section(value):
            return None if value is None else value.to_dict()

        return {
            "schema_version": PROFILE_SCHEMA_VERSION,
            "source": self.source,
            "rows": self.rows,
            "columns": self.columns,
            "target": list(self.target),
            "task": self.task,
            "task_evidence": list(self.task_evidence),
            "overview": section(self.overview),
            "structure": self.structure.to_dict(),
            "classes": section(self.classes),
            "label_noise": section(self.label_noise),
            "target_stats": section(self.target_stats),
            "feature_outliers": section(self.feature_outliers),
            "masks": section(self.masks),
            "target_nonfinite": self.target_nonfinite,
            "warnings": [w.to_dict() for w in self.warnings],
            "sampling": section(self.sampling),
        }
