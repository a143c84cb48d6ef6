"""Which candidates a trial compares, and how it runs: one library function for ``trial`` and ``report``.

The candidates come from exactly one source: the top of ``recommend`` (the default), losses named with
``--losses`` (each configured the way the rule base would for this data and objective), a saved
recommendation (``--candidates FILE``), or a ``--sweep`` grid. :func:`plan_trial` turns that choice
into a :class:`TrialPlan`: the candidates with the baseline first, and the notes the report carries
about how they were chosen. :func:`run_plan` trains it. The CLI only parses, calls, renders.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from lossadvisor.errors import ConfigError
from lossadvisor.profiling.profile import Profile
from lossadvisor.trials.candidates import (CandidateSpec, Sweep, assemble, challengers, check_candidates_fit,
                                           configured_by_rules)
from lossadvisor.trials.prepare import DataFacts
from lossadvisor.trials.results import TrialOptions, TrialReport
from lossadvisor.trials.train_types import TrainConfig

CONFIGURED_NOTE = "configured as recommend would for this data and objective: "


@dataclass(frozen=True)
class SavedCandidates:
    """A saved recommendation (``recommend --format json``) to trial, as :func:`load_candidates_json` read it."""

    path: str | Path
    candidates: Sequence[CandidateSpec]
    baseline: CandidateSpec | None
    class_order: tuple[str, ...]
    made_for: object   # the task it was recommended for


@dataclass(frozen=True)
class TrialPlan:
    """What a trial trains: the candidates (baseline first) or a sweep, and what the report says about them."""

    facts: DataFacts
    candidates: tuple[CandidateSpec, ...] | None   # None for a sweep
    sweep: Sweep | None = None
    base_params: Mapping[str, Any] | None = None   # a sweep: the swept loss's other parameters, as configured
    notes: tuple[str, ...] = ()

    def fits_per_seed(self) -> int:
        """How many models one seed trains (one per candidate; a sweep: one per value and the baseline)."""
        return len(self.sweep.values) + 1 if self.sweep is not None else len(self.candidates)


def recommended_candidates(profile: Profile, objective: str | None, top: int,
                           rules_path: Path | None) -> tuple[list[CandidateSpec], CandidateSpec]:
    """The top of ``recommend`` for this profile and objective, and its baseline."""
    from lossadvisor.advice.objectives import Objectives
    from lossadvisor.advice.ranking import recommend
    from lossadvisor.advice.ruleset import load_rules

    rec = recommend(profile, Objectives.parse(objective), rules=load_rules(rules_path))
    specs = [CandidateSpec(c.loss, dict(c.params)) for c in rec.top(top)]
    return specs, CandidateSpec(rec.baseline.loss, dict(rec.baseline.params), True)


def plan_trial(profile: Profile, facts: DataFacts, *, objective: str | None, top: int, rules_path: Path | None,
               losses: Sequence[str] | None = None, saved: SavedCandidates | None = None,
               sweep: Sweep | None = None) -> TrialPlan:
    """The candidates from the one source given (none: recommend's top ``top``), baseline first."""
    baseline, base_params, config_notes = None, None, ()
    if losses:
        specs, config_notes = configured_by_rules(losses, profile, objective, rules_path)
    elif sweep is not None:
        configured, config_notes = configured_by_rules([sweep.loss], profile, objective, rules_path)
        base_params = {k: v for k, v in configured[0].params.items() if k != sweep.param}
    elif saved is not None:
        specs, baseline = list(saved.candidates), saved.baseline
        check_candidates_fit(saved.path, saved.made_for, saved.class_order, facts.task, facts.class_order)
        if saved.class_order:
            facts = replace(facts, class_order=saved.class_order)
    else:
        specs, baseline = recommended_candidates(profile, objective, top, rules_path)
    notes = tuple(CONFIGURED_NOTE + note for note in config_notes)
    if sweep is not None:
        return TrialPlan(facts, None, sweep, base_params, notes)
    assembled = assemble(specs, baseline, facts.task)
    if not (losses or saved) and len(assembled) < 2:   # recommend kept the plain loss: check no standard one beats it
        mad = profile.target_stats.mad if profile.target_stats is not None else None
        assembled = assemble(challengers(facts.task, mad), assembled[0], facts.task)
        if len(assembled) >= 2:
            notes += (f"recommend kept the plain baseline for this data; standard alternatives "
                      f"({', '.join(s.label for s in assembled[1:])}) were trialled to check that none beats it",)
    if len(assembled) < 2:
        raise ConfigError(f"nothing to compare: the only candidate is the baseline '{assembled[0].label}' "
                          "(recommend found no reason to change the loss); name others with --losses")
    return TrialPlan(facts, tuple(assembled), None, None, notes)


def trial_options(*, seeds: int, seed: int, metric: str | None, objective: str | None, batched: bool, device: str,
                  threads: int, bootstrap: int, epochs: int, budget: float | None, batch_size: int,
                  patience: int) -> TrialOptions:
    """The options of a trial fit, from the command line's values."""
    train = TrainConfig(batch_size=batch_size, epochs=epochs, budget_s=budget, patience=patience)
    return TrialOptions(seeds=seeds, seed=seed, metric=metric, objective=objective, batched=batched,
                        device=device, threads=threads, bootstrap=bootstrap, train=train)


def run_plan(frame, target: str, plan: TrialPlan, options: TrialOptions,
             on_epoch: Callable[[int], None] | None = None) -> TrialReport:
    """Train the plan and compare each candidate with the baseline; the plan's notes go into the report."""
    from lossadvisor.trials.run import run_sweep, run_trials

    if plan.sweep is not None:
        report = run_sweep(frame, target, plan.facts, plan.sweep, options, plan.base_params, on_epoch=on_epoch)
    else:
        report = run_trials(frame, target, plan.facts, plan.candidates, options, on_epoch=on_epoch)
    return replace(report, notes=report.notes + plan.notes) if plan.notes else report
