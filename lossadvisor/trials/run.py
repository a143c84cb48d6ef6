"""Run a trial: prepare the data, train every candidate × seed, score, compare, diagnose.

    report = run_trials(frame, "y", DataFacts(task="binary"), candidates, TrialOptions(seeds=3))

The candidates' order is kept; the first one flagged ``baseline`` is what the others are
compared with. Same inputs, same seed, same device and threads → the same numbers.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials import metrics as M
from lossadvisor.trials.candidates import CandidateSpec, Sweep, sweep_candidates
from lossadvisor.trials.diagnostics import Diagnostic, diagnose, grad_norm_summary
from lossadvisor.trials.evaluate import Scorer
from lossadvisor.trials.prepare import DataFacts, PreparedData, prepare_data
from lossadvisor.trials.stats import SAME, Comparison, mean_sd, paired_bootstrap, replicate_scores
from lossadvisor.trials.train import Member, MemberTrace, TrainConfig, TrainOutcome, TrainTensors, train_members

LossFactory = Callable[[str, Mapping[str, Any]], Any]
INPUT_FORMS = {"class_logits": "logits", "binary_logits": "binary_logit", "regression": "mean",
               "log_mean": "log_mean", "mean_logvar": "mean_logvar"}


@dataclass(frozen=True)
class TrialOptions:
    """Everything about a trial except the data and the candidates."""

    seeds: int = 3
    seed: int = 0
    metric: str | None = None
    objective: str | None = None
    batched: bool = True
    device: str = "auto"
    threads: int = 1
    bootstrap: int = 1000
    train: TrainConfig = field(default_factory=TrainConfig)


@dataclass(frozen=True)
class SeedResult:
    seed: int
    metrics: Mapping[str, float]
    threshold: float | None
    best_epoch: int | None
    diverged_epoch: int | None
    stopped_epoch: int | None


@dataclass(frozen=True)
class CandidateResult:
    spec: CandidateSpec
    seeds: tuple[SeedResult, ...]
    summary: Mapping[str, tuple[float, float]]  # metric → (mean, sd) over seeds
    comparison: Comparison | None  # versus the baseline
    diagnostics: tuple[Diagnostic, ...]
    grad_norm: Mapping[str, float]
    curves: tuple[Mapping[str, list[float]], ...]  # per seed: train_loss, val_loss, val_score
    versus_best: Comparison | None = None  # versus the candidate with the best mean primary metric

    @property
    def diverged(self) -> bool:
        return all(s.diverged_epoch is not None and s.best_epoch is None for s in self.seeds)


@dataclass(frozen=True)
class TrialReport:
    task: str
    metric: str
    metrics: tuple[str, ...]
    higher_is_better: Mapping[str, bool]
    split: str
    rows: Mapping[str, int]
    n_features: int
    dropped_columns: tuple[str, ...]
    device: str
    batched: bool
    cuda_graph: bool
    threads: int
    seeds: tuple[int, ...]
    epochs_run: int
    steps: int
    seconds: float
    candidates: tuple[CandidateResult, ...]
    notes: tuple[str, ...] = ()
    best_label: str | None = None  # the candidate with the best mean primary metric
    sweep: Mapping[str, Any] | None = None
    classes: tuple[str, ...] = ()   # class names by code; for binary the positive class is the last

    @property
    def positive_class(self) -> str | None:
        return self.classes[-1] if self.task == "binary" and len(self.classes) == 2 else None

    @property
    def best(self) -> CandidateResult | None:
        return next((c for c in self.candidates if c.spec.label == self.best_label), None)


def resolve_device(requested: str) -> str:
    """auto → cuda when available, else cpu; asking for cuda without CUDA is an error."""
    import torch

    if requested not in ("auto", "cpu", "cuda"):
        raise LossAdvisorError(f"unknown device '{requested}'; expected auto, cpu or cuda")
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise LossAdvisorError("--device cuda was asked for, but CUDA is not available here (use --device cpu or auto)")
    return requested


def build_loss_module(name: str, params: Mapping[str, Any]):
    """The default loss factory: the project's loss zoo."""
    from lossadvisor.losses import build_loss

    return build_loss(name, **dict(params))


def fill_data_params(spec: CandidateSpec, prepared: PreparedData) -> CandidateSpec:
    """Add the per-class parameters a loss requires (counts, priors, weights) from the training rows.

    Only parameters the caller left out are filled; ``recommend`` normally configures them.
    Formulas: counts as observed; priors = counts / n (Menon et al. 2021); weights = n / (C·n_c)
    (scikit-learn's "balanced"); pos_weight = n_neg / n_pos.
    """
    if prepared.task not in ("binary", "multiclass"):
        return spec
    counts = prepared.class_counts().astype(float)
    n, c = counts.sum(), len(counts)
    derived = {
        "class_balanced": {"counts": counts.tolist()},
        "ldam": {"counts": counts.tolist()},
        "logit_adjusted": {"priors": (counts / n).tolist()},
        "weighted_cross_entropy": {"weight": (n / (c * np.maximum(counts, 1))).tolist()},
        "weighted_bce": {"pos_weight": float(counts[0] / max(counts[-1], 1))},
    }.get(spec.loss, {})
    missing = {k: v for k, v in derived.items() if k not in spec.params}
    return replace(spec, params={**dict(spec.params), **missing}) if missing else spec


