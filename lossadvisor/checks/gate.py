"""The CI gate: thresholds → Findings → exit code.

Every check reads the profile dict (``Profile.to_dict()``, docs/profile-schema.md) and,
for the drift checks, the :class:`~lossadvisor.profiling.drift.Drift` between a baseline
profile and this one. A ``max_*`` check fails when the observed value is strictly above
its limit, a ``min_*`` check when it is strictly below; a check whose data does not
apply (imbalance on a regression target) is *skipped*, never passed. A check whose
threshold is ``None`` or whose level is ``off`` is disabled and not reported; the drift
checks run only when a baseline is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple

from lossadvisor.profiling.drift import Drift, compare_profiles

LEVELS = ("error", "warning")
NOISE_BOUNDS = ("upper", "point")
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class Thresholds:
    """The limits the gate enforces; ``None`` disables a check. Defaults are documented in docs/check.md."""

    min_rows: int | None = 100
    min_rows_per_class: int | None = 10
    max_imbalance: float | None = 100
    max_noise: float | None = 0.2
    noise_bound: str = "upper"
    max_nonfinite_target: int | None = 0
    max_outlier_fraction: float | None = 0.05
    max_missing: float | None = 0.2
    max_duplicates: float | None = 0.05
    expect_task: str | None = None
    expect_target: tuple[str, ...] | None = None
    max_psi: float | None = 0.25
    max_js_distance: float | None = 0.1
    max_new_classes: int | None = 0
    max_vanished_classes: int | None = 0
    max_noise_increase: float | None = 0.05
    max_target_shift: float | None = 0.1
    max_added_columns: int | None = 0
    max_removed_columns: int | None = 0
    max_retyped_columns: int | None = 0
    same_task: bool | None = True
    levels: Mapping[str, str] = field(default_factory=dict)  # check ID or name → error | warning | off
    strict: bool = False


@dataclass(frozen=True)
class Finding:
    """One check's outcome: what was observed, what was allowed, and whether it passed."""

    id: str
    name: str
    level: str
    status: str
    message: str
    observed: Any = None
    limit: Any = None


@dataclass(frozen=True)
class CheckResult:
    """All findings of one run, and the exit code they add up to."""

    source: str
    baseline: str | None
    findings: tuple[Finding, ...]
    strict: bool = False
    config: str | None = None

    def failures(self, level: str | None = None) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == FAILED and (level is None or f.level == level))

    def blocking(self, finding: Finding) -> bool:
        """Whether a failed finding fails the gate: errors always, warnings only with --strict."""
        return finding.status == FAILED and (finding.level == "error" or self.strict)

    @property
    def exit_code(self) -> int:
        return 1 if any(self.blocking(f) for f in self.findings) else 0

    def counts(self) -> dict[str, int]:
        return {
            "passed": sum(f.status == PASSED for f in self.findings),
            "failed_errors": len(self.failures("error")),
            "failed_warnings": len(self.failures("warning")),
            "skipped": sum(f.status == SKIPPED for f in self.findings),
        }


class Outcome(NamedTuple):
    status: str
    message: str
    observed: Any = None
    limit: Any = None


@dataclass(frozen=True)
class CheckSpec:
    """A check's stable identity: ID (never changes), name, its threshold key and default level."""

    id: str
    name: str
    key: str
    level: str
    summary: str
    run: Callable[[Mapping[str, Any], Any, Thresholds], Outcome] = field(repr=False, compare=False)
    drift: bool = False


