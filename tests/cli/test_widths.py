"""Every command's text output fits the console: no line wider than 80, 100 or 140 columns.

Data commands are run once per sample file (small noise sample, one-epoch trials) and their text
renderers are then drawn at each width, exactly as the CLI draws them; the cheap commands run through
the CLI at each width. Piped output without $COLUMNS is 100 columns wide.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lossadvisor.cli.main import app
from lossadvisor.report import trial_render
from lossadvisor.profiling.profile import Profile
from lossadvisor.report.profile_render import render_text as profile_text

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
WIDTHS = (80, 100, 140)
# (name, data arguments, trial runs on it)
INPUTS = [
    ("imbalanced_binary", [SAMPLE / "imbalanced_binary.csv"], True),
    ("noisy_multiclass", [SAMPLE / "noisy_multiclass.csv"], True),
    ("clean_balanced", [SAMPLE / "clean_balanced.csv"], True),
    ("heavy_tail_regression", [SAMPLE / "heavy_tail_regression.csv"], True),
    ("counts", [SAMPLE / "counts.csv", "--target", "visits"], True),
    ("timeseries", [SAMPLE / "timeseries.csv", "--target", "demand"], True),
    ("multilabel", [SAMPLE / "multilabel.csv", "--target", "labels"], False),
    ("multitarget", [SAMPLE / "multitarget.csv", "--target", "rating,price,kind"], True),
    ("masks", ["--masks", SAMPLE / "masks"], False),
]


def _run(args, width: int | None = None):
    env = {"COLUMNS": str(width)} if width else {}
    result = CliRunner().invoke(app, [str(a) for a in args], env=env)
    assert result.exit_code in (0, 1), result.output  # check exits 1 when a check fails
    return result.stdout


def _assert_fits(text: str, width: int, what: str) -> None:
    assert text.strip(), what
    widest = max(text.splitlines(), key=len)
    assert len(widest) <= width, f"{what} at {width} columns: {len(widest)} wide: {widest!r}"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict:
    """Per input: the saved profile and the trial report object the CLI rendered."""
    folder = tmp_path_factory.mktemp("widths")
    saved: dict = {}
    captured: list = []
    original = trial_render.render_text
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trial_render, "render_text", lambda report, width=100: captured.append(report) or original(report, width))
        for name, data, trials in INPUTS:
            path = folder / f"{name}.json"
            _run(["profile", *data, "--format", "json", "--noise-sample", "500", "-o", path])
            trial_text = None
            if trials:
                trial_text = _run(["trial", *data, "--no-noise", "--seeds", "2", "--epochs", "1", "--bootstrap", "100",
                                   "--device", "cpu"], width=80)
            saved[name] = {"profile": path, "trial": captured.pop() if trials else None, "trial_text_80": trial_text}
    return saved


@pytest.mark.parametrize("name", [name for name, _, _ in INPUTS])
def test_data_commands_fit_every_width(outputs, name):
    entry = outputs[name]
    profile = json.loads(entry["profile"].read_text())
    if entry["trial_text_80"] is not None:
        _assert_fits(entry["trial_text_80"], 80, f"trial {name} (CLI)")
    for width in WIDTHS:
        _assert_fits(profile_text(Profile.from_dict(profile), width=width), width, f"profile {name}")
        _assert_fits(_run(["recommend", "--profile", entry["profile"]], width), width, f"recommend {name}")
        _assert_fits(_run(["check", "--profile", entry["profile"], "--format", "text"], width), width, f"check {name}")
        if entry["trial"] is not None:
            text = trial_render.render_text(entry["trial"], width=width)
            _assert_fits(text, width, f"trial {name}")
            for cand in entry["trial"].candidates:  # every value whole: a narrow console moves metrics under
                for metric in entry["trial"].metrics:  # the table, it never cuts a cell short
                    assert trial_render._mean_sd(cand, metric) in text, (name, width, metric)


@pytest.mark.parametrize("width", WIDTHS)
def test_catalogue_commands_fit_every_width(width):
    for args in (["losses"], ["explain", "focal_tversky"], ["rules", "list"], ["rules", "facts"],
                 ["rules", "show", "IMB-001"]):
        _assert_fits(_run(args, width), width, " ".join(args))


def test_narrow_trial_moves_metrics_under_the_main_table(outputs):
    report = outputs["imbalanced_binary"]["trial"]
    narrow, wide = trial_render.render_text(report, width=80), trial_render.render_text(report, width=160)
    assert narrow.count("candidate") >= 2 and wide.count("candidate") == 1
    first_table = narrow.split("\n\n")[0] if "\n\n" in narrow else narrow
    assert f"Δ {report.metric} vs baseline" in narrow and "verdict" in first_table


def test_piped_output_is_100_columns_unless_columns_is_set():
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    code = "from lossadvisor.cli.main import main; main()"
    for columns, expected in ((None, 100), ("140", 140)):
        run_env = dict(env, **({"COLUMNS": columns} if columns else {}))
        out = subprocess.run([sys.executable, "-c", code, "losses"], capture_output=True, text=True, env=run_env,
                             check=True).stdout
        assert max(len(line) for line in out.splitlines()) == expected
