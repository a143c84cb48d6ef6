"""`lossadvisor trial` on the command line: outputs, and one test per error path."""

from __future__ import annotations

import json
from pathlib import Path
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from lossadvisor.cli.main import app
from tests.cli_helpers import run_cli as _run, one_error_line as _error

FAST = ["--seeds", "2", "--epochs", "2", "--bootstrap", "100", "--device", "cpu", "--folds", "1"]  # cross-fitting: test_trial_folds.py


@pytest.fixture(scope="module")
def binary_csv(tmp_path_factory):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    frame["y"] = (x[:, 0] + 0.3 * rng.normal(size=300) > 0.7).astype(int)
    path = tmp_path_factory.mktemp("trial") / "binary.csv"
    frame.to_csv(path, index=False)
    return path


def test_json_report_is_versioned_with_baseline_first(binary_csv):
    result = _run("trial", binary_csv, "--target", "y", "--losses", "focal,gce", "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema_version"] == "1.0" and data["metric"] == "pr_auc"
    assert [c["loss"] for c in data["candidates"]] == ["cross_entropy", "focal", "gce"]
    assert data["candidates"][2]["label"] == "gce(q=0.7)"  # configured by the rule base, as recommend would
    assert data["candidates"][0]["baseline"] and data["candidates"][0]["vs_baseline"] is None
    verdict = data["candidates"][1]["vs_baseline"]["verdict"]
    assert verdict in ("better", "worse", "no significant difference")
    assert len(data["candidates"][1]["per_seed"]) == 2


def test_markdown_and_text_reports(binary_csv, tmp_path):
    md = _run("trial", binary_csv, "--target", "y", "--losses", "focal", "--format", "markdown", *FAST)
    assert md.exit_code == 0 and "| `focal(gamma=" in md.stdout and "vs baseline" in md.stdout
    out = tmp_path / "report.txt"
    text = _run("trial", binary_csv, "--target", "y", "--losses", "focal", "-o", out, *FAST)
    assert text.exit_code == 0 and "pr_auc" in out.read_text()


