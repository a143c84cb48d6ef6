"""Multilabel trials: one logit per label, thresholds per label from validation rows, macro/micro F1 and mAP.

    report = run_multilabel_trials(frame, "labels", DataFacts("multilabel"), candidates, TrialOptions())

The label column holds several labels per row ("a|b"). The MLP has one output per label and the
losses read those L logits with 0/1 targets (BCE, weighted BCE with one pos_weight per label,
the asymmetric loss of Ridnik et al. 2021, and the sigmoid focal loss, which is that loss with
γ+ = γ− = γ and no clip). The split is iterative stratification
(:mod:`lossadvisor.trials.multilabel_split`). Each label's threshold maximises its F1 on the
validation rows; the test metrics are macro-F1 (mean of per-label F1), micro-F1 (F1 of the
counts pooled over labels) and mean average precision over labels, plus F1 and AP per label. A
label with fewer than ``MIN_TEST_POSITIVES`` positive test rows, or no positive validation row,
is too rare to score: it is left out of the macro metrics and named in the notes. The bootstrap
resamples test rows, as for single-label tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials import metrics as M
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.compare import compare_candidates, score_candidate
from lossadvisor.trials.encoding import FeatureMatrix, encode_features
from lossadvisor.trials.fit_members import fit_members
from lossadvisor.trials.members import LossFactory, build_loss_module, resolve_device
from lossadvisor.trials.multilabel_split import iterative_split
from lossadvisor.trials.prepare import DataFacts
from lossadvisor.trials.results import TrialOptions, TrialReport
from lossadvisor.trials.split import MIN_ROWS, Split
from lossadvisor.trials.stats import WeightedScore
from lossadvisor.trials.train_types import Member, TrainTensors
from lossadvisor.vocabulary import MULTILABEL_METRICS

FORM = "multilabel"
MIN_TEST_POSITIVES = 2
ML_METRICS = {name: m.description for name, m in MULTILABEL_METRICS.items()}


@dataclass(frozen=True)
class MultilabelData:
    """Encoded features, the 0/1 label matrix (n, L) in label order, and the split."""

    split: Split
    features: FeatureMatrix
    y: np.ndarray
    labels: tuple[str, ...]
    scored: tuple[int, ...]  # label indices with enough positive validation and test rows


def parse_labels(values: pd.Series, separator: str) -> list[set[str]]:
    return [set() if pd.isna(v) else {p.strip() for p in str(v).split(separator) if p.strip()} for v in values]


def prepare_multilabel(frame: pd.DataFrame, target: str, facts: DataFacts, seed: int,
                       separator: str = "|") -> MultilabelData:
    if target not in frame.columns:
        raise LossAdvisorError(f"target column '{target}' not found")
    if len(frame) < MIN_ROWS:
        raise LossAdvisorError(f"trial needs at least {MIN_ROWS} rows to hold some out; the data has {len(frame)}")
    sets = parse_labels(frame[target], separator)  # an empty cell: a row with no label, negative for every label
    present = set().union(*sets)
    order = facts.class_order if facts.class_order and set(facts.class_order) == present else tuple(sorted(present))
    if len(order) < 2:
        raise LossAdvisorError(f"a multilabel target needs at least 2 labels; found {len(order)} "
                               f"(separator '{separator}'; change it with --label-separator)")
    y = np.array([[name in row for name in order] for row in sets], dtype=np.float32)
    split = iterative_split(y, seed)
    exclude = tuple(c for c in (target, facts.group_column, facts.time_column) if c)
    features = encode_features(frame, split.train, facts.column_kinds, exclude=exclude)
    val_pos, test_pos = y[split.val].sum(axis=0), y[split.test].sum(axis=0)
    scored = tuple(int(i) for i in np.flatnonzero((val_pos >= 1) & (test_pos >= MIN_TEST_POSITIVES)))
    if not scored:
        raise LossAdvisorError("no label has enough positive rows in the validation and test parts to be scored")
    return MultilabelData(split, features, y, tuple(order), scored)


def _f1_counts(y: np.ndarray, pred: np.ndarray, w: np.ndarray | None):
    rows = M._as_rows(w, len(y))
    tp = rows @ (y * pred)
    fp = rows @ ((1 - y) * pred)
    fn = rows @ (y * (1 - pred))
    return tp, fp, fn  # each (B, L)


@dataclass(frozen=True)
class MultilabelScorer:
    """Scores members on the test rows; the interface of :class:`lossadvisor.trials.evaluate.Scorer`."""

    prepared: MultilabelData
    metric_names: tuple[str, ...]

    @property
    def primary(self) -> M.Metric:
        return self.metric(self.metric_names[0])

    @property
    def selection(self) -> M.Metric:
        return self.metric("map")  # threshold-free: a stable way to pick each member's best epoch

    @staticmethod
    def metric(name: str) -> M.Metric:
        base, _, label = name.partition(":")
        text = ML_METRICS.get(name) or f"{'F1' if base == 'f1' else 'average precision'} of label {label}"
        return M.Metric(name, True, "multilabel", ("multilabel",), lambda *a: None, text)

    def threshold(self, val_output: np.ndarray, form: str) -> np.ndarray:
        """Per label, the probability threshold that maximises F1 on the validation rows (0.5 if unscorable)."""
        y = self.prepared.y[self.prepared.split.val]
        prob = _sigmoid(val_output)
        return np.array([M.best_f1_threshold(y[:, j], prob[:, j]) if y[:, j].any() else 0.5
                         for j in range(y.shape[1])])

    def weighted(self, name: str, rows: np.ndarray, output: np.ndarray, form: str, threshold) -> WeightedScore:
        data, scored = self.prepared, list(self.prepared.scored)
        y, prob = data.y[rows], _sigmoid(output)
        base, _, label = name.partition(":")
        if base in ("map", "ap"):
            cols = scored if base == "map" else [data.labels.index(label)]
            return lambda w: np.nanmean(np.stack([M.average_precision(y[:, j], prob[:, j], w) for j in cols]), axis=0)
        pred = (prob >= threshold).astype(np.float64)
        cols = scored if base in ("macro_f1", "micro_f1") else [data.labels.index(label)]

        def score(w):
            tp, fp, fn = (c[:, cols] for c in _f1_counts(y.astype(np.float64), pred, w))
            if base == "micro_f1":
                tp, fp, fn = tp.sum(axis=1, keepdims=True), fp.sum(axis=1, keepdims=True), fn.sum(axis=1, keepdims=True)
            denom = 2 * tp + fp + fn
            with np.errstate(invalid="ignore", divide="ignore"):
                f1 = np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), np.nan)
            return np.nanmean(f1, axis=1)

        return score

    def validation_scores(self, forms: Sequence[str], outputs: np.ndarray) -> np.ndarray:
        rows = self.prepared.split.val
        return np.array([float(self.weighted("map", rows, out, FORM, None)(None)[0]) for out in outputs])

    def test_metrics(self, val_output: np.ndarray, test_output: np.ndarray, form: str):
        threshold = self.threshold(val_output, form)
        rows = self.prepared.split.test
        values = {n: float(self.weighted(n, rows, test_output, form, threshold)(None)[0]) for n in self.metric_names}
        return values, None


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z.astype(np.float64), -50, 50)))


def metric_names(data: MultilabelData, primary: str | None) -> tuple[str, ...]:
    names = list(ML_METRICS) + [f"{m}:{data.labels[j]}" for m in ("f1", "ap") for j in data.scored]
    primary = primary or "map"
    if primary not in names:
        raise LossAdvisorError(f"metric '{primary}' does not apply to a multilabel target; use one of: "
                               f"{', '.join(ML_METRICS)}")
    return (primary, *[n for n in names if n != primary])


def fill_label_params(spec: CandidateSpec, data: MultilabelData) -> CandidateSpec:
    """weighted_bce without pos_weight gets n_neg/n_pos per label from the training rows."""
    if spec.loss != "weighted_bce" or "pos_weight" in spec.params:
        return spec
    pos = data.y[data.split.train].sum(axis=0)
    weight = (len(data.split.train) - pos) / np.maximum(pos, 1)
    return CandidateSpec(spec.loss, {**dict(spec.params), "pos_weight": [round(float(v), 4) for v in weight]},
                         spec.baseline)


def run_multilabel_trials(frame: pd.DataFrame, target: str, facts: DataFacts, candidates: Sequence[CandidateSpec],
                          options: TrialOptions = TrialOptions(), loss_factory: LossFactory | None = None,
                          on_epoch: Callable[[int], None] | None = None, separator: str = "|") -> TrialReport:
    """Train every candidate with paired seeds on the multilabel target and compare each with the baseline."""
    import torch

    if not candidates:
        raise LossAdvisorError("no candidate losses to trial")
    device = resolve_device(options.device)
    data = prepare_multilabel(frame, target, facts, options.seed, separator)
    specs = [fill_label_params(s, data) for s in candidates]
    scorer = MultilabelScorer(data, metric_names(data, options.metric))
    seeds = [options.seed + i for i in range(options.seeds)]
    previous = torch.get_num_threads()
    torch.set_num_threads(options.threads)
    try:
        members = _members(specs, seeds, device, loss_factory or build_loss_module, len(data.labels))
        tensors = _tensors(data, device)
        sizes = [tensors.x_train.shape[1], *options.train.hidden, len(data.labels)]
        outcome = fit_members(members, tensors, lambda _, out: scorer.validation_scores([FORM] * len(out), out),
                              options, sizes, on_epoch=on_epoch)
    finally:
        torch.set_num_threads(previous)
    traces = outcome.traces
    by_candidate = [[i for i, m in enumerate(members) if m.candidate == c] for c in range(len(specs))]
    results = [score_candidate(specs[c], [traces[i] for i in idx], [members[i] for i in idx], scorer)
               for c, idx in enumerate(by_candidate)]
    base = next((c for c, s in enumerate(specs) if s.baseline), 0)
    results, best = compare_candidates(results, by_candidate, base, traces, members, scorer, options)
    split = data.split
    return TrialReport(
        task="multilabel", metric=scorer.primary.name, metrics=scorer.metric_names,
        higher_is_better={n: True for n in scorer.metric_names}, split=split.method,
        rows={"train": len(split.train), "validation": len(split.val), "test": len(split.test)},
        n_features=len(data.features.names), dropped_columns=data.features.dropped, device=device,
        batched=options.batched, cuda_graph=outcome.cuda_graph, threads=options.threads, seeds=tuple(seeds),
        epochs_run=outcome.epochs_run, steps=outcome.steps, seconds=round(outcome.seconds, 3),
        candidates=tuple(results), notes=_notes(data, options), classes=data.labels,
        best_label=None if best is None else specs[best].label,
    )


def _members(specs: Sequence[CandidateSpec], seeds: Sequence[int], device: str, factory: LossFactory,
             n_labels: int) -> list[Member]:
    members = []
    for index, spec in enumerate(specs):
        weight = spec.params.get("pos_weight")
        if isinstance(weight, (list, tuple)) and len(weight) != n_labels:
            raise LossAdvisorError(f"{spec.label}: pos_weight has {len(weight)} values for {n_labels} labels")
        try:
            module = factory(spec.loss, dict(spec.params))
        except LossAdvisorError:
            raise
        except (TypeError, ValueError, KeyError) as exc:
            raise LossAdvisorError(f"cannot build loss {spec.label}: {exc}") from None
        members.extend(Member(index, seed, module.to(device), FORM) for seed in seeds)
    return members


def _tensors(data: MultilabelData, device: str) -> TrainTensors:
    import torch

    x = torch.as_tensor(data.features.values)
    split = data.split

    def y(rows: np.ndarray) -> dict[str, torch.Tensor]:
        return {"multilabel": torch.as_tensor(data.y[rows], dtype=torch.float32, device=device)}

    return TrainTensors(x[split.train].to(device), x[split.val].to(device), x[split.test].to(device),
                        y(split.train), y(split.val))


def _notes(data: MultilabelData, options: TrialOptions) -> tuple[str, ...]:
    split = data.split
    notes = [f"metrics on {len(split.test)} held-out test rows; early stopping on {len(split.val)} validation rows "
             f"by mAP ({split.method} split: every label spread over the parts as its count allows)",
             "macro_f1, micro_f1 and f1:LABEL use per-label thresholds that maximised F1 on the validation rows"]
    rare = [j for j in range(len(data.labels)) if j not in data.scored]
    if rare:
        test_pos = data.y[split.test].sum(axis=0)
        shown = ", ".join(f"{data.labels[j]} ({int(test_pos[j])} positive test rows)" for j in rare[:10])
        notes.append(f"{len(rare)} label(s) too rare to score (need ≥{MIN_TEST_POSITIVES} positive test rows and "
                     f"≥1 validation row), left out of the macro metrics: {shown}")
    empty = int((data.y.sum(axis=1) == 0).sum())
    if empty:
        notes.append(f"{empty} rows carry no label: they count as negatives for every label")
    if options.seeds < 3:
        notes.append(f"only {options.seeds} seed(s): use --seeds 3 or more before trusting a verdict")
    notes.append("★ marks the best mean, not a significance claim: the verdict column says which differences hold")
    return tuple(notes)

