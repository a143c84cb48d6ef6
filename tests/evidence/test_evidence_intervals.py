"""Known answers for the corrected interval and the tied_with_best flag."""

import math

import numpy as np
import pytest
from scipy.stats import t

from lossadvisor.evidence.intervals import best_and_ties, corrected_interval


def test_corrected_interval_known_answer():
    mean, low, high = corrected_interval(np.array([1.0, 2.0, 3.0, 4.0]), test_share=0.25)
    half = t.ppf(0.975, 3) * math.sqrt((1 / 4 + 0.25) * (5 / 3))  # s² of 1..4 is 5/3
    assert mean == 2.5
    assert (low, high) == pytest.approx((2.5 - half, 2.5 + half))
    assert half == pytest.approx(2.9052, abs=1e-4)


def test_corrected_interval_is_wider_than_the_plain_one():
    values = np.random.default_rng(0).normal(size=25)
    _, low, high = corrected_interval(values, test_share=0.25)
    _, plain_low, plain_high = corrected_interval(values, test_share=0.0)
    assert high - low == pytest.approx((plain_high - plain_low) * math.sqrt((1 / 25 + 0.25) / (1 / 25)))


def test_corrected_interval_needs_two_values():
    assert corrected_interval(np.array([0.5, np.nan]), 0.25)[0] == 0.5
    assert math.isnan(corrected_interval(np.array([0.5, np.nan]), 0.25)[1])
    assert all(math.isnan(v) for v in corrected_interval(np.array([np.nan]), 0.25))


# Rows: losses, columns: (seed, fold) units. Higher is better.
TABLE = np.array([
    [0.80, 0.82, 0.81, 0.79, 0.83, 0.80],   # 0: best mean (0.8083)
    [0.81, 0.81, 0.80, 0.80, 0.82, 0.80],   # 1: differences to 0 straddle zero → tied
    [0.60, 0.61, 0.62, 0.60, 0.59, 0.61],   # 2: clearly worse → not tied
])


def test_tied_with_best_known_table():
    best, tied = best_and_ties(TABLE, higher_is_better=True, test_share=0.25)
    assert best == 0
    assert tied == [True, True, False]


def test_lower_is_better_turns_the_order():
    best, tied = best_and_ties(TABLE, higher_is_better=False, test_share=0.25)
    assert best == 2
    assert tied == [False, False, True]


def test_exact_tie_goes_to_the_first_and_identical_rows_are_tied():
    table = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    assert best_and_ties(table, True, 0.5) == (0, [True, True])


def test_missing_units_are_left_out_and_too_few_is_not_tied():
    table = np.array([[0.9, 0.9, 0.9, 0.91], [np.nan, np.nan, np.nan, 0.91], [np.nan] * 4])
    best, tied = best_and_ties(table, True, 0.25)
    assert best == 1  # mean over its one finite unit (0.91) is the best mean
    assert tied == [False, True, False]   # loss 0 shares one unit with it: fewer than 2 paired → not tied
