"""Profile schema 1.1 (`targets`, `target_stats.contamination`): 1.0 profiles still load and advise the same;
another major version is refused with one error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossadvisor.profiling.saved_profile import read_profile
from lossadvisor.vocabulary import PROFILE_SCHEMA_VERSION, same_major
from tests.cli_helpers import one_error_line, run_cli

# `profile sample_data/heavy_tail_regression.csv --format json` as saved under schema 1.0.
SAVED_1_0 = Path(__file__).parent / "fixtures" / "profile_heavy_tail_1_0.json"
OBJECTIVES = ((), ("--objective", "mae"), ("--objective", "rmse"), ("--objective", "quantile:0.9"))


def _write(tmp_path: Path, name: str, document: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _recommend(path: Path, objective: tuple[str, ...]) -> str:
    result = run_cli("recommend", "--profile", path, "--format", "json", *objective)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_version_is_1_1_and_reads_every_1_x() -> None:
    assert PROFILE_SCHEMA_VERSION == "1.1"
    assert same_major("1.0", PROFILE_SCHEMA_VERSION) and same_major("1.9", PROFILE_SCHEMA_VERSION)
    assert same_major(1.0, PROFILE_SCHEMA_VERSION) and not same_major("2.0", PROFILE_SCHEMA_VERSION)


def test_a_saved_1_0_profile_loads() -> None:
    profile = read_profile(SAVED_1_0)
    assert profile.schema_version == "1.0" and profile.task == "regression"
    assert profile.target_stats.contamination is not None and profile.targets is None


def test_a_new_profile_says_1_1() -> None:
    result = run_cli("profile", "sample_data/counts.csv", "--target", "visits", "--no-noise", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["schema_version"] == "1.1"


@pytest.mark.parametrize("objective", OBJECTIVES, ids=lambda o: o[-1] if o else "default")
def test_a_1_0_profile_recommends_as_the_same_profile_saved_as_1_1(tmp_path: Path, objective) -> None:
    document = json.loads(SAVED_1_0.read_text(encoding="utf-8"))
    as_1_1 = _write(tmp_path, "p11.json", {**document, "schema_version": "1.1"})
    old = _recommend(SAVED_1_0, objective)
    assert old == _recommend(as_1_1, objective)
    assert json.loads(old)["candidates"], "the 1.0 profile must still yield candidates"


def test_a_1_0_profile_without_contamination_reads_it_as_not_measured(tmp_path: Path) -> None:
    """Profiles saved before `target_stats.contamination` existed: the key is absent, which means null."""
    document = json.loads(SAVED_1_0.read_text(encoding="utf-8"))
    stats = {k: v for k, v in document["target_stats"].items() if k != "contamination"}
    older = _write(tmp_path, "older.json", {**document, "target_stats": stats})
    null = _write(tmp_path, "null.json", {**document, "schema_version": "1.1",
                                           "target_stats": {**stats, "contamination": None}})
    assert read_profile(older).target_stats.contamination is None
    for objective in OBJECTIVES:
        assert _recommend(older, objective) == _recommend(null, objective)


def test_a_newer_minor_version_is_read(tmp_path: Path) -> None:
    document = json.loads(SAVED_1_0.read_text(encoding="utf-8"))
    newer = _write(tmp_path, "p17.json", {**document, "schema_version": "1.7", "a_key_from_1_7": {"x": 1}})
    assert _recommend(newer, ()) == _recommend(SAVED_1_0, ())


@pytest.mark.parametrize("command", [("recommend", "--profile", "{p}"), ("check", "--profile", "{p}"),
                                     ("check", "--profile", str(SAVED_1_0), "--baseline", "{p}"),
                                     ("report", "--profile", "{p}")], ids=["recommend", "check", "baseline", "report"])
def test_a_newer_major_version_is_one_error_line(tmp_path: Path, command) -> None:
    document = json.loads(SAVED_1_0.read_text(encoding="utf-8"))
    future = _write(tmp_path, "p2.json", {**document, "schema_version": "2.0"})
    args = [str(future) if a == "{p}" else a for a in command]
    line = one_error_line(run_cli(*args, "--output", tmp_path / "out.html") if command[0] == "report" else run_cli(*args))
    assert "schema_version 2.0, which is not" in line and str(future) in line
