"""Profile time with the label-noise estimate: the current plan against the earlier one, in the same run.

The earlier estimate fitted one boosted model on 5 folds. The current one picks folds and learners by
size (``noise_learners.plan_folds`` / ``plan_learners``: 10 folds and k-nearest neighbours on small
tables, logistic regression always, and their mean) and chooses by out-of-fold log loss. Issue 16's
target: ``profile`` on 20,000 rows within 1.5x its earlier time. Both plans are timed on the same
tables, alternating, and the ratio of medians is printed.

    python benchmarks/noise_speed.py               # 20,000 x 20 binary and 10-class, 5,000 binary; 3 repeats
    python benchmarks/noise_speed.py --repeats 1
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

from lossadvisor.profiling import noise_model
from lossadvisor.profiling.measure import profile_table

TABLES = {"20,000 x 20, binary": (20_000, 2), "20,000 x 20, 10 classes": (20_000, 10),
          "5,000 x 20, binary": (5_000, 2)}


@contextmanager
def earlier_plan():
    """The estimate as it was before issue 16: boosting only, 5 folds."""
    folds, learners = noise_model.plan_folds, noise_model.plan_learners
    noise_model.plan_folds = lambda rows, n_classes, requested=None: requested or 5
    noise_model.plan_learners = lambda rows: ("boosting",)
    try:
        yield
    finally:
        noise_model.plan_folds, noise_model.plan_learners = folds, learners


def make_table(rows: int, classes: int, seed: int = 0) -> pd.DataFrame:
    X, y = make_classification(n_samples=rows, n_features=20, n_informative=10, n_classes=classes,
                               n_clusters_per_class=2, flip_y=0.1, random_state=seed)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(20)])
    frame["target"] = y
    return frame


def time_profile(frame: pd.DataFrame) -> tuple[float, dict]:
    start = time.perf_counter()
    noise = profile_table(frame, seed=0).to_dict()["label_noise"]
    return time.perf_counter() - start, noise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'table':26} {'earlier s':>9} {'now s':>7} {'ratio':>6}  now: model")
    for name, (rows, classes) in TABLES.items():
        frame = make_table(rows, classes)
        before, after, model = [], [], ""
        for _ in range(args.repeats):
            with earlier_plan():
                before.append(time_profile(frame)[0])
            seconds, noise = time_profile(frame)
            after.append(seconds)
            model = noise["model"]
        b, a = statistics.median(before), statistics.median(after)
        print(f"{name:26} {b:9.1f} {a:7.1f} {a / b:6.2f}  {model}", flush=True)
    print("target: ratio <= 1.5 on the 20,000-row tables")


if __name__ == "__main__":
    main()
