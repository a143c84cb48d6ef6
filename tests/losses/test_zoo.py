"""The loss zoo: hand-computed values on tiny tensors, known reductions, contracts, stability."""

import math

import pytest
import torch

from lossadvisor.losses.cards import ParamError, UnknownLossError
from lossadvisor.losses.classification import FocalLoss
from lossadvisor.losses.registry import build_loss

torch.set_num_threads(1)
D = torch.float64
Z = [[2.0, 0.5, -1.0], [0.0, 1.0, 0.5], [-0.5, 0.3, 1.2]]
Y = [0, 2, 1]
BZ, BT = [1.5, -0.3, 2.0, -2.5], [1.0, 0.0, 0.0, 1.0]


def logp(row):
    m = max(row)
    lse = m + math.log(sum(math.exp(v - m) for v in row))
    return [v - lse for v in row]


def sig(x):
    return 1 / (1 + math.exp(-x))


def mean(xs):
    return sum(xs) / len(xs)


def cls(name, **params):
    return float(build_loss(name, **params)(torch.tensor(Z, dtype=D), torch.tensor(Y)))


LP = [logp(r) for r in Z]
LPY = [LP[i][Y[i]] for i in range(3)]
PY = [math.exp(v) for v in LPY]
CE = [-v for v in LPY]


# --- classification: hand-computed -----------------------------------------------------

def test_cross_entropy():
    assert cls("cross_entropy") == pytest.approx(mean(CE), abs=1e-12)


def test_weighted_cross_entropy_divides_by_the_weight_sum():
    w = [0.5, 1.0, 2.0]
    expected = sum(w[y] * c for y, c in zip(Y, CE)) / sum(w[y] for y in Y)
    assert cls("weighted_cross_entropy", weight=w) == pytest.approx(expected, abs=1e-12)


def test_class_balanced_effective_number_weights():
    counts, beta = [100, 20, 5], 0.99
    raw = [(1 - beta) / (1 - beta ** n) for n in counts]
    w = [r * 3 / sum(raw) for r in raw]
    assert cls("class_balanced", counts=counts, beta=beta) == pytest.approx(mean([w[y] * c for y, c in zip(Y, CE)]))
    focal = [w[y] * (1 - p) ** 0.5 * c for y, p, c in zip(Y, PY, CE)]
    assert cls("class_balanced", counts=counts, beta=beta, loss_type="focal") == pytest.approx(mean(focal))


def test_focal_multiclass_and_alpha_list():
    assert cls("focal", gamma=2) == pytest.approx(mean([(1 - p) ** 2 * c for p, c in zip(PY, CE)]))
    a = [0.2, 0.3, 0.5]
    expected = mean([a[y] * (1 - p) ** 2 * c for y, p, c in zip(Y, PY, CE)])
    assert cls("focal", gamma=2, alpha=a) == pytest.approx(expected)


def test_focal_binary_alpha_weighs_the_positive_term():
    values = []
    for z, t in zip(BZ, BT):
        pt = sig(z) if t == 1 else 1 - sig(z)
        values.append((0.25 if t == 1 else 0.75) * (1 - pt) ** 2 * -math.log(pt))
    got = FocalLoss(gamma=2, alpha=0.25)(torch.tensor(BZ, dtype=D), torch.tensor(BT, dtype=D))
    assert float(got) == pytest.approx(mean(values))


def test_logit_adjusted_adds_tau_log_prior():
    pri = [0.6, 0.3, 0.1]
    shifted = [[z + math.log(p) for z, p in zip(row, pri)] for row in Z]
    expected = mean([-logp(r)[y] for r, y in zip(shifted, Y)])
    assert cls("logit_adjusted", priors=[6, 3, 1]) == pytest.approx(expected)


def test_ldam_margins_scale_with_count_to_the_minus_quarter():
    counts = [100, 20, 5]
    m = [0.5 * n ** -0.25 / 5 ** -0.25 for n in counts]
    rows = [[2 * (z - (m[y] if k == y else 0)) for k, z in enumerate(row)] for row, y in zip(Z, Y)]
    expected = mean([-logp(r)[y] for r, y in zip(rows, Y)])
    assert cls("ldam", counts=counts, s=2.0) == pytest.approx(expected)


