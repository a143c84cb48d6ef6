"""Segmentation examples: run-length codes, the deterministic choice, the overlay PNG, and the trial that carries them."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from lossadvisor.report.seg_overlay import BLUE, GREEN, RED, TINT, encode_png, example_view, example_views, overlay
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.results import TrialOptions
from lossadvisor.trials.seg_data import load_segmentation, split_images
from lossadvisor.trials.seg_examples import (choose_examples, decode_runs, encode_runs, segmentation_examples,
                                             stride_for)
from lossadvisor.trials.seg_run import run_segmentation_trials
from lossadvisor.trials.train_types import TrainConfig
from tests.seg_fixtures import write_pairs


def test_run_length_codes_by_hand():
    mask = np.array([[0, 0, 1], [1, 1, 255]])
    assert encode_runs(mask) == (0, 2, 1, 3, 255, 1)
    assert np.array_equal(decode_runs([0, 2, 1, 3, 255, 1], (2, 3)), mask)
    assert encode_runs(np.zeros((0, 3), int)) == ()
    with pytest.raises(ValueError, match="do not fill"):
        decode_runs([0, 5], (2, 3))
    with pytest.raises(ValueError, match="do not fill"):
        decode_runs([0, 6, 1], (2, 3))


def test_stride_brings_the_longer_side_to_64():
    assert stride_for((64, 64)) == 1 and stride_for((65, 10)) == 2 and stride_for((100, 200)) == 4


def test_choice_is_largest_dice_difference_then_first_empty_mask():
    truth = np.zeros((5, 2, 2), int)
    truth[[0, 2, 3], 0, 0] = 1  # images 1 and 4 are empty
    base = np.array([0.5, 1.0, 0.0, 0.9, 1.0])
    best = np.array([0.6, 1.0, 0.8, 0.1, 0.0])  # |Δ| = 0.1, 0, 0.8, 0.8, 1.0
    assert choose_examples(truth, base, best) == [4, 2, 1]  # 4 (1.0), then 2 before 3 (tie: earlier), then empty 1
    no_empty = np.ones((3, 2, 2), int)
    assert choose_examples(no_empty, np.array([1.0, 0.5, 0.2]), np.array([1.0, 0.5, 0.9])) == [2, 0, 1]


def test_examples_carry_subsampled_masks_and_per_image_dice():
    truth = np.zeros((2, 130, 130), int)
    truth[0, :4, :4] = 1
    images = np.stack([np.linspace(0, 1, 130 * 130).reshape(1, 130, 130)] * 2)
    perfect = np.stack([1 - truth, truth], axis=1).astype(float)  # logits: argmax is the truth
    nothing = np.stack([np.ones_like(truth), np.zeros_like(truth)], axis=1).astype(float)
    examples = segmentation_examples(images, truth, ["a", "b"], 2, {"ce": nothing, "dice": perfect})
    assert [e.name for e in examples] == ["a", "b"]
    first = examples[0]
    assert first.stride == 3 and first.shape == (44, 44)
    assert first.dice == {"ce": 0.0, "dice": 1.0}
    assert np.array_equal(decode_runs(first.truth, first.shape), truth[0, ::3, ::3])
    assert first.predictions["ce"] == (0, 44 * 44)
    gray = np.frombuffer(base64.b64decode(first.image), np.uint8)
    assert gray.size == 44 * 44 and gray[0] == 0 and gray[-1] == 255
    assert examples[1].dice == {"ce": 1.0, "dice": 1.0}  # empty truth, empty prediction: correct


def test_png_round_trips_through_pillow():
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
    decoded = np.asarray(Image.open(io.BytesIO(encode_png(rgb))).convert("RGB"))
    assert np.array_equal(decoded, rgb)


def test_overlay_colours_by_agreement():
    gray = np.full((1, 4), 100, np.uint8)
    truth = np.array([[1, 1, 0, 255]])
    pred = np.array([[1, 0, 1, 1]])  # correct, missed, false positive, ignored
    panel = overlay(gray, truth, pred)

    def tinted(colour):
        return list(np.round((1 - TINT) * 100 + TINT * np.asarray(colour, float)).astype(np.uint8))

    assert list(panel[0, 0]) == tinted(GREEN) and list(panel[0, 1]) == tinted(BLUE)
    assert list(panel[0, 2]) == tinted(RED) and list(panel[0, 3]) == [100, 100, 100]
    truth_panel = overlay(gray, truth, None)
    assert list(truth_panel[0, 1]) == tinted(GREEN) and list(truth_panel[0, 2]) == [100, 100, 100]


def test_views_draw_pass_through_and_skip_broken_entries():
    example = {"name": "im_01", "shape": [2, 2], "stride": 1, "image": base64.b64encode(bytes(4)).decode(),
               "truth": [0, 3, 1, 1], "predictions": {"ce": [0, 4], "dice": [0, 3, 1, 1]},
               "dice": {"ce": 0.0, "dice": 1.0}}
    view = example_view(example)
    assert list(view["overlays"]) == ["ground truth", "ce (Dice 0.000)", "dice (Dice 1.000)"]
    assert view["caption"].startswith("im_01 (held-out;")
    assert all(uri.startswith("data:image/png;base64,") for uri in [view["image"], *view["overlays"].values()])
    ready = {"caption": "x", "image": "data:", "overlays": {}}
    broken = [{**example, "truth": [0, 3]}, {**example, "image": "AAAA"}, {"name": "no masks"}, "text"]
    assert example_views([example, ready, *broken]) == (view, ready)


def test_trial_report_carries_examples_of_baseline_and_shown_candidate(tmp_path):
    data = load_segmentation(*write_pairs(tmp_path, n=12))
    specs = [CandidateSpec("cross_entropy", {}, True), CandidateSpec("dice_ce", {"include_background": False})]
    options = TrialOptions(seeds=2, bootstrap=50, device="cpu", train=TrainConfig(batch_size=4, epochs=2, patience=None))
    report = run_segmentation_trials(data, specs, options, width=4)
    again = run_segmentation_trials(data, specs, options, width=4)
    assert report.examples == again.examples  # deterministic
    assert 1 <= len(report.examples) <= 3
    test_names = {data.names[i] for i in split_images(data, 0).test}
    for e in report.examples:
        assert e.name in test_names and e.shape == (16, 16) and e.stride == 1
        assert list(e.predictions) == ["cross_entropy", "dice_ce(include_background=False)"]
        assert set(e.dice) == set(e.predictions) and all(0.0 <= v <= 1.0 for v in e.dice.values())
    assert any(not data.masks[data.names.index(e.name)].any() for e in report.examples)  # an empty mask is shown
