"""The target-level checks of a multi-target profile, run once per target.

A multi-target profile (``--target a,b,c``) keeps each target's facts in its ``targets`` section; its
top-level ``classes`` and ``label_noise`` are null and its ``target_stats`` describe the first column only
(docs/profile-schema.md). The checks that read a target's facts (rows per class, imbalance, label noise,
target outliers, and the drift checks of the class mix, the noise and the target's distribution) therefore
run on each target's view (:func:`lossadvisor.advice.per_target.target_view`: the profile a single-target
table of that column would have), one finding per target, each naming its target. The checks of the table
itself (rows, missing values, duplicates, schema, task) run once, as for any profile; ``target-finite``
already counts every target column by name.
"""

from __future__ import annotations

from lossadvisor.advice.per_target import target_view
from lossadvisor.checks.outcome import CheckSpec, Outcome, Thresholds, skipped
from lossadvisor.profiling.drift import compare_profiles
from lossadvisor.profiling.profile import Profile

# Check IDs (docs/check.md) whose outcome depends on one target's facts.
PER_TARGET_CHECKS = frozenset({
    "CHK-ROWS-002", "CHK-IMB-001", "CHK-NOISE-001", "CHK-TGT-002",
    "CHK-DRF-001", "CHK-DRF-002", "CHK-DRF-003", "CHK-DRF-004", "CHK-DRF-005", "CHK-DRF-006",
})


def runs_per_target(spec: CheckSpec, profile: Profile) -> bool:
    """Whether this check runs once per target on this profile: a target-level check on multi-target data."""
    return bool(profile.targets) and spec.id in PER_TARGET_CHECKS


def target_outcomes(spec: CheckSpec, current: Profile, baseline: Profile | None,
                    thresholds: Thresholds) -> list[tuple[str, Outcome]]:
    """(target name, outcome) for each target of a multi-target profile, in ``--target`` order.

    A drift check compares each target with the baseline's target of the same name (a baseline profiled
    with that column as its only target counts too); a target the baseline lacks is skipped, saying so.
    """
    outcomes = []
    for section in current.targets or ():
        view = target_view(current, section)
        if not spec.drift:
            outcomes.append((section.name, spec.run(view, None, thresholds)))
            continue
        before = _baseline_view(baseline, section.name)
        if before is None:
            outcomes.append((section.name, skipped("the baseline has no target of this name")))
            continue
        outcomes.append((section.name, spec.run(view, compare_profiles(before, view), thresholds)))
    return outcomes


def _baseline_view(baseline: Profile | None, name: str) -> Profile | None:
    """The baseline as a profile of target ``name`` alone, or None when it does not have that target."""
    if baseline is None:
        return None
    for section in baseline.targets or ():
        if section.name == name:
            return target_view(baseline, section)
    return baseline if not baseline.targets and tuple(baseline.target) == (name,) else None
