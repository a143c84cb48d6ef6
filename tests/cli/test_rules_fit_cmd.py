"""`lossadvisor rules fit`: fit scores from an evidence table, check drift, write rules and the figure."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lossadvisor.advice.ruleset import load_rules, shipped_rules_dir
from lossadvisor.cli.main import app
from tests.advice.evidence_fixtures import synthetic_rows, write_table


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), folder)
    return write_table(tmp_path / "evidence"), folder


def test_fit_check_write_then_check_passes(runner: CliRunner, setup, tmp_path: Path) -> None:
    results, folder = setup
    before = runner.invoke(app, ["rules", "fit", str(results), "--rules-dir", str(folder), "--check", "--no-lodo"])
    assert before.exit_code == 1, before.output
    assert "rules drift from the evidence:" in before.stdout and "IMB-001: rules say" in before.stdout
    doc = tmp_path / "score-fit.md"
    wrote = runner.invoke(app, ["rules", "fit", str(results), "--rules-dir", str(folder), "--write", "--doc", str(doc)])
    assert wrote.exit_code == 0, wrote.output
    assert "IMB-001  f1                 prior 0.8   ties 0/3   -> 0.693 (an average loss: 0.75)" in wrote.stdout
    assert re.search(r"wrote [3-9] rule file\(s\)", wrote.stdout)  # defaults, imbalance, regression at least
    assert "  all               8/8 = 100%     4/8 = 50%      5/8 = 62%" in wrote.stdout
    assert dict(load_rules(folder, include_shipped=False).get("DEF-001").scores)["f1"] == 0.921
    markdown = doc.read_text(encoding="utf-8")
    assert "score(r, o) = p + (t − e) / (m + n),   m = 4" in markdown
    assert "| IMB-002 | recall | 0.86 | 3 / 3 | 0.75 | 1 |" in markdown
    assert "| all | 8/8 = 100% | 4/8 = 50% | 5/8 = 62% | 8/8 = 100% | 8/8 = 100% |" in markdown
    assert "| first choice | measured |\n|---|---|---|---|---|\n\n" in markdown  # no misses on this table
    after = runner.invoke(app, ["rules", "fit", str(results), "--rules-dir", str(folder), "--check", "--no-lodo"])
    assert after.exit_code == 0, after.output


def test_the_prior_weight_option_changes_the_fit(runner: CliRunner, setup) -> None:
    results, folder = setup
    result = runner.invoke(app, ["rules", "fit", str(results), "--rules-dir", str(folder), "-m", "1", "--no-lodo"])
    assert result.exit_code == 0 and "IMB-001  f1                 prior 0.8   ties 0/3   -> 0.613" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--write", "--check"], "--write and --check exclude each other"),
    (["--prior-weight", "0"], "the prior weight m must be > 0"),
    (["--facts", "nope.jsonl"], "evidence file not found: nope.jsonl"),
    (["--rules-dir", "no/such/dir"], "rules path not found"),
])
def test_bad_options_are_one_error_line(runner: CliRunner, setup, args, message) -> None:
    results, folder = setup
    extra = [] if "--rules-dir" in args else ["--rules-dir", str(folder)]
    result = runner.invoke(app, ["rules", "fit", str(results), *extra, *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_table_is_one_error_line_and_files_are_untouched(runner: CliRunner, setup, tmp_path: Path) -> None:
    _, folder = setup
    rows, cases = synthetic_rows()
    results = write_table(tmp_path / "ev", [{**rows[0], "tied_with_best": "perhaps"}], cases)
    before = {path: path.read_bytes() for path in [results, *folder.iterdir()]}
    result = runner.invoke(app, ["rules", "fit", str(results), "--rules-dir", str(folder), "--write"])
    assert result.exit_code == 2 and "line 2: column 'tied_with_best' must be true or false" in result.stderr
    assert {path: path.read_bytes() for path in before} == before