def to_tensors(prepared: PreparedData, device: str, forms: set[str]) -> TrainTensors:
    import torch

    split, x = prepared.split, torch.as_tensor(prepared.features.values)
    y = prepared.y

    def targets(rows: np.ndarray) -> dict[str, torch.Tensor]:
        out: dict[str, torch.Tensor] = {}
        if "logits" in forms:
            out["class"] = torch.as_tensor(y[rows], dtype=torch.long, device=device)
        if "binary_logit" in forms:
            out["binary"] = torch.as_tensor(y[rows], dtype=torch.float32, device=device)
        if forms & {"mean", "mean_logvar"}:
            std = (y[rows] - prepared.target_mean) / prepared.target_std
            out["standardized"] = torch.as_tensor(std, dtype=torch.float32, device=device)
        if "log_mean" in forms:
            out["raw"] = torch.as_tensor(y[rows], dtype=torch.float32, device=device)
        return out

    return TrainTensors(
        x_train=x[split.train].to(device), x_val=x[split.val].to(device), x_test=x[split.test].to(device),
        y_train=targets(split.train), y_val=targets(split.val),
    )


def build_members(specs: Sequence[CandidateSpec], prepared: PreparedData, seeds: Sequence[int], device: str,
             factory: LossFactory) -> list[Member]:
    from lossadvisor.loss_specs import get_card
    from lossadvisor.trials.heads import scale_params

    members = []
    for index, spec in enumerate(specs):
        form = INPUT_FORMS.get(get_card(spec.loss).inputs)
        if form is None:
            raise LossAdvisorError(f"loss '{spec.loss}' takes {get_card(spec.loss).inputs} inputs; trial fits tabular models")
        if form == "log_mean" and np.any(prepared.y < 0):
            raise LossAdvisorError(f"loss '{spec.loss}' needs a non-negative target; this one goes down to {prepared.y.min():g}")
        params = scale_params(spec.loss, dict(spec.params), prepared.target_std) if form != "log_mean" else dict(spec.params)
        try:
            module = factory(spec.loss, params)
        except LossAdvisorError:
            raise
        except (TypeError, ValueError, KeyError) as exc:
            raise LossAdvisorError(f"cannot build loss {spec.label}: {exc}") from None
        module = module.to(device)
        members.extend(Member(index, seed, module, form) for seed in seeds)
    return members


def _train(members: list[Member], tensors: TrainTensors, scorer: Scorer, options: TrialOptions, sizes: list[int],
           on_epoch: Callable[[int], None] | None) -> tuple[list[MemberTrace], TrainOutcome]:
    forms = [m.form for m in members]

    def score(positions: Sequence[int], outputs: np.ndarray, offset: int = 0) -> np.ndarray:
        return scorer.validation_scores([forms[offset + p] for p in positions], outputs)

    if options.batched:
        outcome = train_members(members, tensors, options.train, sizes, score, on_epoch)
        return outcome.traces, outcome
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


def _candidate_result(spec: CandidateSpec, traces: list[MemberTrace], members: list[Member], scorer: Scorer) -> CandidateResult:
    seeds = []
    for member, trace in zip(members, traces):
        if trace.val_output is None or trace.test_output is None:
            seeds.append(SeedResult(member.seed, {}, None, None, trace.diverged_epoch, trace.stopped_epoch))
            continue
        values, threshold = scorer.test_metrics(trace.val_output, trace.test_output, member.form)
        seeds.append(SeedResult(member.seed, values, threshold, trace.best_epoch, trace.diverged_epoch, trace.stopped_epoch))
    summary = {name: mean_sd([s.metrics.get(name, math.nan) for s in seeds]) for name in scorer.metric_names}
    curves = tuple({"train_loss": t.train_loss, "val_loss": t.val_loss, "val_score": t.val_score} for t in traces)
    return CandidateResult(spec, tuple(seeds), summary, None, tuple(diagnose(traces)), grad_norm_summary(traces), curves)


