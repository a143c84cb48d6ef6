"""profile and recommend on several target columns, from the command line: per-target output and errors."""

from __future__ import annotations

import json

import pytest

from tests.profiling.test_target_measure import mixed_targets, three_targets
from tests.cli_helpers import run_cli as _run


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("multi")
    three, mixed = folder / "three.csv", folder / "mixed.csv"
    three_targets().to_csv(three, index=False)
    frame = mixed_targets()
    frame["flat"] = 7
    frame.to_csv(mixed, index=False)
    profile = folder / "three.json"
    result = _run("profile", three, "--target", "a,b,c", "--no-noise", "--format", "json", "--output", profile)
    assert result.exit_code == 0, result.output
    return {"three": three, "mixed": mixed, "profile": profile, "folder": folder}


def test_profile_text_and_markdown_show_each_target(files):
    text = _run("profile", files["mixed"], "--target", "fraud,amount,tier", "--no-noise")
    assert text.exit_code == 0, text.output
    assert "Targets (each measured on its own)" in text.stdout
    assert "fraud" in text.stdout and "binary; 2 classes" in text.stdout and "multiclass; 3 classes" in text.stdout
    markdown = _run("profile", files["three"], "--target", "a,b,c", "--no-noise", "--format", "markdown")
    assert "## Targets (each measured on its own)" in markdown.stdout
    assert "| c | regression;" in markdown.stdout and "heavy-tailed True" in markdown.stdout


def test_recommend_from_a_saved_profile_shows_per_target_losses(files):
    text = _run("recommend", "--profile", files["profile"])
    assert text.exit_code == 0, text.output
    assert "Per-target losses" in text.stdout and "Combinations" in text.stdout
    row = next(line for line in text.stdout.splitlines() if line.startswith("│ c "))
    assert "regression" in row and "OUT-00" in row
    data = json.loads(_run("recommend", "--profile", files["profile"], "--format", "json").stdout)
    assert [t["name"] for t in data["targets"]] == ["a", "b", "c"]
    assert [c["name"] for c in data["combinations"]] == ["sum", "scale_weights", "uncertainty_weighted"]
    markdown = _run("recommend", "--profile", files["profile"], "--format", "markdown").stdout
    assert "## Per-target losses" in markdown and "| `sum (baseline)` |" in markdown


def test_recommend_emits_the_combined_loss(files):
    snippet = files["folder"] / "loss.py"
    result = _run("recommend", files["mixed"], "--target", "fraud,amount", "--no-noise", "--emit", "python", snippet)
    assert result.exit_code == 0, result.output
    text = snippet.read_text()
    assert "build_loss('uncertainty_weighted', components=[{'name': 'fraud', 'loss': " in text
    assert "{'name': 'amount', 'loss': 'mse'" in text   # each target's own configured loss
    exec(compile(text, str(snippet), "exec"), {})        # the emitted module builds the combined loss


@pytest.mark.parametrize("command, args, message", [
    ("profile", ["mixed", "--target", "amount", "--task", "multitarget"], "needs two or more target columns"),
    ("profile", ["mixed", "--target", "amount,flat"], "target column 'flat' has a single value"),
    ("recommend", ["three", "--target", "a,b,c", "--no-noise", "--objective", "recall"],
     "objective 'recall' applies to none of the targets"),
    ("recommend", ["three", "--target", "a,b,c", "--no-noise", "--fn-cost", "5"],
     "--fn-cost/--fp-cost apply to classification targets"),
    ("recommend", ["--profile", "bad_kind"], "targets[0].kind must be one of"),
    ("recommend", ["--profile", "good", "--kurtosis", "12"], "target_stats.kurtosis describes one target"),
    ("recommend", ["--profile", "one_target"], "targets must be a list of 2 or more items, got a list of 1 item"),
])
def test_errors_are_one_line_and_exit_2(files, command, args, message):
    saved = json.loads(files["profile"].read_text())
    bad = files["folder"] / "bad_kind.json"
    bad.write_text(json.dumps({**saved, "targets": [{**saved["targets"][0], "kind": "multilabel"}, *saved["targets"][1:]]}))
    short = files["folder"] / "one_target.json"
    short.write_text(json.dumps({**saved, "targets": saved["targets"][:1]}))
    names = {"mixed": files["mixed"], "three": files["three"], "bad_kind": bad, "one_target": short,
             "good": files["profile"]}
    result = _run(command, *[names.get(a, a) for a in args])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.stderr
