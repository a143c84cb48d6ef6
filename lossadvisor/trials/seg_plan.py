"""Which candidates a segmentation trial compares: the masks' counterpart of :mod:`lossadvisor.trials.plan`.

The sources are the table trial's: the top of ``recommend`` on the masks (with the parameters it derived
from them), losses named with ``--losses`` (configured as the rule base would for these masks),
a saved recommendation, or a ``--sweep`` grid; the baseline is pixel cross-entropy.
:func:`plan_segmentation` turns the choice into a :class:`SegmentationPlan`, :func:`run_segmentation_plan`
trains it. The mask profile is measured only when a source needs it (``mask_profile`` is called lazily).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from lossadvisor.errors import ConfigError
from lossadvisor.profiling.profile import Profile
from lossadvisor.trials.candidates import CandidateSpec, Sweep, assemble, check_candidates_fit, configured_by_rules
from lossadvisor.trials.plan import SavedCandidates, recommended_candidates
from lossadvisor.trials.results import TrialOptions, TrialReport

CONFIGURED_NOTE = "configured as recommend would for these masks and objective: "


@dataclass(frozen=True)
class SegmentationPlan:
    """What a segmentation trial trains: the candidates (baseline first) or a sweep, and the report's notes."""

    candidates: tuple[CandidateSpec, ...] | None   # None for a sweep
    sweep: Sweep | None = None
    notes: tuple[str, ...] = ()


def plan_segmentation(mask_profile: Callable[[], Profile], *, objective: str | None, top: int,
                      rules_path: Path | None, losses: Sequence[str] | None = None,
                      saved: SavedCandidates | None = None, sweep: Sweep | None = None) -> SegmentationPlan:
    """The candidates from the one source given (none: recommend's top ``top`` for the masks), baseline first."""
    baseline, notes = None, ()
    if losses:
        specs, notes = configured_by_rules(losses, mask_profile(), objective, rules_path)
    elif saved is not None:
        specs, baseline = list(saved.candidates), saved.baseline
        check_candidates_fit(saved.path, saved.made_for, saved.class_order, "segmentation", ())
    elif sweep is None:
        specs, baseline = recommended_candidates(mask_profile(), objective, top, rules_path)
    if sweep is not None:
        return SegmentationPlan(None, sweep)
    assembled = assemble(specs, baseline, "segmentation")
    if len(assembled) < 2:
        raise ConfigError(f"nothing to compare: the only candidate is the baseline '{assembled[0].label}'; "
                          "name others with --losses")
    return SegmentationPlan(tuple(assembled), None, tuple(CONFIGURED_NOTE + note for note in notes))


def run_segmentation_plan(data, plan: SegmentationPlan, options: TrialOptions,
                          on_epoch: Callable[[int], None] | None = None) -> TrialReport:
    """Train the plan on the image/mask pairs (``seg_data.SegmentationData``); the plan's notes go into the report."""
    from lossadvisor.trials.seg_run import run_segmentation_sweep, run_segmentation_trials

    if plan.sweep is not None:
        return run_segmentation_sweep(data, plan.sweep, options, on_epoch=on_epoch)
    report = run_segmentation_trials(data, plan.candidates, options, on_epoch=on_epoch)
    return replace(report, notes=report.notes + plan.notes)
