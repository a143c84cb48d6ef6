"""Cross-fitted segmentation trials: every image is tested once per seed, by a model that never saw it.

    plan = plan_image_folds(data, k=3, seeds=[0, 1, 2])

A small image set split once leaves only a handful of test images (40 images → 8), and one
empty image more or less in the test part swings per-image Dice by a tenth, so real differences
between losses drown in the interval. Cross-fitting (as for tables, :mod:`lossadvisor.trials.folds`,
Chernozhukov et al. 2018 §3) tests every image once per seed and trains every candidate K times
per seed from independent starting weights, so a loss that fails to start on some seeds (pixel
cross-entropy on tiny foregrounds often predicts all background for many epochs) is measured
by its rate of failure, not by the luck of three draws.

The folds are by image, stratified on the classes an image contains (empty images land in every
fold), or by group when a manifest names groups: never by pixel. Fold k is tested, fold k+1
stops early, the rest train — the rotation of :func:`lossadvisor.trials.folds.plan_folds`.
With the default K=3 each fold model trains on a third of the images (the single split trains on
60%), so the three fits of a seed together train on about 1.7× the single split's images, and
evaluation on own rows only (trials.crossfit.fold_index) keeps the whole at about 2× the single
split's time, for 5× the test images on 40 images. More folds train on more images per model at
K/(K−2)… K× the cost: ``--folds 5`` is 60/20/20 per fold, 5× the training.

Batched, every member takes the steps of the largest training fold (one stacked model), so a
smaller fold's images wrap round within an epoch (trials.train.wrapped_order); ``--no-batch`` steps
each fold by its own size. When the image count does not divide by K the two runs differ slightly.
"""

from __future__ import annotations

import numpy as np

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.folds import FoldPlan, choose_folds, plan_folds
from lossadvisor.trials.seg_data import MIN_IMAGES

AUTO_FOLDS = 3
AUTO_MAX_IMAGES = 100  # from 100 images the single split's test part (20) carries a verdict on its own


def choose_image_folds(requested: int | None, n_images: int) -> int:
    """``None`` → 3 folds under 100 images, else the single split (1); an explicit K is checked."""
    if requested is None:
        return AUTO_FOLDS if n_images < AUTO_MAX_IMAGES else 1
    choose_folds(requested, n_images)  # the checks every explicit K passes (1, or at least 3)
    if requested > n_images // 2:
        raise LossAdvisorError(f"--folds {requested} leaves fewer than 2 images per fold; the set has {n_images} "
                               f"images (use at most {max(3, n_images // 2)} folds, or --folds 1)")
    return requested


def presence_strata(masks: np.ndarray, n_classes: int, smallest: int) -> np.ndarray:
    """One label per image: which foreground classes it contains ("" digits per class, "00" = empty).

    A combination seen fewer than ``smallest`` times cannot reach every part or fold: it is folded
    into "fg" (has some foreground), and "fg" itself, if still too rare, into the commonest label.
    """
    present = np.stack([(masks == c).reshape(len(masks), -1).any(axis=1) for c in range(1, n_classes)], 1)
    keys = np.array(["".join("1" if v else "0" for v in row) for row in present])
    values, counts = np.unique(keys, return_counts=True)
    rare = set(values[counts < smallest].tolist())
    strata = np.array([k if k not in rare else ("fg" if "1" in k else k) for k in keys])
    values, counts = np.unique(strata, return_counts=True)
    if counts.min() < smallest and len(values) > 1:
        commonest = values[np.argmax(counts)]
        strata = np.where(np.isin(strata, values[counts < smallest]), commonest, strata)
    return strata


def plan_image_folds(masks: np.ndarray, n_classes: int, groups: tuple[str, ...] | None, k: int,
                     seeds: list[int]) -> FoldPlan:
    """K folds of the images per seed: by group when given, else stratified on the classes present."""
    if groups is not None:
        n = len(set(groups))
        if n < k:
            hint = "use fewer folds, or --folds 1 for one split" if n >= 3 else "a trial needs at least 3 groups"
            raise LossAdvisorError(f"cross-fitting with {k} folds needs at least {k} groups in the manifest; it has "
                                   f"{n} ({hint})")
        return plan_folds(k, len(masks), seeds, groups=np.asarray(groups), min_rows=MIN_IMAGES)
    return plan_folds(k, len(masks), seeds, labels=presence_strata(masks, n_classes, k), min_rows=MIN_IMAGES)


def fold_note(plan: FoldPlan, empty: int) -> str:
    train = len(plan.splits[0].train)
    unit = "whole groups of images" if plan.scheme == "grouped" else "images"
    return (f"cross-fitted: {plan.k} {plan.scheme} folds of the images per seed; every image tested once per seed "
            f"({len(plan.tested)} test images, {empty} with an empty mask) by a model trained on about {train} "
            f"others, early stopping on the next fold; intervals resample {unit} and seeds")
