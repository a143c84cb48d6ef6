"""Segmentation trials: reading and pairing, the split by image, the stacked U-Net, determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.results import TrialOptions
from lossadvisor.trials.seg_data import load_segmentation, split_images
from lossadvisor.trials.seg_model import StackedUNet
from lossadvisor.trials.seg_run import metric_names, run_segmentation_trials
from lossadvisor.trials.train_types import TrainConfig
from tests.seg_fixtures import write_pairs

TINY = TrainConfig(batch_size=4, epochs=2, patience=None)


def test_pairs_by_stem_rgb_images_npy_masks_and_unpaired_files(tmp_path):
    images, masks = write_pairs(tmp_path, n=12, rgb=True, npy_masks=True)
    (images / "extra.png").write_bytes((images / "im_00.png").read_bytes())
    data = load_segmentation(images, masks)
    assert data.images.shape == (12, 3, 16, 16) and data.masks.shape == (12, 16, 16)
    assert data.names[0] == "im_00" and data.unpaired == ("extra",)
    assert data.classes == (0, 1) and data.empty().sum() == 3  # images 0, 4, 8


def test_mask_values_become_class_codes(tmp_path):
    images, masks = write_pairs(tmp_path, n=12, classes=(3, 7))
    data = load_segmentation(images, masks)
    assert data.classes == (0, 3, 7) and set(np.unique(data.masks)) == {0, 1, 2}
    assert metric_names(data, None)[:2] == ("dice", "iou") and "dice:7" in metric_names(data, None)
    with pytest.raises(LossAdvisorError, match="does not apply to segmentation"):
        metric_names(data, "pr_auc")


def test_split_is_by_image_with_empty_images_in_every_part(tmp_path):
    data = load_segmentation(*write_pairs(tmp_path, n=20))
    split = split_images(data, seed=0)
    parts = [set(split.train), set(split.val), set(split.test)]
    assert sum(len(p) for p in parts) == 20 and not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert all(data.empty()[sorted(p)].any() for p in parts)


def test_manifest_groups_stay_on_one_side(tmp_path):
    images, masks = write_pairs(tmp_path, n=12)
    lines = ["image,mask,group"] + [f"images/im_{i:02d}.png,masks/im_{i:02d}.png,patient{i // 2}" for i in range(12)]
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    data = load_segmentation(None, None, tmp_path / "manifest.csv")
    split = split_images(data, seed=1)
    groups = np.asarray(data.groups)
    sides = [set(groups[split.train]), set(groups[split.val]), set(groups[split.test])]
    assert split.method == "grouped" and not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])


def test_stacked_unet_members_match_single_models_and_have_own_gradients():
    torch.manual_seed(0)
    x = torch.randn(1, 2, 1, 12, 10).expand(3, -1, -1, -1, -1)  # odd size: the decoder upsamples to the skip's size
    stacked = StackedUNet([5, 6, 5], c_in=1, n_classes=3, width=4, levels=3)
    alone = StackedUNet([6], c_in=1, n_classes=3, width=4, levels=3)
    out = stacked(x)
    assert out.shape == (3, 2, 3, 12, 10)
    assert torch.allclose(out[1], alone(x[:1])[0], atol=1e-5)
    assert torch.equal(out[0], out[2])  # same seed, same weights, same output
    out[1].sum().backward()
    norms = stacked.member_sq_grad_norms()
    assert norms[1] > 0 and norms[0] == 0 and norms[2] == 0


def test_trial_is_deterministic_and_batched_matches_sequential(tmp_path):
    data = load_segmentation(*write_pairs(tmp_path, n=12))
    specs = [CandidateSpec("cross_entropy", {}, True), CandidateSpec("dice_ce", {"include_background": False})]
    options = TrialOptions(seeds=2, bootstrap=100, device="cpu", train=TINY)
    first = run_segmentation_trials(data, specs, options, width=4)
    again = run_segmentation_trials(data, specs, options, width=4)
    alone = run_segmentation_trials(data, specs, TrialOptions(seeds=2, bootstrap=100, device="cpu", train=TINY,
                                                              batched=False), width=4)
    assert first.metric == "dice" and first.rows == {"train": 6, "validation": 3, "test": 3}
    for a, b, c in zip(first.candidates, again.candidates, alone.candidates):
        assert a.summary == b.summary
        assert a.comparison == b.comparison
        for name in ("dice", "iou", "dice_global"):
            assert a.summary[name][0] == pytest.approx(c.summary[name][0], abs=1e-6)
    assert first.candidates[1].comparison.verdict in ("better", "worse", "no significant difference")
    assert all(0.0 <= c.summary["dice"][0] <= 1.0 for c in first.candidates)


def test_cuda_graph_option_is_a_no_op_on_cpu(tmp_path):
    """The GPU path (CUDA graph capture) is asked for by default; on a CPU the same numbers come out without it."""
    data = load_segmentation(*write_pairs(tmp_path, n=12))
    specs = [CandidateSpec("cross_entropy", {}, True), CandidateSpec("dice", {})]
    graph = TrialOptions(seeds=1, bootstrap=100, device="cpu", train=TrainConfig(batch_size=4, epochs=2, patience=None,
                                                                               cuda_graph=True))
    eager = TrialOptions(seeds=1, bootstrap=100, device="cpu", train=TrainConfig(batch_size=4, epochs=2, patience=None,
                                                                               cuda_graph=False))
    a, b = run_segmentation_trials(data, specs, graph, width=4), run_segmentation_trials(data, specs, eager, width=4)
    assert a.cuda_graph is False and a.device == "cpu"
    assert [c.summary for c in a.candidates] == [c.summary for c in b.candidates]


def test_grouped_path_of_the_gpu_matches_the_per_member_path_of_the_cpu():
    """A GPU runs every member at once in grouped convolutions; the CPU one member after another. Same numbers,
    same gradients, so the GPU path is checked here without a GPU."""
    torch.manual_seed(1)
    x = torch.randn(3, 2, 1, 12, 10)
    grouped, looped = (StackedUNet([4, 5, 6], c_in=1, n_classes=3, width=4, levels=3) for _ in range(2))
    grouped.per_member, looped.per_member = False, True
    a, b = grouped(x), looped(x)
    assert a.shape == b.shape == (3, 2, 3, 12, 10)
    assert torch.allclose(a, b, atol=1e-5)
    (a * torch.arange(3).view(3, 1, 1, 1, 1)).sum().backward()
    (b * torch.arange(3).view(3, 1, 1, 1, 1)).sum().backward()
    for p, q in zip(grouped.parameters(), looped.parameters()):
        assert torch.allclose(p.grad, q.grad, atol=1e-4)
    assert grouped.member_sq_grad_norms()[0] == 0 and looped.member_sq_grad_norms()[0] == 0
