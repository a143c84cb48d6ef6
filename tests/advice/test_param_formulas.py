"""The rules' parameter formulas (lossadvisor.advice.param_formulas): known answers, and the rounding rules show."""

from __future__ import annotations

import pytest

from lossadvisor.advice import param_formulas as derive
from lossadvisor.advice.param_formulas import DERIVATIONS


def test_focal_gamma_by_severity() -> None:
    assert [derive.focal_gamma(r) for r in (1.5, 5, 50, 5000)] == [0.0, 0.5, 1.0, 2.0]

def test_huber_delta_is_1_345_sigma_from_the_mad() -> None:
    assert derive.huber_delta(1.0) == pytest.approx(1.345 * 1.4826)

def test_cost_formulas() -> None:
    assert derive.tversky_alpha(4, 1) == pytest.approx(0.2)
    assert derive.tversky_beta(4, 1) == pytest.approx(0.8)
    assert derive.fbeta_from_costs(9, 1) == pytest.approx(3.0)
    assert derive.quantile_tau(3, 1) == pytest.approx(0.75)
    assert derive.tversky_from_fbeta(1.0) == {"alpha": 0.5, "beta": 0.5}

def test_noise_formulas() -> None:
    assert derive.smoothing_epsilon(0.1, 10) == pytest.approx(0.1 * 10 / 9, abs=1e-4)
    assert derive.smoothing_epsilon(0.01, 10) == 0.05      # floor
    assert derive.bootstrap_beta(0.1) == 0.9
    assert derive.bootstrap_beta(0.01) == 0.95             # clipped

def test_tweedie_power_is_the_clipped_slope() -> None:
    assert derive.tweedie_power(1.45) == 1.45
    assert derive.tweedie_power(2.5) == 1.9


def test_weight_formulas_are_rounded_to_six_digits_for_the_rules() -> None:
    facts = {"classes.counts": {"a": 3, "b": 7}}
    weights = DERIVATIONS["inverse_frequency_weights"].compute(facts, power=0.5)
    assert weights == [round(w, 6) for w in weights] and weights[0] > weights[1]
    assert DERIVATIONS["label_priors"].compute(facts) == [0.3, 0.7]