def number(value: float, digits: int = 4) -> str:
    """A number as people read it in a message: 20, 52.0, 0.125."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    return f"{value:.{digits}g}" if abs(value) < 10**digits else f"{value:.1f}"


def percent(fraction: float, digits: int = 3) -> str:
    """A fraction as a percentage: 0.004 → 0.4%, 0.2 → 20%."""
    return f"{100 * fraction:.{digits}g}%"


def _shown(observed: float, limit: float, show: Callable[..., str]) -> tuple[str, str]:
    """Both values, with more digits when rounding would make a crossed limit look equal to it."""
    for digits in (None, 8, 15):
        pair = (show(observed), show(limit)) if digits is None else (show(observed, digits), show(limit, digits))
        if pair[0] != pair[1] or observed == limit:
            return pair
    return pair


def check_max(observed: float, limit: float, what: str, show: Callable[..., str] = number) -> Outcome:
    """Pass unless observed > limit; the message names both values."""
    seen, allowed = _shown(observed, limit, show)
    if observed > limit:
        return Outcome(FAILED, f"{what} {seen} exceeds the maximum {allowed}", observed, limit)
    return Outcome(PASSED, f"{what} {seen} is within the maximum {allowed}", observed, limit)


def check_min(observed: float, limit: float, what: str) -> Outcome:
    """Pass unless observed < limit; the message names both values."""
    seen, allowed = _shown(observed, limit, number)
    if observed < limit:
        return Outcome(FAILED, f"{what} {seen} is below the minimum {allowed}", observed, limit)
    return Outcome(PASSED, f"{what} {seen} meets the minimum {allowed}", observed, limit)


def check_count(observed: int, limit: int, noun: str) -> Outcome:
    """A count with a maximum: "2 new classes, more than the maximum 0"."""
    if observed > limit:
        return Outcome(FAILED, f"{observed} {noun}, more than the maximum {limit}", observed, limit)
    return Outcome(PASSED, f"{observed} {noun} (maximum {limit})", observed, limit)


def skipped(reason: str) -> Outcome:
    return Outcome(SKIPPED, reason)


def run_checks(
    profile: Mapping[str, Any], thresholds: Thresholds = Thresholds(), baseline: Mapping[str, Any] | None = None
) -> tuple[Finding, ...]:
    """Run every enabled check on a profile dict (and the drift checks against a baseline)."""
    drift: Drift | None = compare_profiles(baseline, profile) if baseline is not None else None
    findings = []
    for spec in CHECKS:
        level = level_of(spec, thresholds)
        if level == "off" or getattr(thresholds, spec.key) is None or (spec.drift and drift is None):
            continue
        outcome = spec.run(profile, drift, thresholds)
        findings.append(Finding(spec.id, spec.name, level, *outcome))
    return tuple(findings)


def level_of(spec: CheckSpec, thresholds: Thresholds) -> str:
    """The configured level of a check (by ID or name), else its default."""
    return thresholds.levels.get(spec.id, thresholds.levels.get(spec.name, spec.level))


def check_profile(
    profile: Mapping[str, Any],
    thresholds: Thresholds = Thresholds(),
    baseline: Mapping[str, Any] | None = None,
    baseline_name: str | None = None,
    config_name: str | None = None,
) -> CheckResult:
    """The gate in one call: findings for a profile dict, ready to render and exit on."""
    findings = run_checks(profile, thresholds, baseline)
    source = str(profile.get("source") or "<profile>")
    return CheckResult(source, baseline_name, findings, strict=thresholds.strict, config=config_name)


# --- the checks on the current profile -------------------------------------------------

def _classes(profile: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return profile.get("classes") or None


def _no_classes(profile: Mapping[str, Any]) -> Outcome:
    return skipped(f"no class labels to count (task is {profile.get('task')})")


def check_rows(profile, _drift, t: Thresholds) -> Outcome:
    rows = int(profile.get("rows") or 0)
    masks = profile.get("masks") or {}
    if rows == 0 and masks.get("n_masks"):
        return check_min(int(masks["n_masks"]), t.min_rows, "mask count")
    return check_min(rows, t.min_rows, "row count")


def check_rows_per_class(profile, _drift, t: Thresholds) -> Outcome:
    classes = _classes(profile)
    if classes is None or not classes.get("counts"):
        return _no_classes(profile)
    counts = {str(k): int(v) for k, v in classes["counts"].items()}
    small = sorted((n, label) for label, n in counts.items() if n < t.min_rows_per_class)
    fewest = min(counts.values())
    if not small:
        return Outcome(PASSED, f"smallest class has {fewest} rows, meeting the minimum {t.min_rows_per_class}", fewest, t.min_rows_per_class)
    listed = ", ".join(f"'{label}' ({n})" for n, label in small[:5]) + (", ..." if len(small) > 5 else "")
    noun = "class has" if len(small) == 1 else "classes have"
    message = f"{len(small)} {noun} fewer rows than the minimum {t.min_rows_per_class}: {listed}"
    return Outcome(FAILED, message, fewest, t.min_rows_per_class)


def check_imbalance(profile, _drift, t: Thresholds) -> Outcome:
    classes = _classes(profile)
    if classes is None or classes.get("imbalance_ratio") is None:
        return _no_classes(profile)
    ratio = float(classes["imbalance_ratio"])
    outcome = check_max(ratio, t.max_imbalance, "imbalance ratio")
    majority, minority = classes.get("majority"), classes.get("minority")
    if majority is not None and minority is not None and majority != minority:
        outcome = outcome._replace(message=f"{outcome.message} (majority '{majority}' / minority '{minority}')")
    return outcome


def check_noise(profile, _drift, t: Thresholds) -> Outcome:
    noise = profile.get("label_noise")
    if not noise:
        task = profile.get("task")
        if task in ("binary", "multiclass"):
            return skipped("label noise not measured (the profile was made with --no-noise)")
        return skipped(f"label noise is not estimated for a {task} target")
    if noise.get("estimated_rate") is None:
        return skipped(f"the label-noise estimate abstained: {noise.get('note') or 'no reason given'}")
    point = float(noise["estimated_rate"])
    ci = noise.get("ci") or []
    if t.noise_bound == "upper" and len(ci) == 2 and ci[1] is not None:
        outcome = check_max(float(ci[1]), t.max_noise, "label-noise rate (upper bound)")
        outcome = outcome._replace(message=f"{outcome.message}; point estimate {number(point)}")
    else:
        outcome = check_max(point, t.max_noise, "label-noise rate")
    if noise.get("reliable") is False:
        outcome = outcome._replace(message=f"{outcome.message} (estimate flagged unreliable)")
    return outcome


def _nonfinite_counts(profile: Mapping[str, Any]) -> dict[str, int] | None:
    """Non-finite target values per target column: NaN and +/-inf where the profile counts them."""
    counted = profile.get("target_nonfinite")
    if counted:
        return {col: sum(int(v or 0) for v in c.values()) for col, c in counted.items()}
    missing = (profile.get("overview") or {}).get("missing_fraction") or {}
    rows = int(profile.get("rows") or 0)
    targets = [col for col in profile.get("target") or [] if col in missing]
    if not targets:
        return None
    return {col: round(float(missing[col]) * rows) for col in targets}


def check_target_finite(profile, _drift, t: Thresholds) -> Outcome:
    counts = _nonfinite_counts(profile)
    if counts is None:
        return skipped("no target column in a table (masks only)")
    total = sum(counts.values())
    what = "NaN or inf values in the target" if profile.get("target_nonfinite") else "missing values in the target"
    outcome = check_count(total, t.max_nonfinite_target, what)
    bad = [f"'{col}' ({n})" for col, n in counts.items() if n]
    return outcome._replace(message=f"{outcome.message}: {', '.join(bad)}") if bad and outcome.status == FAILED else outcome


def check_outliers(profile, _drift, t: Thresholds) -> Outcome:
    stats = profile.get("target_stats")
    if not stats or stats.get("outlier_fraction") is None:
        return skipped(f"no numeric target (task is {profile.get('task')})")
    return check_max(float(stats["outlier_fraction"]), t.max_outlier_fraction, "target outlier fraction (robust z > 3.5)", percent)


def check_missing(profile, _drift, t: Thresholds) -> Outcome:
    missing = {str(c): float(v) for c, v in ((profile.get("overview") or {}).get("missing_fraction") or {}).items()}
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


def check_duplicates(profile, _drift, t: Thresholds) -> Outcome:
    fraction = (profile.get("overview") or {}).get("duplicate_fraction")
    if fraction is None:
        return skipped("duplicate rows not measured (no table)")
    return check_max(float(fraction), t.max_duplicates, "duplicate-row fraction", percent)


def check_task(profile, _drift, t: Thresholds) -> Outcome:
    task = profile.get("task")
    if task == t.expect_task:
        return Outcome(PASSED, f"task is {task}, as expected", task, t.expect_task)
    return Outcome(FAILED, f"task is {task}, expected {t.expect_task}", task, t.expect_task)


def check_target_name(profile, _drift, t: Thresholds) -> Outcome:
    target = list(profile.get("target") or [])
    expected = list(t.expect_target or ())
    shown, wanted = ", ".join(target) or "(none)", ", ".join(expected)
    if target == expected:
        return Outcome(PASSED, f"target column is {shown}, as expected", target, expected)
    return Outcome(FAILED, f"target column is {shown}, expected {wanted}", target, expected)


# --- the drift checks against a baseline profile ---------------------------------------

def check_psi(profile, drift: Drift, t: Thresholds) -> Outcome:
    if drift.psi is None:
        return skipped("no class proportions in both profiles")
    return check_max(drift.psi, t.max_psi, "class-mix population stability index")


def check_js(profile, drift: Drift, t: Thresholds) -> Outcome:
    if drift.js_distance is None:
        return skipped("no class proportions in both profiles")
    return check_max(drift.js_distance, t.max_js_distance, "class-mix Jensen-Shannon distance")


def _listed(labels: tuple[str, ...]) -> str:
    return ", ".join(f"'{label}'" for label in labels[:10]) + (", ..." if len(labels) > 10 else "")


def _count_check(items: tuple | None, limit: int, what: str, names: tuple[str, ...], absent: str) -> Outcome:
    if items is None:
        return skipped(absent)
    outcome = check_count(len(items), limit, what)
    return outcome._replace(message=f"{outcome.message}: {_listed(names)}") if names else outcome


def check_new_classes(profile, drift: Drift, t: Thresholds) -> Outcome:
    new = drift.new_classes
    return _count_check(new, t.max_new_classes, "new classes not in the baseline", new or (), "no classes in both profiles")


def check_vanished_classes(profile, drift: Drift, t: Thresholds) -> Outcome:
    gone = drift.vanished_classes
    return _count_check(gone, t.max_vanished_classes, "baseline classes now absent", gone or (), "no classes in both profiles")


def check_noise_increase(profile, drift: Drift, t: Thresholds) -> Outcome:
    if drift.noise_change is None:
        return skipped("label noise not estimated in both profiles")
    outcome = check_max(drift.noise_change, t.max_noise_increase, "label-noise rate increase")
    return outcome._replace(message=f"{outcome.message} ({number(drift.baseline_noise)} → {number(drift.current_noise)})")


def check_target_shift(profile, drift: Drift, t: Thresholds) -> Outcome:
    shift = drift.target_shift
    if shift is None:
        return skipped(f"no numeric target quantiles in both profiles (task is {profile.get('task')})")
    outcome = check_max(shift.ks_statistic, t.max_target_shift, f"target distribution shift (KS D, from {shift.method})")
    if shift.baseline_median is not None and shift.current_median is not None:
        outcome = outcome._replace(message=f"{outcome.message}; median {number(shift.baseline_median)} → {number(shift.current_median)}")
    return outcome


def check_added_columns(profile, drift: Drift, t: Thresholds) -> Outcome:
    added = drift.schema.added
    return _count_check(added, t.max_added_columns, "columns added since the baseline", added, "")


def check_removed_columns(profile, drift: Drift, t: Thresholds) -> Outcome:
    removed = drift.schema.removed
    return _count_check(removed, t.max_removed_columns, "baseline columns removed", removed, "")


def check_retyped_columns(profile, drift: Drift, t: Thresholds) -> Outcome:
    retyped = drift.schema.retyped
    names = tuple(f"{c}: {before} → {now}" for c, before, now in retyped)
    outcome = check_count(len(retyped), t.max_retyped_columns, "columns whose kind changed")
    return outcome._replace(message=f"{outcome.message}: {', '.join(names[:10])}") if names else outcome


def check_same_task(profile, drift: Drift, t: Thresholds) -> Outcome:
    before, now = drift.tasks
    if not t.same_task:
        return skipped("same_task is off")
    if before is None or now is None:
        return skipped("a profile has no task")
    if before != now:
        return Outcome(FAILED, f"task changed from {before} (baseline) to {now}", now, before)
    return Outcome(PASSED, f"task is {now}, as in the baseline", now, before)


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("ROWS-001", "min-rows", "min_rows", "error", "enough rows to train on", check_rows),
    CheckSpec("ROWS-002", "min-rows-per-class", "min_rows_per_class", "error", "every class has enough rows", check_rows_per_class),
    CheckSpec("IMB-001", "max-imbalance", "max_imbalance", "error", "majority/minority count ratio", check_imbalance),
    CheckSpec("NOISE-001", "max-noise", "max_noise", "error", "estimated label-noise rate", check_noise),
    CheckSpec("TGT-001", "target-finite", "max_nonfinite_target", "error", "no NaN or inf in the target", check_target_finite),
    CheckSpec("TGT-002", "max-outlier-fraction", "max_outlier_fraction", "warning", "target outliers (robust z > 3.5)", check_outliers),
    CheckSpec("MISS-001", "max-missing", "max_missing", "warning", "missing fraction of each column", check_missing),
    CheckSpec("DUP-001", "max-duplicates", "max_duplicates", "warning", "fraction of duplicate rows", check_duplicates),
    CheckSpec("EXP-001", "expect-task", "expect_task", "error", "the task is the one expected", check_task),
    CheckSpec("EXP-002", "expect-target", "expect_target", "error", "the target column is the one expected", check_target_name),
    CheckSpec("DRF-001", "class-psi", "max_psi", "error", "class-mix shift (population stability index)", check_psi, True),
    CheckSpec("DRF-002", "class-js-distance", "max_js_distance", "warning", "class-mix shift (Jensen-Shannon distance)", check_js, True),
    CheckSpec("DRF-003", "new-classes", "max_new_classes", "error", "classes not in the baseline", check_new_classes, True),
    CheckSpec("DRF-004", "vanished-classes", "max_vanished_classes", "error", "baseline classes that disappeared", check_vanished_classes, True),
    CheckSpec("DRF-005", "noise-increase", "max_noise_increase", "warning", "label-noise rate change", check_noise_increase, True),
    CheckSpec("DRF-006", "target-shift", "max_target_shift", "warning", "target distribution shift (KS D)", check_target_shift, True),
    CheckSpec("SCH-001", "columns-added", "max_added_columns", "warning", "columns added since the baseline", check_added_columns, True),
    CheckSpec("SCH-002", "columns-removed", "max_removed_columns", "error", "baseline columns removed", check_removed_columns, True),
    CheckSpec("SCH-003", "columns-retyped", "max_retyped_columns", "error", "columns whose kind changed", check_retyped_columns, True),
    CheckSpec("SCH-004", "task-changed", "same_task", "error", "the task is the baseline's", check_same_task, True),
)
CHECKS_BY_KEY = {spec.id: spec for spec in CHECKS} | {spec.name: spec for spec in CHECKS}
