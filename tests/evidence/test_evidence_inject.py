"""Injected conditions hit exactly the stated fraction, and only the rows a model trains on."""

import numpy as np
import pandas as pd
import pytest

from lossadvisor.errors import LossAdvisorError
from lossadvisor.evidence.fold_scores import fold_of_rows, scored_targets, split_fold
from lossadvisor.evidence.inject import conditions_for, flip_labels, gross_errors, parse_condition
from lossadvisor.evidence.sets import apply_condition, clean_frame, leaking_columns


@pytest.mark.parametrize("rate", [0.1, 0.25, 0.4])
def test_symmetric_flips_hit_the_stated_fraction(rate):
    codes = np.repeat(np.arange(3), 400)
    flipped = flip_labels(codes, 3, rate, "flip-sym", seed=1)
    assert (flipped != codes).sum() == round(rate * 1200)
    assert set(np.unique(flipped)) == {0, 1, 2}


def test_pair_flips_move_to_the_next_class():
    codes = np.repeat(np.arange(4), 250)
    flipped = flip_labels(codes, 4, 0.3, "flip-pair", seed=2)
    changed = flipped != codes
    assert changed.sum() == 300
    assert np.all(flipped[changed] == (codes[changed] + 1) % 4)


def test_flips_are_seeded():
    codes = np.repeat(np.arange(2), 100)
    assert np.array_equal(flip_labels(codes, 2, 0.2, "flip-sym", 5), flip_labels(codes, 2, 0.2, "flip-sym", 5))
    assert not np.array_equal(flip_labels(codes, 2, 0.2, "flip-sym", 5), flip_labels(codes, 2, 0.2, "flip-sym", 6))


def test_gross_errors_move_five_percent_by_five_to_ten_sigma():
    y = np.random.default_rng(0).normal(size=1000)
    moved = gross_errors(y, 0.05, seed=3)
    changed = moved != y
    assert changed.sum() == 50
    scale = 1.4826 * np.median(np.abs(y - np.median(y)))
    shift = np.abs(moved[changed] - y[changed]) / scale
    assert shift.min() >= 5 and shift.max() <= 10


@pytest.mark.parametrize("name, kind, rate", [("clean", "clean", 0.0), ("flip-sym-30", "flip-sym", 0.3),
                                              ("flip-pair-20", "flip-pair", 0.2), ("gross-5", "gross", 0.05)])
def test_parse_condition(name, kind, rate):
    parsed = parse_condition(name)
    assert (parsed.kind, parsed.rate) == (kind, rate)


@pytest.mark.parametrize("name", ["flip-30", "sym-10", "gross-0", "clean-5"])
def test_bad_condition_names_are_errors(name):
    with pytest.raises(LossAdvisorError):
        parse_condition(name)


def test_conditions_by_stratum():
    assert conditions_for("binary-balanced") == ("clean", "flip-sym-10", "flip-sym-30")
    assert conditions_for("binary-imbalance") == ("clean",)
    assert conditions_for("heavy-tailed-regression") == ("clean", "gross-5")


def test_apply_condition_keeps_values_and_truth():
    frame = pd.DataFrame({"x": np.arange(200.0), "y": ["no", "yes"] * 100})
    observed, truth = apply_condition(frame, "y", "binary", "flip-sym-20", 0, "s")
    assert list(truth) == list(frame["y"])
    assert set(observed["y"]) == {"no", "yes"}
    assert (observed["y"] != frame["y"]).sum() == 40
    assert frame["y"].tolist() == ["no", "yes"] * 100  # the input frame is untouched


def test_test_rows_are_scored_on_clean_labels_and_training_rows_on_observed():
    clean = np.repeat([0, 1], 100)
    observed = flip_labels(clean, 2, 0.4, "flip-sym", 0)
    folds = fold_of_rows(observed, 200, 5, seed=0)
    for k in range(5):
        split = split_fold(folds, k, observed, seed=0)
        scored = scored_targets(observed, clean, split.test)
        assert np.array_equal(scored[split.test], clean[split.test])
        fit_rows = np.concatenate([split.train, split.val])
        assert np.array_equal(scored[fit_rows], observed[fit_rows])
        assert (observed[fit_rows] != clean[fit_rows]).mean() == pytest.approx(0.4, abs=0.06)
    # every row is a test row exactly once per seed
    assert sorted(np.concatenate([split_fold(folds, k, observed, 0).test for k in range(5)]).tolist()) == list(range(200))


def test_leaking_columns_and_subsample():
    rng = np.random.default_rng(0)
    wage = rng.lognormal(size=400)
    frame = pd.DataFrame({"wage": wage, "lwage": np.log(wage), "age": rng.normal(size=400),
                          "code": np.where(wage > 1, "hi", "lo")})
    assert leaking_columns(frame, "wage", "regression") == ("lwage",)
    frame["cls"] = np.where(wage > 1, "a", "b")
    # the recoded label goes; a number that thresholds the class is rank-correlated only ~0.87 with it and stays
    assert leaking_columns(frame, "cls", "binary") == ("code",)
    cleaned, _ = clean_frame(frame, "cls", "binary", max_rows=100, seed=0, name="s")
    again, _ = clean_frame(frame, "cls", "binary", max_rows=100, seed=0, name="s")
    assert len(cleaned) == 100 and cleaned.equals(again)
