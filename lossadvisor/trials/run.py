"""Run a trial: prepare the data, train every candidate × seed, score, compare, diagnose.

    report = run_trials(frame, "y", DataFacts(task="binary"), candidates, TrialOptions(seeds=3))

The candidates' order is kept; the first one flagged ``baseline`` is what the others are
compared with. Same inputs, same seed, same device and threads → the same numbers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials import metrics as M
from lossadvisor.trials.candidates import CandidateSpec, Sweep, sweep_candidates
from lossadvisor.trials.cluster_boot import cluster_codes, resampling_note, resampling_summary
from lossadvisor.trials.compare import compare_candidates, score_candidate
from lossadvisor.trials.evaluate import Scorer
from lossadvisor.trials.folds import FoldPlan
from lossadvisor.trials.members import (
    LossFactory,
    build_loss_module,
    build_members,
    fill_data_params,
    resolve_device,
    to_tensors,
)
from lossadvisor.trials.prepare import DataFacts, PreparedData, prepare_data
from lossadvisor.trials.results import TrialOptions, TrialReport
from lossadvisor.trials.stats import SAME
from lossadvisor.trials.train_types import Member, MemberTrace, TrainOutcome, TrainTensors
from lossadvisor.trials.train import train_members


def _train(members: list[Member], tensors: TrainTensors, scorer: Scorer, options: TrialOptions, sizes: list[int],
           on_epoch: Callable[[int], None] | None) -> tuple[list[MemberTrace], TrainOutcome]:
    forms = [m.form for m in members]

    folds = [m.fold for m in members] if tensors.folds is not None else None

    def score(positions: Sequence[int], outputs: np.ndarray, offset: int = 0) -> np.ndarray:
        return scorer.validation_scores([forms[offset + p] for p in positions], outputs,
                                        None if folds is None else [folds[offset + p] for p in positions])

    if options.batched:
        from lossadvisor.trials.oom import train_halving_on_oom

        outcome, note = train_halving_on_oom(members, tensors, options.train, sizes, score, on_epoch, train_members)
        return outcome.traces, (outcome if note is None else replace(outcome, notes=(note,)))
    traces, outcomes = [], []
    config = options.train
    if config.budget_s is not None:
        config = replace(config, budget_s=config.budget_s / len(members))
    for i, member in enumerate(members):
        outcome = train_members([member], tensors, config, sizes, lambda p, o, i=i: score(p, o, i), on_epoch)
        traces.extend(outcome.traces)
        outcomes.append(outcome)
    total = TrainOutcome(traces, max(o.epochs_run for o in outcomes), sum(o.steps for o in outcomes),
                         sum(o.seconds for o in outcomes), False, sum(o.vmap_groups for o in outcomes))
    return traces, total


def run_trials(
    frame: pd.DataFrame,
    target: str,
    facts: DataFacts,
    candidates: Sequence[CandidateSpec],
    options: TrialOptions = TrialOptions(),
    loss_factory: LossFactory | None = None,
    on_epoch: Callable[[int], None] | None = None,
) -> TrialReport:
    """Train every candidate with ``options.seeds`` paired seeds and compare each with the baseline."""
    import torch

    if facts.task == "multilabel":
        from lossadvisor.trials.folds import check_single_split
        from lossadvisor.trials.multilabel_trial import run_multilabel_trials

        check_single_split(options.folds, "multilabel")

        return run_multilabel_trials(frame, target, facts, candidates, options, loss_factory, on_epoch,
                                     facts.label_separator)

    if options.seeds < 1:
        raise LossAdvisorError(f"--seeds must be at least 1, got {options.seeds}")
    if not candidates:
        raise LossAdvisorError("no candidate losses to trial")
    device = resolve_device(options.device)
    primary = _primary_metric(facts.task, options)
    k = _fold_count(frame, target, options)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(options.threads)
    try:
        seeds = [options.seed + i for i in range(options.seeds)]
        prepared = prepare_data(frame, target, facts, options.seed, options.sensitive, k, tuple(seeds))
        specs = [fill_data_params(s, prepared) for s in candidates]
        scorer = Scorer(prepared, M.report_metrics(facts.task, primary), _pinball_tau(specs, options.objective))
        members = build_members(specs, prepared, seeds, device, loss_factory or build_loss_module)
        if prepared.folds is not None:
            from lossadvisor.trials.crossfit import fold_members

            members = fold_members(members, prepared.folds, seeds)
        tensors = to_tensors(prepared, device, {m.form for m in members})
        n_out = prepared.n_classes if prepared.task in ("binary", "multiclass") else 2
        sizes = [tensors.x_train.shape[1], *options.train.hidden, n_out]
        if options.backend == "ray":
            from lossadvisor.trials.ray_backend import train_on_ray

            traces, outcome = train_on_ray(_train, members, tensors, scorer, replace(options, device=device), sizes,
                                           on_epoch)
        else:
            traces, outcome = _train(members, tensors, scorer, options, sizes, on_epoch)
    finally:
        torch.set_num_threads(previous_threads)
    base_index = next((c for c, s in enumerate(specs) if s.baseline), 0)
    split, plan = prepared.split, prepared.folds
    # Grouped split or folds: the tested rows' groups, which the bootstrap resamples whole (trials.cluster_boot).
    clusters = cluster_codes(prepared.split_groups, split.test if plan is None else plan.tested)
    if plan is not None:
        from lossadvisor.trials.crossfit import score_crossfit

        results, best = score_crossfit(specs, traces, members, scorer, seeds, base_index, options, clusters)
    else:
        by_candidate = [[i for i, m in enumerate(members) if m.candidate == c] for c in range(len(specs))]
        results = [score_candidate(specs[c], [traces[i] for i in idx], [members[i] for i in idx], scorer)
                   for c, idx in enumerate(by_candidate)]
        results, best = compare_candidates(results, by_candidate, base_index, traces, members, scorer, options,
                                           clusters)
    groups = None
    if options.sensitive:
        from lossadvisor.trials.group_metrics import trial_group_gaps

        groups = trial_group_gaps(frame, target, options.sensitive, prepared, scorer, traces, members, by_candidate,
                                  specs, base_index, options.bootstrap, options.seed)
    notes = _notes(prepared, scorer, outcome, options, resampling_note(clusters))
    rows = {"train": len(split.train), "validation": len(split.val), "test": len(split.test)}
    if plan is not None:  # the first fold's sizes, and every row tested once per seed
        rows["tested"] = len(plan.tested)
    return TrialReport(
        task=prepared.task, metric=primary, metrics=scorer.metric_names,
        higher_is_better={n: M.METRICS[n].higher_is_better for n in scorer.metric_names},
        split=split.method, rows=rows,
        n_features=len(prepared.features.names), dropped_columns=prepared.features.dropped, device=device,
        batched=options.batched, cuda_graph=outcome.cuda_graph, threads=options.threads, seeds=tuple(seeds),
        epochs_run=outcome.epochs_run, steps=outcome.steps, seconds=round(outcome.seconds, 3),
        candidates=tuple(results), notes=notes, best_label=None if best is None else specs[best].label,
        classes=tuple(prepared.classes), groups=groups,
        folds=None if plan is None else {"k": plan.k, "scheme": plan.scheme, "tested_rows": len(plan.tested),
                                         "rows": len(prepared.y)},
        resampling=resampling_summary(clusters),
    )


def run_sweep(
    frame: pd.DataFrame,
    target: str,
    facts: DataFacts,
    sweep: Sweep,
    options: TrialOptions = TrialOptions(),
    base_params: Mapping[str, Any] | None = None,
    loss_factory: LossFactory | None = None,
    on_epoch: Callable[[int], None] | None = None,
) -> TrialReport:
    """Guide 6.3.6: one parameter over a grid, same batched machinery, plus where the metric is stable.

    A grid value is "stable" when the paired bootstrap cannot separate it from the best value.
    """
    specs = sweep_candidates(sweep, facts.task, base_params)
    report = run_trials(frame, target, facts, specs, options, loss_factory, on_epoch)
    return replace(report, sweep=sweep_summary(report, sweep))


def sweep_summary(report: TrialReport, sweep: Sweep) -> dict[str, Any]:
    """The best grid value and the values within noise of it (used by every task's sweep)."""
    grid = [c for c in report.candidates if not c.spec.baseline and c.spec.loss == sweep.loss]
    best = report.best
    stable = [c.spec.params[sweep.param] for c in grid
              if c is best or (c.versus_best is not None and c.versus_best.verdict == SAME)]
    return {
        "loss": sweep.loss, "param": sweep.param, "values": list(sweep.values),
        "best_value": best.spec.params.get(sweep.param) if best is not None and best in grid else None,
        "stable_values": stable,
    }


def _fold_count(frame: pd.DataFrame, target: str, options: TrialOptions) -> int:
    """How many folds: ``options.folds``, or by size when it is None (trials.folds.choose_folds).

    Per-group gaps (--sensitive) are measured on one split, so they keep the single split unless
    folds were asked for, which is then an error.
    """
    from lossadvisor.trials.folds import choose_folds

    n_rows = int(frame[target].notna().sum()) if target in frame.columns else len(frame)
    if options.sensitive:
        if options.folds is not None and options.folds > 1:
            raise LossAdvisorError("--folds above 1 does not combine with --sensitive (per-group gaps use one "
                                   "split); use --folds 1")
        return 1
    return choose_folds(options.folds, n_rows)


def _primary_metric(task: str, options: TrialOptions) -> str:
    objective = options.objective.split(":")[0] if options.objective else None
    return M.choose_metric(task, options.metric, objective)


def _pinball_tau(specs: Sequence[CandidateSpec], objective: str | None) -> float:
    if objective and objective.startswith("quantile:"):
        try:
            return float(objective.split(":", 1)[1])
        except ValueError:
            raise LossAdvisorError(f"bad objective '{objective}': expected quantile:Q with Q in (0, 1)") from None
    for spec in specs:
        if spec.loss == "quantile" and "tau" in spec.params:
            return float(spec.params["tau"])
    return 0.5


def _fold_note(plan: FoldPlan, n_rows: int) -> str:
    if plan.scheme == "forward-chaining":
        return (f"cross-fitted: {plan.k} forward-chaining folds in time order, each trained on the past, stopped "
                f"early on the next block and tested on the block after; {len(plan.tested)} of {n_rows} rows "
                f"tested per seed (the earliest two blocks only train)")
    unit = "groups" if plan.scheme == "grouped" else "rows"
    return (f"cross-fitted: {plan.k} {plan.scheme} folds per seed; every row tested once per seed by a model that "
            f"did not train on it, early stopping on the next fold; intervals resample {unit} and seeds")


def _notes(prepared: PreparedData, scorer: Scorer, outcome: TrainOutcome, options: TrialOptions,
           resampling: str | None = None) -> tuple[str, ...]:
    plan = prepared.folds
    if plan is None:
        notes = [f"metrics on {len(prepared.split.test)} held-out test rows; early stopping on "
                 f"{len(prepared.split.val)} validation rows ({prepared.split.method} split)"]
    else:
        notes = [_fold_note(plan, len(prepared.y))]
    if resampling is not None:  # grouped: the intervals resample whole groups (trials.cluster_boot)
        notes.append(resampling)
    notes.extend(outcome.notes)
    if prepared.task == "binary" and any(M.METRICS[n].kind in ("threshold", "label") for n in scorer.metric_names):
        notes.append("f1, recall and balanced_accuracy use the threshold that maximized F1 on the validation rows")
    if options.train.budget_s is not None:
        notes.append(f"time budget {options.train.budget_s:g} s: {outcome.epochs_run} epochs (results depend on speed)")
    if prepared.dropped_rows:
        notes.append(f"{prepared.dropped_rows} rows without a target were left out")
    if prepared.features.dropped:
        notes.append(f"columns not used as features (id/text/datetime): {', '.join(prepared.features.dropped)}")
    if scorer.selection.name != scorer.primary.name:
        notes.append(f"best epochs chosen by validation {scorer.selection.name}: {scorer.primary.name} alone "
                     "rewards calling every row positive")
    if options.seeds < 3:
        notes.append(f"only {options.seeds} seed(s): the intervals reflect test-row sampling more than training "
                     "variance; use --seeds 3 or more before trusting a verdict")
    notes.append("★ marks the best mean, not a significance claim: the verdict column says which differences hold")
    return tuple(notes)
