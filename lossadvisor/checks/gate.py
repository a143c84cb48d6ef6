"""Run the enabled checks on a profile: the check registry (IDs never change) and the gate in one call."""

from __future__ import annotations

from typing import Any, Mapping

from lossadvisor.checks.data_checks import (
    check_duplicates,
    check_imbalance,
    check_missing,
    check_noise,
    check_outliers,
    check_rows,
    check_rows_per_class,
    check_target_finite,
    check_target_name,
    check_task,
)
from lossadvisor.checks.drift_checks import (
    check_added_columns,
    check_js,
    check_new_classes,
    check_noise_increase,
    check_psi,
    check_removed_columns,
    check_retyped_columns,
    check_same_task,
    check_target_shift,
    check_vanished_classes,
)
from lossadvisor.checks.group_checks import check_group_shift
from lossadvisor.checks.outcome import CheckResult, CheckSpec, Finding, Thresholds
from lossadvisor.checks.target_checks import runs_per_target, target_outcomes
from lossadvisor.profiling.drift import Drift, compare_profiles
from lossadvisor.profiling.profile import Profile, profile_of


def run_checks(
    profile: Profile | Mapping[str, Any], thresholds: Thresholds = Thresholds(),
    baseline: Profile | Mapping[str, Any] | None = None,
) -> tuple[Finding, ...]:
    """Run every enabled check on a Profile or its JSON dict (and the drift checks against a baseline)."""
    current = profile_of(profile)
    before = None if baseline is None else profile_of(baseline)
    drift: Drift | None = None if before is None else compare_profiles(before, current)
    findings = []
    for spec in CHECKS:
        level = level_of(spec, thresholds)
        if level == "off" or getattr(thresholds, spec.key) is None or (spec.drift and drift is None):
            continue
        if runs_per_target(spec, current):   # multi-target: one finding per target, naming it
            findings += [Finding(spec.id, spec.name, level, outcome.status, f"target '{name}': {outcome.message}",
                                 outcome.observed, outcome.limit, target=name)
                         for name, outcome in target_outcomes(spec, current, before, thresholds)]
            continue
        outcome = spec.run(current, drift, thresholds)
        findings.append(Finding(spec.id, spec.name, level, *outcome))
    return tuple(findings)


def level_of(spec: CheckSpec, thresholds: Thresholds) -> str:
    """The configured level of a check (by ID or name), else its default."""
    return thresholds.levels.get(spec.id, thresholds.levels.get(spec.name, spec.level))


def check_profile(
    profile: Profile | Mapping[str, Any],
    thresholds: Thresholds = Thresholds(),
    baseline: Profile | Mapping[str, Any] | None = None,
    baseline_name: str | None = None,
    config_name: str | None = None,
) -> CheckResult:
    """The gate in one call: findings for a Profile (or its JSON dict), ready to render and exit on."""
    findings = run_checks(profile, thresholds, baseline)
    source = str((profile.source if isinstance(profile, Profile) else profile.get("source")) or "<profile>")
    return CheckResult(source, baseline_name, findings, strict=thresholds.strict, config=config_name)

CHECK_ID_PREFIX = "CHK-"  # rule IDs have no prefix, so a check ID can never be mistaken for one
CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("CHK-ROWS-001", "min-rows", "min_rows", "error", "enough rows to train on", check_rows),
    CheckSpec("CHK-ROWS-002", "min-rows-per-class", "min_rows_per_class", "error", "every class has enough rows", check_rows_per_class),
    CheckSpec("CHK-IMB-001", "max-imbalance", "max_imbalance", "error", "majority/minority count ratio", check_imbalance),
    CheckSpec("CHK-NOISE-001", "max-noise", "max_noise", "error", "estimated label-noise rate", check_noise),
    CheckSpec("CHK-TGT-001", "target-finite", "max_nonfinite_target", "error", "no NaN or inf in the target", check_target_finite),
    CheckSpec("CHK-TGT-002", "max-outlier-fraction", "max_outlier_fraction", "warning", "target outliers (robust z > 3.5)", check_outliers),
    CheckSpec("CHK-MISS-001", "max-missing", "max_missing", "warning", "missing fraction of each column", check_missing),
    CheckSpec("CHK-DUP-001", "max-duplicates", "max_duplicates", "warning", "fraction of duplicate rows", check_duplicates),
    CheckSpec("CHK-EXP-001", "expect-task", "expect_task", "error", "the task is the one expected", check_task),
    CheckSpec("CHK-EXP-002", "expect-target", "expect_target", "error", "the target column is the one expected", check_target_name),
    CheckSpec("CHK-DRF-001", "class-psi", "max_psi", "error", "class-mix shift (population stability index)", check_psi, True),
    CheckSpec("CHK-DRF-002", "class-js-distance", "max_js_distance", "warning", "class-mix shift (Jensen-Shannon distance)", check_js, True),
    CheckSpec("CHK-DRF-003", "new-classes", "max_new_classes", "error", "classes not in the baseline", check_new_classes, True),
    CheckSpec("CHK-DRF-004", "vanished-classes", "max_vanished_classes", "error", "baseline classes that disappeared", check_vanished_classes, True),
    CheckSpec("CHK-DRF-005", "noise-increase", "max_noise_increase", "warning", "label-noise rate change", check_noise_increase, True),
    CheckSpec("CHK-DRF-006", "target-shift", "max_target_shift", "warning", "target distribution shift (KS D)", check_target_shift, True),
    CheckSpec("CHK-SCH-001", "columns-added", "max_added_columns", "warning", "columns added since the baseline", check_added_columns, True),
    CheckSpec("CHK-SCH-002", "columns-removed", "max_removed_columns", "error", "baseline columns removed", check_removed_columns, True),
    CheckSpec("CHK-SCH-003", "columns-retyped", "max_retyped_columns", "error", "columns whose kind changed", check_retyped_columns, True),
    CheckSpec("CHK-SCH-004", "task-changed", "same_task", "error", "the task is the baseline's", check_same_task, True),
    CheckSpec("CHK-GRP-001", "max-group-gap", "max_group_gap", "error",
              "sensitive groups: none vanished, no base rate moved more than the limit", check_group_shift, True),
)
CHECKS_BY_KEY = {spec.id: spec for spec in CHECKS} | {spec.name: spec for spec in CHECKS}
# The IDs before the CHK- prefix ("IMB-001" named both a check and a rule); config files and --disable
# still accept them, with a DeprecationWarning that the CLI prints as one line.
LEGACY_CHECK_IDS = {spec.id.removeprefix(CHECK_ID_PREFIX): spec.id for spec in CHECKS}
