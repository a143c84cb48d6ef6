"""Where check thresholds come from: --config, pyproject.toml, .lossadvisor.yaml, flags; and bad configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossadvisor.checks.config import discover_config, read_config_file, resolve_thresholds, validate_settings
from lossadvisor.checks.outcome import Thresholds
from lossadvisor.errors import ConfigError
from lossadvisor.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with all three sources, each setting a different max_imbalance."""
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n\n[tool.lossadvisor.check]\nmax-imbalance = 30\n")
    write(tmp_path / ".lossadvisor.yaml", "check:\n  max_imbalance: 40\n")
    write(tmp_path / "ci.yaml", "check:\n  max_imbalance: 20\n  min_rows: 500\n")
    return tmp_path


def test_explicit_config_wins_over_discovered_files(project):
    thresholds, origin = resolve_thresholds(project / "ci.yaml", {}, start=project)
    assert thresholds.max_imbalance == 20 and thresholds.min_rows == 500
    assert origin == project / "ci.yaml"


def test_pyproject_wins_over_yaml_in_the_same_directory(project):
    thresholds, origin = resolve_thresholds(None, {}, start=project)
    assert thresholds.max_imbalance == 30
    assert origin == project / "pyproject.toml"
    assert thresholds.min_rows == Thresholds().min_rows  # sources are not merged


def test_pyproject_without_the_section_is_passed_over(tmp_path):
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n\n[tool.lossadvisor]\nother = 1\n")
    write(tmp_path / ".lossadvisor.yaml", "check:\n  max_imbalance: 40\n")
    thresholds, origin = resolve_thresholds(None, {}, start=tmp_path)
    assert thresholds.max_imbalance == 40 and origin == tmp_path / ".lossadvisor.yaml"


def test_nearest_directory_wins_walking_up(project):
    nested = project / "data" / "daily"
    nested.mkdir(parents=True)
    assert discover_config(nested) == project / "pyproject.toml"
    write(project / "data" / ".lossadvisor.yaml", "check:\n  max_imbalance: 50\n")
    thresholds, origin = resolve_thresholds(None, {}, start=nested)
    assert thresholds.max_imbalance == 50 and origin == project / "data" / ".lossadvisor.yaml"


def test_flags_override_single_values_of_the_file(project):
    thresholds, _ = resolve_thresholds(project / "ci.yaml", {"max_imbalance": 25, "max_noise": 0.1}, start=project)
    assert (thresholds.max_imbalance, thresholds.max_noise, thresholds.min_rows) == (25, 0.1, 500)


def test_no_discovery_gives_the_defaults(project):
    thresholds, origin = resolve_thresholds(None, {}, start=project, discover=False)
    assert thresholds == Thresholds() and origin is None


def test_the_repository_pyproject_has_no_check_section_so_defaults_apply():
    # The lossadvisor repo itself must not change what `check` does in its own tests.
    assert discover_config(ROOT / "tests") in (None, ROOT / ".lossadvisor.yaml")


def test_keys_may_use_dashes_or_underscores_and_null_disables():
    settings = validate_settings({"max-noise": 0.1, "min_rows_per_class": 5, "max_imbalance": None}, "x")
    assert settings == {"max_noise": 0.1, "min_rows_per_class": 5, "max_imbalance": None}


def test_every_option_is_read(tmp_path):
    path = write(tmp_path / "all.yaml", """
check:
  min_rows: 10
  min_rows_per_class: 2
  max_imbalance: 15.5
  max_noise: 0.3
  noise_bound: point
  max_nonfinite_target: 1
  max_outlier_fraction: 0.1
  max_missing: 0.5
  max_duplicates: 0.2
  expect_task: regression
  expect_target: [price, qty]
  max_psi: 0.5
  max_js_distance: 0.2
  max_new_classes: 1
  max_vanished_classes: 2
  max_noise_increase: 0.1
  max_target_shift: 0.3
  max_added_columns: 3
  max_removed_columns: 4
  max_retyped_columns: 5
  levels: {CHK-DUP-001: error, max-imbalance: "off"}
  strict: true
""")
    thresholds, _ = resolve_thresholds(path, {})
    assert thresholds.expect_target == ("price", "qty") and thresholds.noise_bound == "point"
    assert thresholds.levels == {"CHK-DUP-001": "error", "max-imbalance": "off"} and thresholds.strict is True
    assert (thresholds.max_retyped_columns, thresholds.max_imbalance) == (5, 15.5)


def test_toml_config_file_with_either_table(tmp_path):
    tool = write(tmp_path / "a.toml", "[tool.lossadvisor.check]\nmax_noise = 0.15\n")
    plain = write(tmp_path / "b.toml", "[check]\nexpect_target = 'y'\n")
    assert read_config_file(tool) == {"max_noise": 0.15}
    assert read_config_file(plain) == {"expect_target": ("y",)}


