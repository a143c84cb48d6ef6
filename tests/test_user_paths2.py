"""Regressions from a second, deeper pass over trial, check and recommend as a demanding user would
run them: one test per bug, small and fast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lossadvisor.cli import app


def test_trial_keeps_the_profiles_positive_class_when_integer_labels_have_gaps(tmp_path):
    # Bug: labels 2/5 with missing values load as floats; trial named them '2.0'/'5.0', missed the
    # profile's class order ('5', '2': the minority 2 is positive) and made the majority 5 positive.
    from lossadvisor.profiling import profile_table
    from lossadvisor.trials.prepare import DataFacts, prepare_data

    rng = np.random.default_rng(0)
    label = rng.choice([2.0, 5.0], size=300, p=[0.2, 0.8])
    label[:15] = np.nan
    path = tmp_path / "gaps.csv"
    pd.DataFrame({"a": rng.normal(size=300), "label": label}).to_csv(path, index=False)
    facts = DataFacts.from_profile(profile_table(path, noise=False))
    prepared = prepare_data(pd.read_csv(path), "label", facts, seed=0)
    assert facts.class_order == ("5", "2")
    assert prepared.classes == ("5", "2")
    assert prepared.y.sum() == (label == 2.0).sum()
