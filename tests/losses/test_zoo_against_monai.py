"""Cross-checks against MONAI (float64, 1e-6) where MONAI has the loss.

MONAI conventions used: softmax=True + to_onehot_y=True (our int labels), smooth_nr =
smooth_dr = our smooth, Tversky alpha on false positives and beta on false negatives.
"""

import pytest
import torch

from lossadvisor.losses.registry import build_loss

monai_losses = pytest.importorskip("monai.losses")
torch.set_num_threads(1)


def _seg_batch(seed=0, c=3):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(3, c, 5, 4, generator=g, dtype=torch.float64)
    target = torch.randint(0, c, (3, 5, 4), generator=g)
    target[1][target[1] == 2] = 1  # class 2 absent from one sample
    return logits, target


@pytest.mark.parametrize("include_background", [True, False])
@pytest.mark.parametrize("batch", [False, True])
def test_dice_matches_monai(include_background, batch):
    logits, target = _seg_batch()
    ref = monai_losses.DiceLoss(softmax=True, to_onehot_y=True, include_background=include_background,
                                batch=batch, smooth_nr=1e-5, smooth_dr=1e-5)(logits, target.unsqueeze(1))
    ours = build_loss("dice", include_background=include_background, batch=batch)(logits, target)
    assert float(ours) == pytest.approx(float(ref), abs=1e-6)


@pytest.mark.parametrize("include_background", [True, False])
def test_generalized_dice_matches_monai(include_background):
    logits, target = _seg_batch()
    ref = monai_losses.GeneralizedDiceLoss(softmax=True, to_onehot_y=True, include_background=include_background)(
        logits, target.unsqueeze(1))
    ours = build_loss("generalized_dice", include_background=include_background)(logits, target)
    assert float(ours) == pytest.approx(float(ref), abs=1e-6)


@pytest.mark.parametrize("alpha, beta", [(0.3, 0.7), (0.7, 0.3), (0.5, 0.5)])
@pytest.mark.parametrize("include_background", [True, False])
def test_tversky_matches_monai_alpha_on_false_positives(alpha, beta, include_background):
    logits, target = _seg_batch(1)
    ref = monai_losses.TverskyLoss(softmax=True, to_onehot_y=True, alpha=alpha, beta=beta,
                                   include_background=include_background)(logits, target.unsqueeze(1))
    ours = build_loss("tversky", alpha=alpha, beta=beta, include_background=include_background)(logits, target)
    assert float(ours) == pytest.approx(float(ref), abs=1e-6)


def test_dice_ce_matches_monai():
    logits, target = _seg_batch(2)
    ref = monai_losses.DiceCELoss(softmax=True, to_onehot_y=True)(logits, target.unsqueeze(1))
    ours = build_loss("dice_ce")(logits, target)
    assert float(ours) == pytest.approx(float(ref), abs=1e-6)


def test_softmax_focal_matches_monai():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(6, 4, generator=g, dtype=torch.float64)
    target = torch.randint(0, 4, (6,), generator=g)
    alpha = [0.1, 0.2, 0.3, 0.4]
    ref = monai_losses.FocalLoss(use_softmax=True, to_onehot_y=True, gamma=2.0, alpha=alpha, reduction="none")(
        logits.unsqueeze(-1), target.view(6, 1, 1))
    ours = build_loss("focal", gamma=2.0, alpha=alpha, reduction="none")(logits, target)
    assert ours.tolist() == pytest.approx(ref.sum(dim=1).flatten().tolist(), abs=1e-6)  # MONAI computes in float32


def test_binary_focal_matches_monai_sigmoid_focal():
    g = torch.Generator().manual_seed(4)
    logits = torch.randn(8, generator=g, dtype=torch.float64) * 3
    target = (torch.rand(8, generator=g) < 0.4).double()
    ref = monai_losses.FocalLoss(gamma=2.0, alpha=0.25, reduction="none")(logits.view(8, 1), target.view(8, 1))
    ours = build_loss("focal", gamma=2.0, alpha=0.25, reduction="none")(logits, target)
    assert ours.tolist() == pytest.approx(ref.flatten().tolist(), abs=1e-6)