def test_poly1_label_smoothing_gce_sce_nce_rce_mae():
    assert cls("poly1", epsilon=1) == pytest.approx(mean([c + 1 - p for c, p in zip(CE, PY)]))
    smoothed = mean([-sum(((0.9 if k == y else 0) + 0.1 / 3) * lp[k] for k in range(3)) for lp, y in zip(LP, Y)])
    assert cls("label_smoothing", smoothing=0.1) == pytest.approx(smoothed)
    assert cls("gce", q=0.7) == pytest.approx(mean([(1 - p ** 0.7) / 0.7 for p in PY]))
    assert cls("sce") == pytest.approx(mean([0.1 * c + 4 * (1 - p) for c, p in zip(CE, PY)]))
    # Wang et al.'s code clamps the one-hot at 1e-4: A = ln 1e-4 = -9.2103, not the paper's -4
    code_a = math.log(1e-4)
    assert cls("sce", A=code_a) == pytest.approx(mean([0.1 * c + 9.2103404 * (1 - p) for c, p in zip(CE, PY)]))
    nce = [lpy / sum(lp) for lpy, lp in zip(LPY, LP)]
    assert cls("nce_rce") == pytest.approx(mean([n + 4 * (1 - p) for n, p in zip(nce, PY)]))
    assert cls("mae_classification") == pytest.approx(mean([2 * (1 - p) for p in PY]))


def test_bootstrap_soft_and_hard():
    entropy = [-sum(math.exp(v) * v for v in lp) for lp in LP]
    assert cls("bootstrap") == pytest.approx(mean([0.95 * c + 0.05 * h for c, h in zip(CE, entropy)]))
    own = [-max(lp) for lp in LP]
    assert cls("bootstrap", mode="hard") == pytest.approx(mean([0.8 * c + 0.2 * o for c, o in zip(CE, own)]))


def test_ignore_index_skips_samples():
    z, y = torch.tensor(Z, dtype=D), torch.tensor([0, -100, 1])
    for name in ("focal", "gce", "cross_entropy", "poly1"):
        full = build_loss(name, reduction="none")(z, torch.tensor(Y))
        got = build_loss(name)(z, y)
        assert float(got) == pytest.approx(float((full[0] + build_loss(name, reduction="none")(z, torch.tensor([0, 0, 1]))[2]) / 2))


# --- binary and multilabel ---------------------------------------------------------------

def _bce(z, t, w=1.0):
    return -(w * t * math.log(sig(z)) + (1 - t) * math.log(1 - sig(z)))


def test_bce_and_weighted_bce():
    z, t = torch.tensor(BZ, dtype=D), torch.tensor(BT, dtype=D)
    assert float(build_loss("bce")(z, t)) == pytest.approx(mean([_bce(a, b) for a, b in zip(BZ, BT)]))
    assert float(build_loss("weighted_bce", pos_weight=3.0)(z, t)) == pytest.approx(
        mean([_bce(a, b, 3.0) for a, b in zip(BZ, BT)]))


def test_bce_multilabel_none_is_the_mean_over_labels():
    z = torch.tensor([[1.0, -2.0], [0.5, 0.0]], dtype=D)
    t = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=D)
    got = build_loss("bce", reduction="none")(z, t)
    assert got.tolist() == pytest.approx([mean([_bce(1, 1), _bce(-2, 0)]), mean([_bce(0.5, 0), _bce(0, 1)])])


def test_asymmetric_multilabel():
    z, t = [[1.0, -2.0], [0.5, 3.0]], [[1.0, 0.0], [0.0, 1.0]]
    expected = []
    for zr, tr in zip(z, t):
        total = 0.0
        for a, b in zip(zr, tr):
            p = sig(a)
            if b == 1:
                total += -math.log(p)  # gamma_pos = 0
            else:
                pm = max(p - 0.05, 0)
                total += -(pm ** 4) * math.log(1 - pm)
        expected.append(total)
    got = build_loss("asymmetric_multilabel", reduction="none")(torch.tensor(z, dtype=D), torch.tensor(t, dtype=D))
    assert got.tolist() == pytest.approx(expected)