def test_empty_yaml_file_means_all_defaults(tmp_path):
    path = write(tmp_path / ".lossadvisor.yaml", "")
    assert resolve_thresholds(None, {}, start=tmp_path) == (Thresholds(), path)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("check:\n  max_imbalence: 20\n", "unknown option 'max_imbalence'"),
        ("checks:\n  max_imbalance: 20\n", "unknown section 'checks'"),
        ("check:\n  max_noise: high\n", "'max_noise' must be a number in [0, 1]; got 'high'"),
        ("check:\n  max_noise: 1.5\n", "'max_noise' must be a number in [0, 1]; got 1.5"),
        ("check:\n  max_imbalance: 0.5\n", "'max_imbalance' must be a number in [1, inf]"),
        ("check:\n  min_rows: 10.5\n", "'min_rows' must be a whole number >= 0"),
        ("check:\n  min_rows: true\n", "'min_rows' must be a whole number >= 0"),
        ("check:\n  noise_bound: lower\n", "'noise_bound' must be one of upper, point"),
        ("check:\n  expect_task: ranking\n", "'expect_task' must be one of binary"),
        ("check:\n  levels: {IMB-999: error}\n", "'IMB-999' is not a check"),
        ("check:\n  levels: {CHK-IMB-001: fatal}\n", "must be one of error, warning, off"),
        ("check:\n  strict: yes please\n", "'strict' must be true or false"),
        ("check: [1, 2]\n", "must be a mapping"),
        ("- a\n- b\n", "expected a mapping"),
        ("check:\n  max_noise: [0.1\n", "malformed YAML (line"),
    ],
)
def test_bad_config_names_the_file_and_the_key(tmp_path, text, fragment):
    path = write(tmp_path / "bad.yaml", text)
    with pytest.raises(ConfigError) as caught:
        resolve_thresholds(path, {})
    assert fragment in str(caught.value)
    assert str(path) in str(caught.value)


def test_unknown_key_in_a_discovered_pyproject_is_an_error(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.lossadvisor.check]\nmax_nose = 0.1\n")
    with pytest.raises(ConfigError, match="unknown option 'max_nose'"):
        resolve_thresholds(None, {}, start=tmp_path)


def test_malformed_toml_and_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="malformed TOML"):
        read_config_file(write(tmp_path / "x.toml", "[check\nmax_noise = 1"))
    with pytest.raises(ConfigError, match="config file not found"):
        read_config_file(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match=r"no \[tool.lossadvisor.check\] or \[check\] table"):
        read_config_file(write(tmp_path / "y.toml", "[other]\na = 1\n"))


def test_bad_flag_value_names_the_flag(tmp_path):
    with pytest.raises(ConfigError, match=r"invalid option --max-missing: expected a number in \[0, 1\]; got 2"):
        resolve_thresholds(None, {"max_missing": 2}, start=tmp_path, discover=False)
    with pytest.raises(ConfigError, match="invalid option --disable: expected check IDs or names"):
        resolve_thresholds(None, {"levels": {"NOPE-1": "off"}}, start=tmp_path, discover=False)


def test_bare_off_in_yaml_disables_a_check(tmp_path):
    path = write(tmp_path / "c.yaml", "check:\n  levels:\n    CHK-SCH-001: off\n")
    assert read_config_file(path)["levels"] == {"CHK-SCH-001": "off"}


def test_sample_config_sets_every_option_and_loads():
    import dataclasses

    import yaml

    path = ROOT / "sample_data" / "lossadvisor-check.yaml"
    written = set(yaml.safe_load(path.read_text())["check"])
    assert written == {f.name for f in dataclasses.fields(Thresholds)}
    thresholds, _ = resolve_thresholds(path, {})
    assert thresholds.max_imbalance == 50 and thresholds.levels == {"CHK-DUP-001": "error", "CHK-SCH-001": "off"}


def test_pre_commit_hook_runs_the_check_command():
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = {h["id"]: h for h in hooks}["lossadvisor-check"]
    assert hook["entry"].startswith("lossadvisor check") and hook["pass_filenames"] is False
    assert hook["language"] == "python"


def test_config_examples_in_the_docs_are_valid(tmp_path):
    import re

    text = (ROOT / "docs" / "check.md").read_text()
    yaml_example = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("check:"))
    toml_example = re.findall(r"```toml\n(.*?)```", text, re.S)[0]
    from_yaml, _ = resolve_thresholds(write(tmp_path / "c.yaml", yaml_example), {})
    from_toml, _ = resolve_thresholds(write(tmp_path / "pyproject.toml", toml_example), {})
    assert from_yaml.levels == {"CHK-DUP-001": "error", "max-outlier-fraction": "off"}
    assert (from_toml.min_rows, from_toml.expect_task, from_toml.levels) == (1000, "binary", {"CHK-DUP-001": "error"})


def test_check_config_refuses_an_option_given_in_both_spellings(runner, binary_csv, tmp_path):
    # Bug: `max_imbalance: 20` and `max-imbalance: 30` in one file silently kept the last (30).
    config = tmp_path / "gate.yaml"
    config.write_text("check:\n  max_imbalance: 20\n  max-imbalance: 30\n")
    result = runner.invoke(app, ["check", str(binary_csv), "--no-noise", "--config", str(config)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: invalid config in {config}: option 'max_imbalance' is given twice (as 'max_imbalance', 'max-imbalance')"]
