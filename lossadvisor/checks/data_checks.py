"""The checks on the current Profile (its sections' attributes; docs/profile-schema.md)."""

from __future__ import annotations

from lossadvisor.checks.outcome import (
    FAILED,
    PASSED,
    Outcome,
    Thresholds,
    check_count,
    check_max,
    check_min,
    number,
    percent,
    skipped,
)
from lossadvisor.profiling.class_sections import ClassBalance
from lossadvisor.profiling.profile import Profile


def _no_classes(profile: Profile) -> Outcome:
    return skipped(f"no class labels to count (task is {profile.task})")


def check_rows(profile: Profile, _drift, t: Thresholds) -> Outcome:
    rows = int(profile.rows or 0)
    if rows == 0 and profile.masks is not None and profile.masks.n_masks:
        return check_min(int(profile.masks.n_masks), t.min_rows, "mask count")
    return check_min(rows, t.min_rows, "row count")


def check_rows_per_class(profile: Profile, _drift, t: Thresholds) -> Outcome:
    classes: ClassBalance | None = profile.classes
    if classes is None or not classes.counts:
        return _no_classes(profile)
    counts = {str(k): int(v) for k, v in classes.counts.items()}
    small = sorted((n, label) for label, n in counts.items() if n < t.min_rows_per_class)
    fewest = min(counts.values())
    if not small:
        return Outcome(PASSED, f"smallest class has {fewest} rows, meeting the minimum {t.min_rows_per_class}", fewest, t.min_rows_per_class)
    listed = ", ".join(f"'{label}' ({n})" for n, label in small[:5]) + (", ..." if len(small) > 5 else "")
    noun = "class has" if len(small) == 1 else "classes have"
    message = f"{len(small)} {noun} fewer rows than the minimum {t.min_rows_per_class}: {listed}"
    return Outcome(FAILED, message, fewest, t.min_rows_per_class)


def check_imbalance(profile: Profile, _drift, t: Thresholds) -> Outcome:
    classes = profile.classes
    if classes is None or classes.imbalance_ratio is None:
        return _no_classes(profile)
    ratio = float(classes.imbalance_ratio)
    outcome = check_max(ratio, t.max_imbalance, "imbalance ratio")
    majority, minority = classes.majority, classes.minority
    if majority is not None and minority is not None and majority != minority:
        outcome = outcome._replace(message=f"{outcome.message} (majority '{majority}' / minority '{minority}')")
    return outcome


def check_noise(profile: Profile, _drift, t: Thresholds) -> Outcome:
    noise = profile.label_noise
    if noise is None:
        task = profile.task
        if task in ("binary", "multiclass"):
            return skipped("label noise not measured (the profile was made with --no-noise)")
        return skipped(f"label noise is not estimated for a {task} target")
    if noise.estimated_rate is None:
        return skipped(f"the label-noise estimate abstained: {noise.note or 'no reason given'}")
    point = float(noise.estimated_rate)
    ci = noise.ci or ()
    if t.noise_bound == "upper" and len(ci) == 2 and ci[1] is not None:
        outcome = check_max(float(ci[1]), t.max_noise, "label-noise rate (upper bound)")
        outcome = outcome._replace(message=f"{outcome.message}; point estimate {number(point)}")
    else:
        outcome = check_max(point, t.max_noise, "label-noise rate")
    if noise.reliable is False:
        outcome = outcome._replace(message=f"{outcome.message} (estimate flagged unreliable)")
    return outcome


def _nonfinite_counts(profile: Profile) -> dict[str, int] | None:
    """Non-finite target values per target column: NaN and +/-inf where the profile counts them."""
    counted = profile.target_nonfinite
    if counted:
        return {col: sum(int(v or 0) for v in c.values()) for col, c in counted.items()}
    missing = profile.overview.missing_fraction if profile.overview is not None else {}
    rows = int(profile.rows or 0)
    targets = [col for col in profile.target if col in missing]
    if not targets:
        return None
    return {col: round(float(missing[col]) * rows) for col in targets}


def check_target_finite(profile: Profile, _drift, t: Thresholds) -> Outcome:
    counts = _nonfinite_counts(profile)
    if counts is None:
        return skipped("no target column in a table (masks only)")
    total = sum(counts.values())
    what = "NaN or inf values in the target" if profile.target_nonfinite else "missing values in the target"
    outcome = check_count(total, t.max_nonfinite_target, what)
    bad = [f"'{col}' ({n})" for col, n in counts.items() if n]
    return outcome._replace(message=f"{outcome.message}: {', '.join(bad)}") if bad and outcome.status == FAILED else outcome


def check_outliers(profile: Profile, _drift, t: Thresholds) -> Outcome:
    stats = profile.target_stats
    if stats is None or stats.outlier_fraction is None:
        return skipped(f"no numeric target (task is {profile.task})")
    return check_max(float(stats.outlier_fraction), t.max_outlier_fraction, "target outlier fraction (robust z > 3.5)", percent)


def check_missing(profile: Profile, _drift, t: Thresholds) -> Outcome:
    overview = profile.overview
    missing = {str(c): float(v) for c, v in (overview.missing_fraction if overview is not None else {}).items()}
    if not missing:
        return skipped("no table columns to measure")
    worst_column = max(missing, key=missing.get)
    over = sorted(((v, c) for c, v in missing.items() if v > t.max_missing), reverse=True)
    if not over:
        return Outcome(PASSED, f"most missing column '{worst_column}' has {percent(missing[worst_column])} missing, "
                       f"within the maximum {percent(t.max_missing)}", missing[worst_column], t.max_missing)
    listed = ", ".join(f"'{c}' {percent(v)}" for v, c in over[:5]) + (", ..." if len(over) > 5 else "")
    noun = "column exceeds" if len(over) == 1 else "columns exceed"
    message = f"{len(over)} {noun} the maximum missing fraction {percent(t.max_missing)}: {listed}"
    return Outcome(FAILED, message, over[0][0], t.max_missing)


def check_duplicates(profile: Profile, _drift, t: Thresholds) -> Outcome:
    if profile.overview is None:
        return skipped("duplicate rows not measured (no table)")
    fraction = profile.overview.duplicate_fraction
    return check_max(float(fraction), t.max_duplicates, "duplicate-row fraction", percent)


def check_task(profile: Profile, _drift, t: Thresholds) -> Outcome:
    task = profile.task
    if task == t.expect_task:
        return Outcome(PASSED, f"task is {task}, as expected", task, t.expect_task)
    return Outcome(FAILED, f"task is {task}, expected {t.expect_task}", task, t.expect_task)


def check_target_name(profile: Profile, _drift, t: Thresholds) -> Outcome:
    target = list(profile.target)
    expected = list(t.expect_target or ())
    shown, wanted = ", ".join(target) or "(none)", ", ".join(expected)
    if target == expected:
        return Outcome(PASSED, f"target column is {shown}, as expected", target, expected)
    return Outcome(FAILED, f"target column is {shown}, expected {wanted}", target, expected)
