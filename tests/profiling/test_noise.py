"""Label-noise estimate: known answers on small synthetic tables (each under 3,000 rows)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from lossadvisor.profiling.noise import LabelNoise, count_label_noise, estimate_label_noise
from lossadvisor.profiling.noise_model import fit_out_of_fold
from lossadvisor.profiling.noise_features import prepare_features

NAMES = np.array(["ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen", "ibis", "jay"])


def blobs(rows: int, classes: int, separation: float, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Gaussian classes in 6 dimensions, centres ``separation`` standard deviations apart on average."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, 6)) * separation
    truth = rng.integers(0, classes, size=rows)
    features = centres[truth] + rng.normal(size=(rows, 6))
    return pd.DataFrame(features, columns=[f"x{i}" for i in range(6)]), truth


def flip(truth: np.ndarray, classes: int, rate: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    flipped = rng.random(len(truth)) < rate
    return np.where(flipped, (truth + rng.integers(1, classes, size=len(truth))) % classes, truth)


def test_clean_separable_data_reads_near_zero_and_reliable():
    features, truth = blobs(2000, 3, separation=6.0)
    result = estimate_label_noise(features, pd.Series(NAMES[truth]))
    assert result is not None
    assert result.estimated_rate < 0.01
    assert result.reliable
    assert result.ci[0] == 0.0 and result.ci[1] < 0.02
    assert result.oof_accuracy > 0.99
    assert result.rows_used == 2000


def test_twenty_percent_symmetric_flips_are_estimated_within_four_points():
    features, truth = blobs(3000, 3, separation=6.0)
    given = flip(truth, 3, 0.20)
    true_rate = float(np.mean(given != truth))
    result = estimate_label_noise(features, pd.Series(NAMES[given]))
    assert abs(result.estimated_rate - true_rate) <= 0.04
    assert result.ci[0] <= true_rate <= result.ci[1]
    assert result.reliable
    assert set(result.per_class) == {"ant", "bee", "cat"}
    assert all(0.12 <= rate <= 0.28 for rate in result.per_class.values())


def test_binary_flips_are_estimated_within_four_points():
    features, truth = blobs(2000, 2, separation=5.0, seed=3)
    given = flip(truth, 2, 0.10)
    result = estimate_label_noise(features, pd.Series(given))
    assert abs(result.estimated_rate - np.mean(given != truth)) <= 0.04


def test_a_planted_flipped_row_is_the_top_suspect_with_its_true_label():
    features, truth = blobs(1500, 3, separation=8.0, seed=2)
    labels = pd.Series(NAMES[truth], index=np.arange(1500) + 10_000)   # index labels are not positions
    planted = int(np.flatnonzero(truth == 0)[5])
    labels.iloc[planted] = "cat"
    result = estimate_label_noise(features, labels)
    top = result.suspects[0]
    assert (top.row, top.given, top.likely) == (planted, "cat", "ant")
    assert top.confidence > 0.9


def test_suspects_are_capped_and_most_suspicious_first():
    features, truth = blobs(2000, 3, separation=6.0)
    result = estimate_label_noise(features, pd.Series(NAMES[flip(truth, 3, 0.2)]), max_suspects=4)
    assert len(result.suspects) == 4
    assert all(s.given != s.likely for s in result.suspects)


def test_a_weak_model_on_clean_classes_is_graded_low_with_an_interval_down_to_zero():
    # Ten overlapping classes, no wrong labels: the model's own errors must not read as reliable noise;
    # the estimate is given, but graded low, and its interval widens down to (about) zero.
    features, truth = blobs(3000, 10, separation=0.9, seed=4)
    result = estimate_label_noise(features, pd.Series(NAMES[truth]))
    assert result.oof_accuracy < 0.8
    assert not result.reliable and result.reliability == "low"
    assert result.ci[0] <= 0.03
    assert result.estimated_rate is not None
    assert "the model is weak on this data" in result.reliability_reason
    assert result.summary.startswith(f"about {result.estimated_rate:.0%} (")


def test_classes_too_small_to_cross_validate_are_left_out_and_named():
    features, truth = blobs(600, 2, separation=6.0)
    labels = pd.Series(NAMES[truth])
    labels.iloc[[3, 7]] = "rare"
    result = estimate_label_noise(features, labels)
    assert result is not None
    assert "rare" not in result.per_class
    assert "'rare' (2 rows)" in result.note
    assert result.rows_used == 598


def test_no_estimate_with_fewer_than_two_classes_that_can_be_cross_validated():
    features, _ = blobs(100, 2, separation=1.0)
    labels = pd.Series(["a"] * 97 + ["b"] * 3)
    assert estimate_label_noise(features, labels) is None


def test_no_estimate_without_a_usable_feature():
    labels = pd.Series(["a", "b"] * 50)
    ids = pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(100)], "flat": 1.0})
    assert estimate_label_noise(ids, labels) is None


def test_rows_with_missing_labels_are_left_out():
    features, truth = blobs(800, 2, separation=6.0)
    labels = pd.Series(NAMES[truth], dtype=object)
    labels.iloc[:50] = None
    result = estimate_label_noise(features, labels)
    assert result.rows_used == 750
    assert all(s.row >= 50 for s in result.suspects)


def test_mixed_column_kinds_are_used_or_skipped_without_touching_the_callers_frame():
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 2, size=1000)
    frame = pd.DataFrame({
        "colour": np.where(truth == 1, "red", "blue"),        # categorical, carries the class
        "amount": np.where(rng.random(1000) < 0.05, np.inf, rng.normal(size=1000)),
        "seen": pd.date_range("2024-01-01", periods=1000, freq="D"),
        "row_id": [f"r{i}" for i in range(1000)],
        "comment": [f"free text number {i} here" for i in range(1000)],
    })
    frame.loc[::7, "amount"] = np.nan
    before = frame.copy(deep=True)
    result = estimate_label_noise(frame, pd.Series(truth))
    pd.testing.assert_frame_equal(frame, before)
    assert result.oof_accuracy > 0.99
    assert "'row_id' (id)" in result.note and "'comment' (text)" in result.note


def test_prepare_features_turns_inf_into_nan_and_dates_into_seconds():
    frame = pd.DataFrame({
        "v": [1.0, np.inf, -np.inf, 2.0],
        "when": pd.to_datetime(["1970-01-01", "1970-01-02", None, "1970-01-03"]),
    })
    X, categorical, skipped = prepare_features(frame)
    assert np.isnan(X[1:3, 0]).all() and X[3, 0] == 2.0
    assert X[1, 1] == 86_400.0 and np.isnan(X[2, 1])
    assert not categorical.any() and skipped == []


def test_sampling_caps_rows_and_keeps_class_proportions():
    features, truth = blobs(3000, 2, separation=6.0)
    labels = pd.Series(np.where(np.arange(3000) < 300, "minor", "major"))
    result = estimate_label_noise(features, labels, sample_cap=1000)
    assert result.rows_used == 1000
    fit = fit_out_of_fold(features, labels, sample_cap=1000)
    assert np.sum(np.array(fit.names)[fit.codes] == "minor") == 100
    assert np.all(np.diff(fit.positions) > 0)


def test_interval_contains_cleanlabs_own_count_on_the_same_probabilities():
    from cleanlab.count import num_label_issues

    features, truth = blobs(2000, 3, separation=3.0)
    fit = fit_out_of_fold(features, pd.Series(flip(truth, 3, 0.15)))
    result = count_label_noise(fit)
    plain = num_label_issues(fit.codes, fit.probs) / len(fit.codes)
    assert result.ci[0] <= plain <= result.ci[1]


def test_same_seed_gives_the_same_numbers():
    features, truth = blobs(1500, 3, separation=3.0)
    labels = pd.Series(NAMES[flip(truth, 3, 0.1)])
    first = estimate_label_noise(features, labels, seed=7, sample_cap=1000)
    second = estimate_label_noise(features, labels, seed=7, sample_cap=1000)
    assert first.to_dict() == second.to_dict()


def test_to_dict_has_exactly_the_contract_keys_and_is_json():
    features, truth = blobs(600, 2, separation=6.0)
    result = estimate_label_noise(features, pd.Series(flip(truth, 2, 0.1)), progress=True)
    data = json.loads(json.dumps(result.to_dict()))
    assert list(data) == ["estimated_rate", "ci", "per_class", "suspects", "method", "model",
                          "oof_accuracy", "rows_used", "reliable", "note",        # the contract before issue 16
                          "reliability", "reliability_reason", "summary", "ci_high", "overlap", "learner",
                          "learner_log_loss", "folds"]
    assert data["ci_high"] == data["ci"][1]
    assert set(data["overlap"]) == {"detected", "counted", "noise_floor", "noise_floor_se", "anchor_rows"}
    assert data["learner"] in data["learner_log_loss"] and data["folds"] == 10
    assert isinstance(data["ci"], list) and len(data["ci"]) == 2
    assert set(data["suspects"][0]) == {"row", "given", "likely", "confidence"}
    assert data["method"].startswith("confident_learning (cleanlab 2.")
    assert data["model"].endswith("10-fold out-of-fold, chosen by out-of-fold log loss among 3")


def test_mismatched_lengths_are_a_programming_error():
    features, truth = blobs(100, 2, separation=6.0)
    with pytest.raises(ValueError, match="100 rows"):
        estimate_label_noise(features, pd.Series(truth[:50]))


def test_label_noise_is_a_frozen_fact():
    features, truth = blobs(600, 2, separation=6.0)
    result = estimate_label_noise(features, pd.Series(truth))
    assert isinstance(result, LabelNoise)
    with pytest.raises(AttributeError):
        result.estimated_rate = 0.5


def test_no_estimate_past_the_class_limit():
    features, _ = blobs(31 * 6, 2, separation=1.0)
    labels = pd.Series(np.repeat([f"c{i}" for i in range(31)], 6))
    assert estimate_label_noise(features, labels) is None


def test_labels_with_no_signal_in_the_features_are_not_read_as_noise():
    rng = np.random.default_rng(5)
    features = pd.DataFrame(rng.normal(size=(3000, 5)), columns=list("abcde"))
    for k in (2, 3):
        labels = pd.Series(rng.integers(0, k, size=3000))
        noise = estimate_label_noise(features, labels, seed=0)
        assert noise.estimated_rate is None and not noise.reliable
        assert "no better than chance" in noise.note


def test_grouped_rows_are_judged_by_models_that_never_saw_their_group():
    # 150 groups of 6 near-identical rows; each group's label is random: across groups there is no signal,
    # but a model that has seen a row's siblings "predicts" its label perfectly.
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(150, 4))
    group = np.repeat(np.arange(150), 6)
    features = pd.DataFrame(centres[group] + rng.normal(scale=0.01, size=(900, 4)), columns=list("abcd"))
    labels = pd.Series(rng.integers(0, 2, size=150)[group])
    leaky = estimate_label_noise(features, labels, seed=0)
    grouped = estimate_label_noise(features, labels, seed=0, groups=pd.Series(group))
    assert leaky.oof_accuracy > 0.9                       # siblings leak the label across folds
    assert grouped.estimated_rate is None and not grouped.reliable
    assert grouped.oof_accuracy < 0.7


def test_duplicated_rows_do_not_vouch_for_each_other():
    from lossadvisor.profiling.measure import profile_table

    rng = np.random.default_rng(4)
    base = pd.DataFrame(rng.normal(size=(150, 4)), columns=list("abcd"))
    base["label"] = rng.integers(0, 2, size=150)          # random labels: no signal
    frame = pd.concat([base] * 6, ignore_index=True)       # every row six times
    noise = profile_table(frame, seed=0).to_dict()["label_noise"]
    assert noise["oof_accuracy"] < 0.7                    # a twin in the training folds would give ~1.0
    assert not noise["reliable"] and noise["reliability"] in ("low", "none")
