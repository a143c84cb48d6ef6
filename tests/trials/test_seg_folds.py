"""Cross-fitted segmentation trials: folds of images, own-rows evaluation, the practical margin of verdicts."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials import crossfit, seg_run
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.crossfit import fold_output
from lossadvisor.trials.results import TrialOptions
from lossadvisor.trials.seg_data import load_segmentation
from lossadvisor.trials.seg_folds import choose_image_folds, plan_image_folds, presence_strata
from lossadvisor.trials.seg_run import run_segmentation_trials
from lossadvisor.trials.stats import BETTER, SAME, WORSE, verdict
from lossadvisor.trials.train_types import TrainConfig
from tests.seg_fixtures import write_pairs

TINY = TrainConfig(batch_size=4, epochs=2, patience=None)
SPECS = [CandidateSpec("cross_entropy", {}, True), CandidateSpec("dice_ce", {})]


def test_choose_image_folds_defaults_and_errors():
    assert choose_image_folds(None, 40) == 3 and choose_image_folds(None, 99) == 3
    assert choose_image_folds(None, 100) == 1 and choose_image_folds(1, 40) == 1 and choose_image_folds(5, 40) == 5
    with pytest.raises(LossAdvisorError, match="at least 3"):
        choose_image_folds(2, 40)
    with pytest.raises(LossAdvisorError, match="fewer than 2 images per fold"):
        choose_image_folds(7, 12)
    with pytest.raises(LossAdvisorError, match="at least 1"):
        choose_image_folds(0, 40)


def test_presence_strata_folds_rare_combinations():
    masks = np.zeros((9, 2, 2), dtype=np.int64)
    masks[3:7, 0, 0] = 1          # four images with class 1 only
    masks[7, 0, 0], masks[7, 1, 1] = 1, 2  # one with both: too rare for 3 folds → "fg"
    masks[8, 1, 1] = 2            # one with class 2 only: too rare → "fg"
    strata = presence_strata(masks, 3, smallest=3)
    assert strata[:3].tolist() == ["00"] * 3 and strata[3:7].tolist() == ["10"] * 4
    # "fg" has 2 < 3 members, so it joins the commonest label
    assert strata[7] == strata[8] == "10"


def test_folds_test_every_image_once_per_seed_with_empty_images_in_every_fold(tmp_path):
    data = load_segmentation(*write_pairs(tmp_path, n=15))
    plan = plan_image_folds(data.masks, data.n_classes, None, 3, [0, 1])
    assert plan.k == 3 and plan.n_rows == 15 and len(plan.splits) == 6
    for s in range(2):
        splits = plan.splits[3 * s : 3 * s + 3]
        assert sorted(np.concatenate([sp.test for sp in splits]).tolist()) == list(range(15))
        for sp in splits:
            assert not (set(sp.train) & set(sp.val) or set(sp.train) & set(sp.test) or set(sp.val) & set(sp.test))
            assert data.empty()[sp.test].any()
    assert [sp.test.tolist() for sp in plan.splits[:3]] != [sp.test.tolist() for sp in plan.splits[3:]]


def test_grouped_folds_keep_groups_whole_and_need_k_groups(tmp_path):
    images, masks = write_pairs(tmp_path, n=12)
    lines = ["image,mask,group"] + [f"images/im_{i:02d}.png,masks/im_{i:02d}.png,p{i // 3}" for i in range(12)]
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    data = load_segmentation(None, None, tmp_path / "manifest.csv")
    plan = plan_image_folds(data.masks, data.n_classes, data.groups, 3, [0])
    groups = np.asarray(data.groups)
    assert plan.scheme == "grouped"
    for sp in plan.splits:
        assert not set(groups[sp.test]) & (set(groups[sp.train]) | set(groups[sp.val]))
    with pytest.raises(LossAdvisorError, match="5 folds needs at least 5 groups"):
        plan_image_folds(data.masks, data.n_classes, data.groups, 5, [0])


def test_fold_output_reads_all_row_or_own_row_outputs():
    every = np.arange(10.0)[:, None]
    assert fold_output(every, np.array([2, 5]), 10)[:, 0].tolist() == [2.0, 5.0]
    own = np.array([[7.0], [8.0], [7.0]])  # own rows (7, 8), wrapped to a padded length of 3
    assert fold_output(own, np.array([7, 8]), 10)[:, 0].tolist() == [7.0, 8.0]


def test_cross_fitted_trial_tests_every_image_and_is_deterministic(tmp_path):
    data = load_segmentation(*write_pairs(tmp_path, n=12))
    options = TrialOptions(seeds=2, bootstrap=50, device="cpu", train=TINY, folds=3)
    report = run_segmentation_trials(data, SPECS, options)
    assert report.folds == {"k": 3, "scheme": "stratified", "tested_rows": 12, "rows": 12}
    assert report.rows["test"] == 12 and report.split.startswith("cross-fitted, 3 stratified folds")
    assert any("every image tested once per seed (12 test images, 3 with an empty mask)" in n for n in report.notes)
    assert all(len(c.seeds) == 2 and all(s.metrics for s in c.seeds) for c in report.candidates)
    assert report.candidates[1].comparison is not None
    again = run_segmentation_trials(data, SPECS, options)
    assert [[s.metrics for s in c.seeds] for c in again.candidates] == [[s.metrics for s in c.seeds] for c in report.candidates]
    assert report.examples and report.examples[0].name in data.names


def test_own_rows_evaluation_matches_scoring_every_image(tmp_path, monkeypatch):
    """Members predicting only their own images (best weights, once at the end) score exactly as
    members predicting every image at every improvement (the tables' way)."""
    data = load_segmentation(*write_pairs(tmp_path, n=12))
    options = TrialOptions(seeds=1, bootstrap=20, device="cpu", train=replace(TINY, epochs=3), folds=3)
    own = run_segmentation_trials(data, SPECS, options)
    real = crossfit.fold_index  # seg_run imports it when building the tensors
    monkeypatch.setattr(crossfit, "fold_index", lambda plan, device, own_rows=False: real(plan, device, False))
    every = run_segmentation_trials(data, SPECS, options)
    for a, b in zip(own.candidates, every.candidates):
        for sa, sb in zip(a.seeds, b.seeds):
            assert sa.best_epoch == sb.best_epoch
            for name, value in sa.metrics.items():
                assert value == pytest.approx(sb.metrics[name], abs=1e-6), name


def test_batched_and_sequential_cross_fitting_agree(tmp_path):
    data = load_segmentation(*write_pairs(tmp_path, n=12))
    options = TrialOptions(seeds=1, bootstrap=20, device="cpu", train=TINY, folds=3)
    batched = run_segmentation_trials(data, SPECS, options)
    sequential = run_segmentation_trials(data, SPECS, replace(options, batched=False))
    for a, b in zip(batched.candidates, sequential.candidates):
        for name, (mean, _) in a.summary.items():
            assert mean == pytest.approx(b.summary[name][0], abs=1e-4), name


@pytest.mark.parametrize("low, high, difference, margin, expected", [
    (0.0003, 0.0023, 0.0013, 0.01, SAME),   # real but negligible
    (0.0003, 0.0023, 0.0013, 0.0, BETTER),  # margin 0 (tables): the interval alone decides
    (0.002, 0.30, 0.15, 0.01, BETTER),      # reliable and large
    (-0.05, -0.012, -0.03, 0.01, WORSE),
    (-0.0101, -0.004, -0.007, 0.01, SAME),  # tversky on the balanced control: reliable, 0.7 Dice points
    (-0.02, 0.3, 0.14, 0.01, SAME),         # crosses 0
    (0.004, 0.02, 0.01, 0.01, BETTER),      # exactly the margin counts
])
def test_verdict_practical_margin(low, high, difference, margin, expected):
    assert verdict(low, high, True, margin, difference) == expected
    mirrored = {BETTER: WORSE, WORSE: BETTER}.get(expected, expected)
    assert verdict(-high, -low, True, margin, -difference) == mirrored


def test_segmentation_metrics_carry_margins():
    assert seg_run.SegScorer.metric("dice").margin == 0.01
    assert seg_run.SegScorer.metric("dice:3").margin == 0.01
    assert seg_run.SegScorer.metric("hd95").margin == 1.0 and seg_run.SegScorer.metric("empty_fp_rate").margin == 0.0


def test_manifest_groups_are_resampled_whole(tmp_path):
    images, masks = write_pairs(tmp_path, n=12)
    lines = ["image,mask,group"] + [f"images/im_{i:02d}.png,masks/im_{i:02d}.png,p{i // 2}" for i in range(12)]
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    data = load_segmentation(None, None, tmp_path / "manifest.csv")
    for folds, tested in ((3, 12), (1, None)):
        report = run_segmentation_trials(data, SPECS, TrialOptions(seeds=1, bootstrap=50, device="cpu", train=TINY,
                                                                   folds=folds))
        assert report.resampling["unit"] == "groups"
        assert report.resampling["rows_tested"] == (tested or report.rows["test"])
        assert report.resampling["groups_tested"] == (6 if folds == 3 else report.rows["test"] // 2)
        assert any("group" in n and "resampl" in n for n in report.notes)
    plain = run_segmentation_trials(load_segmentation(images, masks), SPECS,
                                    TrialOptions(seeds=1, bootstrap=50, device="cpu", train=TINY, folds=3))
    assert plain.resampling is None


def _logits(pred: np.ndarray) -> np.ndarray:
    """Class masks (n, H, W) → two-class logits (n, 2, H, W) whose argmax is ``pred``."""
    return np.stack([1.0 - pred, pred.astype(float)], axis=1)


def test_out_of_fold_masks_are_scored_together_with_each_metric_s_own_denominator():
    """Fold 0: 3 images, 1 empty with a false positive; fold 1: 5 images, 3 empty and clean. The
    empty-image false-positive rate is 1 of 4 empty images; a row-weighted mean of the folds' rates
    (1/1 and 0/3, weights 3 and 5) would say 0.375."""
    from lossadvisor.trials.crossfit import pooled_score
    from lossadvisor.trials.folds import FoldPlan
    from lossadvisor.trials.seg_data import SegmentationData
    from lossadvisor.trials.split import Split

    masks = np.zeros((8, 2, 2), dtype=np.int64)
    fg = [1, 2, 6, 7]
    masks[fg, 0, 0] = 1
    pred = masks.copy()
    pred[0, 1, 1] = 1  # the false positive on empty image 0
    data = SegmentationData(np.zeros((8, 1, 2, 2), np.float32), masks, tuple(map(str, range(8))), (0, 1), None, ())
    folds = (Split(np.array([], int), np.array([], int), np.array([0, 1, 2]), "stratified"),
             Split(np.array([], int), np.array([], int), np.array([3, 4, 5, 6, 7]), "stratified"))
    plan = FoldPlan(2, "stratified", folds, np.arange(8), 1, 8)
    scorer = seg_run.SegScorer(seg_run.SegPrepared(data, folds[0], plan), ("dice", "empty_fp_rate"))
    oof = [(s.test, _logits(pred[s.test]), None) for s in folds]
    assert pooled_score(scorer, "empty_fp_rate", plan, oof, "logits")(None)[0] == pytest.approx(0.25)
    # per-image Dice: the 4 foreground images are exact (1), empty images score 1 when clean: 7/8
    assert pooled_score(scorer, "dice", plan, oof, "logits")(None)[0] == pytest.approx(7 / 8)
    weights = np.zeros((1, 8), np.float32)
    weights[0, [0, 3]] = 1.0  # a replicate holding empty images 0 and 3: rate 1/2
    assert pooled_score(scorer, "empty_fp_rate", plan, oof, "logits")(weights)[0] == pytest.approx(0.5)
