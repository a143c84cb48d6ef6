"""The Profile: the measured fact sheet a loss choice depends on, and its JSON contract.

Rules, checks, trials and renderers receive this type; :meth:`Profile.to_dict` is the JSON contract
(docs/profile-schema.md) and :meth:`Profile.from_dict` reads a saved one back, so that
``Profile.from_dict(d).to_dict() == d`` for every profile JSON. This module and its section types
(``class_sections``, ``value_sections``, ``group_sections``, ``sampling``, ``findings``) import no
pandas, sklearn or torch, so ``recommend --profile`` stays instant.

Adding a section: define its frozen dataclass with ``to_dict``/``from_dict`` in a pandas-free module,
add a field here with a default of None (so positional construction keeps working), write it in
``to_dict`` and read it in ``from_dict`` under its key (docs/architecture.md, "Adding a profile section").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from lossadvisor.profiling.class_sections import ClassBalance, LabelNoise
from lossadvisor.profiling.findings import Finding
from lossadvisor.profiling.group_sections import GroupProfile
from lossadvisor.profiling.sampling import Sampling
from lossadvisor.profiling.target_section import TargetProfile
from lossadvisor.profiling.value_sections import FeatureOutliers, MaskStats, Overview, Structure, TargetStats
from lossadvisor.vocabulary import PROFILE_SCHEMA_VERSION

# The keys Profile reads into fields; any other top-level key of a saved profile is kept in ``extra``.
KNOWN_KEYS = frozenset({"schema_version", "source", "rows", "columns", "target", "task", "task_evidence",
                        "overview", "structure", "classes", "label_noise", "target_stats", "feature_outliers",
                        "masks", "target_nonfinite", "warnings", "sampling", "groups", "targets"})


@dataclass(frozen=True)
class Profile:
    source: str
    rows: int
    columns: int
    target: tuple[str, ...]
    task: str
    task_evidence: tuple[str, ...]
    overview: Overview | None
    structure: Structure | None
    classes: ClassBalance | None
    label_noise: LabelNoise | None
    target_stats: TargetStats | None
    feature_outliers: FeatureOutliers | None
    masks: MaskStats | None
    target_nonfinite: dict[str, dict[str, int]] | None
    warnings: tuple[Finding, ...] = field(default_factory=tuple)
    sampling: Sampling | None = None      # what a streaming profile counted, estimated and sampled; None in memory
    groups: GroupProfile | None = None    # facts per sensitive group (--sensitive); the key is absent without it
    schema_version: str | int = PROFILE_SCHEMA_VERSION
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys of a newer minor version, written back as read
    # Multi-target tables: each target measured on its own (target_section.py); the key is absent otherwise.
    targets: tuple[TargetProfile, ...] | None = None

    @property
    def features_per_row(self) -> float | None:
        """Feature columns (all columns but the targets) per row; None when a count is unknown."""
        if not (self.rows and self.columns and self.target):
            return None
        return (self.columns - len(self.target)) / self.rows

    def as_saved(self) -> Profile:
        """This profile as it reads back from its JSON: every measure at the contract's precision.

        The advice, checks and trials read facts from this form, so a profile measured now and the same
        profile saved and read back (``--profile``) give the same recommendation, outcome and weights.
        """
        return Profile.from_dict(self.to_dict())

    def to_dict(self) -> dict:
        """The versioned JSON contract (docs/profile-schema.md); inapplicable sections are None."""

        def section(value):
            return None if value is None else value.to_dict()

        data = {
            "schema_version": self.schema_version,
            "source": self.source,
            "rows": self.rows,
            "columns": self.columns,
            "target": list(self.target),
            "task": self.task,
            "task_evidence": list(self.task_evidence),
            "overview": section(self.overview),
            "structure": section(self.structure),
            "classes": section(self.classes),
            "label_noise": section(self.label_noise),
            "target_stats": section(self.target_stats),
            "feature_outliers": section(self.feature_outliers),
            "masks": section(self.masks),
            "target_nonfinite": self.target_nonfinite,
            "warnings": [w.to_dict() for w in self.warnings],
            "sampling": section(self.sampling),
        }
        if self.groups is not None:
            data["groups"] = self.groups.to_dict()
        if self.targets is not None:
            data["targets"] = [t.to_dict() for t in self.targets]
        data.update(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """A Profile from its JSON dict (a saved profile, or a partial one from the Python API: every key but
        ``task`` may be missing, and a missing or null section reads as None)."""

        def section(key: str, read):
            value = data.get(key)
            return None if value is None else read(value)

        rows, columns = data.get("rows"), data.get("columns")
        nonfinite = data.get("target_nonfinite")
        return cls(
            source=data.get("source"), rows=rows, columns=columns, target=tuple(data.get("target") or ()),
            task=data.get("task"), task_evidence=tuple(data.get("task_evidence") or ()),
            overview=section("overview", lambda d: Overview.from_dict(d, rows, columns)),
            structure=section("structure", Structure.from_dict),
            classes=section("classes", lambda d: ClassBalance.from_dict(d, rows)),
            label_noise=section("label_noise", LabelNoise.from_dict),
            target_stats=section("target_stats", TargetStats.from_dict),
            feature_outliers=section("feature_outliers", FeatureOutliers.from_dict),
            masks=section("masks", MaskStats.from_dict),
            target_nonfinite=None if nonfinite is None else {k: dict(v) for k, v in nonfinite.items()},
            warnings=tuple(Finding.from_dict(w) for w in data.get("warnings") or ()),
            sampling=section("sampling", Sampling.from_dict),
            groups=section("groups", GroupProfile.from_dict),
            targets=section("targets", lambda d: tuple(TargetProfile.from_dict(t) for t in d)),
            schema_version=data.get("schema_version", PROFILE_SCHEMA_VERSION),
            extra={k: v for k, v in data.items() if k not in KNOWN_KEYS},
        )


def profile_of(data: Profile | Mapping[str, Any]) -> Profile:
    """The typed Profile of a Profile or of its JSON dict (converted once, at the public API's entry), at the
    contract's precision (:meth:`Profile.as_saved`)."""
    return data.as_saved() if isinstance(data, Profile) else Profile.from_dict(data)

