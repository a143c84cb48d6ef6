"""Run a multi-target trial (the model, losses and data are in :mod:`lossadvisor.trials.multitarget`).

Scores: R² per regression target and macro-F1 per classification target on the test rows, and
``combined``, their unweighted mean. Each non-baseline candidate is compared with ``sum`` on
``combined`` (the verdict column) and on every target's own metric (the notes say which targets
it helped or hurt).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials import metrics as M
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.cluster_boot import cluster_codes, resampling_note, resampling_summary
from lossadvisor.trials.compare import compare_candidates, score_candidate
from lossadvisor.trials.fit_members import fit_members
from lossadvisor.trials.heads import predictions
from lossadvisor.trials.members import resolve_device
from lossadvisor.trials.multitarget import (COMBINERS, FORM, MultiTargetData, MultiTargetLoss, StackedMLPLogVars,
                                            prepare_multitarget)
from lossadvisor.trials.multitarget_heads import HeadLoss
from lossadvisor.trials.prepare import DataFacts
from lossadvisor.trials.results import CandidateResult, TrialOptions, TrialReport
from lossadvisor.trials.stats import BETTER, WORSE, paired_bootstrap, replicate_scores
from lossadvisor.trials.train_types import Member, MemberTrace, TrainTensors
from lossadvisor.vocabulary import MULTITARGET_COMBINED, MULTITARGET_METRICS


def r2(y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Coefficient of determination 1 − Σw(y−ŷ)² / Σw(y−ȳ_w)², per weight row."""
    w = M._as_rows(weights, len(y))
    total = w.sum(axis=1)
    mean = (w @ y) / total
    ss_tot = w @ (y**2) - total * mean**2
    ss_res = w @ ((y - pred) ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1), np.nan)


@dataclass(frozen=True)
class MultiTargetScorer:
    """Scores members on the test rows; the interface of :class:`lossadvisor.trials.evaluate.Scorer`."""

    prepared: MultiTargetData
    metric_names: tuple[str, ...]

    @property
    def primary(self) -> M.Metric:
        return self.metric(self.metric_names[0])

    @property
    def selection(self) -> M.Metric:
        return self.metric(MULTITARGET_COMBINED)

    @staticmethod
    def metric(name: str) -> M.Metric:
        text = MULTITARGET_METRICS[name].description if name == MULTITARGET_COMBINED else name
        return M.Metric(name, True, "multitarget", ("multitarget",), lambda *a: None, text)

    def threshold(self, val_output: np.ndarray, form: str) -> None:
        return None

    def _target_score(self, index: int, y: np.ndarray, output: np.ndarray):
        targets = self.prepared.targets
        start = sum(t.width for t in targets[:index])
        spec = targets[index]
        head = output[:, start : start + spec.width]
        if spec.kind == "regression":
            pred = predictions(head, spec.form, spec.mean, spec.std)
            return lambda w: r2(y[:, index], pred, w)
        labels = head.argmax(axis=1)
        truth = y[:, index].astype(np.int64)
        return lambda w: M.macro_f1(truth, labels, w, n_classes=spec.width)

    def weighted(self, name: str, rows: np.ndarray, output: np.ndarray, form: str, threshold=None):
        y, targets = self.prepared.y[rows], self.prepared.targets
        if name == MULTITARGET_COMBINED:
            parts = [self._target_score(i, y, output) for i in range(len(targets))]
            return lambda w: np.mean(np.stack([p(w) for p in parts]), axis=0)
        index = next(i for i, t in enumerate(targets) if t.metric == name)
        return self._target_score(index, y, output)

    def validation_scores(self, forms: Sequence[str], outputs: np.ndarray) -> np.ndarray:
        rows = self.prepared.split.val
        values = [float(self.weighted(MULTITARGET_COMBINED, rows, out, FORM)(None)[0]) for out in outputs]
        return np.nan_to_num(np.asarray(values), nan=-np.inf)

    def test_metrics(self, val_output: np.ndarray, test_output: np.ndarray, form: str):
        rows = self.prepared.split.test
        return {n: float(self.weighted(n, rows, test_output, form)(None)[0]) for n in self.metric_names}, None


