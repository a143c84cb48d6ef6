"""Regressions from a second, deeper pass over trial, check and recommend as a demanding user would
run them: one test per bug, small and fast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lossadvisor.cli import app


def test_trial_keeps_the_profiles_positive_class_when_integer_labels_have_gaps(tmp_path):
    # Bug: labels 2/5 with missing values load as floats; trial named them '2.0'/'5.0', missed the
    # profile's class order ('5', '2': the minority 2 is positive) and made the majority 5 positive.
    from lossadvisor.profiling import profile_table
    from lossadvisor.trials.prepare import DataFacts, prepare_data

    rng = np.random.default_rng(0)
    label = rng.choice([2.0, 5.0], size=300, p=[0.2, 0.8])
    label[:15] = np.nan
    path = tmp_path / "gaps.csv"
    pd.DataFrame({"a": rng.normal(size=300), "label": label}).to_csv(path, index=False)
    facts = DataFacts.from_profile(profile_table(path, noise=False))
    prepared = prepare_data(pd.read_csv(path), "label", facts, seed=0)
    assert facts.class_order == ("5", "2")
    assert prepared.classes == ("5", "2")
    assert prepared.y.sum() == (label == 2.0).sum()


def _write_candidates(path, task: str, class_order: list[str]):
    import json

    path.write_text(json.dumps({"schema_version": "1.0", "task": task, "class_order": class_order,
                                "candidates": [{"loss": "focal", "params": {"gamma": 1.0}}],
                                "baseline": {"loss": "cross_entropy", "params": {}}}))
    return path


@pytest.mark.parametrize("task, order, message", [
    ("multiclass", ["cat", "dog", "fox"], "was recommended for a multiclass target; this data's target is binary"),
    ("binary", ["a", "b"], "was recommended for classes a, b; this data's classes are 0, 1"),
    ("binary", "01", "'class_order' must be a list of class names"),
])
def test_trial_refuses_candidates_recommended_for_other_data(runner, binary_csv, tmp_path, task, order, message):
    # Bug: candidates from another dataset were trialled anyway; their class order silently fell back
    # to sorted labels, which made the majority class 'ok' positive (PR-AUC 0.99, ROC-AUC below 0.5).
    path = _write_candidates(tmp_path / "rec.json", task, order)
    result = runner.invoke(app, ["trial", str(binary_csv), "--candidates", str(path), "--seeds", "1", "--epochs", "1"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and lines[0].endswith(message)


def test_trial_accepts_candidates_made_for_this_data(runner, binary_csv, tmp_path):
    path = _write_candidates(tmp_path / "rec.json", "binary", ["0", "1"])
    result = runner.invoke(app, ["trial", str(binary_csv), "--candidates", str(path), "--seeds", "1", "--epochs", "1",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "focal(gamma=1)" in result.stdout


def test_bootstrap_with_undefined_replicates_prints_no_numpy_warning():
    # Bug: with one seed on a small test set, replicates without a positive row (PR-AUC undefined)
    # printed "RuntimeWarning: Mean of empty slice" on stderr; they are dropped, silently.
    import warnings

    from lossadvisor.trials.stats import paired_bootstrap

    candidate = np.array([[np.nan], [0.6], [0.8], [np.nan]])
    baseline = np.array([[np.nan], [0.5], [0.5], [0.4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = paired_bootstrap(candidate, baseline, [0.7], [0.5], higher_is_better=True)
    assert result.difference == pytest.approx(0.2)
    assert (result.ci_low, result.ci_high) == pytest.approx((0.1 + 0.2 * 0.025, 0.3 - 0.2 * 0.025))
    assert result.verdict == "better"


def test_check_config_refuses_an_option_given_in_both_spellings(runner, binary_csv, tmp_path):
    # Bug: `max_imbalance: 20` and `max-imbalance: 30` in one file silently kept the last (30).
    config = tmp_path / "gate.yaml"
    config.write_text("check:\n  max_imbalance: 20\n  max-imbalance: 30\n")
    result = runner.invoke(app, ["check", str(binary_csv), "--no-noise", "--config", str(config)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: invalid config in {config}: option 'max_imbalance' is given twice (as 'max_imbalance', 'max-imbalance')"]


@pytest.mark.parametrize("value, expected", [("true", "::error"), ("false", "FAIL"), ("0", "FAIL")])
def test_check_auto_format_follows_the_value_of_github_actions(runner, binary_csv, monkeypatch, value, expected):
    # Bug: GITHUB_ACTIONS=false still switched --format auto to GitHub annotations.
    monkeypatch.setenv("GITHUB_ACTIONS", value)
    result = runner.invoke(app, ["check", str(binary_csv), "--no-noise", "--no-config", "--max-imbalance", "5"])
    assert result.exit_code == 1, result.output
    assert expected in result.stdout


def test_emitted_snippet_for_multilabel_feeds_one_logit_per_label(runner, tmp_path):
    # Bug: the multilabel snippet demonstrated bce on torch.randn(8), one logit per row, not (8, labels).
    import subprocess
    import sys

    from tests.conftest import SAMPLE_DATA

    snippet = tmp_path / "loss.py"
    result = runner.invoke(app, ["recommend", str(SAMPLE_DATA / "multilabel.csv"), "--target", "labels", "--no-noise",
                                 "--emit", "python", str(snippet)])
    assert result.exit_code == 0, result.output
    text = snippet.read_text()
    assert "logits = torch.randn(8, 5)" in text and "target = torch.randint(0, 2, (8, 5)).float()" in text
    run = subprocess.run([sys.executable, str(snippet)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    loss, plain = (float(line.split(":")[1]) for line in run.stdout.splitlines())
    assert loss == pytest.approx(plain)


def test_trial_objective_without_a_test_metric_says_to_name_one(runner, binary_csv):
    # Bug: trial --help offers recommend's objectives, but --objective precision failed with
    # "unknown objective 'precision'; expected one of: pr_auc, ranking, ..." (another vocabulary).
    args = ["trial", str(binary_csv), "--losses", "focal", "--seeds", "1", "--epochs", "1", "--objective", "precision"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: trial has no test metric for the objective 'precision'; name the metric that decides with --metric "
        "(for a binary target: pr_auc, roc_auc, f1, recall, macro_f1, balanced_accuracy, accuracy)"]
    result = runner.invoke(app, args + ["--metric", "pr_auc", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"metric": "pr_auc"' in result.stdout


@pytest.mark.parametrize("flag", ["--output", "--plot"])
def test_trial_refuses_an_output_in_a_missing_folder_before_training(runner, binary_csv, tmp_path, monkeypatch, flag):
    # Bug: trial trained every candidate and only then failed to write into a missing folder.
    import lossadvisor.cli.trial_cmd as trial_cmd

    monkeypatch.setattr(trial_cmd, "_run", lambda *a, **k: pytest.fail("trained before checking the output path"))
    target = tmp_path / "missing" / "out.png"
    result = runner.invoke(app, ["trial", str(binary_csv), "--losses", "focal", flag, str(target)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: cannot write {target}: folder {target.parent} does not exist"]
