"""Cross-fitted runs of configured losses on one (set, condition), scored against the clean target.

The rows are dealt into K folds once (stratified by the observed class for classification, shuffled by
``default_rng([first seed, 7])``); fold k is the test part, the other rows are split 80/20 into training and
validation (early stopping, the binary threshold) by ``default_rng([first seed, k])``. On each fold every loss ×
seed is one member of the trial engine's batched model (:mod:`lossadvisor.trials.train`): one training call per
fold, the seeds varying the initial weights and batch order, the same for every loss, so differences are paired
by (seed, fold). Training and validation use the observed (possibly corrupted) target; test rows are scored on
the clean one. Every row is a test row once per seed.

One partition for all seeds (rather than one per seed) keeps every fold's members in one batched call, which
is what makes the benchmark fit its hour on two cores.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd

from lossadvisor.trials import metrics as M
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.encoding import encode_features
from lossadvisor.trials.evaluate import Scorer
from lossadvisor.trials.heads import predictions
from lossadvisor.trials.members import build_loss_module, build_members, fill_data_params, to_tensors
from lossadvisor.trials.prepare import DataFacts, PreparedData, prepare_data, target_scale
from lossadvisor.trials.split import Split
from lossadvisor.trials.train import train_members
from lossadvisor.trials.train_types import TrainConfig

VALIDATION_SHARE = 0.2
EXTRA_METRICS = ("log_loss",)  # computed here: the trial engine has no proper-scoring metric yet
HIGHER_IS_BETTER = {**{name: m.higher_is_better for name, m in M.METRICS.items()}, "log_loss": False}


@dataclass(frozen=True)
class CrossFitScores:
    """Metric values per loss, metric and (seed, fold) unit, with the sizes the interval correction needs."""

    specs: tuple[CandidateSpec, ...]
    metrics: tuple[str, ...]
    units: tuple[tuple[int, int], ...]        # (seed, fold)
    values: np.ndarray                          # (specs, metrics, units); NaN where a member diverged
    test_share: float                           # test rows / rows trained on (train + validation), averaged
    epochs: int


def fold_of_rows(labels: np.ndarray | None, n: int, folds: int, seed: int) -> np.ndarray:
    """Fold number of each row: classes dealt round-robin after a seeded shuffle (stratified), else shuffled."""
    rng = np.random.default_rng([seed, 7])
    out = np.empty(n, dtype=np.int64)
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == v) for v in np.unique(labels)]
    offset = 0
    for rows in groups:
        rows = rng.permutation(rows)
        out[rows] = (np.arange(len(rows)) + offset) % folds
        offset += len(rows)  # the next class starts where this one stopped, so fold sizes stay even
    return out


def split_fold(fold: np.ndarray, k: int, labels: np.ndarray | None, seed: int) -> Split:
    """Fold k is the test part; the rest is split 80/20 into training and validation (stratified)."""
    rng = np.random.default_rng([seed, k])
    rest = np.flatnonzero(fold != k)
    groups = [rest] if labels is None else [rest[labels[rest] == v] for v in np.unique(labels[rest])]
    val = []
    for rows in groups:
        rows = rng.permutation(rows)
        val.append(rows[: int(round(VALIDATION_SHARE * len(rows)))])
    val_rows = np.sort(np.concatenate(val))
    train_rows = np.setdiff1d(rest, val_rows)
    return Split(train_rows, val_rows, np.flatnonzero(fold == k), "cross-fitted")


def run_folds(frame: pd.DataFrame, target: str, truth: np.ndarray, facts: DataFacts,
             specs: Sequence[CandidateSpec], metrics: Sequence[str], seeds: Sequence[int], folds: int,
             config: TrainConfig = TrainConfig(), pinball_tau: float = 0.5) -> CrossFitScores:
    """Train every spec on every (seed, fold) and score ``metrics`` (the first picks each member's best epoch)."""
    observed = prepare_data(frame, target, facts, seeds[0])
    clean_frame = frame.assign(**{target: truth})
    clean = prepare_data(clean_frame, target, replace(facts, class_order=observed.classes), seeds[0])
    classification = facts.task in ("binary", "multiclass")
    trial_metrics = tuple(m for m in metrics if m in M.METRICS)
    exclude = tuple(c for c in (target, facts.group_column, facts.time_column) if c)
    units, shares, epochs = [], [], 0
    values = np.full((len(specs), len(metrics), len(seeds) * folds), np.nan)
    labels = observed.y if classification else None
    fold = fold_of_rows(labels, len(observed.y), folds, seeds[0])
    for k in range(folds):
        split = split_fold(fold, k, labels, seeds[0])
        features = encode_features(frame, split.train, dict(facts.column_kinds), exclude=exclude)
        y_obs = observed.y
        mean, std = target_scale(y_obs, split.train, classification)
        train_view = PreparedData(facts.task, split, features, y_obs, observed.classes, mean, std, 0)
        score_view = replace(train_view, y=scored_targets(y_obs, clean.y, split.test))
        filled = [fill_data_params(s, train_view) for s in specs]
        members = build_members(filled, train_view, list(seeds), "cpu", build_loss_module)
        tensors = to_tensors(train_view, "cpu", {m.form for m in members})
        scorer = Scorer(score_view, trial_metrics, pinball_tau)
        forms = [m.form for m in members]
        n_out = train_view.n_classes if classification else 2
        sizes = [tensors.x_train.shape[1], *config.hidden, n_out]
        outcome = train_members(members, tensors, config, sizes,
                                lambda p, o: scorer.validation_scores([forms[i] for i in p], o))
        for member, trace in zip(members, outcome.traces):
            if trace.val_output is None or trace.test_output is None:
                continue
            got, _ = scorer.test_metrics(trace.val_output, trace.test_output, member.form)
            if "log_loss" in metrics:
                got["log_loss"] = log_loss(clean.y[split.test], predictions(trace.test_output, member.form))
            unit = k * len(seeds) + list(seeds).index(member.seed)
            for j, name in enumerate(metrics):
                values[member.candidate, j, unit] = got.get(name, np.nan)
        shares.append(len(split.test) / (len(split.train) + len(split.val)))
        epochs = max(epochs, outcome.epochs_run)
    units = [(seed, k) for k in range(folds) for seed in seeds]
    return CrossFitScores(tuple(specs), tuple(metrics), tuple(units), values, float(np.mean(shares)), epochs)


def scored_targets(observed: np.ndarray, clean: np.ndarray, test_rows: np.ndarray) -> np.ndarray:
    """The targets a fold is scored with: observed on training and validation rows, clean on test rows."""
    out = observed.copy()
    out[test_rows] = clean[test_rows]
    return out


def log_loss(y: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean negative log-probability of the true class (probabilities floored at 1e-15)."""
    p = probabilities[np.arange(len(y)), y]
    return float(-np.mean(np.log(np.clip(p, 1e-15, 1.0))))
