"""`lossadvisor trial --images DIR --masks DIR` on the command line: reports, and one test per error path."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from tests.seg_fixtures import write_pairs
from tests.cli_helpers import run_cli as _run, one_error_line as _error

FAST = ["--seeds", "2", "--epochs", "2", "--bootstrap", "100", "--device", "cpu"]


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    return write_pairs(tmp_path_factory.mktemp("seg"), n=12, classes=(1, 2))


def test_json_report_with_recommended_candidates(pairs):
    images, masks = pairs
    result = _run("trial", "--images", images, "--masks", masks, "--top", "2", "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["task"] == "segmentation" and data["metric"] == "dice"
    assert data["metrics"][:6] == ["dice", "iou", "dice_global", "iou_global", "hd95", "empty_fp_rate"]
    assert {"dice:1", "dice:2", "iou:1", "iou:2"} <= set(data["metrics"])
    assert data["higher_is_better"]["hd95"] is False and data["class_order"] == ["0", "1", "2"]
    labels = [c["label"] for c in data["candidates"]]
    assert labels[0] == "cross_entropy" and data["candidates"][0]["baseline"] and len(labels) == 3
    assert data["candidates"][1]["vs_baseline"]["verdict"] in ("better", "worse", "no significant difference")
    assert any("empty mask" in note for note in data["notes"])


def test_markdown_and_text_have_a_per_class_table(pairs, tmp_path):
    images, masks = pairs
    md = _run("trial", "--images", images, "--masks", masks, "--losses", "dice", "--format", "markdown", *FAST)
    assert md.exit_code == 0, md.output
    assert "| `dice`" in md.stdout and "**Per class, label or target**" in md.stdout and "dice:2" in md.stdout
    out = tmp_path / "report.txt"
    text = _run("trial", "--images", images, "--masks", masks, "--losses", "tversky", "--no-batch", "-o", out, *FAST)
    assert text.exit_code == 0, text.output
    body = out.read_text()
    assert "segmentation · metric dice" in body and "sequential" in body and "per class" in body and "dice:2 ↑" in body


def test_sweep_and_metric_choice(pairs):
    images, masks = pairs
    result = _run("trial", "--images", images, "--masks", masks, "--sweep", "tversky.beta=0.5,0.7",
                  "--metric", "dice_global", "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["metric"] == "dice_global" and data["sweep"]["param"] == "beta"
    assert [c["label"] for c in data["candidates"]][1:] == ["tversky(beta=0.5)", "tversky(beta=0.7)"]


def test_plot_is_written(pairs, tmp_path):
    pytest.importorskip("matplotlib", reason="--plot needs the plot extra")
    images, masks = pairs
    png = tmp_path / "curves.png"
    result = _run("trial", "--images", images, "--masks", masks, "--losses", "dice", "--plot", png, *FAST)
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_same_seed_same_numbers(pairs):
    images, masks = pairs
    args = ("trial", "--images", images, "--masks", masks, "--losses", "dice", "--format", "json", *FAST)
    first, second = _run(*args), _run(*args)
    strip = lambda out: {k: v for k, v in json.loads(out).items() if k != "seconds"}  # noqa: E731
    assert strip(first.stdout) == strip(second.stdout)


@pytest.mark.parametrize("args, message", [
    (["--images", "{images}"], "--images needs --masks"),
    (["--masks", "{masks}"], "needs the images the masks label"),
    (["{csv}", "--images", "{images}", "--masks", "{masks}"], "not both"),
    (["--images", "{images}", "--masks", "{masks}", "--target", "y"], "--target apply to tables"),
    (["--images", "{images}", "--masks", "{masks}", "--task", "binary"], "conflicts with images and masks"),
    (["--manifest", "{manifest}", "--images", "{images}"], "give --manifest or --images/--masks"),
    (["--images", "{missing}", "--masks", "{masks}"], "images folder not found"),
    (["--images", "{images}", "--masks", "{masks}", "--losses", "mse"], "does not apply to a segmentation target"),
    (["--images", "{images}", "--masks", "{masks}", "--metric", "pr_auc"], "does not apply to segmentation"),
    (["--images", "{images}", "--masks", "{masks}", "--sweep", "dice.nope=1,2"], "has no parameter 'nope'"),
    (["--images", "{images}", "--masks", "{masks}", "--folds", "2"], "--folds must be 1 (single split) or at least 3"),
    (["--images", "{images}", "--masks", "{masks}", "--folds", "7"], "fewer than 2 images per fold"),
    (["--images", "{images}", "--masks", "{masks}", "--folds", "0"], "--folds must be at least 1"),
])
def test_error_paths(pairs, tmp_path, args, message):
    images, masks = pairs
    csv = tmp_path / "t.csv"
    csv.write_text("a,y\n1,0\n")
    manifest = tmp_path / "m.csv"
    manifest.write_text("image,mask\n")
    values = {"images": images, "masks": masks, "csv": csv, "manifest": manifest, "missing": tmp_path / "nope"}
    result = _run("trial", *[a.format(**values) for a in args], *FAST)
    assert message in _error(result)


def _folder_with(tmp_path, edit):
    images, masks = write_pairs(tmp_path, n=12)
    edit(images, masks)
    return images, masks


def test_bad_inputs_exit_2(tmp_path):
    few = write_pairs(tmp_path / "few", n=5)
    assert "at least 10 image" in _error(_run("trial", "--images", few[0], "--masks", few[1], *FAST))

    def resize(images, masks):
        Image.fromarray(np.zeros((20, 20), np.uint8)).save(images / "im_03.png")
    sized = _folder_with(tmp_path / "size", resize)
    assert "but its mask is" in _error(_run("trial", "--images", sized[0], "--masks", sized[1], *FAST))

    def blank(images, masks):
        for path in masks.iterdir():
            Image.fromarray(np.zeros((16, 16), np.uint8)).save(path)
    empty = _folder_with(tmp_path / "blank", blank)
    assert "no foreground class" in _error(_run("trial", "--images", empty[0], "--masks", empty[1], *FAST))

    def rename(images, masks):
        for path in masks.iterdir():
            path.rename(masks / f"other_{path.name}")
    apart = _folder_with(tmp_path / "apart", rename)
    assert "same file stem" in _error(_run("trial", "--images", apart[0], "--masks", apart[1], *FAST))


def test_manifest_errors(tmp_path):
    write_pairs(tmp_path, n=12)
    manifest = tmp_path / "m.csv"
    manifest.write_text("picture,mask\na.png,b.png\n")
    assert "needs the columns image,mask" in _error(_run("trial", "--manifest", manifest, *FAST))
    manifest.write_text("image,mask\nimages/im_00.png,masks/gone.png\n")
    assert "line 2: file not found" in _error(_run("trial", "--manifest", manifest, *FAST))
    assert "manifest not found" in _error(_run("trial", "--manifest", tmp_path / "none.csv", *FAST))


@pytest.mark.parametrize("loss", ["ctc", "triplet"])
def test_sequence_and_metric_learning_losses_are_refused_naming_what_is_supported(pairs, loss):
    images, masks = pairs
    message = _error(_run("trial", "--images", images, "--masks", masks, "--losses", loss, *FAST))
    assert "does not fit" in message and "segmentation" in message and "multilabel" in message


def test_small_image_sets_are_cross_fitted_unless_folds_1(pairs):
    images, masks = pairs
    args = ("trial", "--images", images, "--masks", masks, "--losses", "dice", "--format", "json", *FAST)
    crossed = json.loads(_run(*args).stdout)
    assert crossed["folds"] == {"k": 3, "scheme": "stratified", "tested_rows": 12, "rows": 12}
    assert crossed["rows"]["test"] == 12 and any("every image tested once per seed" in n for n in crossed["notes"])
    assert any("it is at least 0.01" in n for n in crossed["notes"])
    text = " ".join(_run("trial", "--images", images, "--masks", masks, "--losses", "dice", *FAST).stdout.split())
    assert "3 stratified folds, 12/12 images tested per seed" in text
    single = json.loads(_run(*args, "--folds", "1").stdout)
    assert "folds" not in single and single["rows"]["test"] < 12


def test_manifest_with_too_few_groups_for_the_folds(tmp_path):
    images, masks = write_pairs(tmp_path, n=12)
    lines = ["image,mask,group"] + [f"images/im_{i:02d}.png,masks/im_{i:02d}.png,p{i // 4}" for i in range(12)]
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    result = _run("trial", "--manifest", tmp_path / "manifest.csv", "--folds", "5", *FAST)
    assert "cross-fitting with 5 folds needs at least 5 groups in the manifest; it has 3 (use fewer folds" in _error(result)