def test_soft_fbeta_over_the_batch():
    p = [sig(z) for z in BZ]
    tp = sum(a * b for a, b in zip(p, BT))
    fp = sum(a * (1 - b) for a, b in zip(p, BT))
    fn = sum((1 - a) * b for a, b in zip(p, BT))
    f2 = (5 * tp + 1e-5) / (5 * tp + 4 * fn + fp + 1e-5)
    got = build_loss("soft_fbeta", beta=2.0)(torch.tensor(BZ, dtype=D), torch.tensor(BT, dtype=D))
    assert float(got) == pytest.approx(1 - f2)


# --- segmentation --------------------------------------------------------------------------

SEG_Z = [[[[1.0, -1.0, 0.5]], [[-1.0, 2.0, 0.0]]]]  # (1, 2, 1, 3)
SEG_T = [[[0, 1, 1]]]


def _seg():
    return torch.tensor(SEG_Z, dtype=D), torch.tensor(SEG_T)


def _seg_counts():
    probs = [[math.exp(v) for v in logp([SEG_Z[0][0][0][j], SEG_Z[0][1][0][j]])] for j in range(3)]
    out = []
    for c in range(2):
        pc = [probs[j][c] for j in range(3)]
        tc = [1.0 if SEG_T[0][0][j] == c else 0.0 for j in range(3)]
        tp = sum(a * b for a, b in zip(pc, tc))
        out.append((tp, sum(pc) - tp, sum(tc) - tp, pc, tc))
    return out


def test_dice_tversky_focal_tversky_generalized_dice():
    s = 1e-5
    counts = _seg_counts()
    dice = mean([1 - (2 * tp + s) / (2 * tp + fp + fn + s) for tp, fp, fn, _, _ in counts])
    assert float(build_loss("dice")(*_seg())) == pytest.approx(dice)
    tv = [1 - (tp + s) / (tp + 0.3 * fp + 0.7 * fn + s) for tp, fp, fn, _, _ in counts]
    assert float(build_loss("tversky")(*_seg())) == pytest.approx(mean(tv))
    assert float(build_loss("focal_tversky")(*_seg())) == pytest.approx(mean([v ** 0.75 for v in tv]))
    w = [1 / sum(tc) ** 2 for *_, tc in counts]
    num = 2 * sum(wc * tp for wc, (tp, *_) in zip(w, counts)) + s
    den = sum(wc * (2 * tp + fp + fn) for wc, (tp, fp, fn, _, _) in zip(w, counts)) + s
    assert float(build_loss("generalized_dice")(*_seg())) == pytest.approx(1 - num / den)


def test_dice_ce_and_dice_focal():
    s = 1e-5
    counts = _seg_counts()
    dice = mean([1 - (2 * tp + s) / (2 * tp + fp + fn + s) for tp, fp, fn, _, _ in counts])
    pix = [logp([SEG_Z[0][0][0][j], SEG_Z[0][1][0][j]])[SEG_T[0][0][j]] for j in range(3)]
    assert float(build_loss("dice_ce")(*_seg())) == pytest.approx(dice + mean([-v for v in pix]))
    focal = mean([-(1 - math.exp(v)) ** 2 * v for v in pix])
    assert float(build_loss("dice_focal", lambda_focal=0.5)(*_seg())) == pytest.approx(dice + 0.5 * focal)


def _jaccard_loss(fg, wrong):
    """1 - |fg ∖ wrong| / |fg ∪ wrong| for index sets."""
    union = fg | wrong
    return 1 - len(fg - wrong) / len(union) if union else 0.0


def test_lovasz_matches_the_set_function_definition():
    values = []
    for _, _, _, pc, tc in _seg_counts():
        fg = {j for j, t in enumerate(tc) if t}
        errors = sorted(((abs(t - p), j) for j, (p, t) in enumerate(zip(pc, tc))), reverse=True)
        total, prefix = 0.0, set()
        for e, j in errors:
            before = _jaccard_loss(fg, prefix)
            prefix = prefix | {j}
            total += e * (_jaccard_loss(fg, prefix) - before)
        values.append(total)
    assert float(build_loss("lovasz")(*_seg())) == pytest.approx(mean(values))


