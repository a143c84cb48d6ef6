"""`lossadvisor search` and `--sensitive` on the command line: outputs, and one test per error path."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.cli_helpers import run_cli as _run, one_error_line as _error

FAST = ["--seeds", "1", "--epochs", "2", "--bootstrap", "100", "--no-noise"]


@pytest.fixture(scope="module")
def grouped_csv(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 500
    group = np.where(rng.random(n) < 0.6, "maj", "min").astype(object)
    group[:8] = "rare"
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] + (group == "min") * 1.0 + 0.5 * rng.normal(size=n) > 0.6).astype(int)
    frame = pd.DataFrame(x.round(3), columns=["a", "b", "c"])
    frame.insert(0, "grp", group)
    frame["label"] = y
    path = tmp_path_factory.mktemp("groups") / "grouped.csv"
    frame.to_csv(path, index=False)
    return path


# --- search ---------------------------------------------------------------------------------------

def test_search_json_and_plot(grouped_csv, tmp_path):
    pytest.importorskip("optuna")
    pytest.importorskip("matplotlib")
    plot = tmp_path / "slice.png"
    result = _run("search", grouped_csv, "--family", "focal,weights", "--trials", "3", "--format", "json",
                  "--plot", plot, *FAST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema_version"] == "1.0" and len(data["trials"]) == 3 and data["rungs"] == [1, 2]
    assert data["final"]["best_vs_baseline"]["verdict"] in ("better", "worse", "no significant difference")
    assert data["final"]["default"]["source"]
    assert plot.stat().st_size > 1000


def test_search_text_and_stored_study(grouped_csv, tmp_path):
    pytest.importorskip("optuna")
    db = tmp_path / "study.db"
    args = ["search", grouped_csv, "--family", "gce", "--storage", f"sqlite:///{db}", "--study-name", "s", *FAST]
    first = _run(*args, "--trials", "2")
    assert first.exit_code == 0, first.output
    assert "held-out comparison" in first.stdout and "best:" in first.stdout
    resumed = _run(*args, "--trials", "3")
    assert resumed.exit_code == 0, resumed.output
    assert "2 from the stored study" in resumed.stdout


@pytest.mark.parametrize("extra, message", [
    (["--storage", "sqlite:///x.db"], "--storage needs --study-name"),
    (["--study-name", "s"], "--study-name needs --storage"),
    (["--storage", "postgres://h/db", "--study-name", "s"], "must be an SQLite URL"),
    (["--storage", "sqlite:///no/such/dir/x.db", "--study-name", "s"], "folder no/such/dir does not exist"),
    (["--family", "focal,nope"], "unknown search family 'nope'"),
    (["--family", "tversky"], "segmentation loss"),
    (["--plot", "no/such/dir/p.png"], "folder no/such/dir does not exist"),
    (["--output", "no/such/dir/o.txt"], "folder no/such/dir does not exist"),
])
def test_search_error_paths(grouped_csv, extra, message):
    pytest.importorskip("optuna")
    assert message in _error(_run("search", grouped_csv, *extra, *FAST))


def test_search_refuses_regression_and_masks(tmp_path):
    pytest.importorskip("optuna")
    path = tmp_path / "r.csv"
    pd.DataFrame({"a": np.arange(60.0), "target": np.arange(60.0) * 0.5}).to_csv(path, index=False)
    assert "does not apply" in _error(_run("search", path, "--family", "focal", *FAST))
    assert "tabular data file" in _error(_run("search", "--masks", tmp_path, *FAST))


def test_search_without_optuna(grouped_csv, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "optuna", None)
    assert "pip install 'lossadvisor[search]'" in _error(_run("search", grouped_csv, *FAST))


def test_search_bad_numbers_are_usage_errors(grouped_csv):
    for flag in ("--trials", "--eta", "--min-epochs", "--bracket"):
        assert flag in _error(_run("search", grouped_csv, flag, "0"))


# --- --sensitive ----------------------------------------------------------------------------------

def test_profile_sensitive_reports_every_group(grouped_csv):
    result = _run("profile", grouped_csv, "--sensitive", "grp", "--no-noise", "--format", "json")
    assert result.exit_code == 0, result.output
    groups = {g["group"]: g for g in json.loads(result.stdout)["groups"]["groups"]}
    assert set(groups) == {"maj", "min", "rare"}
    assert groups["rare"]["measured"] is False and groups["rare"]["rows"] == 8
    assert groups["min"]["base_rate"] > groups["maj"]["base_rate"]
    text = _run("profile", grouped_csv, "--sensitive", "grp", "--no-noise")
    assert "Groups by grp" in text.stdout and "too few rows to measure" in text.stdout


def test_profile_without_sensitive_has_no_groups_key(grouped_csv):
    result = _run("profile", grouped_csv, "--no-noise", "--format", "json")
    assert "groups" not in json.loads(result.stdout)


def test_trial_sensitive_reports_gaps_and_the_group_loss(grouped_csv):
    result = _run("trial", grouped_csv, "--sensitive", "grp", "--losses", "group_reweighted_ce,group_dro",
                  "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    groups = json.loads(result.stdout)["groups"]
    assert [g.split(" ")[0] for g in groups["too_small"]] == ["rare"]
    base, reweighted, dro = groups["candidates"]
    assert set(base["gaps"]) == {"error_rate_gap", "demographic_parity_difference", "equalized_odds_difference",
                                 "worst_group_accuracy"}
    assert base["vs_baseline"] == {} and set(dro["vs_baseline"]) == set(base["gaps"])
    low, high = reweighted["gaps"]["error_rate_gap"]["ci"]
    assert low <= reweighted["gaps"]["error_rate_gap"]["value"] <= high


def test_recommend_with_sensitive_proposes_group_losses(grouped_csv):
    result = _run("recommend", grouped_csv, "--sensitive", "grp", "--no-noise", "--format", "json")
    assert result.exit_code == 0, result.output
    assert {"group_reweighted_ce", "group_dro"} <= {c["loss"] for c in json.loads(result.stdout)["candidates"]}


@pytest.mark.parametrize("command", ["profile", "recommend", "trial", "check"])
def test_sensitive_column_must_exist(grouped_csv, command):
    extra = FAST if command == "trial" else ["--no-noise"]
    assert "--sensitive column 'nope' not found" in _error(_run(command, grouped_csv, "--sensitive", "nope", *extra))


def test_sensitive_target_and_group_loss_without_groups(grouped_csv):
    assert "is the target" in _error(_run("profile", grouped_csv, "--sensitive", "label", "--no-noise"))
    assert "needs the groups: pass --sensitive" in _error(_run("trial", grouped_csv, "--losses", "group_dro", *FAST))


def test_check_group_gap_gate(grouped_csv, tmp_path):
    baseline = tmp_path / "base.json"
    assert _run("profile", grouped_csv, "--sensitive", "grp", "--no-noise", "--format", "json", "-o", baseline).exit_code == 0
    same = _run("check", grouped_csv, "--sensitive", "grp", "--baseline", baseline, "--no-noise", "--format", "json")
    finding = {f["id"]: f for f in json.loads(same.stdout)["findings"]}["CHK-GRP-001"]
    assert finding["status"] == "passed"
    frame = pd.read_csv(grouped_csv)
    dropped = tmp_path / "dropped.csv"
    frame[frame.grp != "min"].to_csv(dropped, index=False)
    gone = _run("check", dropped, "--sensitive", "grp", "--baseline", baseline, "--no-noise", "--format", "json")
    assert gone.exit_code == 1
    assert "vanished" in {f["id"]: f for f in json.loads(gone.stdout)["findings"]}["CHK-GRP-001"]["message"]
    assert "--max-group-gap" in _error(_run("check", grouped_csv, "--max-group-gap", "2", "--no-noise"))
