"""`lossadvisor report --trial` on a segmentation trial's JSON: example overlays in HTML, a note in Markdown."""

from __future__ import annotations

import json

import pytest

from tests.seg_fixtures import write_pairs
from tests.cli_helpers import run_cli as _run

FAST = ["--seeds", "2", "--epochs", "2", "--bootstrap", "100", "--device", "cpu", "--losses", "dice"]


@pytest.fixture(scope="module")
def saved_trial(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seg_report")
    images, masks = write_pairs(folder, n=12)
    out = folder / "trial.json"
    result = _run("trial", "--images", images, "--masks", masks, "--format", "json", "-o", out, *FAST)
    assert result.exit_code == 0, result.output
    return out


def test_trial_json_carries_examples_and_text_names_them(saved_trial, tmp_path):
    data = json.loads(saved_trial.read_text())
    examples = data["examples"]
    assert 1 <= len(examples) <= 3
    assert all(set(e["predictions"]) == {"cross_entropy", "dice"} for e in examples)
    assert all(sum(e["truth"][1::2]) == 16 * 16 for e in examples)  # the runs fill the 16×16 mask
    from lossadvisor.contracts import validate_document

    validate_document(data, "trial", str(saved_trial))


def test_html_report_draws_overlays_and_markdown_notes_them(saved_trial, tmp_path):
    pytest.importorskip("matplotlib", reason="the HTML report needs the report extra")
    examples = json.loads(saved_trial.read_text())["examples"]
    html = tmp_path / "report.html"
    result = _run("report", "--trial", saved_trial, "-o", html)
    assert result.exit_code == 0, result.output
    page = html.read_text()
    assert "Example predictions" in page
    # per example: the input, the truth and two predictions, each an inline PNG
    assert page.count('src="data:image/png;base64,') == 4 * len(examples)
    assert f'alt="ground truth overlaid on image {examples[0]["name"]}' in page
    md = _run("report", "--trial", saved_trial, "--format", "markdown")
    assert md.exit_code == 0, md.output
    assert "_Example predictions, drawn as overlays in the HTML report: " + examples[0]["name"] in md.output
    assert "data:image/png" not in md.output


def test_trial_markdown_lists_examples(tmp_path):
    images, masks = write_pairs(tmp_path, n=12)
    result = _run("trial", "--images", images, "--masks", masks, "--format", "markdown", *FAST)
    assert result.exit_code == 0, result.output
    assert "example predictions (first seed, per-image Dice), drawn as overlays by `lossadvisor report`" in result.output


def test_pages_name_the_folds_and_count_images(saved_trial, tmp_path):
    md = tmp_path / "report.md"
    result = _run("report", "--trial", saved_trial, "--format", "markdown", "-o", md)
    assert result.exit_code == 0, result.output
    assert "3 stratified folds, 12/12 images tested per seed" in md.read_text()