def test_empty_mask_has_the_documented_value():
    z = torch.full((1, 2, 2, 2), -20.0, dtype=D)
    z[:, 0] = 20.0  # background predicted everywhere
    t = torch.zeros(1, 2, 2, dtype=torch.long)  # and the mask is empty
    for name in ("dice", "tversky", "focal_tversky", "generalized_dice"):
        loss = build_loss(name, include_background=False)(z, t)
        assert torch.isfinite(loss) and float(loss) == pytest.approx(0.0, abs=1e-4), name
        wrong = build_loss(name, include_background=False)(-z, t)  # foreground predicted on an empty mask
        # generalized Dice: every kept class absent → all weights 0 → loss 0 (as MONAI)
        assert float(wrong) == pytest.approx(0.0 if name == "generalized_dice" else 1.0, abs=1e-4), name


# --- regression and counts -------------------------------------------------------------------

P, T = [0.5, 2.0, -1.0], [1.0, 0.0, -0.5]
R = [t - p for p, t in zip(P, T)]  # residuals y - f


def reg(name, pred=P, **params):
    return float(build_loss(name, **params)(torch.tensor(pred, dtype=D), torch.tensor(T, dtype=D)))


@pytest.mark.parametrize("name, params, expected", [
    ("mse", {}, mean([r * r for r in R])),
    ("mae", {}, mean([abs(r) for r in R])),
    ("huber", {"delta": 1.0}, mean([0.5 * r * r if abs(r) <= 1 else abs(r) - 0.5 for r in R])),
    ("log_cosh", {}, mean([math.log(math.cosh(r)) for r in R])),
    ("quantile", {"tau": 0.9}, mean([max(0.9 * r, -0.1 * r) for r in R])),
    ("asymmetric_mse", {"tau": 0.8}, mean([(0.8 if r >= 0 else 0.2) * r * r for r in R])),
])
def test_regression_values(name, params, expected):
    assert reg(name, **params) == pytest.approx(expected)


def test_log_link_count_losses():
    eta, y = [0.5, 1.0, -1.0], [1.0, 0.0, 3.0]
    pred, tgt = torch.tensor(eta, dtype=D), torch.tensor(y, dtype=D)
    assert float(build_loss("poisson")(pred, tgt)) == pytest.approx(mean([math.exp(e) - t * e for e, t in zip(eta, y)]))
    p = 1.5
    tw = mean([-t * math.exp((1 - p) * e) / (1 - p) + math.exp((2 - p) * e) / (2 - p) for e, t in zip(eta, y)])
    assert float(build_loss("tweedie", power=p)(pred, tgt)) == pytest.approx(tw)


def test_gaussian_nll_takes_mean_and_log_variance():
    pred = torch.tensor([[0.5, 0.0], [2.0, math.log(4.0)], [-1.0, -1.0]], dtype=D)
    expected = mean([0.5 * (s + r * r / math.exp(s)) for r, s in zip(R, [0.0, math.log(4.0), -1.0])])
    assert float(build_loss("gaussian_nll")(pred, torch.tensor(T, dtype=D))) == pytest.approx(expected)


# --- structured and embeddings -------------------------------------------------------------

def test_ctc_sums_the_alignments():
    z = [[0.2, 1.0], [0.5, -0.5]]  # T = 2 frames, classes (blank, 'a')
    p = [[math.exp(v) for v in logp(r)] for r in z]
    prob = p[0][1] * p[1][1] + p[0][0] * p[1][1] + p[0][1] * p[1][0]
    got = build_loss("ctc")(torch.tensor([z], dtype=D), torch.tensor([[1, -1]]))
    assert float(got) == pytest.approx(-math.log(prob))  # divided by label length 1


