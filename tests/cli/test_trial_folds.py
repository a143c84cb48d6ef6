"""`lossadvisor trial --folds`: the cross-fitted report, the default by size, and one test per error path."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.cli_helpers import run_cli as _run, one_error_line as _error

FAST = ["--seeds", "1", "--epochs", "1", "--bootstrap", "100", "--device", "cpu", "--losses", "bce,focal"]


@pytest.fixture(scope="module")
def binary_csv(tmp_path_factory):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    frame = pd.DataFrame(x, columns=["a", "b"])
    frame["y"] = (x[:, 0] + 0.3 * rng.normal(size=200) > 0.5).astype(int)
    path = tmp_path_factory.mktemp("folds") / "binary.csv"
    frame.to_csv(path, index=False)
    return path


def test_small_data_is_cross_fitted_by_default_and_the_json_says_so(binary_csv):
    result = _run("trial", binary_csv, "--target", "y", *FAST, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["folds"] == {"k": 5, "scheme": "stratified", "tested_rows": 200, "rows": 200}
    assert report["rows"]["tested"] == 200
    assert report["notes"][0].startswith("cross-fitted: 5 stratified folds per seed")


def test_folds_1_is_the_single_split(binary_csv):
    result = _run("trial", binary_csv, "--target", "y", *FAST, "--folds", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert "folds" not in report and report["rows"] == {"train": 120, "validation": 40, "test": 40}


def test_text_and_markdown_headlines_name_the_folds(binary_csv):
    text = _run("trial", binary_csv, "--target", "y", *FAST, "--folds", "3")
    assert text.exit_code == 0, text.output
    assert "3 stratified folds, 200/200 rows tested per seed" in " ".join(text.stdout.split())  # may wrap
    markdown = _run("trial", binary_csv, "--target", "y", *FAST, "--folds", "3", "--format", "markdown")
    assert "3 stratified folds, 200/200 rows tested per seed" in markdown.stdout


@pytest.mark.parametrize("folds, words", [
    ("0", "--folds must be at least 1"),
    ("-3", "--folds must be at least 1"),
    ("2", "--folds must be 1 (single split) or at least 3"),
    ("500", "--folds 500 is more than the 200 rows"),
    ("150", "--folds 150 needs at least 150 rows of every class"),
])
def test_bad_fold_counts_exit_2(binary_csv, folds, words):
    assert words in _error(_run("trial", binary_csv, "--target", "y", *FAST, "--folds", folds))


def test_more_folds_than_groups_exit_2():
    line = _error(_run("trial", "sample_data/groups_binary.csv", "--target", "label", "--group-column", "region",
                       *FAST, "--folds", "4"))
    assert "--folds 4 needs at least 4 groups; the group column has 3" in line


def test_more_folds_than_time_rows_exit_2(tmp_path):
    frame = pd.DataFrame({"t": range(40), "a": np.arange(40) % 7, "y": np.arange(40) * 0.5})
    frame.to_csv(tmp_path / "t.csv", index=False)
    line = _error(_run("trial", tmp_path / "t.csv", "--target", "y", "--time-column", "t", "--seeds", "1",
                       "--epochs", "1", "--device", "cpu", "--losses", "mse,huber", "--folds", "19"))
    assert "--folds 19 needs at least 42 time-ordered rows; the data has 40" in line


def test_multilabel_with_folds_exit_2_naming_what_supports_them():
    line = _error(_run("trial", "sample_data/multilabel.csv", "--target", "labels", *FAST[:-2], "--folds", "3"))
    assert "multilabel trials use a single split; cross-fitting supports binary, multiclass, regression" in line


def test_sensitive_with_folds_exit_2(binary_csv):
    line = _error(_run("trial", binary_csv, "--target", "y", *FAST, "--sensitive", "a", "--folds", "3"))
    assert "--folds above 1 does not combine with --sensitive" in line
