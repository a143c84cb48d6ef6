"""Does `lossadvisor search` find focal's best γ with a third of a grid's trainings?

A generated binary set where focal's γ has an interior optimum: 15% of the rows lie in a hard region
with a nonlinear boundary (focal's down-weighting of the 85% easy negatives helps there), and 3% of
the easy rows carry a flipped label (confidently wrong rows that a large γ up-weights, which hurts).
The grid (γ = 0, 0.25, …, 5; every point trained fully with paired seeds) finds the best γ on the
test rows; the search (TPE + successive halving, 60 s budget, at most 27 trials) picks its γ on
validation rows; then one paired trial compares the two picks on the test rows. Cost is counted in
full fits per seed (member-epochs / (seeds × epochs)).

    python benchmarks/search_focal.py            # about 3 minutes on one core
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

os.environ.setdefault("OMP_NUM_THREADS", "1")

from lossadvisor.trials.candidates import CandidateSpec, Sweep  # noqa: E402
from lossadvisor.trials.prepare import DataFacts  # noqa: E402
from lossadvisor.trials.results import TrialOptions  # noqa: E402
from lossadvisor.trials.run import run_sweep, run_trials  # noqa: E402
from lossadvisor.trials.search import SearchOptions, run_search  # noqa: E402
from lossadvisor.trials.train_types import TrainConfig  # noqa: E402

GRID = tuple(round(0.25 * i, 2) for i in range(21))
SEEDS, EPOCHS, BUDGET_S, MAX_TRIALS = 3, 9, 60.0, 27


def make_data(n: int = 6000, seed: int = 0, hard_share: float = 0.15, easy_flips: float = 0.03) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10))
    hard = rng.random(n) < hard_share
    x[~hard, 0] -= 4.0
    logit = np.where(hard, 3 * np.sin(2 * x[:, 1]) * np.cos(2 * x[:, 2]) + 1.5 * x[:, 3] - 0.5, -8.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    flip = ~hard & (rng.random(n) < easy_flips)
    frame = pd.DataFrame(x.round(4), columns=[f"f{i}" for i in range(10)])
    frame["y"] = np.where(flip, 1 - y, y)
    return frame


def main() -> None:
    frame, facts = make_data(), DataFacts(task="binary")
    options = TrialOptions(seeds=SEEDS, device="cpu", metric="pr_auc", train=TrainConfig(epochs=EPOCHS))
    start = time.perf_counter()
    grid = run_sweep(frame, "y", facts, Sweep("focal", "gamma", GRID), options)
    grid_s = time.perf_counter() - start
    points = [(c.spec.params["gamma"], *c.summary["pr_auc"]) for c in grid.candidates if c.spec.loss == "focal"]
    best_gamma, best_mean, best_sd = max(points, key=lambda p: p[1])
    print(f"grid: {len(GRID)} γ values × {SEEDS} seeds, {grid_s:.1f} s; test pr_auc by γ:")
    print("  " + "  ".join(f"{g:g}:{m:.4f}" for g, m, _ in points))
    print(f"  best γ = {best_gamma:g} ({best_mean:.4f} ± {best_sd:.4f} over seeds); "
          f"γ=0 {points[0][1]:.4f}, γ=3 {dict((g, m) for g, m, _ in points)[3.0]:.4f}")
    stable = grid.sweep["stable_values"]
    print(f"  γ values the paired bootstrap cannot tell from the best ({len(stable)} of {len(GRID)}): "
          + ", ".join(f"{g:g}" for g in stable))

    start = time.perf_counter()
    outcome, _ = run_search(frame, "y", facts, SearchOptions(families=("focal",), n_trials=MAX_TRIALS,
                                                              budget_s=BUDGET_S, trial=options))
    search_s = time.perf_counter() - start
    fits = outcome.member_epochs / (SEEDS * EPOCHS)
    found = outcome.best.point["gamma"]
    print(f"search: {len(outcome.trials)} trials in {outcome.brackets_run} brackets, {search_s:.1f} s "
          f"(budget {BUDGET_S:g} s); cost {fits:.2f} full fits per seed vs the grid's {len(GRID)} "
          f"({fits / len(GRID):.2f}×); best γ = {found:.3f}")

    final = run_trials(frame, "y", facts, [CandidateSpec("focal", {"gamma": float(best_gamma)}, True),
                                           CandidateSpec("focal", {"gamma": round(found, 4)})], options)
    found_result = final.candidates[1]
    c = found_result.comparison
    print(f"paired test comparison, search γ={found:.3f} − grid γ={best_gamma:g}: {c.difference:+.4f} "
          f"[{c.ci_low:+.4f}, {c.ci_high:+.4f}] → {c.verdict}")
    within = c.verdict != "worse"
    cheap = fits <= len(GRID) / 3
    print(f"acceptance: within the seeds' noise of the best grid point: {within}; "
          f"≤ 1/3 of the grid's trainings: {cheap}")


if __name__ == "__main__":
    main()
