"""No Python warning reaches the user: every CLI path runs here with warnings turned into errors.

The console script also ignores warnings as a safety net (lossadvisor.cli.main); these tests call the
app directly, without the net, so a warning raised anywhere on a CLI path fails them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lossadvisor.cli.main import app

SAMPLES = Path(__file__).resolve().parent.parent.parent / "sample_data"
PATHS = [
    ("profile", SAMPLES / "heavy_tail_regression.csv", "--no-noise"),
    ("profile", SAMPLES / "imbalanced_binary.csv", "--noise-sample", "500", "--format", "markdown"),
    ("profile", SAMPLES / "counts.csv", "--target", "visits", "--no-noise", "--format", "json"),
    ("profile", "--masks", SAMPLES / "masks"),
    ("recommend", SAMPLES / "timeseries.csv", "--target", "demand", "--no-noise"),
    ("recommend", "--task", "segmentation", "--foreground-fraction", "0.01", "--fn-cost", "5", "--fp-cost", "1"),
    ("recommend", "--task", "regression", "--kurtosis", "1e308", "--mad", "1e-308"),
    ("check", SAMPLES / "multilabel.csv", "--target", "labels", "--no-noise"),
    ("trial", SAMPLES / "imbalanced_binary.csv", "--losses", "focal,bce", "--seeds", "1", "--epochs", "1",
     "--bootstrap", "100", "--device", "cpu"),
    ("doctor", "focal"),
    ("doctor", Path(__file__).parent.parent / "doctor" / "fixtures" / "odd_losses.py:async_loss"),
    ("rules", "list"),
    ("losses",),
    ("explain", "focal"),
    # error paths: one line, no warning around it
    ("profile", SAMPLES / "noisy_multiclass.csv", "--task", "regression"),
    ("recommend", "--task", "binary", "--imbalance-ratio", "nan"),
]


@pytest.mark.parametrize("args", PATHS, ids=lambda a: " ".join(str(x) for x in a)[:60])
def test_cli_paths_raise_no_python_warning(args) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{type(result.exception).__name__}: {result.exception}")
    assert result.exit_code in (0, 1, 2), result.stderr
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1 and "internal error" not in result.stderr


def _closed_pipe_run(*args: str) -> subprocess.CompletedProcess:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before we write: `lossadvisor ... | head -0`
    try:
        return subprocess.run([sys.executable, "-c", "from lossadvisor.cli.main import main; main()", *args],
                              stdout=write, stderr=subprocess.PIPE, timeout=120,
                              env={**os.environ, "OMP_NUM_THREADS": "1"})
    finally:
        os.close(write)


@pytest.mark.parametrize("args", [("rules", "list"), ("recommend", "--task", "binary", "--format", "json")])
def test_a_closed_pipe_ends_the_program_quietly(args) -> None:
    result = _closed_pipe_run(*args)
    assert result.stderr == b""
    assert result.returncode == 141  # 128 + SIGPIPE, as for any tool cut off by `| head`


def test_profile_json_round_trips_through_stdin() -> None:
    profile = CliRunner().invoke(app, ["profile", str(SAMPLES / "clean_balanced.csv"), "--no-noise", "--format", "json"])
    result = CliRunner().invoke(app, ["recommend", "--profile", "-", "--format", "json"], input=profile.stdout)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["task"] == "multiclass"
