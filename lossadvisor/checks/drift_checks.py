"""The drift and schema checks: this profile against a baseline, through their :class:`Drift`."""

from __future__ import annotations

from lossadvisor.checks.outcome import FAILED, PASSED, Outcome, Thresholds, check_count, check_max, number, skipped
from lossadvisor.profiling.drift import Drift

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
        return skipped(f"no numeric target quantiles in both profiles (task is {profile.task})")
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
