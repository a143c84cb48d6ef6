"""Does the 95% interval of a grouped trial hold 95%? Row bootstrap vs group (cluster) bootstrap, same run.

Generated test sets of ``--groups`` groups × ``--rows`` rows where two candidates have the SAME
expected metric (the true difference is zero), scored by the trial's own paired bootstrap
(:func:`lossadvisor.trials.stats.replicate_scores` + ``paired_bootstrap``), once resampling rows
and once resampling whole groups, on the same data and the same bootstrap seed. Coverage is the
share of the ``--sets`` test sets whose interval holds 0 (the nominal value is 95%); one minus it is
how often the trial would call a winner where there is none.

Scenarios:
- ``accuracy, correlated``: each group has its own accuracy for each candidate (drawn from one
  distribution for both), so a group's rows are right or wrong together (a patient the model reads
  well or badly);
- ``mae, correlated``: each group has its own offset of each candidate's predictions;
- ``accuracy, independent``: the control, every row independent (groups mean nothing), where both
  bootstraps should hold about 95% and the group bootstrap should not be much wider.

    nice -n 10 python benchmarks/group_bootstrap_coverage.py [--sets 400] [--groups 30] [--rows 10]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def accuracy_set(rng: np.random.Generator, groups: int, rows: int, spread: float):
    """Labels and two candidates' predicted labels; per group, each candidate right with its own probability."""
    from lossadvisor.trials import metrics as M

    g = np.repeat(np.arange(groups), rows)
    y = rng.integers(0, 2, groups * rows)
    preds = []
    for _ in range(2):
        p = np.clip(0.75 + spread * rng.normal(size=groups), 0.05, 0.95)[g]
        right = rng.random(len(y)) < p
        preds.append(np.where(right, y, 1 - y))
    return g, [lambda w, p=p: M.accuracy(y, p, w) for p in preds]


def mae_set(rng: np.random.Generator, groups: int, rows: int, spread: float):
    """A regression target and two candidates whose errors share a per-group offset (same distribution)."""
    from lossadvisor.trials import metrics as M

    g = np.repeat(np.arange(groups), rows)
    y = rng.normal(size=groups * rows)
    preds = [y + spread * rng.normal(size=groups)[g] + 0.5 * rng.normal(size=len(y)) for _ in range(2)]
    return g, [lambda w, p=p: M.mae(y, p, w) for p in preds]


def coverage(make, sets: int, groups: int, rows: int, spread: float, n_boot: int, seed: int) -> dict[str, tuple]:
    """Per bootstrap unit: (share of intervals holding 0, mean interval width)."""
    from lossadvisor.trials.stats import paired_bootstrap, replicate_scores

    rng = np.random.default_rng(seed)
    held = {"rows": 0, "groups": 0}
    width = {"rows": 0.0, "groups": 0.0}
    for i in range(sets):
        clusters, scores = make(rng, groups, rows, spread)
        for unit, codes in (("rows", None), ("groups", clusters)):
            reps = replicate_scores(scores, len(clusters), n_boot, seed=i, clusters=codes)
            points = [float(s(None)[0]) for s in scores]
            comp = paired_bootstrap(reps[:, [0]], reps[:, [1]], [points[0]], [points[1]], True, seed=i)
            held[unit] += comp.ci_low <= 0.0 <= comp.ci_high
            width[unit] += comp.ci_high - comp.ci_low
    return {unit: (held[unit] / sets, width[unit] / sets) for unit in held}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=400, help="generated test sets per scenario")
    parser.add_argument("--groups", type=int, default=30, help="groups in each test set")
    parser.add_argument("--rows", type=int, default=10, help="rows per group")
    parser.add_argument("--bootstrap", type=int, default=1000, help="replicates per interval (the trial's default)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scenarios = [("accuracy, correlated", accuracy_set, 0.15), ("mae, correlated", mae_set, 0.5),
                 ("accuracy, independent", accuracy_set, 0.0)]
    print(f"{args.sets} test sets per scenario, {args.groups} groups × {args.rows} rows, zero true difference, "
          f"{args.bootstrap} replicates; nominal coverage 95%")
    print(f"{'scenario':24} {'rows: coverage':>15} {'groups: coverage':>17} {'false winners rows/groups':>26} "
          f"{'width groups/rows':>18}")
    start = time.perf_counter()
    for s, (name, make, spread) in enumerate(scenarios):
        result = coverage(make, args.sets, args.groups, args.rows, spread, args.bootstrap, args.seed + 1000 * s)
        (row_cov, row_w), (grp_cov, grp_w) = result["rows"], result["groups"]
        # How many more false winners the row bootstrap calls than the group bootstrap ("—": the latter called none).
        ratio = f"{(1 - row_cov) / (1 - grp_cov):.2f}×" if grp_cov < 1 else "—"
        print(f"{name:24} {row_cov:>14.1%} {grp_cov:>17.1%} {ratio:>26} {grp_w / row_w:>17.2f}×")
    mc = 1.96 * np.sqrt(0.95 * 0.05 / args.sets)
    print(f"Monte Carlo margin of a coverage near 95%: ±{mc:.1%}; {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
