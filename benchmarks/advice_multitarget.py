"""Multi-target cases for ``benchmarks/advice.py``: does the multi-target advice hold?

Generated tables with several targets (three regression targets at scales 1 : 100 : 10⁴; three targets
of which only the third is heavy-tailed; an imbalanced binary target beside a regression one; a count
target beside a heavy-tailed one). For each: profile, recommend (each target advised on its own facts),
then two checks, each a hit or a miss:

- **combination**: a multi-target trial of the three combinations (sum, scale_weights,
  uncertainty_weighted), every head trained with its recommended loss; a hit when recommend's first
  combination is the best on ``combined`` or the seeds cannot separate it from the best (paired
  bootstrap over test rows and seeds, as the trial reports it).
- **per-target losses**: the recommended combination trained twice with the same seeds, once with the
  recommended per-target losses and once with the plain ones (MSE, cross-entropy); for every target
  whose recommended loss is not the plain one, a hit when its own metric is not worse than with the
  plain loss by more than noise (mean paired difference over seeds ≥ −2 standard errors).

    python benchmarks/advice.py --tasks multitarget [--quick]
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

PLAIN = {"regression": "mse", "count": "mse", "binary": "cross_entropy", "multiclass": "cross_entropy"}


def cases(quick: bool) -> list[tuple[str, pd.DataFrame, tuple[str, ...]]]:
    """(name, frame, target columns), generated with a fixed seed."""
    rng = np.random.default_rng(10)
    n = 1_500 if quick else 4_000
    x = rng.normal(size=(n, 6))
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(6)])
    scales = frame.copy()
    for name, scale, column in (("small", 1.0, 0), ("medium", 100.0, 1), ("large", 10_000.0, 2)):
        scales[name] = scale * (x[:, column] + 0.5 * rng.normal(size=n))
    heavy = frame.copy()
    heavy["t1"] = x[:, 0] + 0.5 * rng.normal(size=n)
    heavy["t2"] = 10 * (x[:, 1] + 0.5 * rng.normal(size=n))
    heavy["t3"] = x[:, 2] + rng.standard_t(1.5, size=n)
    mixed = frame.copy()
    score = x[:, 0] + 0.5 * x[:, 3] + 0.5 * rng.normal(size=n)
    mixed["rare"] = np.where(score > np.quantile(score, 0.95), "yes", "no")
    mixed["amount"] = 50 * (x[:, 1] + 0.5 * rng.normal(size=n))
    counts = frame.copy()
    counts["visits"] = rng.poisson(np.exp(0.5 + 0.5 * x[:, 0]))
    counts["spend"] = x[:, 1] + rng.standard_t(1.5, size=n)
    out = [("multitarget_scales_1_100_1e4", scales, ("small", "medium", "large")),
           ("multitarget_heavy_third", heavy, ("t1", "t2", "t3")),
           ("multitarget_rare_class_and_regression", mixed, ("rare", "amount"))]
    if not quick:
        out.append(("multitarget_count_and_heavy", counts, ("visits", "spend")))
    return out


def evaluate_multitarget_case(name: str, frame: pd.DataFrame, targets: tuple[str, ...], seeds: int,
                              epochs: int) -> list[dict]:
    """The combination check and the per-target loss check for one table (rows for the hit-rate table)."""
    from lossadvisor.advice.ranking import recommend
    from lossadvisor.load import LoadOptions, dataset_from_frame
    from lossadvisor.profiling.measure import ProfileOptions, profile_dataset
    from lossadvisor.trials.multitarget_heads import HeadLoss, configured_heads
    from lossadvisor.trials.multitarget_run import run_multitarget_trials
    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.train_types import TrainConfig
    from lossadvisor.vocabulary import multitarget_metric_name

    dataset = dataset_from_frame(frame, LoadOptions(target=targets), source=name)
    profile = profile_dataset(dataset, ProfileOptions(seed=0, noise=False)).as_saved()
    rec = recommend(profile)
    heads, _ = configured_heads(profile, None, None)
    first = rec.candidates[0].loss if rec.candidates else "sum"
    facts = DataFacts.from_profile(profile)
    options = TrialOptions(seeds=seeds, bootstrap=500, train=TrainConfig(epochs=epochs))
    start = time.perf_counter()
    report = run_multitarget_trials(frame, targets, facts, None, options, heads=heads)
    chosen = next(c for c in report.candidates if c.spec.loss == first)
    hit = chosen.spec.label == report.best_label or (
        chosen.versus_best is not None and chosen.versus_best.verdict == "no significant difference")
    losses = ", ".join(f"{h.name}={h.loss}" for h in heads)
    print(f"  {name:40s} combination first={first:22s} best={(report.best.spec.loss if report.best else '-'):22s} "
          f"{'HIT ' if hit else 'MISS'} ({time.perf_counter() - start:.0f} s; heads {losses})")
    rows = [{"case": name, "task": "multitarget (combination)", "hit": hit}]
    changed = [h for h in heads if h.loss != PLAIN[h.kind]]
    if not changed:
        return rows
    plain = [HeadLoss(h.name, h.kind, PLAIN[h.kind], {}, h.class_order) for h in heads]
    names = ("scale_weights",) if first == "sum" else (first,)  # trained beside sum (the trial's baseline)
    configured = run_multitarget_trials(frame, targets, facts, names, options, heads=heads)
    reference = run_multitarget_trials(frame, targets, facts, names, options, heads=plain)
    for head in changed:
        metric = multitarget_metric_name(head.name, head.classification)
        diff = _paired(configured, reference, first, metric)
        hit = diff[0] >= -2 * diff[1]
        print(f"    {head.name}: {head.loss} vs {PLAIN[head.kind]} on {metric}: {diff[0]:+.4f} ± {diff[1]:.4f} (SE over "
              f"seeds) {'HIT ' if hit else 'MISS'}")
        rows.append({"case": f"{name}:{head.name}", "task": "multitarget (per-target loss)", "hit": hit})
    return rows


def _paired(configured, reference, label: str, metric: str) -> tuple[float, float]:
    """Mean and standard error over seeds of the paired difference (same seeds: same start and batches)."""
    ours = next(c for c in configured.candidates if c.spec.loss == label)
    theirs = next(c for c in reference.candidates if c.spec.loss == label)
    diffs = np.array([a.metrics[metric] - b.metrics[metric] for a, b in zip(ours.seeds, theirs.seeds)])
    diffs = diffs[np.isfinite(diffs)]
    if len(diffs) == 0:
        return -math.inf, 0.0
    se = float(diffs.std(ddof=1) / math.sqrt(len(diffs))) if len(diffs) > 1 else 0.0
    return float(diffs.mean()), se
