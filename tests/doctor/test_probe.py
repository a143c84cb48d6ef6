"""The doctor works out what a loss takes (probe calls), enforces the output contract and a time limit."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from typer.testing import CliRunner

from lossadvisor.cli.main import app
from lossadvisor.doctor.examine import run_doctor
from lossadvisor.doctor.inputs import DoctorCallError
from lossadvisor.doctor.probe import CallTimeout, call_with_timeout, infer_kinds, output_problem

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def _doctor(*args: str):
    result = runner.invoke(app, ["doctor", *args])
    # the console wraps prose at its width; join the wrapped lines so phrases read whole
    return result.exit_code, " ".join(result.stdout.split(" \n")).replace("\n", " "), result.stderr


def test_acceptance_binary_focal_with_log_sigmoid_overflow_exits_1_and_names_binary_logits() -> None:
    code, out, err = _doctor(f"{FIXTURES}/my_focal.py:focal", "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    assert report["inputs"] == "binary_logits + multilabel_logits"
    assert report["reason"].startswith("inferred by probe calls: binary_logits: it returns on them and is smallest")
    failed = {c["name"] for c in report["checks"] if not c["passed"] and c["level"] == "error"}
    assert "[binary_logits] finite at extreme inputs (float32, bfloat16)" in failed


def test_acceptance_correct_mse_exits_0_and_names_regression() -> None:
    code, out, err = _doctor(f"{FIXTURES}/my_mse.py:mse")
    assert code == 0, err
    assert "input kind: regression (inferred by probe calls" in out and "all checks passed" in out
    assert "binary_logits (not smallest at a perfect prediction)" in out


@pytest.mark.parametrize(("loss", "kinds"), [
    (lambda logits, target: F.cross_entropy(logits, target), ("class_logits", "segmentation_logits")),
    (lambda logits, target: F.binary_cross_entropy_with_logits(logits, target), ("binary_logits", "multilabel_logits")),
    (lambda pred, target: F.huber_loss(pred, target), ("regression",)),
    (lambda pred, target: (pred - target).abs().mean(), ("regression",)),
])
def test_inferred_kinds_known_answers(loss, kinds) -> None:
    assert infer_kinds(loss, "loss").kinds == kinds


def test_a_module_is_named_by_its_forward_parameters() -> None:
    code, out, _ = _doctor(f"{FIXTURES}/good_loss.py:SmoothDice")
    assert code == 0 and "input kind: segmentation_logits" in out and "(first parameter 'logits')" in out


def test_no_fitting_kind_lists_every_kind_tried_with_its_first_failure() -> None:
    code, _, err = _doctor(f"{FIXTURES}/odd_losses.py:needs_three_args")
    assert code == 2 and len(err.strip().splitlines()) == 1
    for kind in ("class_logits", "binary_logits", "regression", "segmentation_logits", "multilabel_logits"):
        assert f"{kind}: TypeError: needs_three_args() missing 1 required positional argument: 'c'" in err
    assert err.rstrip().endswith("name one with --task")


@pytest.mark.parametrize(("name", "detail"), [
    ("async_loss", "returns a coroutine (an async def?), not a tensor"),
    ("integer_loss", "returns a int64 tensor; a loss must be floating-point to have gradients"),
    ("per_sample_under_mean", "returns shape (4,) under reduction='mean'; expected a scalar"),
    ("returns_float", "returns float, not a tensor"),
])
def test_output_contract_failures_are_failed_checks_not_errors(name, detail) -> None:
    code, out, err = _doctor(f"{FIXTURES}/odd_losses.py:{name}", "--format", "json")
    assert code == 1 and err == ""  # no "coroutine was never awaited" warning either
    [check] = json.loads(out)["checks"]
    assert check == {"name": "returns a floating-point tensor", "passed": False, "level": "error", "detail": detail}


def test_output_contract_is_checked_with_a_given_task_too() -> None:
    code, out, _ = _doctor(f"{FIXTURES}/odd_losses.py:integer_loss", "--task", "multiclass", "--format", "json")
    assert code == 1 and json.loads(out)["reason"] == "given with --task"


def test_a_call_that_never_returns_is_reported_within_the_timeout() -> None:
    start = time.perf_counter()
    code, out, _ = _doctor(f"{FIXTURES}/odd_losses.py:hangs", "--timeout", "0.5", "--format", "json")
    assert time.perf_counter() - start < 20
    assert code == 1
    [check] = json.loads(out)["checks"]
    assert check["name"] == "returns within the time limit" and "did not return within 0.5 s" in check["detail"]


def test_a_check_that_hangs_is_a_failed_check_and_the_others_still_run() -> None:
    release = threading.Event()

    def slow_on_extremes(logits, target):
        if logits.detach().abs().max() > 40:
            release.wait(5)
        return F.cross_entropy(logits, target)

    try:
        report = run_doctor(slow_on_extremes, "multiclass", timeout=0.5)
    finally:
        release.set()
    by_name = {c.name: c for c in report.checks}
    assert "did not return within 0.5 s" in by_name["finite at extreme inputs (float32, bfloat16)"].detail
    assert by_name["smallest at a perfect prediction"].passed


def test_call_with_timeout_returns_values_and_reraises_errors() -> None:
    assert call_with_timeout(lambda: 3, 1) == 3
    with pytest.raises(ZeroDivisionError):
        call_with_timeout(lambda: 1 / 0, 1)
    with pytest.raises(CallTimeout, match="did not return within 0.05 s"):
        call_with_timeout(lambda: threading.Event().wait(2), 0.05)


def test_output_problem_known_answers() -> None:
    assert output_problem(torch.tensor(1.0), True) == ""
    assert output_problem(torch.ones(3), False) == ""
    assert "shape (3,)" in output_problem(torch.ones(3), True)
    assert "bool tensor" in output_problem(torch.tensor(True), False)
    assert output_problem(None, False) == "returns NoneType, not a tensor"


def test_timeout_option_is_validated() -> None:
    code, _, err = _doctor("focal", "--timeout", "0")
    assert code == 2 and "--timeout" in err


def test_uncallable_probe_error_is_a_call_error() -> None:
    with pytest.raises(DoctorCallError, match="no input kind fits"):
        infer_kinds(lambda: None, "f")