def test_candidates_file_from_recommend(binary_csv, tmp_path):
    rec = {"candidates": [{"loss": "focal", "params": {"gamma": 1.0}}],
           "baseline": {"loss": "cross_entropy", "params": {}}, "class_order": ["0", "1"]}
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(rec))
    result = _run("trial", binary_csv, "--target", "y", "--candidates", path, "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    assert [c["label"] for c in json.loads(result.stdout)["candidates"]] == ["cross_entropy", "focal(gamma=1)"]


def test_candidates_read_from_standard_input(binary_csv):
    rec = {"task": "binary", "candidates": [{"loss": "focal", "params": {"gamma": 1.0}}],
           "baseline": {"loss": "cross_entropy", "params": {}}, "class_order": ["0", "1"]}
    args = ["trial", str(binary_csv), "--target", "y", "--candidates", "-", "--format", "json", *map(str, FAST)]
    result = CliRunner().invoke(app, args, input=json.dumps(rec))
    assert result.exit_code == 0, result.output
    assert [c["label"] for c in json.loads(result.stdout)["candidates"]] == ["cross_entropy", "focal(gamma=1)"]


def test_default_candidates_come_from_recommend(binary_csv):
    result = _run("trial", binary_csv, "--target", "y", "--no-noise", "--top", "1", "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # With the fitted scores (docs/score-fit.md) recommend's top is plain bce itself, so the two standard
    # challengers are trialled beside it (trials/plan.py).
    assert data["candidates"][0]["baseline"] and 1 <= len(data["candidates"]) <= 3


def test_sweep_on_the_command_line(binary_csv):
    result = _run("trial", binary_csv, "--target", "y", "--sweep", "focal.gamma=0,2", "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    sweep = json.loads(result.stdout)["sweep"]
    assert sweep["param"] == "gamma" and sweep["values"] == [0.0, 2.0]


def test_plot_writes_a_png(binary_csv, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "curves.png"
    result = _run("trial", binary_csv, "--target", "y", "--losses", "focal", "--plot", png, *FAST)
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args, message", [
    (["--losses", "focla"], "focla"),
    (["--losses", "mse"], "does not apply to a binary"),
    (["--sweep", "focal.gamma"], "bad --sweep"),
    (["--sweep", "focal=1,2"], "bad --sweep"),
    (["--sweep", "focal.gama=1,2"], "no parameter 'gama'"),
    (["--losses", "focal", "--sweep", "focal.gamma=1"], "not --losses and --sweep"),
    (["--candidates", "missing.json"], "not found"),
    (["--losses", "focal", "--metric", "rmse"], "does not apply to a binary"),
    (["--losses", "focal", "--metric", "nope"], "unknown metric"),
    (["--losses", "focal", "--objective", "nonsense"], "unknown objective"),
    (["--losses", ","], "--losses is empty; name losses from"),
])
def test_error_paths(binary_csv, args, message):
    assert message in _error(_run("trial", binary_csv, "--target", "y", *args, *FAST))


def test_malformed_candidates_file(binary_csv, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"candidates": [{"params": {}}]}')
    assert "candidates[0].loss is missing" in _error(_run("trial", binary_csv, "--target", "y", "--candidates", bad, *FAST))
    bad.write_text("{not json")
    assert "is not valid JSON (line 1)" in _error(_run("trial", binary_csv, "--target", "y", "--candidates", bad, *FAST))


def test_cuda_requested_without_cuda(binary_csv):
    if torch.cuda.is_available():
        pytest.skip("CUDA is present here")
    args = ["trial", binary_csv, "--target", "y", "--losses", "focal", "--seeds", "1", "--device", "cuda"]
    assert "CUDA is not available" in _error(_run(*args))


def test_missing_file_and_missing_target(binary_csv, tmp_path):
    assert "not found" in _error(_run("trial", tmp_path / "nope.csv", "--target", "y", *FAST))
    assert "not found" in _error(_run("trial", binary_csv, "--target", "zz", "--losses", "focal", *FAST))


def test_plot_without_matplotlib_is_a_clear_error(binary_csv, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    line = _error(_run("trial", binary_csv, "--target", "y", "--losses", "focal", "--plot", tmp_path / "p.png", *FAST))
    assert "matplotlib" in line


def test_too_few_rows(tmp_path):
    path = tmp_path / "tiny.csv"
    pd.DataFrame({"a": range(12), "y": [0, 1] * 6}).to_csv(path, index=False)
    assert "at least 30 rows" in _error(_run("trial", path, "--target", "y", "--losses", "focal", *FAST))


def test_nothing_but_the_baseline_is_refused_and_markup_is_printed_as_is(tmp_path):
    from lossadvisor.cli.main import app

    runner = CliRunner()
    result = runner.invoke(app, ["trial", "sample_data/clean_balanced.csv", "--losses", "cross_entropy",
                                 "--seeds", "1", "--epochs", "1"])
    assert result.exit_code == 2 and "nothing to compare" in result.stderr
    rng = np.random.default_rng(0)
    path = tmp_path / "odd.csv"
    pd.DataFrame({"x": rng.normal(size=300), "label": rng.choice(["a[/x]", "[bold]b"], 300)}).to_csv(path, index=False)
    result = runner.invoke(app, ["trial", str(path), "--losses", "focal", "--seeds", "2", "--epochs", "2"])
    assert result.exit_code == 0, result.output
    assert "only 2 seed(s)" in result.stdout and "★ marks the best mean, not a significance claim" in result.stdout


def test_when_recommend_keeps_the_baseline_standard_alternatives_are_trialled():
    from lossadvisor.cli.main import app

    result = CliRunner().invoke(app, ["trial", "sample_data/clean_balanced.csv", "--seeds", "2", "--epochs", "2",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [c["label"] for c in report["candidates"]] == ["cross_entropy", "label_smoothing(smoothing=0.1)",
                                                         "focal(gamma=1)"]
    assert any("recommend kept the plain baseline" in note for note in report["notes"])


def test_the_report_names_the_positive_class():
    from lossadvisor.cli.main import app

    result = CliRunner().invoke(app, ["trial", "sample_data/imbalanced_binary.csv", "--losses", "focal", "--seeds", "1",
                                      "--epochs", "1", "--no-noise", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["positive_class"] == "fraud" and report["class_order"] == ["ok", "fraud"]


def test_trial_keeps_the_profiles_positive_class_when_integer_labels_have_gaps(tmp_path):
    # Bug: labels 2/5 with missing values load as floats; trial named them '2.0'/'5.0', missed the
    # profile's class order ('5', '2': the minority 2 is positive) and made the majority 5 positive.
    from lossadvisor.profiling.measure import profile_table
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


@pytest.mark.parametrize("task, order, message", [
    ("multiclass", ["cat", "dog", "fox"], "was recommended for a multiclass target; this data's target is binary"),
    ("binary", ["a", "b"], "was recommended for classes a, b; this data's classes are 0, 1"),
    ("binary", "01", 'class_order must be a list, got "01"'),
])
def test_trial_refuses_candidates_recommended_for_other_data(runner, binary_csv, tmp_path, task, order, message):
    # Bug: candidates from another dataset were trialled anyway; their class order silently fell back
    # to sorted labels, which made the majority class 'ok' positive (PR-AUC 0.99, ROC-AUC below 0.5).
    path = _write_candidates(tmp_path / "rec.json", task, order)
    result = runner.invoke(app, ["trial", str(binary_csv), "--candidates", str(path), "--seeds", "1", "--epochs", "1"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and lines[0].endswith(message)


def _write_candidates(path, task: str, class_order: list[str]):
    import json

    path.write_text(json.dumps({"schema_version": "1.0", "task": task, "class_order": class_order,
                                "candidates": [{"loss": "focal", "params": {"gamma": 1.0}}],
                                "baseline": {"loss": "cross_entropy", "params": {}}}))
    return path


def test_trial_accepts_candidates_made_for_this_data(runner, binary_csv, tmp_path):
    path = _write_candidates(tmp_path / "rec.json", "binary", ["0", "1"])
    result = runner.invoke(app, ["trial", str(binary_csv), "--candidates", str(path), "--seeds", "1", "--epochs", "1",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "focal(gamma=1)" in result.stdout


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
    import lossadvisor.trials.plan as plan

    monkeypatch.setattr(plan, "run_plan", lambda *a, **k: pytest.fail("trained before checking the output path"))
    target = tmp_path / "missing" / "out.png"
    result = runner.invoke(app, ["trial", str(binary_csv), "--losses", "focal", flag, str(target)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: cannot write {target}: folder {target.parent} does not exist"]


def test_losses_named_without_parameters_are_configured_as_recommend_would(runner):
    # Bug (issue 9): trial filled weighted_cross_entropy with full inverse frequencies n/(C·n_c) while
    # recommend configured it with square-root weights capped at 10; the same name meant two losses.
    from lossadvisor.advice.ruleset import load_rules
    from lossadvisor.class_weights import inverse_frequency_weights

    data = "sample_data/imbalanced_binary.csv"
    rec = json.loads(runner.invoke(app, ["recommend", "--profile", "tests/golden/outputs/profile_imbalanced_binary.json",
                                         "--top", "20", "--format", "json"]).stdout)
    recommended: dict = {}
    for candidate in rec["candidates"]:                                       # the best-ranked one per loss
        recommended.setdefault(candidate["loss"], candidate["params"])
    result = runner.invoke(app, ["trial", data, "--losses", "weighted_bce,weighted_cross_entropy", "--seeds", "1",
                                 "--epochs", "1", "--bootstrap", "100", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    trialled = {c["loss"]: c["params"] for c in report["candidates"]}
    assert trialled["weighted_bce"] == recommended["weighted_bce"]          # a rule that fires here: its values
    rule = load_rules().get("IMB-003")                                        # the multiclass weighting rule
    options = dict(next(p for p in rule.params if p.name == "weight").options)
    profile = json.loads(Path("tests/golden/outputs/profile_imbalanced_binary.json").read_text(encoding="utf-8"))
    counts = list(profile["classes"]["counts"].values())                      # ok 4902, fraud 98
    assert trialled["weighted_cross_entropy"]["weight"] == [round(w, 6) for w in inverse_frequency_weights(counts, **options)]
    assert options == {"cap": 10, "power": 0.5}
    assert any("weighted_cross_entropy: configured with the formulas of rule IMB-003" in n for n in report["notes"])
    assert any("weighted_bce: configured by rule" in n for n in report["notes"])
