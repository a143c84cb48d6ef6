"""Per-group metrics and fairness gaps of a trial's candidates on the test rows (``--sensitive``).

Guide 6.2.13: a loss that wins on average can lose on a minority group. For each candidate, on the
held-out test rows and per sensitive group: rows, error rate, selection rate, true- and
false-positive rates (binary), mean absolute error (regression); and across groups:

- demographic-parity difference: max − min selection rate (fairlearn's
  ``demographic_parity_difference``, method ``between_groups``);
- equalized-odds difference: the larger of the TPR and FPR differences (fairlearn's
  ``equalized_odds_difference``, aggregation ``worst_case``; Hardt et al. 2016);
- error-rate gap: max − min group error rate (fairlearn's ``zero_one_loss_difference``), and the
  worst-group accuracy (Sagawa et al. 2020's worst-group metric).

Point values are fairlearn's own functions. Their intervals need thousands of re-weighted
evaluations, which fairlearn computes one pandas group-by at a time (about 0.5 s each), so the
bootstrap replicates use the same definitions written as matrix products here; a test checks that
both agree on weighted data. Intervals are the trial's paired bootstrap (test rows and seeds
resampled together, :func:`lossadvisor.trials.stats.paired_bootstrap`; whole groups of the split
instead of rows when the split was grouped, :mod:`lossadvisor.trials.cluster_boot`); each candidate's gap is also
compared with the baseline's ("narrower" when the difference's interval is below zero).
Groups with fewer than ``MIN_GROUP_ROWS`` test rows are listed as too small and left out of the gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.stats import CHUNK, Comparison, draw_weights, paired_bootstrap
from lossadvisor.vocabulary import GROUP_GAP_METRICS

MIN_GROUP_ROWS = 30
GAPS_BINARY = ("error_rate_gap", "demographic_parity_difference", "equalized_odds_difference", "worst_group_accuracy")
GAPS_MULTICLASS = ("error_rate_gap", "worst_group_accuracy")
GAPS_REGRESSION = ("mae_gap", "worst_group_mae")


@dataclass(frozen=True)
class GroupStat:
    group: str
    test_rows: int
    measured: bool
    values: Mapping[str, float]          # mean over seeds: error_rate, selection_rate, tpr, fpr / mae


@dataclass(frozen=True)
class CandidateGroups:
    label: str
    groups: tuple[GroupStat, ...]
    gaps: Mapping[str, Comparison]                # the gap itself: value and 95% interval (vs 0)
    versus_baseline: Mapping[str, Comparison]     # candidate gap − baseline gap


@dataclass(frozen=True)
class GroupReport:
    columns: tuple[str, ...]
    gap_names: tuple[str, ...]
    candidates: tuple[CandidateGroups, ...]
    small_groups: tuple[str, ...]


def _indicators(groups: np.ndarray, names: Sequence[str]) -> np.ndarray:
    return np.stack([(groups == g).astype(np.float64) for g in names], axis=1)  # (n, G)


def group_rates(weights: np.ndarray, y: np.ndarray, pred: np.ndarray, member: np.ndarray) -> dict[str, np.ndarray]:
    """Per-replicate, per-group rates: weights (B, n), member (n, G) → each (B, G).

    Weighted as fairlearn weights them: a rate is Σ w·[event] / Σ w over the group's rows.
    """
    def rate(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        num, den = weights @ (member * numerator[:, None]), weights @ (member * denominator[:, None])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)

    ones = np.ones_like(y, dtype=np.float64)
    out = {"error_rate": rate((y != pred).astype(np.float64), ones)}
    if set(np.unique(y)) <= {0, 1}:
        out["selection_rate"] = rate((pred == 1).astype(np.float64), ones)
        out["tpr"] = rate(((pred == 1) & (y == 1)).astype(np.float64), (y == 1).astype(np.float64))
        out["fpr"] = rate(((pred == 1) & (y == 0)).astype(np.float64), (y == 0).astype(np.float64))
    return out


def gaps_from_rates(rates: Mapping[str, np.ndarray], binary: bool) -> dict[str, np.ndarray]:
    """fairlearn's between-group differences from per-group rates (…, G) → (…,)."""
    def spread(x: np.ndarray) -> np.ndarray:
        return np.nanmax(x, axis=-1) - np.nanmin(x, axis=-1)

    out = {"error_rate_gap": spread(rates["error_rate"]), "worst_group_accuracy": 1 - np.nanmax(rates["error_rate"], axis=-1)}
    if binary:
        out["demographic_parity_difference"] = spread(rates["selection_rate"])
        out["equalized_odds_difference"] = np.maximum(spread(rates["tpr"]), spread(rates["fpr"]))
    return out


