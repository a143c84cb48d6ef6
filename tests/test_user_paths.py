"""Regressions found by using the CLI as a new user would: one test per bug, small and fast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lossadvisor.cli import app


@pytest.fixture
def markup_csv(tmp_path):
    """Class and column names that look like rich markup or emoji codes."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x[b]": rng.normal(size=200), "x2": rng.normal(size=200),
                          "label": rng.choice(["[bold]a", "b[/x]", ":smile:"], size=200, p=[0.6, 0.3, 0.1])})
    path = tmp_path / "markup.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("command", ["profile", "recommend", "check"])
def test_names_that_look_like_markup_print_as_is(runner, markup_csv, command):
    # Bug: rich read "[/x]" as a closing tag (internal error, exit 2) and ate "[bold]" and ":smile:".
    result = runner.invoke(app, [command, str(markup_csv), "--no-noise"])
    assert result.exit_code == 0, result.output
    for name in ("[bold]a", ":smile:"):
        assert name in result.stdout
    if command != "check":
        assert "b[/x]" in result.stdout


def test_recommend_text_shows_confidence_facts_and_composite_components(runner):
    # Bug: "[medium confidence]", "[cost.fn=5, cost.fp=1]" and "[bce×1, …]" were eaten as markup tags.
    result = runner.invoke(app, ["recommend", "--task", "segmentation", "--foreground-fraction", "0.01",
                                 "--fn-cost", "5", "--fp-cost", "1"])
    assert result.exit_code == 0, result.output
    assert "[cost.fn=5, cost.fp=1]" in result.stdout
    assert "confidence]" in result.stdout
    result = runner.invoke(app, ["recommend", "--task", "binary", "--imbalance-ratio", "100"])
    assert result.exit_code == 0, result.output
    assert "components=[bce×1" in result.stdout


@pytest.mark.parametrize("command", ["profile", "recommend", "check"])
def test_count_task_with_negative_targets_is_refused(runner, tmp_path, command):
    # Bug: --task count accepted visits down to -3, recommended Tweedie/Poisson, and only trial refused.
    rng = np.random.default_rng(0)
    visits = rng.poisson(2, size=200)
    visits[:10] = -3
    path = tmp_path / "counts.csv"
    pd.DataFrame({"a": rng.normal(size=200), "visits": visits}).to_csv(path, index=False)
    result = runner.invoke(app, [command, str(path), "--target", "visits", "--task", "count", "--no-noise"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["error: --task count needs a non-negative target; "
                                                  "column 'visits' goes down to -3"]


def test_extreme_values_give_no_numpy_warnings_and_no_nan_in_messages(runner, tmp_path):
    # Bug: a target reaching ±1e308 printed numpy overflow warnings on stderr and "excess kurtosis nan";
    # an all-inf feature column printed "All-NaN slice encountered".
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    y[:3], y[3], y[4] = np.inf, 1e308, -1e308
    frame = pd.DataFrame({"a": np.full(200, np.inf), "b": rng.normal(size=200), "y": y})
    path = tmp_path / "extreme.csv"
    frame.to_csv(path, index=False)
    result = runner.invoke(app, ["profile", str(path), "--no-noise"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "HEAVY_TAIL" in result.stdout and "nan" not in result.stdout.lower()
    assert "NONFINITE_FEATURES 200 feature values are ±inf" in result.stdout


@pytest.mark.parametrize("source, message", [
    ("import sys\nsys.exit(3)\n", "cannot import"),
    ("import sys\n\ndef f(x, y):\n    sys.exit(4)\n", "cannot call"),
])
def test_doctor_survives_user_code_that_calls_sys_exit(runner, tmp_path, source, message):
    # Bug: the user's sys.exit(3) became lossadvisor's exit code 3, with nothing on stderr.
    path = tmp_path / "exits.py"
    path.write_text(source)
    result = runner.invoke(app, ["doctor", f"{path}:f"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}") and "SystemExit" in lines[0]


def test_target_named_twice_is_refused(runner, binary_csv):
    # Bug: --target a,a profiled the same column twice as a two-column "multitarget" task.
    result = runner.invoke(app, ["profile", str(binary_csv), "--target", "a,a", "--no-noise"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["error: target column 'a' given more than once in --target"]


def test_data_options_with_a_saved_profile_are_refused_not_ignored(tmp_path):
    from typer.testing import CliRunner

    from lossadvisor.cli import app

    runner = CliRunner()
    saved = tmp_path / "p.json"
    made = runner.invoke(app, ["profile", "sample_data/clean_balanced.csv", "--no-noise", "-f", "json", "-o", str(saved)])
    assert made.exit_code == 0, made.output
    for command in ("recommend", "check"):
        result = runner.invoke(app, [command, "--profile", str(saved), "--target", "nosuch", "--seed", "3"])
        assert result.exit_code == 2
        assert "--target, --seed only apply when reading data, not with --profile" in result.stderr
        result = runner.invoke(app, [command, "--profile", str(saved), "--task", "regression"])
        assert result.exit_code == 2 and "conflicts with the profile's task 'multiclass'" in result.stderr
    assert runner.invoke(app, ["recommend", "--profile", str(saved), "--task", "multiclass"]).exit_code == 0


def test_names_are_found_whatever_their_case_and_emit_says_where_it_wrote(tmp_path):
    from typer.testing import CliRunner

    from lossadvisor.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["explain", "Focal-Tversky"]).exit_code == 0
    shown = runner.invoke(app, ["rules", "show", "imb-001"])
    assert shown.exit_code == 0 and "IMB-001" in shown.stdout
    snippet = tmp_path / "loss.py"
    result = runner.invoke(app, ["recommend", "--task", "binary", "--imbalance-ratio", "50", "--emit", "python", str(snippet)])
    assert result.exit_code == 0 and f"to {snippet}" in result.stderr and snippet.exists()


def test_contradictory_recommend_flags_are_refused():
    from typer.testing import CliRunner

    from lossadvisor.cli import app

    runner = CliRunner()
    for args, message in (
        (["--task", "regression", "--n-classes", "5"], "--n-classes describes binary/multiclass/multilabel data"),
        (["--task", "binary", "--foreground-fraction", "0.01"], "--foreground-fraction describes segmentation data"),
        (["--task", "regression", "--objective", "quantile:0.9", "--under-cost", "1", "--over-cost", "9"],
         "contradicts --under-cost/--over-cost, which imply quantile 0.1"),
    ):
        result = runner.invoke(app, ["recommend", *args])
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
    agreeing = ["recommend", "--task", "regression", "--objective", "quantile:0.9", "--under-cost", "9", "--over-cost", "1"]
    assert runner.invoke(app, agreeing).exit_code == 0
