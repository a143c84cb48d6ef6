"""Cross-fitted trials: folds as one more member axis, scored on out-of-fold predictions.

Every candidate × seed is trained once per fold (:mod:`lossadvisor.trials.folds`); all those
members are one stacked model as usual, each with its own training rows and validation rows
(:class:`~lossadvisor.trials.train_types.FoldIndex`). A candidate's seed then has one prediction
per tested row, each from the fold model that never saw that row (its *out-of-fold*
predictions, Chernozhukov et al. 2018 "Double/debiased machine learning", §3 cross-fitting).
For binary metrics with a threshold, each fold's rows use the threshold its own validation rows chose.
A seed's metric is the mean of its folds' metrics, each on its own test rows, weighted by the rows.

The intervals: the paired bootstrap of :mod:`lossadvisor.trials.stats` resamples all tested rows
at once (pooled across folds, one resample shared by every candidate; each fold's metric takes the
weights of its rows) and the seeds (each seed has its own fold partition and each fold its own
initial weights, so resampling seeds covers the choice of folds and the training noise). The
difference candidate − baseline is paired by row and by seed. Against the single split this
scores K times the rows, which is where the narrower intervals come from. Grouped folds keep
each group in one fold, and the bootstrap then resamples whole groups instead of rows
(:mod:`lossadvisor.trials.cluster_boot`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.compare import compare_scored
from lossadvisor.trials.diagnostics import diagnose, grad_norm_summary
from lossadvisor.trials.evaluate import Scorer
from lossadvisor.trials.folds import FoldPlan
from lossadvisor.trials.results import CandidateResult, SeedResult, TrialOptions
from lossadvisor.trials.stats import WeightedScore, mean_sd
from lossadvisor.trials.train_types import FoldIndex, Member, MemberTrace


def fold_seed(seed: int, fold: int) -> int:
    """The training seed of one fold: its own initial weights and batch order (fold 0 keeps the seed).

    Every candidate's fold f of seed s shares it, so candidates stay paired; folds do not, so a
    seed's fold models are independent draws and their training noise averages out over the folds.
    """
    return int(seed) if fold == 0 else int(seed) * 1_000_003 + 7_919 * fold


def fold_members(members: list[Member], plan: FoldPlan, seeds: list[int]) -> list[Member]:
    """Each candidate × seed member once per fold, in candidate, seed, fold order."""
    return [replace(m, seed=fold_seed(m.seed, f), fold=plan.plan_index(seeds.index(m.seed), f))
            for m in members for f in range(plan.k)]


def fold_index(plan: FoldPlan, device: str, own_rows: bool = False) -> FoldIndex:
    """Every (seed, fold)'s training rows, and its validation rows padded by wrapping to the longest;
    ``own_rows``: its test rows too, so each member predicts only its own rows (FoldIndex.test)."""
    import torch

    def padded(parts: list[np.ndarray]) -> torch.Tensor:
        longest = max(len(p) for p in parts)
        return torch.as_tensor(np.stack([np.resize(p, longest) for p in parts]), device=device)  # repeats cyclically

    return FoldIndex(tuple(torch.as_tensor(s.train) for s in plan.splits), padded([s.val for s in plan.splits]),
                     padded([s.test for s in plan.splits]) if own_rows else None)


def fold_output(output: np.ndarray, rows: np.ndarray, n_rows: int) -> np.ndarray:
    """A member's outputs on ``rows``: taken from outputs on all ``n_rows`` rows (tables), or the first
    ``len(rows)`` of outputs on its own rows in order, wrapped to a padded length (FoldIndex.test; images)."""
    return output[rows] if len(output) == n_rows else output[: len(rows)]


def out_of_fold(traces: list[MemberTrace], members: list[Member], scorer: Scorer,
                plan: FoldPlan) -> list[tuple[np.ndarray, np.ndarray, float | None]] | None:
    """One seed's folds: (positions of the fold's test rows in ``plan.tested``, its test outputs, its
    validation-chosen threshold). None when a fold has no predictions (it diverged before its first validation).
    """
    folds = []
    for trace, member in zip(traces, members):
        if trace.test_output is None or trace.val_output is None:
            return None
        split, n = plan.splits[member.fold], plan.n_rows
        threshold = scorer.threshold(fold_output(trace.val_output, split.val, n), member.form, split.val)
        folds.append((np.searchsorted(plan.tested, split.test), fold_output(trace.test_output, split.test, n), threshold))
    return folds


def fold_mean_score(scorer: Scorer, name: str, plan: FoldPlan, folds: list, form: str) -> WeightedScore:
    """A seed's metric over all tested rows: each fold's metric on its own test rows, averaged with the
    folds' total row weight (their row counts when unweighted).

    Per fold, not on the pooled predictions: fold models differ in scale and calibration, and a ranking
    metric (PR-AUC, ROC-AUC) over pooled scores would mix them. A fold whose metric is undefined on a
    resample (no positive row in it) is left out of that replicate's mean.
    """
    parts = [(at, scorer.weighted(name, plan.tested[at], output, form, threshold)) for at, output, threshold in folds]

    def score(weights: np.ndarray | None) -> np.ndarray:
        values, mass = [], []
        for at, fold_score in parts:
            w = None if weights is None else weights[:, at]
            values.append(fold_score(w))
            mass.append(np.full(len(values[-1]), float(len(at))) if w is None else w.sum(axis=1))
        v, m = np.stack(values), np.stack(mass)
        m = np.where(np.isfinite(v), m, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(np.isfinite(v), v * m, 0.0).sum(axis=0) / m.sum(axis=0)

    return score


def pooled_score(scorer: Scorer, name: str, plan: FoldPlan, folds: list, form: str) -> WeightedScore:
    """A seed's metric on its out-of-fold outputs put together over all tested rows, scored once.

    For scorers whose metric is a function of each row's own prediction (``scorer.pools_folds``:
    per-image Dice, IoU, hd95, the empty-image false-positive rate, pooled counts): the folds' outputs
    are class decisions, not calibrated scores, so pooling is exact, and a metric over a subset of the
    rows (empty images only; images with a class) keeps its own denominator, which a row-weighted
    mean of fold metrics would not.
    """
    at = np.concatenate([a for a, _, _ in folds])
    order = np.argsort(at, kind="stable")
    outputs = np.concatenate([o for _, o, _ in folds])[order]
    return scorer.weighted(name, plan.tested[at[order]], outputs, form, None)


def _seed_result(seed: int, traces: list[MemberTrace], metrics: dict[str, float], thresholds: list[float]) -> SeedResult:
    """Per seed over its folds: the mean threshold, the latest best epoch, the first divergence."""
    best = [t.best_epoch for t in traces if t.best_epoch >= 0]
    diverged = [t.diverged_epoch for t in traces if t.diverged_epoch is not None]
    stopped = [t.stopped_epoch for t in traces if t.stopped_epoch is not None]
    return SeedResult(seed, metrics, float(np.mean(thresholds)) if thresholds else None,
                      max(best) if best else None, min(diverged) if diverged else None,
                      max(stopped) if len(stopped) == len(traces) else None)


def score_crossfit(specs: list[CandidateSpec], traces: list[MemberTrace], members: list[Member], scorer: Scorer,
                   seeds: list[int], base_index: int, options: TrialOptions,
                   clusters: np.ndarray | None = None) -> tuple[list[CandidateResult], int | None]:
    """Each candidate's out-of-fold metrics per seed, and the paired comparisons (module docstring).

    ``clusters``: the group of each tested row (``plan.tested`` order) when the folds keep groups whole;
    the bootstrap then resamples whole groups (:mod:`lossadvisor.trials.cluster_boot`).
    """
    plan = scorer.prepared.folds
    assert plan is not None
    rows, name = plan.tested, scorer.primary.name
    k = plan.k
    results: list[CandidateResult] = []
    scorers: dict[int, WeightedScore] = {}
    by_candidate: list[list[int]] = []
    for c, spec in enumerate(specs):
        seed_results, keys = [], []
        for s, seed in enumerate(seeds):
            start = (c * len(seeds) + s) * k  # members are in candidate, seed, fold order (fold_members)
            fold_traces, fold_members_ = traces[start : start + k], members[start : start + k]
            key = c * len(seeds) + s
            keys.append(key)
            oof = out_of_fold(fold_traces, fold_members_, scorer, plan)
            if oof is None:
                seed_results.append(_seed_result(seed, fold_traces, {}, []))
                continue
            form = fold_members_[0].form
            seed_score = pooled_score if getattr(scorer, "pools_folds", False) else fold_mean_score
            metrics = {n: float(seed_score(scorer, n, plan, oof, form)(None)[0]) for n in scorer.metric_names}
            scorers[key] = seed_score(scorer, name, plan, oof, form)
            thresholds = [t for _, _, t in oof if t is not None]
            seed_results.append(_seed_result(seed, fold_traces, metrics, thresholds))
        by_candidate.append(keys)
        mine = traces[c * len(seeds) * k : (c + 1) * len(seeds) * k]
        summary = {n: mean_sd([r.metrics.get(n, math.nan) for r in seed_results]) for n in scorer.metric_names}
        # Curves per seed, as for one split: the first fold's (the others are in the diagnostics).
        curves = tuple({"train_loss": t.train_loss, "val_loss": t.val_loss, "val_score": t.val_score} for t in mine[::k])
        results.append(CandidateResult(spec, tuple(seed_results), summary, None, tuple(diagnose(mine, "seed × fold")),
                                       grad_norm_summary(mine), curves))
    return compare_scored(results, by_candidate, base_index, scorers, len(rows), scorer.primary.higher_is_better,
                          name, options, getattr(scorer.primary, "margin", 0.0), clusters)
