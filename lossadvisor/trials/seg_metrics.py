"""Segmentation metrics on held-out images, weighted by image so one call scores many bootstrap resamples.

Overlap is counted per image and foreground class (true positives, false positives, false
negatives) and then reported two ways, as the segmentation community does (Maier-Hein et al.
2024, "Metrics reloaded"): **per image then averaged** (``dice``, ``iou``: each image counts the
same) and **over the whole set** (``dice_global``, ``iou_global``: the counts are pooled first, so
large objects weigh more). Empty ground truth is handled explicitly: an image's score is the mean
over the classes in its truth or its prediction, and an image with none in either (an empty
prediction on an empty mask) scores 1, which is correct; a class predicted where the truth has
none scores 0. The per-class values (``dice:1``) leave out the images where the class is in
neither, and ``empty_fp_rate`` is the share of images without any foreground whose prediction has
some, so correct and wrong empty predictions are also reported on their own.

The boundary metric is the 95th-percentile Hausdorff distance in pixels (Huttenlocher et al.
1993; the percentile version as in MONAI's ``compute_hausdorff_distance``): the larger of the
two directed 95th percentiles of boundary-to-boundary distances, from SciPy's Euclidean
distance transform. It is defined only where the truth and the prediction both have the class;
a missed or invented object is what Dice and ``empty_fp_rate`` measure.

Every weighted function takes ``weights`` (n,) or (B, n) over images and returns (B,).
"""

from __future__ import annotations

import numpy as np

from lossadvisor.trials.metrics import _as_rows

IGNORE_CODE = 255


def overlap_counts(truth: np.ndarray, pred: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-image TP, FP, FN of each foreground class (codes 1..C-1), each (n, C-1); ignored pixels left out."""
    n = truth.shape[0]
    valid = (truth != IGNORE_CODE).reshape(n, -1)
    t, p = truth.reshape(n, -1), pred.reshape(n, -1)
    shape = (n, n_classes - 1)
    tp, fp, fn = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for c in range(1, n_classes):
        in_truth, in_pred = (t == c) & valid, (p == c) & valid
        tp[:, c - 1] = (in_truth & in_pred).sum(axis=1)
        fp[:, c - 1] = (~in_truth & in_pred).sum(axis=1)
        fn[:, c - 1] = (in_truth & ~in_pred).sum(axis=1)
    return tp, fp, fn


def dice_scores(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """2TP / (2TP + FP + FN) elementwise; 1 where the class is in neither truth nor prediction."""
    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 1.0)


def iou_scores(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """TP / (TP + FP + FN) elementwise (Jaccard); 1 where the class is in neither truth nor prediction."""
    denom = tp + fp + fn
    return np.where(denom > 0, tp / np.where(denom > 0, denom, 1), 1.0)


def per_image(per_class: np.ndarray, tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """Per image, the mean over the classes in its truth or its prediction; 1 when there are none
    (an empty prediction on an empty mask is correct)."""
    seen = (tp + fp + fn) > 0
    counted = seen.sum(axis=1)
    return np.where(counted > 0, np.where(seen, per_class, 0.0).sum(axis=1) / np.maximum(counted, 1), 1.0)


def class_values(per_class: np.ndarray, tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, column: int) -> np.ndarray:
    """One class's per-image values; NaN (left out of the mean) where the class is in neither truth nor prediction."""
    seen = (tp + fp + fn)[:, column] > 0
    return np.where(seen, per_class[:, column], np.nan)


def image_mean(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Weighted mean over images of a per-image value (n,); NaN values (undefined) are left out."""
    w = _as_rows(weights, len(values))
    finite = np.isfinite(values)
    total = w @ finite.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (w @ np.where(finite, values, 0.0)) / np.where(total > 0, total, 1), np.nan)


def pooled(score, tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """``score`` (dice_scores or iou_scores) on the counts summed over the (weighted) images, mean over classes.

    A class absent from truth and prediction in the whole set is left out of the mean.
    """
    w = _as_rows(weights, tp.shape[0])
    t, f_p, f_n = w @ tp, w @ fp, w @ fn
    values = score(t, f_p, f_n)
    present = (t + f_p + f_n) > 0
    counted = present.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counted > 0, np.where(present, values, 0).sum(axis=1) / np.maximum(counted, 1), np.nan)


def empty_fp_rate(truth_empty: np.ndarray, pred_any: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Share of images with no foreground in the truth whose prediction has a foreground pixel (NaN if none)."""
    w = _as_rows(weights, len(truth_empty))
    empty = truth_empty.astype(np.float64)
    total = w @ empty
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (w @ (empty * pred_any)) / np.where(total > 0, total, 1), np.nan)


def _boundary(mask: np.ndarray) -> np.ndarray:
    from scipy import ndimage

    return mask & ~ndimage.binary_erosion(mask, structure=np.ones((3, 3), bool), border_value=0)


def hd95(truth: np.ndarray, pred: np.ndarray) -> float:
    """95th-percentile Hausdorff distance (pixels) between two boolean masks; NaN when either is empty."""
    from scipy import ndimage

    if not truth.any() or not pred.any():
        return float("nan")
    bt, bp = _boundary(truth), _boundary(pred)
    to_truth = ndimage.distance_transform_edt(~bt)  # distance of every pixel to the nearest truth boundary pixel
    to_pred = ndimage.distance_transform_edt(~bp)
    return float(max(np.percentile(to_truth[bp], 95), np.percentile(to_pred[bt], 95)))


def image_hd95(truth: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Per image, the mean HD95 over the foreground classes both truth and prediction contain (NaN if none)."""
    out = np.full(truth.shape[0], np.nan)
    for i in range(truth.shape[0]):
        valid = truth[i] != IGNORE_CODE
        values = [hd95((truth[i] == c) & valid, (pred[i] == c) & valid) for c in range(1, n_classes)]
        finite = [v for v in values if np.isfinite(v)]
        if finite:
            out[i] = float(np.mean(finite))
    return out

