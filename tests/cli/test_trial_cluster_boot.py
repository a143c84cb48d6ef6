"""`lossadvisor trial --group-column`: the intervals resample whole groups, and every report format says so."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import lossadvisor.trials.compare as compare
from tests.cli_helpers import run_cli as _run

FAST = ["--seeds", "1", "--epochs", "1", "--bootstrap", "100", "--device", "cpu", "--losses", "bce,focal"]
N_GROUPS, PER_GROUP = 30, 8


@pytest.fixture(scope="module")
def grouped_csv(tmp_path_factory):
    """30 patients × 8 rows; a patient's rows share a random effect, so they are correlated."""
    rng = np.random.default_rng(0)
    patient = np.repeat(np.arange(N_GROUPS), PER_GROUP)
    shift = rng.normal(0, 1.0, N_GROUPS)[patient]
    x = rng.normal(size=(len(patient), 2)) + shift[:, None]
    frame = pd.DataFrame(x, columns=["a", "b"])
    frame["patient"] = [f"p{p:02d}" for p in patient]
    frame["y"] = (x[:, 0] + shift + 0.5 * rng.normal(size=len(patient)) > 0.3).astype(int)
    path = tmp_path_factory.mktemp("grouped") / "grouped.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def drawn(monkeypatch):
    """The ``clusters`` each paired bootstrap of the run was given."""
    seen: list = []
    original = compare.replicate_scores

    def spy(scores, n_rows, n_boot=1000, seed=0, clusters=None):
        seen.append(None if clusters is None else np.asarray(clusters))
        return original(scores, n_rows, n_boot, seed, clusters)

    monkeypatch.setattr(compare, "replicate_scores", spy)
    return seen


def _groups_in(csv, rows):
    return pd.read_csv(csv)["patient"].to_numpy()[rows]


def test_single_split_resamples_the_test_groups_and_the_json_says_how_many(grouped_csv, drawn):
    result = _run("trial", grouped_csv, "--target", "y", "--group-column", "patient", *FAST, "--folds", "1",
                  "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["split"] == "grouped"
    test_rows = report["rows"]["test"]
    resampling = report["resampling"]
    assert resampling["unit"] == "groups" and resampling["rows_tested"] == test_rows
    assert test_rows == PER_GROUP * resampling["groups_tested"] and 3 <= resampling["groups_tested"] < N_GROUPS
    assert [len(np.unique(c)) for c in drawn] == [resampling["groups_tested"]] * len(drawn) and drawn
    assert all(len(c) == test_rows for c in drawn)
    note = next(n for n in report["notes"] if n.startswith("intervals resample whole groups"))
    assert f"{resampling['groups_tested']} group(s) tested ({test_rows} rows)" in note


def test_cross_fitted_grouped_trial_resamples_every_group(grouped_csv, drawn):
    result = _run("trial", grouped_csv, "--target", "y", "--group-column", "patient", *FAST, "--folds", "3",
                  "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["folds"]["scheme"] == "grouped"
    assert report["resampling"] == {"unit": "groups", "groups_tested": N_GROUPS, "rows_tested": N_GROUPS * PER_GROUP}
    assert report["notes"][0].endswith("intervals resample groups and seeds")
    assert drawn and all(len(np.unique(c)) == N_GROUPS and len(c) == N_GROUPS * PER_GROUP for c in drawn)


def test_text_and_markdown_carry_the_note(grouped_csv):
    text = _run("trial", grouped_csv, "--target", "y", "--group-column", "patient", *FAST, "--folds", "3")
    assert text.exit_code == 0, text.output
    flat = " ".join(text.stdout.split())  # rich may wrap the note
    assert f"note: intervals resample whole groups (cluster bootstrap, Davison & Hinkley 1997 §3.8): {N_GROUPS} " \
           f"group(s) tested ({N_GROUPS * PER_GROUP} rows)" in flat
    markdown = _run("trial", grouped_csv, "--target", "y", "--group-column", "patient", *FAST, "--folds", "3",
                    "--format", "markdown")
    assert f"_intervals resample whole groups (cluster bootstrap, Davison & Hinkley 1997 §3.8): {N_GROUPS} group(s)" \
           in markdown.stdout


def test_ungrouped_trial_resamples_rows_and_says_nothing_of_groups(grouped_csv, drawn):
    frame = pd.read_csv(grouped_csv).drop(columns="patient")
    path = grouped_csv.parent / "rows.csv"
    frame.to_csv(path, index=False)
    result = _run("trial", path, "--target", "y", *FAST, "--folds", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert "resampling" not in report and not any("group" in n for n in report["notes"])
    assert report["notes"][0].endswith("intervals resample rows and seeds")
    assert drawn and all(c is None for c in drawn)


def test_a_missing_group_column_is_one_error_line(grouped_csv):
    from tests.cli_helpers import one_error_line

    line = one_error_line(_run("trial", grouped_csv, "--target", "y", "--group-column", "visit", *FAST))
    assert "visit" in line


def test_multi_target_grouped_trial_resamples_groups(grouped_csv, drawn):
    frame = pd.read_csv(grouped_csv)
    frame["z"] = frame["a"] * 2.0 + frame["b"]
    path = grouped_csv.parent / "two_targets.csv"
    frame.to_csv(path, index=False)
    result = _run("trial", path, "--target", "y,z", "--group-column", "patient", "--seeds", "1", "--epochs", "1",
                  "--bootstrap", "100", "--device", "cpu", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["task"] == "multitarget" and report["split"] == "grouped"
    resampling = report["resampling"]
    assert resampling["unit"] == "groups" and resampling["rows_tested"] == report["rows"]["test"]
    assert any(n.startswith(f"intervals resample whole groups (cluster bootstrap, Davison & Hinkley 1997 §3.8): "
                            f"{resampling['groups_tested']} group(s)") for n in report["notes"])
    assert drawn and all(len(np.unique(c)) == resampling["groups_tested"] for c in drawn)


def test_search_on_grouped_data_compares_by_whole_groups(grouped_csv):
    pytest.importorskip("optuna")
    args = ("search", grouped_csv, "--target", "y", "--group-column", "patient", "--family", "focal", "--trials", "2",
            "--seeds", "1", "--epochs", "2", "--bootstrap", "100", "--no-noise")
    result = _run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    final = json.loads(result.stdout)["final"]
    assert final["resampling"]["unit"] == "groups" and final["resampling"]["rows_tested"] == final["test_rows"]
    groups = final["resampling"]["groups_tested"]
    assert final["test_rows"] == PER_GROUP * groups
    text = _run(*args)
    assert text.exit_code == 0, text.output
    assert f"held-out comparison on {final['test_rows']} test rows ({groups} groups; the intervals resample whole " \
           "groups)" in text.stdout


def test_one_tested_group_is_not_compared_and_the_note_says_why(grouped_csv):
    frame = pd.read_csv(grouped_csv)
    frame["site"] = np.array(["north", "south", "west"])[np.arange(len(frame)) * 3 // len(frame)]  # 3 equal sites
    path = grouped_csv.parent / "three_sites.csv"
    frame.drop(columns="patient").to_csv(path, index=False)
    result = _run("trial", path, "--target", "y", "--group-column", "site", *FAST, "--folds", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["resampling"] == {"unit": "groups", "groups_tested": 1, "rows_tested": report["rows"]["test"]}
    challenger = next(c for c in report["candidates"] if not c["baseline"])
    assert challenger["vs_baseline"]["verdict"] == "not compared" and challenger["vs_baseline"]["ci"] == [None, None]
    assert any(n.startswith(f"only 1 group tested ({report['rows']['test']} rows)") for n in report["notes"])
