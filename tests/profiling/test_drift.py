"""Drift measurements between two profiles: known answers, and a shifted copy of a sample file."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp, norm

from lossadvisor.profiling.measure import profile_table
from lossadvisor.profiling.profile import Profile
from lossadvisor.profiling.value_sections import TargetStats
from lossadvisor.profiling.drift import (
    class_changes,
    compare_profiles,
    jensen_shannon_distance,
    ks_from_quantiles,
    ks_statistic,
    population_stability_index,
    schema_changes,
    target_shift,
)
from tests.conftest import SAMPLE_DATA

GRID = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


def _grid(values_at) -> dict[str, float]:
    return {f"p{round(q * 100):02d}": float(values_at(q)) for q in GRID}


def test_psi_known_answer_for_a_half_half_to_quarter_split():
    # (0.25-0.5) ln(0.25/0.5) + (0.75-0.5) ln(0.75/0.5)
    expected = 0.25 * math.log(2) + 0.25 * math.log(1.5)
    assert population_stability_index({"a": 0.5, "b": 0.5}, {"a": 0.25, "b": 0.75}) == pytest.approx(expected)


def test_psi_is_zero_for_identical_mix_and_finite_for_a_new_class():
    same = {"a": 0.3, "b": 0.7}
    assert population_stability_index(same, same) == pytest.approx(0.0, abs=1e-12)
    with_new = population_stability_index({"a": 0.5, "b": 0.5}, {"a": 0.4, "b": 0.4, "c": 0.2})
    assert math.isfinite(with_new) and with_new > 1.0  # 0.2 * ln(0.2 / 1e-4) alone is 1.52


def test_js_distance_known_answers_and_matches_scipy():
    assert jensen_shannon_distance({"a": 1.0}, {"b": 1.0}) == pytest.approx(1.0)
    assert jensen_shannon_distance({"a": 0.2, "b": 0.8}, {"a": 0.2, "b": 0.8}) == pytest.approx(0.0, abs=1e-7)
    # m = (0.75, 0.25); KL(p||m) = 0.5 log2(2/3) + 0.5 log2(2), KL(q||m) = log2(4/3)
    divergence = (0.5 * math.log2(2 / 3) + 0.5 + math.log2(4 / 3)) / 2
    assert jensen_shannon_distance({"a": 0.5, "b": 0.5}, {"a": 1.0, "b": 0.0}) == pytest.approx(math.sqrt(divergence))
    assert math.sqrt(divergence) == pytest.approx(0.55792, abs=1e-5)
    p, q = {"a": 0.1, "b": 0.6, "c": 0.3}, {"a": 0.3, "b": 0.3, "c": 0.4}
    assert jensen_shannon_distance(p, q) == pytest.approx(jensenshannon([0.1, 0.6, 0.3], [0.3, 0.3, 0.4], base=2))


def test_new_and_vanished_classes_ignore_zero_counts():
    new, gone = class_changes({"cat": 10, "dog": 5, "fox": 0}, {"cat": 8, "owl": 2, "fox": 0})
    assert new == ("owl",)
    assert gone == ("dog",)


def test_ks_statistic_known_answers_and_matches_scipy():
    assert ks_statistic([1, 2, 3], [4, 5, 6]) == 1.0
    assert ks_statistic([1, 2, 3, 4], [3, 4, 5, 6]) == 0.5
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=400), rng.normal(0.3, 1.2, size=350)
    assert ks_statistic(a, b) == pytest.approx(ks_2samp(a, b).statistic)


def test_ks_from_quantiles_is_zero_for_equal_grids_and_near_the_true_distance_for_a_shift():
    standard = _grid(norm.ppf)
    assert ks_from_quantiles(standard, standard) == 0.0
    shifted = _grid(lambda q: norm.ppf(q) + 0.5)
    true_distance = 2 * norm.cdf(0.25) - 1  # sup |Phi(x) - Phi(x - 0.5)| = 0.1974
    assert ks_from_quantiles(standard, shifted) == pytest.approx(true_distance, abs=0.02)


def test_ks_from_quantiles_handles_tied_quantiles_of_a_zero_inflated_target():
    zeros = {"p01": 0, "p05": 0, "p10": 0, "p25": 0, "p50": 0, "p75": 1, "p90": 2, "p95": 3, "p99": 5}
    assert ks_from_quantiles(zeros, zeros) == 0.0
    fewer_zeros = {"p01": 0, "p05": 0, "p10": 0, "p25": 1, "p50": 1, "p75": 2, "p90": 3, "p95": 4, "p99": 6}
    assert 0.2 < ks_from_quantiles(zeros, fewer_zeros) <= 1.0


def test_target_shift_prefers_samples_then_quantiles():
    base_json = {"median": 0.0, "quantiles": _grid(norm.ppf), "sample": [0.0, 1.0, 2.0]}
    base = TargetStats.from_dict(base_json)
    now = TargetStats.from_dict({"median": 5.0, "quantiles": _grid(lambda q: norm.ppf(q) + 5), "sample": [5.0, 6.0, 7.0]})
    assert target_shift(base, now).method == "sample"
    assert target_shift(base, now).ks_statistic == 1.0
    assert (target_shift(base, now).baseline_median, target_shift(base, now).current_median) == (0.0, 5.0)
    without_sample = target_shift(TargetStats.from_dict({**base_json, "sample": []}), now)
    assert without_sample.method == "quantiles" and without_sample.ks_statistic > 0.9
    assert target_shift(None, now) is None
    assert target_shift(TargetStats.from_dict({"median": 1.0}), TargetStats.from_dict({"median": 2.0})) is None


def test_schema_changes_lists_added_removed_and_retyped_columns():
    change = schema_changes({"a": "numeric", "b": "categorical", "c": "text"},
                            {"a": "categorical", "b": "categorical", "d": "numeric"})
    assert change.added == ("d",)
    assert change.removed == ("c",)
    assert change.retyped == (("a", "numeric", "categorical"),)


@pytest.fixture(scope="module")
def noisy_and_shifted():
    frame = pd.read_csv(SAMPLE_DATA / "noisy_multiclass.csv")
    rng = np.random.default_rng(0)
    # Keep every row of three classes and a quarter of the fourth, add a column, retype one.
    first = sorted(frame["label"].unique())[0]
    keep = (frame["label"] != first) | (rng.random(len(frame)) < 0.25)
    shifted = frame[keep].copy()
    shifted["x0"] = shifted["x0"].round(0).astype(int).astype(str).radd("bin")
    shifted["extra"] = 1.0
    base = profile_table(frame, target="label", noise=False).as_saved()
    now = profile_table(shifted, target="label", noise=False).as_saved()
    return base, now, frame, shifted, first


def test_compare_profiles_on_a_shifted_copy_of_a_sample_file(noisy_and_shifted):
    base, now, frame, shifted, first = noisy_and_shifted
    drift = compare_profiles(base, now)
    p = frame["label"].value_counts(normalize=True)
    q = shifted["label"].value_counts(normalize=True)
    expected_psi = float(sum((q[k] - p[k]) * math.log(q[k] / p[k]) for k in p.index))
    assert drift.psi == pytest.approx(expected_psi, rel=1e-3)
    assert drift.psi > 0.1
    assert drift.new_classes == () and drift.vanished_classes == ()
    assert drift.schema.added == ("extra",)
    assert drift.schema.retyped == (("x0", "numeric", "categorical"),)
    assert drift.noise_change is None and drift.target_shift is None


def test_compare_profiles_is_quiet_for_an_unchanged_copy(noisy_and_shifted):
    base = noisy_and_shifted[0]
    drift = compare_profiles(base, base)
    assert drift.psi == pytest.approx(0.0, abs=1e-12) and drift.js_distance == pytest.approx(0.0, abs=1e-7)
    assert drift.schema.added == drift.schema.removed == drift.schema.retyped == ()


def test_target_shift_on_a_shifted_regression_sample():
    frame = pd.read_csv(SAMPLE_DATA / "heavy_tail_regression.csv")
    moved = frame.assign(target=frame["target"] + frame["target"].std())
    base = profile_table(frame, target="target", noise=False).as_saved()
    same = profile_table(frame, target="target", noise=False).as_saved()
    now = profile_table(moved, target="target", noise=False).as_saved()
    assert compare_profiles(base, same).target_shift.ks_statistic == 0.0
    shift = compare_profiles(base, now).target_shift
    assert shift.method == "sample"
    assert shift.ks_statistic > 0.2
    assert shift.current_median > shift.baseline_median


def test_class_mix_is_read_from_the_counts_when_proportions_are_absent():
    base = Profile.from_dict({"classes": {"counts": {"a": 50, "b": 50}}})
    now = Profile.from_dict({"classes": {"counts": {"a": 25, "b": 75}}})
    expected = 0.25 * math.log(2) + 0.25 * math.log(1.5)
    assert compare_profiles(base, now).psi == pytest.approx(expected)
    assert compare_profiles(base, Profile.from_dict({"classes": None})).psi is None


def test_integer_labels_match_their_json_string_keys():
    in_memory = Profile.from_dict({"classes": {"counts": {0: 90, 1: 10}, "proportions": {0: 0.9, 1: 0.1}}})
    from_json = Profile.from_dict({"classes": {"counts": {"0": 90, "1": 10}, "proportions": {"0": 0.9, "1": 0.1}}})
    drift = compare_profiles(from_json, in_memory)
    assert drift.psi == pytest.approx(0.0, abs=1e-12)
    assert drift.new_classes == () and drift.vanished_classes == ()


def test_a_measured_profile_drifts_exactly_as_its_saved_json(noisy_and_shifted):
    # The checks compare profiles at the contract's precision: a profile measured now (as_saved) and the
    # same profile read back from its JSON give the same numbers, to the last bit.
    base, now, *_ = noisy_and_shifted
    measured = compare_profiles(base, now)
    saved = compare_profiles(Profile.from_dict(base.to_dict()), Profile.from_dict(now.to_dict()))
    assert measured == saved
    assert measured.psi == population_stability_index(base.to_dict()["classes"]["proportions"],
                                                      now.to_dict()["classes"]["proportions"])
    assert measured.tasks == ("multiclass", "multiclass")
