"""How losses read the network output: the log link's offset (a known answer and a short trial)."""

import numpy as np
import pandas as pd
import pytest

from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.heads import log_link_scale, predictions
from lossadvisor.trials.prepare import DataFacts
from lossadvisor.trials.results import TrialOptions
from lossadvisor.trials.run import run_trials


def test_log_link_scale_is_the_positive_training_mean_else_one():
    assert log_link_scale(80.0) == 80.0
    assert log_link_scale(0.0) == 1.0
    assert log_link_scale(-3.0) == 1.0
    assert log_link_scale(float("nan")) == 1.0


def test_log_link_predictions_are_in_target_units():
    output = np.array([[0.0, 9.0], [np.log(2.0), 9.0]])
    # exp(0)·80 = 80 (the mean), exp(log 2)·80 = 160; the second column is unused by the log link.
    assert predictions(output, "log_mean", target_mean=80.0) == pytest.approx([80.0, 160.0])


def test_poisson_on_a_large_count_starts_at_its_mean():
    """Counts with mean ≈ 55: before the offset, Poisson started at μ = 1 and lost to MSE by 40%."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 3))
    y = rng.poisson(np.exp(4.0 + 0.4 * x[:, 0]))
    frame = pd.DataFrame({"x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2], "y": y})
    specs = [CandidateSpec("mse", {}, baseline=True), CandidateSpec("poisson", {})]
    options = TrialOptions(seeds=2, metric="rmse")
    report = run_trials(frame, "y", DataFacts(task="count"), specs, options)
    rmse = {c.spec.loss: c.summary["rmse"][0] for c in report.candidates}
    assert rmse["poisson"] < 1.1 * rmse["mse"]
