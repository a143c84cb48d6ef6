"""The CI gate: thresholds → Findings → exit code.

Every check reads the profile dict (``Profile.to_dict()``, docs/profile-schema.md) and,
for the drift checks, the :class:`~lossadvisor.profiling.drift.Drift` between a baseline
profile and this one. A ``max_*`` check fails when the observed value is strictly above
its limit, a ``min_*`` check when it is strictly below; a check whose data does not
apply (imbalance on a regression target) is *skipped*, never passed. A check whose
threshold is ``None`` or whose level is ``off`` is disabled and not reported; the drift
checks run only when a baseline is given.
"""

from lossadvisor.checks.gate import CHECKS, CHECKS_BY_KEY, check_profile, level_of, run_checks
from lossadvisor.checks.model import (FAILED, LEVELS, NOISE_BOUNDS, PASSED, SKIPPED, CheckResult, CheckSpec, Finding,
                                      Outcome, Thresholds)

__all__ = [
    "CHECKS", "CHECKS_BY_KEY", "FAILED", "LEVELS", "NOISE_BOUNDS", "PASSED", "SKIPPED",
    "CheckResult", "CheckSpec", "Finding", "Outcome", "Thresholds", "check_profile", "level_of", "run_checks",
]
