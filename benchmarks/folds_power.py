"""Do cross-fitted trials separate losses better? Interval width, folds vs one split, same run, same seeds.

A generated 3,000-row imbalanced binary set (about 1 positive in 10, eight features, four of
them informative); the baseline (plain BCE) and challengers trained with the same seeds, once on
the single 60/20/20 split (``--folds 1``) and once cross-fitted (``--folds 5``). For every
challenger it prints the width of the 95% interval of the paired difference to the baseline on the
primary metric (PR-AUC), and the ratio single-split width / cross-fitted width (the target is at
least 1.5), then the training-time ratio.

    python benchmarks/folds_power.py [--rows 3000] [--seeds 5] [--epochs 10] [--folds 5]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd


def imbalanced_binary(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8))
    score = x[:, 0] + 0.6 * x[:, 1] - 0.4 * x[:, 2] + 0.3 * x[:, 3] * x[:, 0] + 0.8 * rng.normal(size=n)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(8)])
    frame["y"] = (score > np.quantile(score, 0.9)).astype(int)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("LOSSADVISOR_THREADS", "1")))
    args = parser.parse_args()

    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.run import run_trials
    from lossadvisor.trials.train_types import TrainConfig

    frame = imbalanced_binary(args.rows)
    specs = [CandidateSpec("bce", {}, True), CandidateSpec("focal", {"gamma": 2.0}),
             CandidateSpec("weighted_bce", {"pos_weight": 9.0}), CandidateSpec("logit_adjusted", {})]
    facts = DataFacts(task="binary")
    # Warm-up (imports, first vmap tracing) so that neither timed run pays it.
    run_trials(frame.head(300), "y", facts, specs, TrialOptions(seeds=1, folds=3, train=TrainConfig(epochs=1)))
    reports, seconds = {}, {}
    for k in (1, args.folds):
        options = TrialOptions(seeds=args.seeds, folds=k, threads=args.threads, device="cpu",
                               train=TrainConfig(epochs=args.epochs))
        start = time.perf_counter()
        reports[k] = run_trials(frame, "y", facts, specs, options)
        seconds[k] = time.perf_counter() - start
    single, folded = reports[1], reports[args.folds]
    print(f"{args.rows} rows, {int(frame['y'].sum())} positive; {args.seeds} seeds; metric {single.metric}; "
          f"single split tests {single.rows['test']} rows, {args.folds} folds test {folded.rows['tested']} per seed")
    print(f"{'challenger':28} {'single: diff [95% CI]':34} {f'{args.folds} folds: diff [95% CI]':34} width ratio")
    ratios = []
    for a, b in zip(single.candidates[1:], folded.candidates[1:]):
        wa, wb = a.comparison.ci_high - a.comparison.ci_low, b.comparison.ci_high - b.comparison.ci_low
        ratios.append(wa / wb)
        print(f"{a.spec.label:28} {a.comparison.difference:+.4f} [{a.comparison.ci_low:+.4f}, {a.comparison.ci_high:+.4f}]"
              f"{'':7} {b.comparison.difference:+.4f} [{b.comparison.ci_low:+.4f}, {b.comparison.ci_high:+.4f}]"
              f"{'':7} {wa / wb:.2f}×")
    print(f"median width ratio single/folds: {np.median(ratios):.2f}× (target ≥ 1.5×)")
    print(f"time: single {seconds[1]:.1f} s, {args.folds} folds {seconds[args.folds]:.1f} s, "
          f"ratio {seconds[args.folds] / seconds[1]:.1f}×")


if __name__ == "__main__":
    main()
