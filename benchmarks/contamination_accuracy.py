"""Gross target errors vs a genuine heavy tail: how well ``target_stats.contamination`` tells them apart.

Seeded lognormal targets driven by four features, y = exp(1 + s·(0.8 x0 + 0.5 x1 + 0.3 x2) + σ ε), for a grid of
log-scale noise σ and signal strength s; each clean set is measured, then the same set with 5% gross errors
(y ± (5–10) × 1.4826 MAD, as the evidence benchmark's ``gross-5`` injects them). Printed per setting: the
measured gross-error fraction and the verdict for clean and contaminated copies, and the time per measurement.
Judged (docs/profile-schema.md): with σ ≤ 0.6 no clean set is called contaminated and every contaminated one is.
Sets with σ ≥ 1 are shown for the limitation: a tail the features cannot predict reads as contamination.

    python benchmarks/contamination_accuracy.py               # 3 seeds × 600 and 3,000 rows, about a minute
    python benchmarks/contamination_accuracy.py --seeds 5 --rows 600 3000 20000
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lossadvisor.profiling.target_errors import measure_contamination

SIGMAS = (0.3, 0.6, 1.0)
SIGNALS = (0.4, 1.0)
JUDGED_SIGMA = 0.6


def make_set(rows: int, sigma: float, signal: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(rows, 4))
    y = np.exp(1.0 + signal * (X @ np.array([0.8, 0.5, 0.3, 0.0])) + sigma * rng.normal(size=rows))
    return X, y


def inject(y: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    out = y.copy()
    k = round(rate * len(y))
    rows = rng.choice(len(y), k, replace=False)
    scale = 1.4826 * np.median(np.abs(y - np.median(y)))
    out[rows] += rng.choice([-1, 1], k) * (5 + 5 * rng.random(k)) * scale
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rows", type=int, nargs="+", default=[600, 3000])
    args = parser.parse_args()
    print(f"{'rows':>6} {'σ':>4} {'s':>4} {'seed':>4} | {'clean':>7} {'called':>6} | {'gross-5':>7} {'called':>6} | s/measure")
    wrong = judged = 0
    for rows in args.rows:
        for sigma in SIGMAS:
            for signal in SIGNALS:
                for seed in range(args.seeds):
                    rng = np.random.default_rng(1000 * seed + rows)
                    X, y = make_set(rows, sigma, signal, rng)
                    dirty = inject(y, 0.05, rng)
                    start = time.perf_counter()
                    clean_found = measure_contamination(X, y, seed=seed)
                    seconds = time.perf_counter() - start
                    dirty_found = measure_contamination(X, dirty, seed=seed)
                    if sigma <= JUDGED_SIGMA:
                        judged += 2
                        wrong += int(clean_found.contaminated) + int(not dirty_found.contaminated)
                    print(f"{rows:>6} {sigma:>4} {signal:>4} {seed:>4} | {clean_found.gross_error_fraction:>7.3f} "
                          f"{'yes' if clean_found.contaminated else 'no':>6} | {dirty_found.gross_error_fraction:>7.3f} "
                          f"{'yes' if dirty_found.contaminated else 'no':>6} | {seconds:.2f}")
    print(f"judged (σ ≤ {JUDGED_SIGMA}): {judged - wrong}/{judged} verdicts right")


if __name__ == "__main__":
    main()
