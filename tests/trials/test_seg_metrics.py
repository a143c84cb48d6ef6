"""Known-answer tests of the segmentation metrics on hand-made masks."""

from __future__ import annotations

import numpy as np
import pytest

from lossadvisor.trials import seg_metrics as S


def _masks():
    """Image 0: truth 4 pixels, prediction hits 2 of them and adds 2 (TP 2, FP 2, FN 2).
    Image 1: empty truth, empty prediction. Image 2: empty truth, one false pixel."""
    truth = np.zeros((3, 4, 4), dtype=np.int64)
    pred = np.zeros_like(truth)
    truth[0, 0, :4] = 1
    pred[0, 0, :2] = 1
    pred[0, 1, :2] = 1
    pred[2, 3, 3] = 1
    return truth, pred


def test_counts_dice_and_iou_by_hand():
    truth, pred = _masks()
    tp, fp, fn = S.overlap_counts(truth, pred, 2)
    assert tp[:, 0].tolist() == [2, 0, 0] and fp[:, 0].tolist() == [2, 0, 1] and fn[:, 0].tolist() == [2, 0, 0]
    dice = S.dice_scores(tp, fp, fn)[:, 0]
    iou = S.iou_scores(tp, fp, fn)[:, 0]
    # 2·2/(4+2+2) = 0.5 and 2/(2+2+2) = 1/3; empty on empty = 1 (correct); a false pixel on empty = 0.
    assert dice.tolist() == pytest.approx([0.5, 1.0, 0.0])
    assert iou.tolist() == pytest.approx([1 / 3, 1.0, 0.0])
    assert S.image_mean(dice)[0] == pytest.approx(0.5)
    # Pooled over the set: TP 2, FP 3, FN 2 → Dice 4/9, IoU 2/7.
    assert S.pooled(S.dice_scores, tp, fp, fn)[0] == pytest.approx(4 / 9)
    assert S.pooled(S.iou_scores, tp, fp, fn)[0] == pytest.approx(2 / 7)


def test_empty_fp_rate_counts_only_empty_images():
    truth, pred = _masks()
    truth_empty = ~truth.reshape(3, -1).any(axis=1)
    pred_any = pred.reshape(3, -1).any(axis=1)
    assert S.empty_fp_rate(truth_empty, pred_any)[0] == pytest.approx(0.5)  # 1 of the 2 empty images
    assert np.isnan(S.empty_fp_rate(np.array([False]), np.array([True]))[0])  # no empty image: not measured


def test_weights_act_as_resampled_images():
    truth, pred = _masks()
    tp, fp, fn = S.overlap_counts(truth, pred, 2)
    dice = S.dice_scores(tp, fp, fn)[:, 0]
    weights = np.array([[2, 1, 0], [0, 0, 3]], dtype=float)  # image 0 twice + image 1; image 2 three times
    assert S.image_mean(dice, weights).tolist() == pytest.approx([(0.5 * 2 + 1) / 3, 0.0])
    # Pooled with weights = pooled over the resample: TP 4, FP 4, FN 4 → 0.5; second: TP 0, FP 3, FN 0 → 0.
    assert S.pooled(S.dice_scores, tp, fp, fn, weights).tolist() == pytest.approx([0.5, 0.0])


def test_multiclass_counts_and_ignored_pixels():
    truth = np.array([[[0, 1, 2, 255]]])
    pred = np.array([[[1, 1, 1, 2]]])
    tp, fp, fn = S.overlap_counts(truth, pred, 3)
    assert tp.tolist() == [[1, 0]] and fp.tolist() == [[2, 0]] and fn.tolist() == [[0, 1]]  # 255 counts nowhere


def test_hd95_single_pixels_and_shifted_squares():
    a = np.zeros((16, 16), bool)
    b = np.zeros((16, 16), bool)
    a[5, 5], b[5, 8] = True, True
    assert S.hd95(a, b) == pytest.approx(3.0)
    square, shifted = np.zeros((32, 32), bool), np.zeros((32, 32), bool)
    square[8:18, 8:18] = True
    shifted[8:18, 10:20] = True  # two pixels to the right
    assert S.hd95(square, shifted) == pytest.approx(2.0)
    assert S.hd95(square, square) == 0.0
    assert np.isnan(S.hd95(square, np.zeros_like(square)))


def test_image_hd95_skips_images_without_both():
    truth = np.zeros((2, 16, 16), dtype=np.int64)
    pred = np.zeros_like(truth)
    truth[0, 5, 5], pred[0, 5, 9] = 1, 1
    truth[1, 3, 3] = 1  # missed entirely: no boundary distance, Dice carries it
    values = S.image_hd95(truth, pred, 2)
    assert values[0] == pytest.approx(4.0) and np.isnan(values[1])
    assert S.image_mean(values)[0] == pytest.approx(4.0)


def test_per_image_mean_over_present_classes_and_empty_images():
    # Image 0: class 1 Dice 0.5, class 2 in neither (left out) → 0.5; image 1: nothing anywhere → 1.
    tp = np.array([[2.0, 0.0], [0.0, 0.0]])
    fp = np.array([[2.0, 0.0], [0.0, 0.0]])
    fn = np.array([[2.0, 0.0], [0.0, 0.0]])
    dice = S.dice_scores(tp, fp, fn)
    assert S.per_image(dice, tp, fp, fn).tolist() == pytest.approx([0.5, 1.0])
    class2 = S.class_values(dice, tp, fp, fn, 1)
    assert np.isnan(class2).all() and np.isnan(S.image_mean(class2)[0])
    assert S.class_values(dice, tp, fp, fn, 0).tolist()[0] == pytest.approx(0.5)