def _compare_all(results: list[CandidateResult], by_candidate: list[list[int]], base_index: int,
                 traces: list[MemberTrace], members: list[Member], scorer: Scorer,
                 options: TrialOptions) -> tuple[list[CandidateResult], int | None]:
    """Each candidate against the baseline and against the best candidate, paired by seed and test rows."""
    rows, name = scorer.prepared.split.test, scorer.primary.name
    scored = [i for i, t in enumerate(traces) if t.test_output is not None]  # diverged-from-start members have none
    column = {i: j for j, i in enumerate(scored)}
    scorers = [scorer.weighted(name, rows, traces[i].test_output, members[i].form,
                               scorer.threshold(traces[i].val_output, members[i].form)) for i in scored]
    replicates = replicate_scores(scorers, len(rows), options.bootstrap, options.seed)
    points = {i: float(s(None)[0]) for i, s in zip(scored, scorers)}
    def compare(c: int, reference: int) -> Comparison:
        pairs = [(i, b) for i, b in zip(by_candidate[c], by_candidate[reference]) if i in column and b in column]
        return paired_bootstrap(
            replicates[:, [column[i] for i, _ in pairs]], replicates[:, [column[b] for _, b in pairs]],
            [points[i] for i, _ in pairs], [points[b] for _, b in pairs],
            scorer.primary.higher_is_better, options.seed,
        )

    sign = 1.0 if scorer.primary.higher_is_better else -1.0
    means = [sign * r.summary[name][0] for r in results]
    ranked = [c for c in range(len(results)) if np.isfinite(means[c])]
    best = max(ranked, key=lambda c: means[c]) if ranked else None
    out = list(results)
    for c in range(len(results)):
        out[c] = replace(
            out[c],
            comparison=None if c == base_index else compare(c, base_index),
            versus_best=None if best is None else compare(c, best),
        )
    return out, best


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

    if options.seeds < 1:
        raise LossAdvisorError(f"--seeds must be at least 1, got {options.seeds}")
    if not candidates:
        raise LossAdvisorError("no candidate losses to trial")
    device = resolve_device(options.device)
    primary = _primary_metric(facts.task, options)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(options.threads)
    try:
        prepared = prepare_data(frame, target, facts, options.seed)
        specs = [fill_data_params(s, prepared) for s in candidates]
        scorer = Scorer(prepared, M.report_metrics(facts.task, primary), _pinball_tau(specs, options.objective))
        seeds = [options.seed + i for i in range(options.seeds)]
        members = build_members(specs, prepared, seeds, device, loss_factory or build_loss_module)
        tensors = to_tensors(prepared, device, {m.form for m in members})
        n_out = prepared.n_classes if prepared.task in ("binary", "multiclass") else 2
        sizes = [tensors.x_train.shape[1], *options.train.hidden, n_out]
        traces, outcome = _train(members, tensors, scorer, options, sizes, on_epoch)
    finally:
        torch.set_num_threads(previous_threads)
    by_candidate = [[i for i, m in enumerate(members) if m.candidate == c] for c in range(len(specs))]
    results = [_candidate_result(specs[c], [traces[i] for i in idx], [members[i] for i in idx], scorer)
               for c, idx in enumerate(by_candidate)]
    base_index = next((c for c, s in enumerate(specs) if s.baseline), 0)
    results, best = _compare_all(results, by_candidate, base_index, traces, members, scorer, options)
    split = prepared.split
    notes = _notes(prepared, scorer, outcome, options)
    return TrialReport(
        task=prepared.task, metric=primary, metrics=scorer.metric_names,
        higher_is_better={n: M.METRICS[n].higher_is_better for n in scorer.metric_names},
        split=split.method, rows={"train": len(split.train), "validation": len(split.val), "test": len(split.test)},
        n_features=len(prepared.features.names), dropped_columns=prepared.features.dropped, device=device,
        batched=options.batched, cuda_graph=outcome.cuda_graph, threads=options.threads, seeds=tuple(seeds),
        epochs_run=outcome.epochs_run, steps=outcome.steps, seconds=round(outcome.seconds, 3),
        candidates=tuple(results), notes=notes, best_label=None if best is None else specs[best].label,
        classes=tuple(prepared.classes),
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
    grid = [c for c in report.candidates if not c.spec.baseline and c.spec.loss == sweep.loss]
    best = report.best
    stable = [c.spec.params[sweep.param] for c in grid
              if c is best or (c.versus_best is not None and c.versus_best.verdict == SAME)]
    summary = {
        "loss": sweep.loss, "param": sweep.param, "values": list(sweep.values),
        "best_value": best.spec.params.get(sweep.param) if best is not None and best in grid else None,
        "stable_values": stable,
    }
    return replace(report, sweep=summary)


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


def _notes(prepared: PreparedData, scorer: Scorer, outcome: TrainOutcome, options: TrialOptions) -> tuple[str, ...]:
    notes = [f"metrics on {len(prepared.split.test)} held-out test rows; early stopping on "
             f"{len(prepared.split.val)} validation rows ({prepared.split.method} split)"]
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
