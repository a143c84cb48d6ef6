"""`lossadvisor check` end to end: exit codes, formats (JUnit parsed back), config, baseline drift, errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lossadvisor.cli.main import app


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Run in tmp_path (config discovery starts there) and outside GitHub Actions."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def write_table(path: Path, n_ok: int = 380, n_fraud: int = 20, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    n = n_ok + n_fraud
    frame = pd.DataFrame({
        "amount": rng.lognormal(3, 1, n).round(4),
        "merchant": rng.choice(["food", "fuel", "travel"], n),
        "label": ["ok"] * n_ok + ["fraud"] * n_fraud,
    })
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def table(tmp_path) -> Path:
    return write_table(tmp_path / "tx.csv")  # 400 rows, imbalance ratio 19


def invoke(runner, *args):
    # 200 columns: each check's row on one line, so a test can look for its whole message
    return runner.invoke(app, ["check", *map(str, args), "--no-noise"], env={"COLUMNS": "200"})


def test_exit_0_when_every_check_passes(runner, table):
    result = invoke(runner, table, "--max-imbalance", 19)
    assert result.exit_code == 0, result.output
    assert "imbalance ratio 19.0 is within the maximum 19" in result.stdout
    assert "passed:" in result.stdout


def test_exit_1_when_a_check_fails_and_the_message_has_both_values(runner, table):
    result = invoke(runner, table, "--max-imbalance", 18)
    assert result.exit_code == 1
    assert "imbalance ratio 19.0 exceeds the maximum 18" in result.stdout
    assert result.stderr == ""


def test_warnings_fail_only_with_strict(runner, table, tmp_path):
    copy = pd.read_csv(table)
    duplicated = pd.concat([copy, copy.head(40)])  # 40 of 440 rows are duplicates: 9.1%
    path = tmp_path / "dups.csv"
    duplicated.to_csv(path, index=False)
    relaxed = invoke(runner, path, "--max-imbalance", 50)
    assert relaxed.exit_code == 0 and "passed: 0 errors, 1 warning" in relaxed.stdout
    duplicates = json.loads(invoke(runner, path, "--format", "json").stdout)["findings"][-1]
    assert duplicates["id"] == "CHK-DUP-001" and duplicates["blocking"] is False
    assert duplicates["message"] == "duplicate-row fraction 9.09% exceeds the maximum 5%"
    strict = invoke(runner, path, "--max-imbalance", 50, "--strict")
    assert strict.exit_code == 1 and "failed: 0 errors, 1 warning" in strict.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.csv"], "file not found: missing.csv"),
        (["{table}", "--config", "absent.yaml"], "config file not found: absent.yaml"),
        (["{table}", "--max-noise", "1.5"], "invalid option --max-noise: expected a number in [0, 1]; got 1.5"),
        (["{table}", "--noise-bound", "lower"], "invalid option --noise-bound: expected one of upper, point"),
        (["{table}", "--expect-task", "ranking"], "invalid option --expect-task"),
        (["{table}", "--format", "xml"], "unknown --format 'xml'"),
        (["{table}", "--disable", "NOPE-1"], "'NOPE-1' is not a check"),
        (["{table}", "--baseline", "absent.json"], "baseline not found: absent.json"),
        (["{table}", "--profile", "p.json"], "not both or neither"),
        ([], "give either a data file"),
        (["{table}", "--target", "nope"], "target column 'nope' not found"),
        (["{table}", "--disable", "CHK-IMB-001", "--disable", "bogus"], "'bogus' is not a check"),
    ],
)
def test_exit_2_with_one_error_line_for_a_broken_invocation(runner, table, args, message):
    result = invoke(runner, *[a.replace("{table}", str(table)) for a in args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_exit_2_for_a_broken_config_file_names_the_key(runner, table, tmp_path):
    (tmp_path / ".lossadvisor.yaml").write_text("check:\n  max_imbalence: 20\n")
    result = invoke(runner, table)
    assert result.exit_code == 2
    assert "unknown option 'max_imbalence'" in result.stderr and ".lossadvisor.yaml" in result.stderr


def test_exit_2_for_a_baseline_that_is_not_a_profile(runner, table, tmp_path):
    (tmp_path / "garbage.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"hello": 1}')
    assert "is not valid JSON" in invoke(runner, table, "--baseline", "garbage.json").stderr
    result = invoke(runner, table, "--baseline", "other.json")
    assert result.exit_code == 2 and "is not a lossadvisor profile" in result.stderr


def test_config_precedence_end_to_end(runner, table, tmp_path):
    (tmp_path / ".lossadvisor.yaml").write_text("check:\n  max_imbalance: 10\n")
    assert invoke(runner, table).exit_code == 1  # discovered yaml: 19 > 10
    (tmp_path / "pyproject.toml").write_text("[tool.lossadvisor.check]\nmax_imbalance = 25\n")
    assert invoke(runner, table).exit_code == 0  # pyproject in the same folder wins: 19 <= 25
    (tmp_path / "ci.yaml").write_text("check:\n  max_imbalance: 15\n")
    assert invoke(runner, table, "--config", "ci.yaml").exit_code == 1  # --config wins
    assert invoke(runner, table, "--config", "ci.yaml", "--max-imbalance", 20).exit_code == 0  # a flag wins
    assert invoke(runner, table, "--no-config").exit_code == 0  # defaults: 100


def test_disable_turns_a_failing_check_off(runner, table):
    assert invoke(runner, table, "--max-imbalance", 5, "--disable", "CHK-IMB-001").exit_code == 0


def test_old_check_ids_still_work_with_one_deprecation_line_each(runner, table, tmp_path):
    # Before issue 9 the check IDs had no CHK- prefix, and IMB-001 also named a rule.
    config = tmp_path / "gate.yaml"
    config.write_text("check:\n  max_imbalance: 5\n  levels:\n    IMB-001: warning\n    DUP-001: 'off'\n")
    result = invoke(runner, table, "--config", config, "--disable", "IMB-001", "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "warning: check ID 'IMB-001' is deprecated: use 'CHK-IMB-001' (check IDs now start with CHK- so that "
        "they are never mistaken for rule IDs)",
        "warning: check ID 'DUP-001' is deprecated: use 'CHK-DUP-001' (check IDs now start with CHK- so that "
        "they are never mistaken for rule IDs)",
    ]
    ids = {f["id"] for f in json.loads(result.stdout)["findings"]}
    assert "CHK-IMB-001" not in ids and "CHK-DUP-001" not in ids and "CHK-ROWS-001" in ids


def test_check_ids_are_distinct_from_rule_ids():
    from lossadvisor.advice.ruleset import load_rules
    from lossadvisor.checks.gate import CHECKS

    rule_ids = {rule.id for rule in load_rules()} | {alias for rule in load_rules() for alias in rule.aliases}
    assert all(spec.id.startswith("CHK-") for spec in CHECKS)
    assert not rule_ids & {spec.id for spec in CHECKS}


def test_json_report_is_versioned_and_complete(runner, table):
    result = invoke(runner, table, "--format", "json", "--max-imbalance", 18, "--expect-task", "binary")
    report = json.loads(result.stdout)
    assert report["schema_version"] == "1.0" and report["exit_code"] == 1 and report["passed"] is False
    by_id = {f["id"]: f for f in report["findings"]}
    assert by_id["CHK-IMB-001"] == {
        "id": "CHK-IMB-001", "name": "max-imbalance", "level": "error", "status": "failed", "blocking": True,
        "message": "imbalance ratio 19.0 exceeds the maximum 18 (majority 'ok' / minority 'fraud')",
        "observed": 19.0, "limit": 18, "target": None,
    }
    assert by_id["CHK-EXP-001"]["status"] == "passed"
    assert by_id["CHK-TGT-002"]["status"] == "skipped"
    assert report["summary"]["failed_errors"] == 1


def test_junit_report_parses_with_one_testcase_per_check(runner, table):
    result = invoke(runner, table, "--format", "junit", "--max-imbalance", 18)
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert len(cases) == int(suite.get("tests")) == 8
    assert cases["CHK-IMB-001 max-imbalance"].find("failure").get("message").startswith("imbalance ratio 19.0 exceeds")
    assert cases["CHK-TGT-002 max-outlier-fraction"].find("skipped") is not None
    assert cases["CHK-ROWS-001 min-rows"].find("failure") is None
    assert suite.get("failures") == "1" and suite.get("skipped") == "2"


def test_github_annotations_and_auto_format(runner, table, monkeypatch):
    result = invoke(runner, table, "--format", "github", "--max-imbalance", 18, "--max-duplicates", 0)
    lines = result.stdout.splitlines()
    assert lines[0] == (f"::error file={table},title=CHK-IMB-001 max-imbalance::"
                        "imbalance ratio 19.0 exceeds the maximum 18 (majority 'ok' / minority 'fraud')")
    assert not any(line.startswith("::warning") for line in lines)  # no duplicates in this table
    assert invoke(runner, table).stdout.lstrip().startswith("lossadvisor check")  # auto → text
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    auto = invoke(runner, table, "--max-imbalance", 18)
    assert auto.stdout.startswith("::error file=")


def test_markdown_report_and_output_file(runner, table, tmp_path):
    result = invoke(runner, table, "--format", "markdown", "--max-imbalance", 18, "--output", "report.md")
    assert result.exit_code == 1 and result.stdout == ""
    text = (tmp_path / "report.md").read_text()
    assert text.startswith("### ❌ lossadvisor check failed")
    assert "| ❌ | `CHK-IMB-001` max-imbalance | error | imbalance ratio 19.0 exceeds the maximum 18" in text


def test_nan_and_inf_in_a_regression_target_fail(runner, tmp_path):
    rng = np.random.default_rng(1)
    y = rng.normal(10, 2, 300)
    y[:2], y[2] = np.nan, np.inf
    pd.DataFrame({"x": rng.normal(size=300), "y": y}).to_csv(tmp_path / "reg.csv", index=False)
    result = invoke(runner, "reg.csv", "--target", "y", "--format", "json")
    target = {f["id"]: f for f in json.loads(result.stdout)["findings"]}["CHK-TGT-001"]
    assert result.exit_code == 1
    assert target["observed"] == 3 and target["message"].endswith("'y' (3)")


def test_baseline_drift_on_a_shifted_copy(runner, table, tmp_path):
    saved = runner.invoke(app, ["profile", str(table), "--format", "json", "--no-noise", "-o", "baseline.json"])
    assert saved.exit_code == 0, saved.output
    same = invoke(runner, table, "--baseline", "baseline.json", "--format", "json")
    assert same.exit_code == 0 and json.loads(same.stdout)["baseline"] == "baseline.json"
    shifted = write_table(tmp_path / "shifted.csv", n_ok=300, n_fraud=100, seed=1)
    frame = pd.read_csv(shifted).drop(columns="merchant")
    frame.to_csv(shifted, index=False)
    result = invoke(runner, shifted, "--baseline", "baseline.json", "--format", "json")
    by_id = {f["id"]: f for f in json.loads(result.stdout)["findings"]}
    assert result.exit_code == 1
    # PSI of 0.95/0.05 → 0.75/0.25: 0.2 ln(0.95/0.75) + 0.2 ln(5) = 0.3692
    assert by_id["CHK-DRF-001"]["status"] == "failed" and by_id["CHK-DRF-001"]["observed"] == pytest.approx(0.3692, abs=1e-4)
    assert by_id["CHK-SCH-002"]["status"] == "failed" and "'merchant'" in by_id["CHK-SCH-002"]["message"]
    assert by_id["CHK-DRF-003"]["status"] == by_id["CHK-DRF-004"]["status"] == "passed"


def test_check_a_saved_profile_without_reading_data(runner, table, tmp_path):
    runner.invoke(app, ["profile", str(table), "--format", "json", "--no-noise", "-o", "p.json"])
    result = runner.invoke(app, ["check", "--profile", "p.json", "--max-imbalance", "18"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "imbalance ratio 19.0 exceeds the maximum 18" in result.stdout


def test_a_flag_that_is_not_a_number_is_a_usage_error_not_a_failed_check(runner, table):
    result = invoke(runner, table, "--max-imbalance", "many")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_github_annotation_escapes_properties_and_message():
    from lossadvisor.checks.outcome import CheckResult, Finding
    from lossadvisor.report.check_render import render_github, render_junit

    odd = Finding("CHK-MISS-001", "max-missing", "warning", "failed", "100% missing\nin 'a'", 1.0, 0.2)
    result = CheckResult("data/a,b:c.csv", None, (odd,), strict=True)
    first = render_github(result).splitlines()[0]
    assert first == "::error file=data/a%2Cb%3Ac.csv,title=CHK-MISS-001 max-missing::100%25 missing%0Ain 'a'"
    relaxed = CheckResult("x.csv", None, (odd,), strict=False)
    assert render_github(relaxed).startswith("::warning file=x.csv,")
    case = ET.fromstring(render_junit(relaxed)).find("testsuite/testcase")
    assert case.find("failure") is None and case.find("system-out").text.startswith("warning (not failing")


def write_separable(path: Path, flip: float, seed: int = 0) -> Path:
    """Two well-separated classes with a `flip` fraction of labels swapped at random."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 600)
    x = rng.normal(size=(600, 3)) + 4.0 * y[:, None]
    flipped = np.where(rng.random(600) < flip, 1 - y, y)
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "label": flipped}).to_csv(path, index=False)
    return path


