"""Is the disagreement label noise or class overlap? The noise floor at the anchor rows.

Confident learning assumes a wrong label is independent of the features given the true class
(Northcutt et al. 2021, sec. 2): then the rows that are most clearly of class k, its *anchor points*
(Patrini et al. 2017, "Making deep neural networks robust to label noise: a loss correction
approach", CVPR; Xia et al. 2019, "Are anchor points really indispensable in label-noise learning?",
NeurIPS, take a high quantile rather than the single most confident row), carry wrong labels at the
class's noise rate, however sure the model is of them. Where the classes overlap by nature and the
labels are right, the same rows are almost never labelled otherwise: the disagreement sits where the
model is unsure, and model uncertainty is not noise (issue 11, part 5).

So: per class, the rows with the highest out-of-fold probability of that class (the top
``ANCHOR_SHARE`` of the rows predicted as it, at least ``MIN_ANCHORS``); the share of them whose given
label is another class is that class's noise floor; the floor of the table weights the classes by
their predicted share. Flips on separable classes give a floor near the flip rate; clean overlapping
classes give a floor near zero however much the model disagrees elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ANCHOR_SHARE = 0.2
MIN_ANCHORS = 20


@dataclass(frozen=True)
class NoiseFloor:
    """The disagreement among the anchor rows, with its standard error."""

    rate: float
    standard_error: float
    anchors: int        # anchor rows over all classes


def noise_floor(probs: np.ndarray, codes: np.ndarray, independent_rows: int | None = None) -> NoiseFloor:
    """The share of wrong given labels among each class's most confidently predicted rows, class-weighted.

    With ``independent_rows`` groups among the rows (rows of a group share their label), the standard
    error grows by sqrt(rows / groups).
    """
    n, n_classes = probs.shape
    predicted = np.bincount(probs.argmax(axis=1), minlength=n_classes)
    rate, variance, anchors = 0.0, 0.0, 0
    for k in range(n_classes):
        if predicted[k] == 0:
            continue
        take = min(n, max(MIN_ANCHORS, math.ceil(ANCHOR_SHARE * predicted[k])))
        order = np.lexsort((np.arange(n), -probs[:, k]))[:take]   # ties broken by row: deterministic
        wrong = float(np.mean(codes[order] != k))
        weight = predicted[k] / n
        rate += weight * wrong
        variance += weight ** 2 * max(wrong * (1.0 - wrong), 1.0 / take) / take
        anchors += take
    inflation = n / independent_rows if independent_rows else 1.0
    return NoiseFloor(rate=float(rate), standard_error=math.sqrt(variance * inflation), anchors=int(anchors))