def test_triplet_batch_hard():
    x = [[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [0.5, 2.0]]
    labels = [0, 0, 1, 1]

    def d(a, b):
        return math.dist(x[a], x[b])
    values = []
    for a in range(4):
        pos = max(d(a, b) for b in range(4) if b != a and labels[b] == labels[a])
        neg = min(d(a, b) for b in range(4) if labels[b] != labels[a])
        values.append(max(pos - neg + 0.2, 0))
    got = build_loss("triplet", normalize=False)(torch.tensor(x, dtype=D), torch.tensor(labels))
    assert float(got) == pytest.approx(mean(values), abs=1e-5)  # torch's pairwise distance adds eps 1e-6


def test_contrastive_pairs():
    x = [[0.0, 0.0], [0.6, 0.0], [0.0, 0.5]]
    labels = [0, 0, 1]
    values = []
    for a in range(3):
        terms = []
        for b in range(3):
            if b == a:
                continue
            dd = math.dist(x[a], x[b])
            terms.append(dd * dd if labels[a] == labels[b] else max(1.0 - dd, 0) ** 2)
        values.append(mean(terms))
    got = build_loss("contrastive", normalize=False)(torch.tensor(x, dtype=D), torch.tensor(labels))
    assert float(got) == pytest.approx(mean(values))


def test_info_nce():
    q, k = [[1.0, 0.0], [0.6, 0.8]], [[0.8, 0.6], [0.0, 1.0]]
    sims = [[sum(a * b for a, b in zip(qi, kj)) / 0.5 for kj in k] for qi in q]
    expected = mean([-logp(row)[i] for i, row in enumerate(sims)])
    got = build_loss("info_nce", temperature=0.5)(torch.tensor(q, dtype=D), torch.tensor(k, dtype=D))
    assert float(got) == pytest.approx(expected)


# --- combinations ------------------------------------------------------------------------

def test_composite_sums_weighted_parts_and_tracks_them():
    loss = build_loss("composite", components=[{"loss": "cross_entropy"}, {"loss": "gce", "weight": 0.5}])
    value = loss(torch.tensor(Z, dtype=D), torch.tensor(Y))
    gce = mean([(1 - p ** 0.7) / 0.7 for p in PY])
    assert float(value) == pytest.approx(mean(CE) + 0.5 * gce)
    assert loss.last_components == pytest.approx({"cross_entropy": mean(CE), "gce": 0.5 * gce})


def test_composite_rejects_mixed_inputs():
    with pytest.raises(ParamError, match="same inputs"):
        build_loss("composite", components=["cross_entropy", "mse"])


def test_uncertainty_weighted():
    loss = build_loss("uncertainty_weighted", components=["mse", "mae"], init_log_var=math.log(2))
    outs = (torch.tensor(P, dtype=D), torch.tensor(P, dtype=D))
    tgts = (torch.tensor(T, dtype=D), torch.tensor(T, dtype=D))
    mse, mae = mean([r * r for r in R]), mean([abs(r) for r in R])
    expected = 0.25 * mse + 0.25 * mae + math.log(2)
    assert float(loss(outs, tgts).detach()) == pytest.approx(expected)
    assert len(list(loss.parameters())) == 1


def test_uncertainty_weighted_classification_term_has_factor_one():
    """Kendall et al. 2018 eq. 10: ½e^{-s}·L for a regression task, e^{-s}·L for a classification task."""
    loss = build_loss("uncertainty_weighted", components=["mse", "cross_entropy"], init_log_var=math.log(2))
    outs = (torch.tensor(P, dtype=D), torch.tensor(Z, dtype=D))
    tgts = (torch.tensor(T, dtype=D), torch.tensor(Y))
    mse = mean([r * r for r in R])
    expected = 0.5 * 0.5 * mse + 1.0 * 0.5 * mean(CE) + math.log(2)
    assert float(loss(outs, tgts).detach()) == pytest.approx(expected)
    assert loss.factors == [0.5, 1.0]


def test_penalties():
    w = torch.tensor([1.0, -2.0, 0.5], dtype=D)
    assert float(build_loss("l1_penalty", strength=0.1)(w)) == pytest.approx(0.35)
    assert float(build_loss("l2_penalty", strength=0.1)(w)) == pytest.approx(0.1 * 0.5 * 5.25)
    assert float(build_loss("elastic_net", strength=0.1, l1_ratio=0.5)(w)) == pytest.approx(
        0.1 * (0.5 * 3.5 + 0.5 * 0.5 * 5.25))


# --- known reductions (issue #3) -------------------------------------------------------------

def test_focal_with_gamma_zero_is_cross_entropy():
    assert cls("focal", gamma=0) == pytest.approx(cls("cross_entropy"), abs=1e-12)
    z, t = torch.tensor(BZ, dtype=D), torch.tensor(BT, dtype=D)
    assert float(FocalLoss(gamma=0)(z, t)) == pytest.approx(float(build_loss("bce")(z, t)), abs=1e-12)


def test_gce_limits():
    assert cls("gce", q=1e-6) == pytest.approx(cls("cross_entropy"), abs=1e-5)
    assert cls("gce", q=1.0) == pytest.approx(cls("mae_classification") / 2, abs=1e-12)


def test_tversky_half_half_is_dice():
    assert float(build_loss("tversky", alpha=0.5, beta=0.5)(*_seg())) == pytest.approx(
        float(build_loss("dice")(*_seg())), abs=1e-5)  # equal up to smoothing
    exact = build_loss("tversky", alpha=0.5, beta=0.5, smooth=0.0)(*_seg())
    assert float(exact) == pytest.approx(float(build_loss("dice", smooth=0.0)(*_seg())), abs=1e-12)


def test_class_balanced_beta_zero_is_cross_entropy():
    assert cls("class_balanced", counts=[100, 20, 5], beta=0.0) == pytest.approx(cls("cross_entropy"), abs=1e-12)


def test_poly1_epsilon_zero_and_label_smoothing_zero_are_cross_entropy():
    assert cls("poly1", epsilon=0) == pytest.approx(cls("cross_entropy"), abs=1e-12)
    assert cls("label_smoothing", smoothing=0) == pytest.approx(cls("cross_entropy"), abs=1e-12)


def test_huber_tends_to_half_mse_and_pinball_half_is_half_mae():
    assert reg("huber", delta=1e3) == pytest.approx(reg("mse") / 2, abs=1e-12)
    assert reg("quantile", tau=0.5) == pytest.approx(reg("mae") / 2, abs=1e-12)
    assert reg("asymmetric_mse", tau=0.5) == pytest.approx(reg("mse") / 2, abs=1e-12)


# --- contracts ---------------------------------------------------------------------------

def test_build_from_spec_dict_equals_keywords():
    a = build_loss("focal", gamma=2)
    b = build_loss({"loss": "focal", "params": {"gamma": 2}})
    assert type(a) is type(b) and a.gamma == b.gamma == 2.0
    with pytest.raises(ParamError, match="Got -1"):
        build_loss({"loss": "focal", "params": {"gamma": -1}})
    with pytest.raises(UnknownLossError):
        build_loss("focl")


@pytest.mark.parametrize("name", ["cross_entropy", "focal", "gce", "sce", "ldam", "poly1", "bootstrap"])
def test_reduction_none_gives_one_value_per_sample(name):
    params = {"counts": [100, 20, 5]} if name == "ldam" else {}
    none = build_loss(name, reduction="none", **params)(torch.tensor(Z, dtype=D), torch.tensor(Y))
    total = build_loss(name, reduction="sum", **params)(torch.tensor(Z, dtype=D), torch.tensor(Y))
    assert none.shape == (3,) and float(none.sum()) == pytest.approx(float(total))


def test_focal_small_gamma_has_finite_gradients_at_logit_50():
    for dtype in (torch.float32, torch.bfloat16):
        z = torch.tensor([50.0, -50.0, 100.0], dtype=dtype, requires_grad=True)
        loss = FocalLoss(gamma=0.5)(z, torch.tensor([1.0, 0.0, 0.0], dtype=dtype))
        loss.backward()
        assert torch.isfinite(loss) and torch.isfinite(z.grad).all()
        zm = torch.tensor([[50.0, -50.0], [-100.0, 100.0]], dtype=dtype, requires_grad=True)
        FocalLoss(gamma=0.5)(zm, torch.tensor([0, 0])).backward()
        assert torch.isfinite(zm.grad).all()


def test_per_class_lists_must_match_the_logits():
    with pytest.raises(ParamError, match="weight has 2 entries but the logits have 3 classes"):
        build_loss("weighted_cross_entropy", weight=[1.0, 2.0])(torch.tensor(Z), torch.tensor(Y))
