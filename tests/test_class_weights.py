"""The class-weight formulas (lossadvisor.class_weights): known answers from their papers."""

from __future__ import annotations

import math

import pytest

from lossadvisor import class_weights as cw


def test_inverse_frequency_weights_are_balanced_at_power_1() -> None:
    # n/(C n_c) for counts 75/25: 100/150 = 0.667 and 100/50 = 2; over their mean 1.333: 0.5, 1.5
    assert cw.inverse_frequency_weights([75, 25], power=1.0) == pytest.approx([0.5, 1.5])

def test_inverse_frequency_weights_are_capped_after_normalising() -> None:
    counts = [10_000] * 60 + [1]
    weights = cw.inverse_frequency_weights(counts, power=1.0, cap=50)
    assert weights[-1] == 50 and weights[0] < 0.01

def test_effective_number_beta_follows_the_largest_class() -> None:
    assert cw.effective_number_beta([50, 5]) == pytest.approx(0.9)
    assert cw.effective_number_beta([4000, 200]) == pytest.approx(0.999)
    assert cw.effective_number_beta([10**6, 10]) == pytest.approx(0.9999)

def test_class_balanced_weights_match_cui_eq3() -> None:
    beta = 0.99
    raw = [(1 - beta) / (1 - beta**100), (1 - beta) / (1 - beta**10)]
    expected = [w * 2 / sum(raw) for w in raw]
    assert cw.class_balanced_weights([100, 10], beta) == pytest.approx(expected, rel=1e-5)

def test_label_priors_and_pos_weight() -> None:
    assert cw.label_priors([30, 10]) == [0.75, 0.25]
    assert cw.binary_pos_weight([900, 100]) == 9.0
    assert cw.binary_pos_weight([900, 100], power=0.5) == 3.0


def test_effective_number_is_cui_eq1() -> None:
    assert cw.effective_number(1, 0.999) == pytest.approx(1.0)
    assert cw.effective_number(100, 0.999) == pytest.approx((1 - 0.999**100) / 0.001)
    assert cw.effective_number(100, 0.0) == 1.0


def test_an_empty_class_gets_the_largest_class_balanced_weight() -> None:
    weights = cw.class_balanced_weights([100, 0, 10], 0.99)
    assert weights[1] == pytest.approx(weights[2]) and weights[2] > weights[0]
    assert sum(weights) == pytest.approx(3.0)


def test_positive_alpha_weighs_the_rare_positive_up() -> None:
    # square-root weights for 900/100: (1000/900)^0.5 and (1000/100)^0.5 → α = 3.162 / (1.054 + 3.162) = 0.75
    assert cw.positive_alpha([900, 100]) == pytest.approx(0.75)
    assert math.isclose(cw.positive_alpha([500, 500]), 0.5)
