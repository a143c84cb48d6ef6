"""The data options every command shares (lossadvisor.cli.options): one behaviour for all."""

from __future__ import annotations
import numpy as np
import pandas as pd
import pytest
from lossadvisor.cli.main import app


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


def test_target_named_twice_is_refused(runner, binary_csv):
    # Bug: --target a,a profiled the same column twice as a two-column "multitarget" task.
    result = runner.invoke(app, ["profile", str(binary_csv), "--target", "a,a", "--no-noise"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["error: target column 'a' given more than once in --target"]


def test_data_options_with_a_saved_profile_are_refused_not_ignored(tmp_path):
    from typer.testing import CliRunner

    from lossadvisor.cli.main import app

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