def combiner_candidates(names: Sequence[str] | None, data: MultiTargetData) -> list[CandidateSpec]:
    """``sum`` first (the baseline), then the others asked for (all three by default)."""
    chosen = list(names or COMBINERS)
    unknown = [n for n in chosen if n not in COMBINERS]
    if unknown:
        raise LossAdvisorError(f"unknown multi-target candidate '{unknown[0]}'; a multi-target trial compares "
                               f"{', '.join(COMBINERS)}")
    weights = [float(f"{1.0 / t.constant_loss:.6g}") for t in data.targets]  # 6 significant digits: 1/var can be 1e-8
    specs = [CandidateSpec("sum", {}, True)]
    for name in chosen:
        if name == "scale_weights":
            specs.append(CandidateSpec(name, {"weights": weights}))
        elif name == "uncertainty_weighted":
            specs.append(CandidateSpec(name, {}))
    if len(specs) < 2:
        raise LossAdvisorError("nothing to compare: name scale_weights or uncertainty_weighted with --losses")
    return specs


def run_multitarget_trials(frame: pd.DataFrame, targets: Sequence[str], facts: DataFacts,
                           names: Sequence[str] | None = None, options: TrialOptions = TrialOptions(),
                           on_epoch: Callable[[int], None] | None = None,
                           heads: Sequence[HeadLoss] | None = None) -> TrialReport:
    """Train the three combiners (or ``names``) with paired seeds; compare each with the plain sum.

    ``heads``: each target's loss as ``recommend`` configured it (``configured_heads``); without them each
    target is measured by the trial (MSE or Huber, cross-entropy).
    """
    import torch

    device = resolve_device(options.device)
    data = prepare_multitarget(frame, targets, facts, options.seed, heads)
    specs = combiner_candidates(names, data)
    metric_names = (MULTITARGET_COMBINED, *[t.metric for t in data.targets])
    if options.metric not in (None, *metric_names):
        raise LossAdvisorError(f"metric '{options.metric}' does not apply to these targets; use one of: "
                               f"{', '.join(metric_names)}")
    primary = options.metric or MULTITARGET_COMBINED
    scorer = MultiTargetScorer(data, (primary, *[n for n in metric_names if n != primary]))
    seeds = [options.seed + i for i in range(options.seeds)]
    n_out = sum(t.width for t in data.targets)
    previous = torch.get_num_threads()
    torch.set_num_threads(options.threads)
    try:
        members = [Member(c, seed, MultiTargetLoss(data.targets, s.loss, s.params.get("weights")).to(device), FORM)
                   for c, s in enumerate(specs) for seed in seeds]
        x = torch.as_tensor(data.features.values)
        split = data.split
        y = {r: {"multitarget": torch.as_tensor(data.y[rows], dtype=torch.float32, device=device)}
             for r, rows in (("train", split.train), ("val", split.val))}
        tensors = TrainTensors(x[split.train].to(device), x[split.val].to(device), x[split.test].to(device),
                               y["train"], y["val"])
        sizes = [tensors.x_train.shape[1], *options.train.hidden, n_out]
        start = [float(np.log((0.5 if t.kind == "regression" else 1.0) * t.constant_loss)) for t in data.targets]
        build = lambda member_seeds, on: StackedMLPLogVars(member_seeds, sizes, start, on)  # noqa: E731
        outcome = fit_members(members, tensors, lambda _, out: scorer.validation_scores([FORM] * len(out), out),
                              options, sizes, build_model=build, on_epoch=on_epoch)
    finally:
        torch.set_num_threads(previous)
    traces = outcome.traces
    by_candidate = [[i for i, m in enumerate(members) if m.candidate == c] for c in range(len(specs))]
    results = [score_candidate(specs[c], [traces[i] for i in idx], [members[i] for i in idx], scorer)
               for c, idx in enumerate(by_candidate)]
    clusters = cluster_codes(data.split_groups, split.test)  # grouped split: the bootstrap resamples groups
    results, best = compare_candidates(results, by_candidate, 0, traces, members, scorer, options, clusters)
    moved = _per_target_moves(results, by_candidate, traces, members, scorer, options, clusters)
    return TrialReport(
        task="multitarget", metric=scorer.primary.name, metrics=scorer.metric_names,
        higher_is_better={n: True for n in scorer.metric_names}, split=split.method,
        rows={"train": len(split.train), "validation": len(split.val), "test": len(split.test)},
        n_features=len(data.features.names), dropped_columns=data.features.dropped, device=device,
        batched=options.batched, cuda_graph=outcome.cuda_graph, threads=options.threads, seeds=tuple(seeds),
        epochs_run=outcome.epochs_run, steps=outcome.steps, seconds=round(outcome.seconds, 3),
        candidates=tuple(results), notes=_notes(data, options, moved, resampling_note(clusters)),
        best_label=None if best is None else specs[best].label,
        classes=tuple(t.name for t in data.targets), resampling=resampling_summary(clusters),
    )


