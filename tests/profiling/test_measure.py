"""Known-answer tests for each profile measurement."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lossadvisor.profiling.balance import (class_balance, multilabel_balance,
                                           multilabel_indicators, normalized_entropy)
from lossadvisor.profiling.feature_outliers import feature_outliers
from lossadvisor.profiling.overview import column_kind, profile_overview
from lossadvisor.profiling.structure import lag1_autocorrelation, profile_structure
from lossadvisor.profiling.target import (hill_tail_index, robust_outlier_fraction, target_stats,
                                          variance_mean_slope)
from lossadvisor.profiling.task import infer_task


def test_class_balance_counts_ratio_and_rare_classes():
    labels = pd.Series(["a"] * 990 + ["b"] * 5 + ["c"] * 5)
    balance = class_balance(labels)
    assert balance.counts == {"a": 990, "b": 5, "c": 5}
    assert balance.imbalance_ratio == 198.0
    assert balance.below_1pct == ("b", "c")
    assert balance.below_10_rows == ("b", "c")
    assert balance.majority == "a"


def test_class_order_is_numeric_for_numeric_labels():
    balance = class_balance(pd.Series([10, 2, 2, 1, 10, 10]))
    assert list(balance.counts) == ["1", "2", "10"]


def test_normalized_entropy_is_one_when_balanced_and_known_otherwise():
    assert normalized_entropy([50, 50, 50]) == pytest.approx(1.0)
    p = np.array([0.9, 0.1])
    assert normalized_entropy([90, 10]) == pytest.approx(-(p * np.log(p)).sum() / math.log(2))


def test_multilabel_from_delimited_column():
    frame = pd.DataFrame({"labels": ["a|b", "a", "b|c", "a|c"]})
    indicators = multilabel_indicators(frame, ("labels",), "|")
    balance = multilabel_balance(indicators)
    assert balance.counts == {"a": 3, "b": 2, "c": 2}
    assert balance.label_cardinality == pytest.approx(7 / 4)
    assert balance.proportions == {"a": 0.75, "b": 0.5, "c": 0.5}  # share of rows carrying each label


@pytest.mark.parametrize("values,expected", [
    (pd.Series([0, 1, 0, 1]), "binary"),
    (pd.Series(["x", "y", "z", "x"]), "multiclass"),
    (pd.Series([0, 1, 2, 0, 1, 2]), "multiclass"),
    (pd.Series([0.5, 1.7, 2.2, 9.1]), "regression"),
    (pd.Series(list(range(30)) * 2), "count"),
    (pd.Series(["a|b", "a", "b", "c"]), "multilabel"),
])
def test_task_inference(values, expected):
    frame = pd.DataFrame({"t": values})
    assert infer_task(frame, ("t",)).task == expected


def test_task_inference_reads_count_names_and_several_columns():
    frame = pd.DataFrame({"n_visits": [0, 1, 2, 0, 1], "a": [0, 1, 1, 0, 1], "b": [1, 0, 1, 0, 0], "r": [0.1, 2, 3, 4, 5]})
    assert infer_task(frame, ("n_visits",)).task == "count"
    assert infer_task(frame, ("a", "b")).task == "multilabel"
    assert infer_task(frame, ("a", "r")).task == "multitarget"
    assert infer_task(None, (), has_masks=True).task == "segmentation"
    assert infer_task(frame, ("a",), override="regression").evidence == ("given with --task regression",)


def test_robust_outliers_known_answer():
    values = np.r_[np.zeros(50), np.ones(45), np.full(5, 100.0)]
    # median 0.5, MAD 0.5, scale 0.7413: only the five 100s are beyond 3.5
    assert robust_outlier_fraction(values) == pytest.approx(0.05)


def test_normal_target_is_not_heavy_tailed_but_student_t2_is():
    rng = np.random.default_rng(0)
    normal = target_stats(pd.Series(rng.normal(size=20_000)))
    heavy = target_stats(pd.Series(rng.standard_t(2, size=20_000)))
    assert abs(normal.kurtosis) < 0.2 and not normal.heavy_tailed
    assert normal.mad == pytest.approx(0.6745, abs=0.02)
    assert heavy.heavy_tailed and heavy.tail_index < 3
    assert hill_tail_index(rng.pareto(1.5, 40_000)) == pytest.approx(1.5, abs=0.3)


def test_count_target_dispersion_zeros_and_tweedie_slope():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 3, 20_000)
    y = rng.poisson(np.exp(x))
    frame = pd.DataFrame({"x": x})
    stats = target_stats(pd.Series(y), frame, task="count")
    assert stats.is_count and stats.non_negative and stats.is_integer
    assert stats.zero_fraction == pytest.approx(np.mean(y == 0))
    assert stats.dispersion == pytest.approx(y.var(ddof=1) / y.mean())
    assert stats.variance_mean_slope == pytest.approx(1.0, abs=0.1)  # Poisson: variance = mean
    gamma_like = np.exp(x) * rng.gamma(4, 0.25, 20_000)
    assert variance_mean_slope(gamma_like, x) == pytest.approx(2.0, abs=0.15)  # Gamma: variance ∝ mean²


def test_target_stats_counts_missing_and_infinite_values():
    stats = target_stats(pd.Series([1.0, 2.0, np.nan, np.inf, 3.0]))
    assert (stats.missing, stats.nonfinite, stats.mean) == (1, 1, 2.0)


def test_overview_kinds_missing_duplicates_constants():
    frame = pd.DataFrame({
        "num": [1.5, 2.5, np.nan, 1.5],
        "cat": ["a", "b", "a", "a"],
        "const": [7, 7, 7, 7],
        "when": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-01"],
        "note": ["a long free text here", "another long text", "more of the words", "a long free text here"],
    })
    overview = profile_overview(frame)
    assert overview.column_kinds == {"num": "numeric", "cat": "categorical", "const": "numeric",
                                     "when": "datetime", "note": "text"}
    assert overview.missing_fraction["num"] == 0.25
    assert overview.constant_columns == ("const",)
    assert overview.duplicate_rows == 1  # rows 0 and 3 are equal


def test_id_list_and_path_columns():
    assert column_kind(pd.Series(range(100), name="user_id")) == "id"
    assert column_kind(pd.Series(["[1, 2]", "[3]", "[4, 5, 6]"], name="tokens")) == "list"
    assert column_kind(pd.Series(["img/a.png", "img/b.png"], name="image")) == "path"


def test_structure_time_series_and_groups():
    n = 200
    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=n, freq="D").astype(str),
                          "y": np.sin(np.arange(n) / 5.0)})
    kinds = profile_overview(frame).column_kinds
    structure = profile_structure(frame, kinds, ("y",))
    assert structure.type == "timeseries" and structure.monotonic and structure.regular_spacing
    assert structure.lag1_autocorrelation == pytest.approx(np.cos(0.2), abs=0.01)
    grouped = pd.DataFrame({"patient_id": np.repeat(np.arange(20), 5), "y": np.arange(100.0)})
    structure = profile_structure(grouped, profile_overview(grouped).column_kinds, ("y",))
    assert (structure.type, structure.group_column, structure.n_groups) == ("grouped", "patient_id", 20)


def test_lag1_autocorrelation_of_alternating_series_is_minus_one():
    assert lag1_autocorrelation(np.array([1.0, -1.0] * 20)) == pytest.approx(-1.0)


def test_feature_outliers_flag_planted_rows():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=1000), "b": rng.normal(size=1000)})
    frame.loc[:19, "a"] = 50.0
    outliers = feature_outliers(frame, {"a": "numeric", "b": "numeric"})
    assert 0.02 <= outliers.fraction <= 0.03
    assert next(iter(outliers.worst_columns)) == "a"


def test_binary_positive_class_goes_last_in_class_order():
    assert list(class_balance(pd.Series(["ok"] * 9 + ["fraud"])).counts) == ["ok", "fraud"]  # minority
    assert class_balance(pd.Series(["no"] * 2 + ["yes"] * 8)).positive == "yes"               # reads as positive
    assert class_balance(pd.Series([1] * 9 + [0])).positive == "1"
    assert class_balance(pd.Series(["ok"] * 9 + ["fraud"]), positive="ok").positive == "ok"   # asked for
    assert class_balance(pd.Series(["a", "b", "c"])).positive is None


def test_unknown_positive_class_is_a_load_error():
    from lossadvisor.errors import LoadError

    with pytest.raises(LoadError, match="labels are: fraud, ok"):
        class_balance(pd.Series(["ok", "fraud"]), positive="spam")


def test_hill_index_is_not_reported_for_tied_small_integers():
    rng = np.random.default_rng(0)
    assert hill_tail_index(rng.poisson(2, 5000).astype(float)) is None


def test_a_numeric_target_with_a_few_strings_stays_numeric():
    values = [str(v) for v in np.random.default_rng(0).normal(size=200).round(3)] + ["oops", "n/a"]
    inference = infer_task(pd.DataFrame({"t": values}), ("t",))
    assert inference.task == "regression" and "2 target values are not numbers" in inference.evidence[-1]


def test_many_rare_classes_give_one_summary_finding():
    from lossadvisor.profiling.findings import balance_findings

    labels = pd.Series(["big"] * 2000 + [f"c{i}" for i in range(12)])
    rare = [f for f in balance_findings(class_balance(labels)) if f.code == "RARE_CLASS"]
    assert len(rare) == 1 and rare[0].message.startswith("12 classes are each below 1% of rows")


def test_nonfinite_target_values_are_a_warning():
    from lossadvisor.profiling.measure import profile_table

    frame = pd.DataFrame({"x": np.arange(100.0), "y": np.r_[np.arange(97.0) * 1.5, np.inf, -np.inf, np.nan]})
    profile = profile_table(frame, target="y", noise=False).to_dict()
    assert profile["target_nonfinite"] == {"y": {"nan": 1, "posinf": 1, "neginf": 1}}
    messages = [w["message"] for w in profile["warnings"] if w["code"] == "TARGET_NONFINITE"]
    assert messages == ["target 'y' has 1 missing, 1 +inf, 1 -inf value(s); drop or fix those rows before training"]


def test_mask_statistics_known_answer(tmp_path):
    from lossadvisor.profiling.masks import mask_stats

    first = np.zeros((4, 4), dtype=np.int64)
    first[0, 0:2] = 1          # one object of 2 pixels, class 1
    first[3, 3] = 2            # one object of 1 pixel, class 2
    first[2, 0] = 255          # ignored (void)
    np.save(tmp_path / "a.npy", first)
    np.save(tmp_path / "b.npy", np.zeros((4, 4), dtype=np.int64))   # empty
    stats = mask_stats((tmp_path / "a.npy", tmp_path / "b.npy"))
    # Per-image foreground shares are 3/15 and 0: their quantiles and mean are the section's summaries.
    assert stats.foreground_fraction_quantiles == {"min": 0.0, "p10": pytest.approx(0.02), "median": pytest.approx(0.1),
                                                   "p90": pytest.approx(0.18), "max": 3 / 15}
    assert stats.empty_fraction == 0.5 and stats.foreground_fraction == pytest.approx(0.1)
    assert stats.class_pixel_fraction == {"0": 28 / 31, "1": 2 / 31, "2": 1 / 31}
    assert stats.object_sizes == {"count": 2, "min": 1, "median": 1.5, "max": 2} and stats.shape == (4, 4)


def test_sequence_structure_means_sequence_labels_not_list_features():
    frame = pd.DataFrame({"tokens": ["[1, 2]", "[3]", "[4, 5, 6]", "[7]"], "label": ["a", "b", "a", "b"]})
    kinds = profile_overview(frame).column_kinds
    as_feature = profile_structure(frame, kinds, ("label",))
    assert as_feature.type == "tabular" and as_feature.sequence_columns == ("tokens",)
    as_target = profile_structure(frame, kinds, ("tokens",))
    assert as_target.type == "sequence"
