"""The loss doctor: the zoo passes, planted bugs are caught, the CLI maps verdicts to exit codes."""

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from lossadvisor.cli.main import app
from lossadvisor.doctor.inputs import DoctorCallError
from lossadvisor.doctor.examine import doctor_target, run_doctor
from lossadvisor.losses.cards import list_losses

torch.set_num_threads(1)
FIXTURES = Path(__file__).parent / "fixtures"
GOOD, BUGGY = str(FIXTURES / "good_loss.py"), str(FIXTURES / "buggy_loss.py")
runner = CliRunner()


def _failed(report):
    return {c.name for c in report.checks if not c.passed and c.level == "error"}


@pytest.mark.parametrize("name", list_losses())
def test_every_zoo_loss_passes_the_doctor(name):
    report = doctor_target(name)
    assert report.passed, [(c.name, c.detail) for c in report.checks if not c.passed]
    assert len(report.checks) == 6  # the output contract, then the five checklist items


def test_good_user_losses_pass():
    assert doctor_target(f"{GOOD}:focal_loss", "binary").passed
    assert doctor_target(f"{GOOD}:SmoothDice", "segmentation").passed


def test_naive_focal_with_small_gamma_is_caught_at_logit_50():
    report = doctor_target(f"{BUGGY}:naive_focal", "binary")
    assert _failed(report) == {"finite at extreme inputs (float32, bfloat16)"}
    detail = next(c.detail for c in report.checks if not c.passed)
    assert "float32 logits ±50" in detail and "gradient not finite" in detail


def test_unsmoothed_dice_is_caught_on_an_empty_mask():
    report = doctor_target(f"{BUGGY}:UnsmoothedDice", "segmentation")
    assert "finite at extreme inputs (float32, bfloat16)" in _failed(report)
    assert "loss nan" in next(c.detail for c in report.checks if not c.passed)


def test_summed_loss_fails_batch_invariance():
    report = doctor_target(f"{BUGGY}:summed_mse", "regression")
    assert _failed(report) == {"invariant to batch size ('mean')"}


def test_detached_loss_fails_the_gradient_checks():
    report = doctor_target(f"{BUGGY}:detached_loss", "regression")
    assert "gradient check (float64, finite differences)" in _failed(report)


def test_loss_increasing_with_confidence_fails_the_minimum_check():
    report = run_doctor(lambda z, y: torch.nn.functional.cross_entropy(-z, y), "multiclass")
    assert _failed(report) == {"smallest at a perfect prediction"}


def test_gradient_scale_warning_is_not_a_failure():
    report = run_doctor(lambda z, y: 1e3 * torch.nn.functional.cross_entropy(z, y), "multiclass")
    scale = next(c for c in report.checks if c.name.startswith("gradient scale"))
    assert not scale.passed and scale.level == "warning" and "1000×" in scale.detail
    assert report.passed


def test_uncallable_targets_raise_call_errors():
    with pytest.raises(DoctorCallError, match="has no attribute"):
        doctor_target(f"{GOOD}:missing")
    with pytest.raises(DoctorCallError, match="cannot call"):
        run_doctor(lambda z, y: z @ torch.ones(7), "multiclass")


# --- CLI -----------------------------------------------------------------------------------

def test_cli_doctor_exit_codes():
    ok = runner.invoke(app, ["doctor", f"{GOOD}:focal_loss", "--task", "binary"])
    assert ok.exit_code == 0 and "all checks passed" in ok.stdout
    bad = runner.invoke(app, ["doctor", f"{BUGGY}:naive_focal", "--task", "binary"])
    assert bad.exit_code == 1 and "FAIL" in bad.stdout and "±50" in bad.stdout


def test_cli_doctor_json_and_zoo_params():
    result = runner.invoke(app, ["doctor", "focal", "--params", '{"gamma": 0.5}', "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["passed"] and data["inputs"] == "class_logits" and len(data["checks"]) == 6
    assert data["checks"][0]["name"] == "returns a floating-point tensor" and data["reason"] == "from the zoo card"


@pytest.mark.parametrize("args, message", [
    (["doctor", "missing_file.py:loss"], "error: no such file: missing_file.py"),
    (["doctor", f"{GOOD}:nothing"], "has no attribute 'nothing'"),
    (["doctor", "no_such_module_xyz:loss"], "cannot import no_such_module_xyz"),
    (["doctor", "focl"], "did you mean 'focal'"),
    (["doctor", "focal", "--params", '{"gamma": -1}'], "The 'gamma' parameter of focal must be a float in [0, inf). Got -1."),
    (["doctor", "focal", "--params", "not json"], "--params must be a JSON object"),
    (["doctor", f"{GOOD}:focal_loss", "--task", "tabular"], "unknown task 'tabular'"),
    (["doctor", f"{GOOD}:SmoothDice", "--task", "regression"], "cannot call"),
    (["explain", "focall"], "did you mean 'focal'"),
])
def test_cli_errors_are_one_line_and_exit_2(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]


def test_cli_losses_and_explain():
    table = runner.invoke(app, ["losses"])
    assert table.exit_code == 0 and "focal_tversky" in table.stdout
    listed = json.loads(runner.invoke(app, ["losses", "--format", "json"]).stdout)
    assert listed["schema_version"] == "1.0" and [r["name"] for r in listed["losses"]] == list_losses()
    card = runner.invoke(app, ["explain", "tversky"])
    assert card.exit_code == 0 and "FALSE POSITIVES" in card.stdout and "Salehi" in card.stdout
    data = json.loads(runner.invoke(app, ["explain", "focal", "--format", "json"]).stdout)
    assert data["params"][0] == {"name": "gamma", "kind": "float", "default": 2.0, "allowed": "a float in [0, inf)",
                                 "required": False, "doc": "Focusing exponent; 0 gives (weighted) CE."}


@pytest.mark.parametrize("source, message", [
    ("import sys\nsys.exit(3)\n", "cannot import"),
    ("import sys\n\ndef f(x, y):\n    sys.exit(4)\n", "cannot tell what"),
])
def test_doctor_survives_user_code_that_calls_sys_exit(runner, tmp_path, source, message):
    # Bug: the user's sys.exit(3) became lossadvisor's exit code 3, with nothing on stderr.
    path = tmp_path / "exits.py"
    path.write_text(source)
    result = runner.invoke(app, ["doctor", f"{path}:f"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}") and "SystemExit" in lines[0]
