"""The real-data half of benchmarks/noise_accuracy.py (issue 16): profile, recommend and plain cleanlab per set and rate."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lossadvisor.advice.ranking import recommend
from lossadvisor.profiling.measure import profile_table
from lossadvisor.profiling.noise_features import prepare_features
from lossadvisor.profiling.noise_learners import dense_design
from noise_real_sets import available_sets

RATES = (0.0, 0.1, 0.2, 0.3)
ROBUST = {"gce", "sce", "nce_rce", "bootstrap"}
JUDGED_CLEAN_ACCURACY = 0.80
TARGET = "target__"


@dataclass
class RealRow:
    dataset: str
    kind: str
    rate: float
    truth: float
    estimate: float | None
    ci: tuple[float, float]
    reliability: str
    overlap: bool
    oof_accuracy: float
    plain: float
    top_two: tuple[str, ...]
    seconds: float
    clean_accuracy: float = float("nan")

    @property
    def covered(self) -> bool:
        return self.ci[0] - 1e-9 <= self.truth <= self.ci[1] + 1e-9

    @property
    def judged(self) -> bool:
        return self.clean_accuracy >= JUDGED_CLEAN_ACCURACY

    @property
    def robust_in_top_two(self) -> bool:
        return bool(ROBUST & set(self.top_two))


def flip(labels: np.ndarray, kind: str, rate: float, seed: int) -> np.ndarray:
    """Seeded flips: symmetric (to any other class) or pair (class k -> k+1 in sorted order)."""
    classes = np.unique(labels)
    codes = np.searchsorted(classes, labels)
    rng = np.random.default_rng(seed)
    chosen = rng.random(len(labels)) < rate
    shift = rng.integers(1, len(classes), size=len(labels)) if kind == "symmetric" else np.ones(len(labels), int)
    return classes[np.where(chosen, (codes + shift) % len(classes), codes)]


def plain_cleanlab(features: pd.DataFrame, labels: np.ndarray, seed: int) -> float:
    """cleanlab's num_label_issues on 5-fold logistic-regression probabilities (standardised, one-hot)."""
    from cleanlab.count import num_label_issues
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    X, categorical, _ = prepare_features(features)
    design = dense_design(X, categorical)
    codes = np.searchsorted(np.unique(labels), labels)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    probs = cross_val_predict(LogisticRegression(max_iter=1000), design, codes, cv=folds, method="predict_proba")
    return num_label_issues(codes, probs) / len(codes)


def run_one(name: str, features: pd.DataFrame, clean: np.ndarray, kind: str, rate: float, seed: int,
            baseline: bool) -> RealRow:
    given = flip(clean, kind, rate, seed + 1) if rate > 0 else clean
    frame = features.copy()
    frame[TARGET] = given
    start = time.perf_counter()
    profile = profile_table(frame, target=TARGET, seed=seed).to_dict()
    seconds = time.perf_counter() - start
    noise = profile["label_noise"]
    top_two = tuple(c.loss for c in recommend(profile).candidates[:2])
    plain = plain_cleanlab(features, given, seed) if baseline else float("nan")
    return RealRow(name, kind, rate, float(np.mean(given != clean)), noise["estimated_rate"], tuple(noise["ci"]),
                   noise.get("reliability", ""), bool((noise.get("overlap") or {}).get("detected")),
                   noise["oof_accuracy"], plain, top_two, seconds)


def print_row(r: RealRow, header: bool) -> None:
    if header:
        print(f"{'set':14} {'flips':13} {'truth':>6} {'ours':>6} {'interval':>15} {'cov':>3} {'abst':>4} "
              f"{'grade':>8} {'ovl':>3} {'acc':>5} {'plain':>6} {'t s':>5}  top two")
    ours = " none " if r.estimate is None else f"{r.estimate:6.3f}"
    print(f"{r.dataset:14} {r.kind + f' {r.rate:.0%}':13} {r.truth:6.3f} {ours} [{r.ci[0]:5.3f}, {r.ci[1]:5.3f}] "
          f"{'y' if r.covered else 'n':>3} {'y' if r.estimate is None else 'n':>4} {r.reliability:>8} "
          f"{'y' if r.overlap else 'n':>3} {r.oof_accuracy:5.3f} {r.plain:6.3f} {r.seconds:5.1f}  "
          f"{', '.join(r.top_two)}", flush=True)


def summarise(rows: list[RealRow]) -> None:
    noisy = [r for r in rows if r.rate > 0]
    judged = [r for r in noisy if r.judged]
    given = [r for r in judged if r.estimate is not None]
    print(f"\njudged sets (clean out-of-fold accuracy >= {JUDGED_CLEAN_ACCURACY:.0%}): "
          f"{', '.join(sorted({r.dataset for r in judged}))}")
    if judged:
        mae = np.mean([abs(r.estimate - r.truth) for r in given]) if given else float("nan")
        plain = np.mean([abs(r.plain - r.truth) for r in judged])
        print(f"10-30% flips, judged: estimate given {len(given)}/{len(judged)} (goal >= 90%); "
              f"MAE ours {mae:.3f} (goal <= 0.03), plain cleanlab {plain:.3f}; "
              f"interval covers {sum(r.covered for r in judged)}/{len(judged)} (goal >= 80%)")
        worst = max(given, key=lambda r: abs(r.estimate - r.truth))
        print(f"  largest error: {worst.dataset} {worst.kind} {worst.rate:.0%}: {worst.estimate:.3f} vs {worst.truth:.3f}")
    every = [r for r in noisy if r.estimate is not None]
    if every:
        print(f"10-30% flips, all sets: given {len(every)}/{len(noisy)}, MAE ours "
              f"{np.mean([abs(r.estimate - r.truth) for r in every]):.3f}, plain cleanlab "
              f"{np.mean([abs(r.plain - r.truth) for r in noisy]):.3f}, covered {sum(r.covered for r in noisy)}/{len(noisy)}")
    heavy = [r for r in rows if r.rate >= 0.2]
    clean = [r for r in rows if r.rate == 0]
    for label, group in (("judged", [r for r in heavy if r.judged]), ("all", heavy)):
        if group:
            print(f"20-30% flips, {label} sets: a noise-robust loss in recommend's top two in "
                  f"{sum(r.robust_in_top_two for r in group)}/{len(group)}")
    if clean:
        print(f"clean versions: a noise-robust loss in the top two in {sum(r.robust_in_top_two for r in clean)}/"
              f"{len(clean)}, ranked first in {sum(r.top_two[0] in ROBUST for r in clean)}/{len(clean)}")


def run_real_suite(names: list[str], seeds: int, baseline: bool) -> list[RealRow]:
    rows: list[RealRow] = []
    for name, (what, load) in available_sets(names).items():
        features, clean = load()
        print(f"\n{name}: {what}", flush=True)
        for seed in range(seeds):
            first = True
            for kind in ("symmetric", "pair"):
                if kind == "pair" and len(np.unique(clean)) == 2:
                    continue   # with two classes a pair flip is a symmetric flip
                for rate in RATES:
                    if kind == "pair" and rate == 0:
                        continue
                    row = run_one(name, features, clean, kind, rate, seed, baseline)
                    print_row(row, header=first and not rows)
                    first = False
                    rows.append(row)
        accuracy = next(r.oof_accuracy for r in rows if r.dataset == name and r.rate == 0)
        for r in rows:
            if r.dataset == name:
                r.clean_accuracy = accuracy
    summarise(rows)
    return rows