def _per_target_moves(results: list[CandidateResult], by_candidate, traces: list[MemberTrace], members: list[Member],
                      scorer: MultiTargetScorer, options: TrialOptions,
                      clusters: np.ndarray | None = None) -> list[str]:
    """Per candidate, the targets whose own metric it moved against ``sum`` (paired bootstrap, 95%)."""
    rows = scorer.prepared.split.test
    lines = []
    for c in range(1, len(results)):
        helped, hurt, same = [], [], []
        for target in scorer.prepared.targets:
            pairs = [(i, b) for i, b in zip(by_candidate[c], by_candidate[0])
                     if traces[i].test_output is not None and traces[b].test_output is not None]
            if not pairs:
                continue
            fns = [scorer.weighted(target.metric, rows, traces[k].test_output, FORM) for pair in pairs for k in pair]
            reps = replicate_scores(fns, len(rows), options.bootstrap, options.seed, clusters)
            cand, base = reps[:, 0::2], reps[:, 1::2]
            comp = paired_bootstrap(cand, base, [float(f(None)[0]) for f in fns[0::2]],
                                    [float(f(None)[0]) for f in fns[1::2]], True, options.seed)
            text = f"{target.metric} {comp.difference:+.3f} [{comp.ci_low:+.3f}, {comp.ci_high:+.3f}]"
            (helped if comp.verdict == BETTER else hurt if comp.verdict == WORSE else same).append(text)
        lines.append(f"{results[c].spec.label} vs sum: helped {'; '.join(helped) or 'none'}; hurt "
                     f"{'; '.join(hurt) or 'none'}; no significant change on {'; '.join(same) or 'none'}")
    return lines


def _notes(data: MultiTargetData, options: TrialOptions, moved: list[str],
           resampling: str | None = None) -> tuple[str, ...]:
    split = data.split
    notes = [f"metrics on {len(split.test)} held-out test rows; early stopping on {len(split.val)} validation rows "
             f"by {MULTITARGET_COMBINED} ({split.method} split)",
             "each target's loss: " + "; ".join(t.describe() for t in data.targets)
             + (" (configured by recommend on each target's own facts; [rules])" if any(t.rules for t in data.targets)
                else " (measured on the training rows)"),
             f"{MULTITARGET_COMBINED} = unweighted {MULTITARGET_METRICS[MULTITARGET_COMBINED].description}; "
             "scale_weights = 1 / (loss at the best constant prediction) per target; uncertainty_weighted learns "
             "log σ² per target (Kendall et al. 2018)", *moved]
    if resampling is not None:
        notes.append(resampling)
    if data.dropped_rows:
        notes.append(f"{data.dropped_rows} rows missing a target were left out")
    if options.seeds < 3:
        notes.append(f"only {options.seeds} seed(s): use --seeds 3 or more before trusting a verdict")
    notes.append("★ marks the best mean, not a significance claim: the verdict column says which differences hold")
    return tuple(notes)
