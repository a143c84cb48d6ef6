"""Paired bootstrap statistics of the trials (lossadvisor.trials.stats)."""

from __future__ import annotations
import numpy as np
import pytest


def test_bootstrap_with_undefined_replicates_prints_no_numpy_warning():
    # Bug: with one seed on a small test set, replicates without a positive row (PR-AUC undefined)
    # printed "RuntimeWarning: Mean of empty slice" on stderr; they are dropped, silently.
    import warnings

    from lossadvisor.trials.stats import paired_bootstrap

    candidate = np.array([[np.nan], [0.6], [0.8], [np.nan]])
    baseline = np.array([[np.nan], [0.5], [0.5], [0.4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = paired_bootstrap(candidate, baseline, [0.7], [0.5], higher_is_better=True)
    assert result.difference == pytest.approx(0.2)
    assert (result.ci_low, result.ci_high) == pytest.approx((0.1 + 0.2 * 0.025, 0.3 - 0.2 * 0.025))
    assert result.verdict == "better"
