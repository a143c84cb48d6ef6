"""The gate's vocabulary: thresholds, findings, a check's outcome, and the message helpers.

A ``max_*`` check fails when the observed value is strictly above its limit, a ``min_*``
check when it is strictly below (:func:`check_max`, :func:`check_min`, :func:`check_count`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple

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
    max_group_gap: float | None = None   # on by default (0.1) when check runs with --sensitive
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
    target: str | None = None   # multi-target data: the target a target-level check ran on (None: the table)

    @property
    def title(self) -> str:
        """The check's ID and name, and its target when it ran on one: "CHK-NOISE-001 max-noise [b]"."""
        return f"{self.id} {self.name}" + (f" [{self.target}]" if self.target is not None else "")


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
