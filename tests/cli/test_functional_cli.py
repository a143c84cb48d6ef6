"""The objective decides the functional, through the CLI: output, the --gross-error-fraction flag, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lossadvisor.cli.main import app

HEAVY = {"schema_version": "1.0", "source": "y.csv", "rows": 3000, "columns": 5, "target": ["y"],
         "task": "regression", "structure": {"type": "tabular"},
         "target_stats": {"outlier_fraction": 0.08, "kurtosis": 15.0, "mad": 1.0, "heavy_tailed": True,
                          "contamination": {"gross_error_fraction": 0.05, "explained_outlier_share": 0.4,
                                            "residual_scale": 0.8, "rows_used": 3000, "contaminated": True,
                                            "method": "m"}}}


def _write(tmp_path: Path, profile: dict) -> Path:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_every_format_names_trial_as_the_arbiter(tmp_path, fmt) -> None:
    result = CliRunner().invoke(app, ["recommend", "--profile", str(_write(tmp_path, HEAVY)), "--format", fmt])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "lossadvisor trial" in text and "arbiter" in text and "gross target errors in 5.0% of rows" in text
    if fmt == "json":
        assert json.loads(result.stdout)["candidates"][0]["loss"] == "quantile"


def test_a_measured_genuine_tail_puts_mse_first(tmp_path) -> None:
    clean = json.loads(json.dumps(HEAVY))
    clean["target_stats"]["contamination"].update(gross_error_fraction=0.004, contaminated=False)
    result = CliRunner().invoke(app, ["recommend", "--profile", str(_write(tmp_path, clean)), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["candidates"][0]["loss"] == "mse"


@pytest.mark.parametrize("share, first", [("0.05", "quantile"), ("0.01", "mse")])
def test_gross_error_fraction_flag_decides_contamination(share, first) -> None:
    result = CliRunner().invoke(app, ["recommend", "--task", "regression", "--outlier-fraction", "0.1", "--mad", "1",
                                      "--gross-error-fraction", share, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["candidates"][0]["loss"] == first


@pytest.mark.parametrize("args, message", [
    (["--task", "binary", "--gross-error-fraction", "0.05"],
     "error: --gross-error-fraction describes regression/count/multitarget data, not a binary problem"),
    (["--task", "regression", "--gross-error-fraction", "1.5"], "1.5 is not in the range 0<=x<=1"),
    (["--task", "regression", "--gross-error-fraction", "nan"], "error:"),
])
def test_gross_error_fraction_bad_values_exit_2(args, message) -> None:
    result = CliRunner().invoke(app, ["recommend", *args])
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("field, value, where", [
    ("contaminated", "yes", "target_stats.contamination.contaminated"),
    ("gross_error_fraction", 1.5, "target_stats.contamination.gross_error_fraction"),
])
def test_a_corrupt_contamination_section_is_refused(tmp_path, field, value, where) -> None:
    bad = json.loads(json.dumps(HEAVY))
    bad["target_stats"]["contamination"][field] = value
    result = CliRunner().invoke(app, ["recommend", "--profile", str(_write(tmp_path, bad))])
    assert result.exit_code == 2 and where in result.stderr and result.stderr.startswith("error: ")


def test_explain_shows_what_a_loss_estimates() -> None:
    result = CliRunner().invoke(app, ["explain", "quantile"])
    assert result.exit_code == 0 and "estimates: quantile(tau)" in result.stdout
    data = json.loads(CliRunner().invoke(app, ["explain", "poisson", "--format", "json"]).stdout)
    assert data["estimates"] == "mean"