def regression_gaps(weights: np.ndarray, error: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    num, den = weights @ (member * error[:, None]), weights @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        mae = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return mae, {"mae_gap": np.nanmax(mae, -1) - np.nanmin(mae, -1), "worst_group_mae": np.nanmax(mae, -1)}


def _fairlearn():
    try:
        import fairlearn.metrics as metrics
    except ImportError:
        raise LossAdvisorError("--sensitive on trial needs fairlearn, which is not installed: "
                               "pip install 'lossadvisor[fair]'") from None
    return metrics


def fairlearn_gaps(y: np.ndarray, pred: np.ndarray, groups: np.ndarray, regression: bool = False) -> dict[str, float]:
    """The point values by fairlearn itself: labels (binary or multiclass), or predictions (regression)."""
    _fairlearn()
    from fairlearn.metrics import (MetricFrame, demographic_parity_difference, equalized_odds_difference,
                                   zero_one_loss_difference)
    from sklearn.metrics import accuracy_score, mean_absolute_error

    if regression:
        frame = MetricFrame(metrics=mean_absolute_error, y_true=y, y_pred=pred, sensitive_features=groups)
        return {"mae_gap": float(frame.difference()), "worst_group_mae": float(frame.group_max())}

    out = {"error_rate_gap": float(zero_one_loss_difference(y, pred, sensitive_features=groups)),
           "worst_group_accuracy": float(MetricFrame(metrics=accuracy_score, y_true=y, y_pred=pred,
                                                     sensitive_features=groups).group_min())}
    if set(np.unique(y)) <= {0, 1}:
        out["demographic_parity_difference"] = float(demographic_parity_difference(y, pred, sensitive_features=groups))
        out["equalized_odds_difference"] = float(equalized_odds_difference(y, pred, sensitive_features=groups))
    return out


def measure_group_gaps(groups: np.ndarray, columns: Sequence[str], y: np.ndarray, outputs: Sequence[Sequence[np.ndarray | None]],
                       labels: Sequence[str], task: str, base_index: int, n_boot: int, seed: int,
                       clusters: np.ndarray | None = None) -> GroupReport:
    """``outputs[c][s]``: candidate c, seed s → test-row labels (classification) or predictions (regression).

    ``clusters``: the split's group (e.g. patient) of each test row when the split was grouped; the
    replicates then draw whole groups (:func:`lossadvisor.trials.stats.draw_weights`), else rows.
    """
    _fairlearn()
    names, counts = np.unique(groups, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    names, counts = names[order], counts[order]
    kept = [str(g) for g, n in zip(names, counts) if n >= MIN_GROUP_ROWS]
    small = tuple(f"{g} ({n} test rows)" for g, n in zip(names, counts) if n < MIN_GROUP_ROWS)
    regression = task not in ("binary", "multiclass")
    binary = task == "binary"
    gap_names = GAPS_REGRESSION if regression else (GAPS_BINARY if binary else GAPS_MULTICLASS)
    if len(kept) < 2:  # no gap to measure: every group is still listed, with its size
        empty = tuple(CandidateGroups(label, tuple(GroupStat(str(g), int(n), str(g) in kept, {}) for g, n in zip(names, counts)),
                                      {}, {}) for label in labels)
        return GroupReport(tuple(columns), gap_names, empty, small)
    member = _indicators(groups, kept)
    in_kept = member.sum(axis=1) > 0
    rng = np.random.default_rng(seed + 7)
    # One tested group: no interval can be formed; its replicates are NaN ("not compared", as replicate_scores).
    one_cluster = clusters is not None and np.unique(clusters).size == 1
    if clusters is None:
        boots = [rng.multinomial(len(y), np.full(len(y), 1.0 / len(y)), size=min(CHUNK, n_boot - s)).astype(np.float64)
                 for s in range(0, n_boot, CHUNK)]
    else:  # whole groups of the split (counts are small integers: float32 → float64 is exact)
        codes = np.unique(clusters, return_inverse=True)[1].reshape(-1)
        boots = [draw_weights(rng, len(y), min(CHUNK, n_boot - s), codes).astype(np.float64)
                 for s in range(0, n_boot, CHUNK)]

    per_candidate = []  # (points (seeds, gaps), replicates (n_boot, seeds, gaps), group values)
    for cand in outputs:
        points, reps, values = [], [], []
        for out in cand:
            if out is None:
                continue
            one = np.ones((1, len(y)))
            if regression:
                err = np.abs(y - out)
                mae, point = regression_gaps(one, err, member)
                rates = {"mae": mae}
                rep = [regression_gaps(w, err, member)[1] for w in boots]
            else:
                rates = group_rates(one, y, out, member)
                point = gaps_from_rates(rates, binary)
                rep = [gaps_from_rates(group_rates(w, y, out, member), binary) for w in boots]
            exact = fairlearn_gaps(y[in_kept], out[in_kept], groups[in_kept], regression) if len(kept) > 1 else {}
            points.append([exact.get(g, float(point[g][0])) for g in gap_names])
            stacked = np.stack([np.concatenate([r[g] for r in rep]) for g in gap_names], axis=1)
            reps.append(np.full_like(stacked, np.nan) if one_cluster else stacked)
            values.append({k: v[0] for k, v in rates.items()})
        per_candidate.append((np.asarray(points), np.stack(reps, axis=1) if reps else None, values))
    base_points, base_reps, _ = per_candidate[base_index]
    result = []
    for label, (points, reps, values) in zip(labels, per_candidate):
        stats = tuple(GroupStat(g, int(n), g in kept, _group_values(values, kept.index(g)) if g in kept else {})
                      for g, n in zip(map(str, names), counts))
        gaps, versus = {}, {}
        if reps is not None:
            for j, name in enumerate(gap_names):
                zero = np.zeros_like(reps[:, :, j])
                gaps[name] = paired_bootstrap(reps[:, :, j], zero, points[:, j], np.zeros(len(points)),
                                              GROUP_GAP_METRICS[name].higher_is_better, seed)
                if base_reps is not None and label != labels[base_index] and len(points) == len(base_points):
                    versus[name] = paired_bootstrap(reps[:, :, j], base_reps[:, :, j], points[:, j], base_points[:, j],
                                                    GROUP_GAP_METRICS[name].higher_is_better, seed)
        result.append(CandidateGroups(label, stats, gaps, versus))
    return GroupReport(tuple(columns), gap_names, tuple(result), small)


def _group_values(values: Sequence[Mapping[str, np.ndarray]], position: int) -> dict[str, float]:
    keys = values[0].keys() if values else ()
    return {k: float(np.nanmean([v[k][position] for v in values])) for k in keys}


def trial_group_gaps(frame, target: str, columns: Sequence[str], prepared, scorer, traces, members, by_candidate,
                     specs, base_index: int, n_boot: int, seed: int) -> GroupReport:
    """From a trial's trained members: each member's test-row labels (binary: at its validation
    threshold) or predictions, then :func:`measure_group_gaps`."""
    from lossadvisor.profiling.groups import group_labels
    from lossadvisor.trials.heads import predictions

    keep = frame[target].notna().to_numpy()
    groups = group_labels(frame, columns, (target,))[keep][prepared.split.test]
    y = prepared.y[prepared.split.test]
    outputs = []
    for idx in by_candidate:
        per_seed = []
        for i in idx:
            trace, form = traces[i], members[i].form
            if trace.test_output is None:
                per_seed.append(None)
                continue
            pred = predictions(trace.test_output, form, prepared.target_mean, prepared.target_std)
            if prepared.task == "binary":
                per_seed.append((pred[:, 1] >= scorer.threshold(trace.val_output, form)).astype(np.int64))
            elif prepared.task == "multiclass":
                per_seed.append(pred.argmax(axis=1))
            else:
                per_seed.append(pred)
        outputs.append(per_seed)
    from lossadvisor.trials.cluster_boot import cluster_codes

    return measure_group_gaps(groups, columns, y, outputs, [s.label for s in specs], prepared.task, base_index,
                              n_boot, seed, cluster_codes(prepared.split_groups, prepared.split.test))
