"""`lossadvisor check` and `profile` on several target columns: each target checked on its own, by name."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.cli_helpers import one_error_line
from tests.cli_helpers import run_cli as _run
from tests.profiling.test_target_noise import noisy_targets

COLUMNS = ("--target", "a,b,c")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Run in tmp_path (no config file is discovered) and outside GitHub Actions."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("check_multi")
    table = folder / "noisy.csv"
    noisy_targets()[0].to_csv(table, index=False)
    profile = folder / "noisy.json"
    made = _run("profile", table, *COLUMNS, "--format", "json", "--output", profile)
    assert made.exit_code == 0, made.output
    return {"table": table, "profile": profile, "data": json.loads(profile.read_text()), "folder": folder}


def _noise_findings(stdout: str) -> dict:
    return {f["target"]: f for f in json.loads(stdout)["findings"] if f["id"] == "CHK-NOISE-001"}


def test_check_on_data_fails_naming_the_noisy_target(files):
    result = _run("check", files["table"], *COLUMNS, "--format", "text")
    assert result.exit_code == 1, result.output
    failing = [line for line in result.stdout.splitlines() if line.startswith("│ FAIL")]
    assert len(failing) == 1 and "CHK-NOISE-001" in failing[0]
    assert "target 'b': label-noise rate (upper bound)" in failing[0]
    assert "target 'a': label-noise rate (upper bound)" in result.stdout   # a passes, and says so
    assert "failed: 1 error," in result.stdout


def test_saved_profile_json_names_each_target(files):
    result = _run("check", "--profile", files["profile"], "--format", "json")
    assert result.exit_code == 1, result.output
    noise = _noise_findings(result.stdout)
    assert {t: (f["status"], f["blocking"]) for t, f in noise.items()} == {
        "a": ("passed", False), "b": ("failed", True), "c": ("skipped", False)}
    upper = files["data"]["targets"][1]["label_noise"]["ci"][1]
    assert noise["b"]["observed"] == pytest.approx(upper) and noise["b"]["limit"] == 0.2
    assert noise["b"]["message"].startswith("target 'b': ")
    table_level = [f for f in json.loads(result.stdout)["findings"] if f["id"] == "CHK-ROWS-001"]
    assert len(table_level) == 1 and table_level[0]["target"] is None


def test_junit_and_github_name_the_target(files):
    junit = _run("check", "--profile", files["profile"], "--format", "junit")
    assert junit.exit_code == 1
    cases = ET.fromstring(junit.stdout).findall("testsuite/testcase")
    names = [c.get("name") for c in cases]
    assert len(names) == len(set(names))   # one test case per check and target
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["CHK-NOISE-001 max-noise [b]"]
    github = _run("check", "--profile", files["profile"], "--format", "github")
    assert github.exit_code == 1
    assert github.stdout.splitlines()[0].startswith(
        "::error file=" + str(files["profile"]).replace(":", "%3A").replace(",", "%2C").rsplit(".", 1)[0])
    assert "title=CHK-NOISE-001 max-noise [b]::target 'b': label-noise rate" in github.stdout


def test_exit_codes_follow_the_limits_and_no_noise(files):
    loose = _run("check", "--profile", files["profile"], "--max-noise", "0.5", "--format", "json")
    assert loose.exit_code == 0, loose.output
    assert _noise_findings(loose.stdout)["b"]["status"] == "passed"
    skipped = _run("check", files["table"], *COLUMNS, "--no-noise", "--format", "json")
    assert skipped.exit_code == 0, skipped.output
    noise = _noise_findings(skipped.stdout)
    assert noise["b"]["status"] == "skipped"
    assert noise["b"]["message"] == "target 'b': label noise not measured (the profile was made with --no-noise)"
    disabled = _run("check", "--profile", files["profile"], "--disable", "max-noise", "--format", "json")
    assert disabled.exit_code == 0 and _noise_findings(disabled.stdout) == {}


def test_baseline_drift_per_target(files):
    baseline = json.loads(json.dumps(files["data"]))
    baseline["targets"][1]["label_noise"]["estimated_rate"] = 0.01
    path = files["folder"] / "baseline.json"
    path.write_text(json.dumps(baseline))
    result = _run("check", "--profile", files["profile"], "--baseline", path, "--max-noise", "0.5", "--format",
                  "json", "--strict")
    assert result.exit_code == 1, result.output   # the noise increase is a warning: it fails under --strict
    increase = {f["target"]: f for f in json.loads(result.stdout)["findings"] if f["id"] == "CHK-DRF-005"}
    assert increase["b"]["status"] == "failed" and increase["a"]["status"] == "passed"
    assert increase["b"]["message"].startswith("target 'b': label-noise rate increase ")
    relaxed = _run("check", "--profile", files["profile"], "--baseline", path, "--max-noise", "0.5")
    assert relaxed.exit_code == 0, relaxed.output


def test_profile_and_recommend_text_show_each_targets_noise(files):
    from lossadvisor.profiling.profile import Profile
    from lossadvisor.report.profile_render import render_markdown

    markdown = render_markdown(Profile.from_dict(files["data"]))   # the renderer `profile` prints with
    row_a = next(line for line in markdown.splitlines() if line.startswith("| a |"))
    row_b = next(line for line in markdown.splitlines() if line.startswith("| b |"))
    row_c = next(line for line in markdown.splitlines() if line.startswith("| c |"))
    rate = files["data"]["targets"][1]["label_noise"]["estimated_rate"]
    assert f"label noise {rate:.1%} (high reliability)" in row_b
    assert "label noise 0.0%" in row_a and "gross errors 0.0%" in row_c
    text = _run("recommend", "--profile", files["profile"])
    assert text.exit_code == 0, text.output
    row = next(line for line in text.stdout.splitlines() if line.startswith("│ b "))
    assert "NOI-001" in row
    assert "NOI-001" not in next(line for line in text.stdout.splitlines() if line.startswith("│ a "))


@pytest.mark.parametrize("where, value, message", [
    ("label_noise", "high", "targets[1].label_noise must be an object or null, got \"high\""),
    ("label_noise.estimated_rate", 1.5, "targets[1].label_noise.estimated_rate"),
])
def test_malformed_per_target_noise_is_one_error_line(files, where, value, message):
    broken = json.loads(json.dumps(files["data"]))
    section = broken["targets"][1]
    keys = where.split(".")
    for key in keys[:-1]:
        section = section[key]
    section[keys[-1]] = value
    path = files["folder"] / f"broken_{keys[-1]}.json"
    path.write_text(json.dumps(broken))
    for args in (("--profile", path), ("--profile", files["profile"], "--baseline", path)):
        result = _run("check", *args)
        line = one_error_line(result)
        assert message in line, line
    assert json.loads(files["profile"].read_text()) == files["data"]   # the input files are not modified