def test_noise_check_runs_the_estimate_and_drift_sees_the_rise(runner, tmp_path):
    clean = write_separable(tmp_path / "clean.csv", flip=0.0)
    noisy = write_separable(tmp_path / "noisy.csv", flip=0.2)
    saved = runner.invoke(app, ["profile", str(clean), "--format", "json", "-o", "base.json"])
    assert saved.exit_code == 0, saved.output
    result = runner.invoke(app, ["check", str(noisy), "--baseline", "base.json", "--max-noise", "0.1", "-f", "json"])
    by_id = {f["id"]: f for f in json.loads(result.stdout)["findings"]}
    assert result.exit_code == 1
    assert by_id["CHK-NOISE-001"]["status"] == "failed" and by_id["CHK-NOISE-001"]["observed"] > 0.1
    assert by_id["CHK-DRF-005"]["status"] == "failed" and by_id["CHK-DRF-005"]["observed"] > 0.05
    passing = runner.invoke(app, ["check", str(clean), "--max-noise", "0.1", "-f", "json"])
    noise = {f["id"]: f for f in json.loads(passing.stdout)["findings"]}["CHK-NOISE-001"]
    assert passing.exit_code == 0 and noise["status"] == "passed" and noise["observed"] <= 0.1


def test_noise_is_not_estimated_when_no_enabled_check_reads_it(runner, table, monkeypatch):
    import lossadvisor.profiling.noise as noise

    def refuse(*args, **kwargs):
        raise AssertionError("the noise estimate ran")

    monkeypatch.setattr(noise, "estimate_label_noise", refuse)
    result = runner.invoke(app, ["check", str(table), "--disable", "CHK-NOISE-001"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value, expected", [("true", "::error"), ("false", "FAIL"), ("0", "FAIL")])
def test_check_auto_format_follows_the_value_of_github_actions(runner, binary_csv, monkeypatch, value, expected):
    # Bug: GITHUB_ACTIONS=false still switched --format auto to GitHub annotations.
    monkeypatch.setenv("GITHUB_ACTIONS", value)
    result = runner.invoke(app, ["check", str(binary_csv), "--no-noise", "--no-config", "--max-imbalance", "5"])
    assert result.exit_code == 1, result.output
    assert expected in result.stdout
