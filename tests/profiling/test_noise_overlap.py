"""Issue 16 and issue 11 part 5: the learners' choice, the noise floor, the grade, and overlap is not noise.

Known answers on hand-made probabilities, then generated data (each under 2,500 rows).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from lossadvisor.advice.ranking import recommend
from lossadvisor.profiling.noise import estimate_label_noise, fit_out_of_fold
from lossadvisor.profiling.noise_grade import Readings, grade_estimate
from lossadvisor.profiling.noise_learners import (
    choose_probabilities,
    dense_design,
    log_loss_of,
    neighbours,
    plan_folds,
    plan_learners,
    smooth,
)
from lossadvisor.profiling.noise_overlap import NoiseFloor, noise_floor

ROBUST = {"gce", "sce", "nce_rce", "bootstrap"}


# --- the learners (known answers) -----------------------------------------------------------------

def test_folds_and_learners_follow_the_size_of_the_table():
    assert plan_folds(5_000, 2) == 10 and plan_folds(10_000, 2) == 10
    assert plan_folds(10_001, 2) == 5 and plan_folds(20_000, 2) == 5
    assert plan_folds(3_000, 10) == 10 and plan_folds(8_000, 10) == 5    # 8,000 x 10 trees per round
    assert plan_folds(500, 2, requested=3) == 3
    assert plan_learners(10_000) == ("boosting", "logistic", "knn")
    assert plan_learners(20_000) == ("boosting", "logistic")
    assert neighbours(100) == 10 and neighbours(900) == 30 and neighbours(1_000_000) == 50


def test_log_loss_and_the_choice_of_the_lowest():
    codes = np.array([0, 1, 1])
    sharp = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])
    flat = np.full((3, 2), 0.5)
    assert log_loss_of(sharp, codes) == pytest.approx(-(np.log(0.9) + np.log(0.8) + np.log(0.7)) / 3)
    chosen, probs, losses = choose_probabilities({"boosting": flat, "logistic": sharp}, codes)
    assert chosen == "logistic" and set(losses) == {"boosting", "logistic", "ensemble"}
    assert losses["ensemble"] == pytest.approx(log_loss_of(smooth((flat + sharp) / 2), codes))
    assert np.allclose(probs, smooth(sharp))


def test_ties_go_to_the_earlier_learner_and_zeros_are_floored():
    codes = np.array([0, 1])
    same = np.array([[1.0, 0.0], [0.0, 1.0]])
    chosen, probs, _ = choose_probabilities({"boosting": same, "knn": same.copy()}, codes)
    assert chosen == "boosting"
    assert probs.min() > 0 and np.allclose(probs.sum(axis=1), 1.0)


def test_dense_design_standardises_numbers_flags_missing_and_one_hot_encodes_categories():
    X = np.array([[1.0, 0.0], [3.0, 1.0], [np.nan, 2.0], [5.0, np.nan]])
    design = dense_design(X, np.array([False, True]))
    # number: NaN -> median 3, then (x - 3) / std; a missing flag; categories 0, 1, 2 and missing -> 4 columns
    assert design.shape == (4, 1 + 1 + 4)
    assert design[:, 0] == pytest.approx(np.array([-2.0, 0.0, 0.0, 2.0]) / np.std([1.0, 3.0, 3.0, 5.0]))
    assert list(design[:, 1]) == [0, 0, 1, 0]
    assert design[:, 2:].sum(axis=1).tolist() == [1, 1, 1, 1]


# --- the noise floor (known answers) --------------------------------------------------------------

def test_noise_floor_counts_wrong_labels_among_each_class_s_surest_rows():
    # 100 rows per class; the model is surest of rows 0-19 (class 0) and 100-119 (class 1). Three of
    # class 0's anchors and one of class 1's carry the other label: floor = 0.5 * 3/20 + 0.5 * 1/20 = 0.1.
    n = 200
    p1 = np.r_[np.linspace(0.01, 0.4, 100), np.linspace(0.99, 0.6, 100)]
    probs = np.column_stack([1 - p1, p1])
    codes = np.r_[np.zeros(100, int), np.ones(100, int)]
    codes[[0, 5, 19]] = 1
    codes[[100]] = 0
    floor = noise_floor(probs, codes)
    assert floor.rate == pytest.approx(0.1)
    assert floor.anchors == 40
    expected_se = np.sqrt(0.25 * (0.15 * 0.85) / 20 + 0.25 * (1 / 20) / 20)   # p(1-p) floored at 1/anchors
    assert floor.standard_error == pytest.approx(expected_se)
    assert noise_floor(probs, codes, independent_rows=n // 4).standard_error == pytest.approx(2 * expected_se)


def test_noise_floor_is_zero_when_the_surest_rows_are_all_labelled_as_predicted():
    p1 = np.r_[np.full(50, 0.05), np.full(50, 0.95)]
    codes = np.r_[np.zeros(50, int), np.ones(50, int)]
    codes[[40, 45]] = 1        # disagreements, but not among the anchors (ties broken by row order)
    assert noise_floor(np.column_stack([1 - p1, p1]), codes).rate == 0.0


# --- the grade (known answers) --------------------------------------------------------------------

def readings(counted, disagreement, model_error, signal=True):
    return Readings(counted=counted, lowest=counted - 0.01, highest=counted + 0.01, disagreement=disagreement,
                    model_error=model_error, sampling=0.005, has_signal=signal)


def test_a_strong_model_with_an_agreeing_floor_reports_the_count_as_high():
    grade = grade_estimate(readings(0.20, 0.21, 0.01), NoiseFloor(0.21, 0.01, 400))
    assert grade.reliability == "high" and grade.estimate == 0.20 and not grade.overlap
    assert grade.interval == pytest.approx((0.185, 0.215))


def test_a_count_far_above_the_floor_is_overlap_and_the_floor_is_reported():
    grade = grade_estimate(readings(0.16, 0.20, 0.05), NoiseFloor(0.03, 0.01, 400))
    assert grade.overlap and grade.estimate == 0.03
    assert "class overlap" in grade.reason
    # unexplained = 0.20 - 0.03 = 0.17: [0.03 - 0.0196 - 0.17 -> 0, 0.03 + 0.0196 + 0.0425]
    assert grade.interval == pytest.approx((0.0, 0.03 + 1.96 * 0.01 + 0.17 / 4))
    assert grade.reliability == "low"


def test_a_weak_model_gets_the_floor_with_an_interval_widened_by_what_noise_does_not_explain():
    grade = grade_estimate(readings(0.25, 0.35, 0.12), NoiseFloor(0.22, 0.014, 800))
    assert grade.estimate == 0.22 and not grade.overlap and grade.reliability == "moderate"
    spread, unexplained = 1.96 * 0.014, 0.35 - 0.22
    assert grade.interval == pytest.approx((0.22 - spread - unexplained, 0.22 + spread + unexplained / 4))
    assert "the model is weak on this data" in grade.reason


def test_an_imprecise_floor_is_graded_low_and_says_so():
    grade = grade_estimate(readings(0.25, 0.30, 0.12), NoiseFloor(0.22, 0.05, 60))
    assert grade.reliability == "low" and "few rows" in grade.reason


def test_no_signal_is_the_only_abstention():
    grade = grade_estimate(readings(0.45, 0.5, 0.0, signal=False), NoiseFloor(0.45, 0.02, 200))
    assert grade.estimate is None and grade.reliability == "none"
    assert grade.interval == pytest.approx((0.0, 0.465))


# --- generated data: noise on separable classes vs clean overlap ------------------------------------

def separable(rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, size=rows)
    features = rng.normal(size=(rows, 4)) + np.where(truth == 1, 3.0, -3.0)[:, None]
    return pd.DataFrame(features, columns=list("abcd")), truth


def overlapping(rows: int, seed: int, kind: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Clean labels with Bayes error ~20%: two Gaussians 1.68 sd apart, or logistic outcomes."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, 4))
    if kind == "gaussians":
        truth = rng.integers(0, 2, size=rows)
        features[:, 0] += np.where(truth == 1, 0.84, -0.84)   # Phi(-0.84) = 0.20
    else:
        truth = (rng.random(rows) < 1 / (1 + np.exp(-(2.0 * features[:, 0] + features[:, 1])))).astype(int)
    return pd.DataFrame(features, columns=list("abcd")), truth


def test_twenty_percent_flips_on_separable_classes_are_found_within_three_points():
    features, truth = separable(2000, seed=11)
    rng = np.random.default_rng(12)
    given = np.where(rng.random(2000) < 0.2, 1 - truth, truth)
    result = estimate_label_noise(features, pd.Series(given), seed=0)
    assert abs(result.estimated_rate - np.mean(given != truth)) <= 0.03
    assert result.reliability == "high" and not result.overlap["detected"]
    assert result.overlap["noise_floor"] == pytest.approx(np.mean(given != truth), abs=0.05)


@pytest.mark.parametrize("kind", ["gaussians", "logistic"])
def test_clean_overlapping_classes_are_not_called_noisy_and_rank_no_robust_loss(kind):
    features, truth = overlapping(2000, seed=5, kind=kind)
    result = estimate_label_noise(features, pd.Series(truth), seed=0)
    assert result.oof_accuracy < 0.85                 # a fifth or so of the rows disagree...
    assert result.overlap["noise_floor"] < 0.05       # ...but hardly any of the rows the model is surest of
    assert result.overlap["counted"] > result.overlap["noise_floor"]   # confident learning reads more
    assert result.estimated_rate < 0.05 and not result.reliable
    profile = {"task": "binary", "classes": {"counts": {"0": int((truth == 0).sum()), "1": int(truth.sum())},
                                             "n_classes": 2, "imbalance_ratio": 1.1},
               "label_noise": result.to_dict()}
    rec = recommend(profile)
    assert rec.candidates[0].loss not in ROBUST
    assert not ROBUST & {c.loss for c in rec.candidates}
    assert not {"NOI-001", "NOI-002", "NOI-003", "NOI-004", "NOI-005", "NOI-007", "NOI-008"} & set(rec.fired)


def test_the_gaussian_overlap_is_named_as_overlap():
    features, truth = overlapping(2000, seed=5, kind="gaussians")
    result = estimate_label_noise(features, pd.Series(truth), seed=0)
    assert result.overlap["detected"] is True and "class overlap" in result.reliability_reason
    json.dumps(result.to_dict())                      # plain types only: the profile is written as JSON


def test_the_out_of_fold_fit_reports_its_learner_and_is_deterministic():
    features, truth = separable(600, seed=3)
    first = fit_out_of_fold(features, pd.Series(truth), seed=4)
    second = fit_out_of_fold(features, pd.Series(truth), seed=4)
    assert first.folds == 10 and set(first.log_loss) == {"boosting", "logistic", "knn", "ensemble"}
    assert first.learner == min(first.log_loss, key=first.log_loss.get)
    assert first.log_loss == second.log_loss and np.array_equal(first.probs, second.probs)
    legacy = fit_out_of_fold(features, pd.Series(truth), seed=4, folds=5, learners=("boosting",))
    assert legacy.folds == 5 and legacy.learner == "boosting" and set(legacy.log_loss) == {"boosting"}


# --- reporting and the signal test (known answers) ------------------------------------------------

def test_the_summary_line_reads_estimate_interval_grade_and_reason():
    from lossadvisor.profiling.noise import LabelNoise

    noise = LabelNoise(estimated_rate=0.25, ci=(0.15, 0.34), per_class={}, suspects=(), method="m", model="x",
                       oof_accuracy=0.7, rows_used=100, reliable=False, note="", reliability="low",
                       reliability_reason="the model is weak on this data")
    assert noise.summary == "about 25% (15%\u201334%), low reliability: the model is weak on this data"
    silent = LabelNoise(estimated_rate=None, ci=(0.0, 0.5), per_class={}, suspects=(), method="m", model="x",
                        oof_accuracy=0.5, rows_used=100, reliable=False, note="", reliability="none",
                        reliability_reason="the features carry no signal about the labels")
    assert silent.summary == "not estimated (at most 50%): the features carry no signal about the labels"


def test_groups_widen_the_signal_test_as_rows_that_share_a_label_count_once():
    from sklearn.metrics import roc_auc_score

    from lossadvisor.profiling.noise import has_signal

    codes = np.repeat([0, 1], 200)
    # positives uniform on [0.40, 0.62], negatives on [0.36, 0.58]: AUC = 1 - (1 - 0.04/0.22)^2 / 2 = 0.665
    p1 = np.r_[np.linspace(0.36, 0.58, 200), np.linspace(0.40, 0.62, 200)]
    probs = np.column_stack([1 - p1, p1])
    auc = roc_auc_score(codes == 1, p1)
    assert auc == pytest.approx(0.665, abs=0.005)   # null SE with 200 + 200 rows: 0.029, so 4 SE = 0.116 < auc - 0.5
    assert has_signal(probs, codes, 2)
    assert not has_signal(probs, codes, 2, independent_rows=100)   # SE doubles: 0.231 > auc - 0.5
