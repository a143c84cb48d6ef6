"""The sensitive-group drift check (``--sensitive``; guide 6.2.13): a new data drop must not lose a
group or move a group's base rate by more than ``max_group_gap``.

Reads :class:`lossadvisor.profiling.groups.GroupShift` from the drift between the baseline and the
current profile (both profiled with the same ``--sensitive`` columns). A group measured in the
baseline that is absent now, or too small to measure, has vanished; the shift of a group is the
largest absolute change of its class shares (binary: its base rate), or for a numeric target the
change of its mean in baseline standard deviations.
"""

from __future__ import annotations

from lossadvisor.checks.outcome import FAILED, PASSED, Outcome, Thresholds, number, skipped


def check_group_shift(_profile, drift, t: Thresholds) -> Outcome:
    """Fail when a baseline group vanished or a group's base rate moved more than the limit."""
    shift = drift.groups
    if shift is None or not shift.in_current:
        return skipped("no sensitive groups in this profile (run check with --sensitive COL)")
    if not shift.in_baseline:
        return skipped("the baseline has no sensitive groups (profile it with --sensitive COL)")
    if shift.vanished:
        shown = ", ".join(f"'{name}' ({rows} rows now)" for name, rows in shift.vanished[:5])
        return Outcome(FAILED, f"{len(shift.vanished)} sensitive group(s) of the baseline vanished or became too "
                               f"small to measure: {shown}", len(shift.vanished), 0)
    if not shift.shifts:
        return skipped("no measured group in both profiles to compare")
    worst = max(shift.shifts, key=shift.shifts.__getitem__)
    value, limit = shift.shifts[worst], t.max_group_gap
    if value > limit:
        return Outcome(FAILED, f"group '{worst}' base rate / class share moved by {number(value)}, more than the "
                               f"maximum {number(limit)}", value, limit)
    return Outcome(PASSED, f"largest group shift {number(value)} (group '{worst}') is within the maximum "
                           f"{number(limit)}; no group vanished", value, limit)
