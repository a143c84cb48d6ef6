"""Every loss's card and parameters, declared once, without importing torch.

The rule engine validates recommended parameters with :func:`validate_params`, and
``lossadvisor losses`` / ``lossadvisor explain`` print the cards, so this module is
pure Python. :mod:`lossadvisor.losses` builds the torch modules from the same specs.

Conventions that hold for every card (stated again on the cards they touch):

- Tversky-family ``alpha`` weighs false positives and ``beta`` false negatives
  (Salehi et al. 2017; MONAI uses the same order).
- Focal ``alpha`` is the weight of the positive term (binary; the negative term gets
  ``1 - alpha``) or a list of per-class weights (multiclass).
- Per-class parameters (weights, counts, priors) are lists indexed by class id.
- ``torch_equivalent`` is a plain-torch expression with ``{param}`` placeholders,
  filled with ``str.format(**params)``; ``None`` where torch has no such loss.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace
from typing import Any

from lossadvisor.errors import LossAdvisorError
from lossadvisor.vocabulary import TASKS

# The data tasks, plus the two kinds of input a loss card may also name (CTC sequences, metric embeddings).
CARD_TASKS = TASKS + ("sequence", "embedding")
KINDS = ("float", "int", "bool", "str", "float_list", "float_or_list", "components")
INPUT_KINDS = (
    "class_logits",       # (N, C) logits, (N,) int64 class ids; binary as C = 2
    "binary_logits",      # (N,) logits, (N,) float {0, 1}
    "multilabel_logits",  # (N, L) logits, (N, L) float {0, 1}
    "segmentation_logits",  # (N, C, *spatial) logits, (N, *spatial) int64 labels
    "regression",         # (N,) or (N, 1) prediction, (N,) float target
    "log_mean",           # (N,) log of the predicted mean (log link), (N,) float >= 0
    "mean_logvar",        # (N, 2) = mean, log-variance; (N,) float
    "ctc",                # (N, T, C) logits, (N, S) int64 labels padded with -1
    "embedding_labels",   # (N, D) embeddings, (N,) int64 identity labels
    "embedding_pairs",    # (N, D) queries, (N, D) matching keys (in-batch negatives)
    "multitask",          # tuple of per-task outputs, tuple of per-task targets
    "parameters",         # iterable of weight tensors (penalty terms)
)


class UnknownLossError(LossAdvisorError):
    """A loss name that is not in the zoo."""


class ParamError(LossAdvisorError):
    """A loss parameter with the wrong type, outside its range, or unknown."""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a loss: its type, default and allowed values.

    ``low``/``high`` bound a number (or each item of a list); ``low_open`` and
    ``high_open`` make the bound exclusive; ``None`` means unbounded. ``item_low`` /
    ``item_high`` override the bounds for the items of a ``float_or_list``.
    ``required`` parameters have no usable default (e.g. class counts).
    """

    name: str
    kind: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple | None = None
    doc: str = ""
    required: bool = False
    nullable: bool = False
    item_low: float | None = None
    item_high: float | None = None

    def describe(self) -> str:
        """What a valid value is, in words ("a float in [0, inf)")."""
        if self.kind == "bool":
            text = "a bool"
        elif self.kind == "str":
            text = "one of " + ", ".join(repr(c) for c in (self.choices or ()))
        elif self.kind == "components":
            text = "a list of {'loss': name, 'params': {...}, 'weight': float} entries"
        elif self.kind == "float_list":
            text = f"a list of floats, each in {_interval(self.low, self.high, self.low_open, self.high_open)}"
        elif self.kind == "float_or_list":
            items = _interval(self._item_low(), self._item_high(), self.low_open, self.high_open)
            text = (f"a float in {_interval(self.low, self.high, self.low_open, self.high_open)}"
                    f" or a list of floats, each in {items}")
        else:
            article = "an" if self.kind == "int" else "a"
            text = f"{article} {self.kind} in {_interval(self.low, self.high, self.low_open, self.high_open)}"
        return text + (" or None" if self.nullable else "")

    def _item_low(self) -> float | None:
        return self.item_low if self.item_low is not None else self.low

    def _item_high(self) -> float | None:
        return self.item_high if self.item_high is not None else self.high


def _interval(low, high, low_open, high_open) -> str:
    left = "(-inf" if low is None else ("(" if low_open else "[") + _num(low)
    right = "inf)" if high is None or high == math.inf else _num(high) + (")" if high_open else "]")
    return f"{left}, {right}"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


@dataclass(frozen=True)
class SearchParam:
    """One dimension of a loss family's search space (``lossadvisor search``, guide 6.3.11).

    ``name`` is a parameter of the card, or a family-level knob that
    :mod:`lossadvisor.trials.search_space` turns into the card's parameters (the class-weight
    power, the composite's mixing weight). ``log`` samples on a log scale.
    """

    name: str
    low: float
    high: float
    log: bool = False
    doc: str = ""


@dataclass(frozen=True)
class LossCard:
    """What a loss is for, how it is computed, and how it goes wrong."""

    name: str
    tasks: tuple[str, ...]
    formula: str
    params: tuple[ParamSpec, ...]
    purpose: str
    pitfalls: str
    source: str
    torch_equivalent: str | None = None
    inputs: str = "class_logits"
    example: dict = field(default_factory=dict, compare=False, hash=False)
    search: tuple[SearchParam, ...] = ()  # the ranges `lossadvisor search` explores; () = not searchable
    estimates: str = ""   # the statistic the loss's minimiser estimates (ESTIMATES; docs/rules.md)

    def param(self, name: str) -> ParamSpec:
        for spec in self.params:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def to_dict(self) -> dict:
        """A JSON-ready view of the card (``search`` only on the cards `lossadvisor search` explores)."""
        data = {
            "name": self.name, "tasks": list(self.tasks), "formula": self.formula,
            "purpose": self.purpose, "pitfalls": self.pitfalls, "source": self.source,
            "torch_equivalent": self.torch_equivalent, "inputs": self.inputs, "estimates": self.estimates,
            "params": [
                {"name": p.name, "kind": p.kind, "default": p.default, "allowed": p.describe(),
                 "required": p.required, "doc": p.doc}
                for p in self.params
            ],
        }
        if self.search:
            data["search"] = [{"name": s.name, "low": s.low, "high": s.high, "log": s.log, "doc": s.doc}
                              for s in self.search]
        return data


# --- shared parameters -------------------------------------------------------------

def _reduction(per_sample: str = "one value per sample (N,)") -> ParamSpec:
    return ParamSpec("reduction", "str", "mean", choices=("mean", "sum", "none"),
                     doc=f"'mean' over samples, 'sum', or 'none' for {per_sample}.")


REDUCTION = _reduction()
IGNORE_INDEX = ParamSpec("ignore_index", "int", -100, doc="Target value whose samples are skipped.")
SEG_IGNORE = ParamSpec("ignore_index", "int", None, nullable=True,
                       doc="Label value whose pixels are left out of every term (None: none).")
SMOOTH = ParamSpec("smooth", "float", 1e-5, low=0,
                   doc="Added to numerator and denominator; defines the empty-mask value (0 loss).")
INCLUDE_BG = ParamSpec("include_background", "bool", True,
                       doc="Keep channel 0 in the overlap terms (nnU-Net drops it).")
BATCH = ParamSpec("batch", "bool", False,
                  doc="Sum overlaps over the whole batch before the ratio (batch Dice) instead of per sample.")
WEIGHT = ParamSpec("weight", "float_list", None, low=0, nullable=True, doc="Per-class weights (None: all 1).")
COUNTS = ParamSpec("counts", "float_list", None, low=0, low_open=True, required=True,
                   doc="Training examples per class, indexed by class id.")
FP_ALPHA = ParamSpec("alpha", "float", 0.3, low=0, doc="Weight of false positives.")
FN_BETA = ParamSpec("beta", "float", 0.7, low=0, doc="Weight of false negatives.")
ACTIVE_A = ParamSpec("A", "float", -4.0, high=0, high_open=True,
                     doc="Value given to log 0 in the one-hot target; Wang et al. 2019 set A = -4. Their "
                         "code clamps the one-hot at 1e-4 instead, and ln 1e-4 = -9.21, not -4: pass "
                         "A=-9.21 to match the code.")

_SEG_NOTE = (" Segmentation input: logits (N, C, *spatial) and int64 labels (N, *spatial); softmax over C"
             " (sigmoid when C = 1, labels {0, 1}). A class absent from both prediction and target scores"
             " loss 0 (smooth/smooth); absent from the target but predicted scores close to 1.")


def _card(name, tasks, formula, params, purpose, pitfalls, source, torch_equivalent=None,
          inputs="class_logits", example=None, search=()) -> LossCard:
    return LossCard(name, tuple(tasks), formula, tuple(params), purpose, pitfalls, source,
                    torch_equivalent, inputs, dict(example or {}), tuple(search))


_CLS = ("binary", "multiclass")
_EX3 = {"counts": [100.0, 20.0, 5.0]}

_CARDS = [
    # --- classification ------------------------------------------------------------
    _card("cross_entropy", ("binary", "multiclass", "segmentation"),
          "-log softmax(z)_y", [WEIGHT, ParamSpec("label_smoothing", "float", 0.0, low=0, high=1), IGNORE_INDEX, REDUCTION],
          "The default for single-label classification; calibrated probabilities.",
          "Dominated by the majority class under strong imbalance.",
          "guide 6.1.1; torch.nn.CrossEntropyLoss",
          "torch.nn.CrossEntropyLoss(ignore_index={ignore_index}, reduction='{reduction}')"),
    _card("weighted_cross_entropy", _CLS,
          "-w_y log softmax(z)_y; 'mean' divides by sum of w_y",
          [ParamSpec("weight", "float_list", None, low=0, required=True, doc="Per-class weights, e.g. n/(C n_c)."),
           IGNORE_INDEX, REDUCTION],
          "Cost or frequency weighted CE: raises minority recall.",
          "Full inverse-frequency weights trade precision for recall and can lower macro-F1; prefer (1/freq)^0.5.",
          "guide 6.1.5, 6.2.8; King & Zeng 2001",
          "torch.nn.CrossEntropyLoss(weight=torch.tensor({weight}), reduction='{reduction}')",
          example={"weight": [0.5, 1.0, 2.0]},
          search=[SearchParam("power", 0.0, 1.0, doc="w_c = (n/(C n_c))^power: 0 is CE, 1 inverse frequency, 0.5 "
                                                      "the square-root weights of guide 6.2.8.")]),
    _card("class_balanced", _CLS,
          "w_c = (1-beta)/(1-beta^n_c), normalised to sum C; weighted CE (or focal) with w",
          [COUNTS, ParamSpec("beta", "float", 0.9999, low=0, high=1, high_open=True,
                             doc="1/(1-beta) is the count past which a class's weight stops growing."),
           ParamSpec("loss_type", "str", "softmax", choices=("softmax", "focal"),
                     doc="Base loss: softmax CE, or softmax focal."),
           ParamSpec("gamma", "float", 0.5, low=0,
                     doc="Focal exponent when loss_type='focal' (Cui et al.: 0.5 with beta 0.999 on the large sets)."),
           IGNORE_INDEX, REDUCTION],
          "Long-tailed classes: re-weights by the effective number of samples.",
          "beta=0 gives plain CE; beta near 1 gives inverse frequency. Choose beta from the class counts. "
          "loss_type='focal' differs from the paper, whose CB focal is one-vs-all sigmoid focal: here the focal "
          "term is the softmax one so that it shares the single-label inputs of the other cards.",
          "guide 6.2.8; Cui et al. 2019", example=_EX3),
    _card("focal", _CLS,
          "-alpha_t (1-p_t)^gamma log p_t, with (1-p_t)^gamma = exp(gamma log(1-p_t)) from log-sigmoid/log-softmax",
          [ParamSpec("gamma", "float", 2.0, low=0, doc="Focusing exponent; 0 gives (weighted) CE."),
           ParamSpec("alpha", "float_or_list", None, low=0, high=1, item_high=math.inf, nullable=True,
                     doc="Binary: weight of the positive term (negatives get 1-alpha). Multiclass: list of "
                         "per-class weights. None: no weighting."),
           IGNORE_INDEX, REDUCTION],
          "Down-weights easy examples; dense detection with extreme imbalance.",
          "alpha is the weight of the POSITIVE term (Lin et al. used 0.25 with gamma 2, down-weighting rare "
          "positives); the default None differs from the paper because 0.25 only paid off with gamma's "
          "down-weighting of the easy negatives at detection-scale imbalance. "
          "gamma < 1 written as (1-p)^gamma has NaN gradients at |logit| ~ 40; here it is computed in log space. "
          "gamma=2 rarely helps on tabular data.",
          "guide 6.1.5, 6.2.5; Lin et al. 2017",
          search=[SearchParam("gamma", 0.0, 5.0, doc="Lin et al. tried 0 to 5.")]),
    _card("logit_adjusted", _CLS,
          "CE(z + tau log pi, y), pi = class priors",
          [ParamSpec("priors", "float_list", None, low=0, low_open=True, required=True,
                     doc="Class frequencies or counts (normalised to sum 1)."),
           ParamSpec("tau", "float", 1.0, low=0), IGNORE_INDEX, REDUCTION],
          "Balanced-error objective on imbalanced classes; Fisher-consistent for balanced accuracy.",
          "Trades precision for recall; predict with the raw logits (the adjustment is training-only).",
          "guide 6.1.5; Menon et al. 2021", example={"priors": [0.7, 0.2, 0.1]}),
    _card("ldam", _CLS,
          "CE(s (z - m_y e_y), y), m_j = max_margin * n_j^-1/4 / max_k n_k^-1/4",
          [COUNTS, ParamSpec("max_margin", "float", 0.5, low=0, low_open=True),
           ParamSpec("s", "float", 30.0, low=0, low_open=True, doc="Logit scale."),
           WEIGHT, IGNORE_INDEX, REDUCTION],
          "Long-tailed classes: larger margins for rarer classes.",
          "s=30 assumes cosine logits in [-1, 1] (normalised classifier); with raw logits use s=1. "
          "The paper defers re-weighting (DRW) to late epochs, which short trials under-rate.",
          "guide 6.2.8; Cao et al. 2019", example=_EX3),
    _card("poly1", _CLS,
          "CE + epsilon (1 - p_y)",
          [ParamSpec("epsilon", "float", 1.0, low=-1,
                     doc="epsilon >= -1 keeps the loss decreasing in p_y (the paper's bound). The paper has no "
                         "default: 2 on ImageNet classification, -1 on COCO detection."), IGNORE_INDEX, REDUCTION],
          "A one-parameter tweak of CE; epsilon > 0 pushes confident predictions further.",
          "epsilon=0 is CE; trial epsilon in {-1, 1, 2}; the default 1 is a midpoint, not a published setting.",
          "guide 6.1.1; Leng et al. 2022",
          search=[SearchParam("epsilon", -1.0, 5.0, doc="The paper's bound -1 up to past its ImageNet value 2.")]),
    _card("label_smoothing", _CLS,
          "CE against (1-eps) one-hot + eps/C",
          [ParamSpec("smoothing", "float", 0.1, low=0, high=1), IGNORE_INDEX, REDUCTION],
          "Regularises over-confidence; mild robustness to label noise.",
          "Hurts calibration-sensitive downstream use (distillation); smoothing 0 is CE.",
          "guide 6.1.6; Szegedy et al. 2016",
          "torch.nn.CrossEntropyLoss(label_smoothing={smoothing}, reduction='{reduction}')"),
    _card("gce", _CLS,
          "(1 - p_y^q)/q, p_y^q = exp(q log softmax(z)_y)",
          [ParamSpec("q", "float", 0.7, low=0, high=1, low_open=True), IGNORE_INDEX, REDUCTION],
          "Noisy labels: between CE (q->0) and MAE (q=1).",
          "Underfits clean or many-class data; use only on a confident noise estimate. q=1 gives 1-p_y (half of "
          "mae_classification). This is the paper's plain L_q loss: its truncated variant (loss held at "
          "L_q(k), k = 0.5, for p_y <= k, with periodic pruning of those samples) is not implemented.",
          "guide 6.1.6; Zhang & Sabuncu 2018",
          search=[SearchParam("q", 0.05, 1.0, doc="Near CE (q -> 0) to MAE-like (q = 1).")]),
    _card("sce", _CLS,
          "alpha CE + beta RCE, RCE = -A (1 - p_y)",
          [ParamSpec("alpha", "float", 0.1, low=0), ParamSpec("beta", "float", 1.0, low=0), ACTIVE_A,
           IGNORE_INDEX, REDUCTION],
          "Noisy labels: CE plus the reverse cross-entropy, which is robust.",
          "alpha grows with the number of classes (0.1 CIFAR-10, 6 CIFAR-100 with beta 0.1).",
          "guide 6.1.6; Wang et al. 2019"),
    _card("nce_rce", _CLS,
          "alpha (-log p_y)/(-sum_k log p_k) + beta (-A)(1 - p_y)",
          [ParamSpec("alpha", "float", 1.0, low=0), ParamSpec("beta", "float", 1.0, low=0), ACTIVE_A,
           IGNORE_INDEX, REDUCTION],
          "Noisy labels: normalised CE (active) plus RCE (passive).",
          "NCE alone underfits; (10, 0.1) on CIFAR-100.",
          "guide 6.1.6; Ma et al. 2020"),
    _card("bootstrap", _CLS,
          "soft: -sum_k (beta t_k + (1-beta) p_k) log p_k; hard: p replaced by one-hot argmax",
          [ParamSpec("mode", "str", "soft", choices=("soft", "hard")),
           ParamSpec("beta", "float", None, low=0, high=1, nullable=True,
                     doc="Weight of the given label; None: 0.95 soft, 0.8 hard (Reed et al.)."),
           IGNORE_INDEX, REDUCTION],
          "Noisy labels: trusts the model's own prediction a little.",
          "beta ~ 1 - noise rate is a heuristic; rarely beats CE in short fits.",
          "guide 6.1.6; Reed et al. 2014"),
    _card("mae_classification", _CLS,
          "sum_k |p_k - t_k| = 2 (1 - p_y)",
          [IGNORE_INDEX, REDUCTION],
          "Noise-tolerant symmetric loss.",
          "Underfits hard or many-class data; gradients vanish for confidently wrong samples.",
          "guide 6.1.6; Ghosh et al. 2017"),
    _card("group_reweighted_ce", _CLS,
          "sum_i w_{g_i} CE_i / sum_i w_{g_i}; targets t = y + C g carry the group",
          [ParamSpec("group_weight", "float_list", None, low=0, low_open=True, required=True,
                     doc="Per-group weights, e.g. n/(G n_g) (every group counts equally)."), REDUCTION],
          "A minority group that the average loss neglects (guide 6.2.13): each group weighs the same.",
          "Targets must pack the group (trial --sensitive does it); plain class ids are one group (plain CE). "
          "Upweighting a small group also upweights its label noise.",
          "guide 6.2.13; Sagawa et al. 2020; Idrissi et al. 2022", example={"group_weight": [0.6, 3.0]}),
    _card("group_dro", _CLS,
          "sum_g q_g l_g, l_g = mean CE of group g in the batch; q_g <- q_g exp(eta (l_g + C/sqrt(n_g))), normalised",
          [ParamSpec("group_counts", "float_list", None, low=0, low_open=True, required=True,
                     doc="Training rows per group (sets G and the adjustment C/sqrt(n_g))."),
           ParamSpec("step_size", "float", 0.01, low=0, doc="eta, the exponentiated-gradient step (paper: 0.01)."),
           ParamSpec("adjustment", "float", 0.0, low=0,
                     doc="C of the group adjustment C/sqrt(n_g) (paper: tuned in [0, 5]; 0 turns it off)."),
           ParamSpec("reduction", "str", "mean", choices=("mean", "none"),
                     doc="'mean' is the DRO objective; 'none' per-row values that sum to it.")],
          "Worst-group error: minimizes the loss of the worst group (online, Sagawa et al. 2020).",
          "Keeps one weight per group that changes at every training step (a stateful loss); needs strong "
          "regularization to help worst-group test error (the paper's point); targets must pack the group.",
          "guide 6.2.13; Sagawa et al. 2020", example={"group_counts": [800.0, 150.0]}),
    _card("bce", ("binary", "multilabel"),
          "-[t log sigmoid(z) + (1-t) log sigmoid(-z)]",
          [REDUCTION],
          "Binary or multilabel targets; one sigmoid per output.",
          "Targets must be floats in {0, 1}. Multilabel 'none' gives the mean over labels per sample.",
          "guide 6.1.1; torch.nn.BCEWithLogitsLoss",
          "torch.nn.BCEWithLogitsLoss(reduction='{reduction}')", inputs="binary_logits"),
    _card("weighted_bce", ("binary", "multilabel"),
          "-[w_pos t log sigmoid(z) + (1-t) log sigmoid(-z)]",
          [ParamSpec("pos_weight", "float_or_list", None, low=0, low_open=True, required=True,
                     doc="n_neg/n_pos (imbalance) or c_FN/c_FP (cost); one per label for multilabel."),
           REDUCTION],
          "Binary imbalance or asymmetric costs.",
          "Never multiply the imbalance ratio and the cost ratio silently; with pos_weight = cost ratio the "
          "cost-optimal threshold stays 0.5.",
          "guide 6.1.3, 6.1.5; torch.nn.BCEWithLogitsLoss",
          "torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor({pos_weight}), reduction='{reduction}')",
          inputs="binary_logits", example={"pos_weight": 3.0}),
    _card("asymmetric_multilabel", ("multilabel",),
          "-sum_l [t (1-p)^g+ log p + (1-t) p_m^g- log(1-p_m)], p_m = max(p - clip, 0)",
          [ParamSpec("gamma_neg", "float", 4.0, low=0), ParamSpec("gamma_pos", "float", 0.0, low=0),
           ParamSpec("clip", "float", 0.05, low=0, high=1, high_open=True, doc="Probability margin m."),
           _reduction("the per-sample sum over labels (N,)")],
          "Multilabel with many negatives per sample (tagging).",
          "Sums over labels (paper scale), so it is about L times larger than bce's mean.",
          "guide 6.1.5; Ridnik et al. 2021", inputs="multilabel_logits"),
    _card("soft_fbeta", ("binary", "multilabel"),
          "1 - (1+b^2) TP / ((1+b^2) TP + b^2 FN + FP), soft counts over the batch, per label",
          [ParamSpec("beta", "float", 1.0, low=0, low_open=True, doc="beta^2 = c_FN/c_FP."),
           ParamSpec("smooth", "float", 1e-5, low=0), _reduction("per-label values (L,)")],
          "Optimises F-beta directly; equals Tversky with alpha=1/(1+b^2), beta=b^2/(1+b^2).",
          "A batch statistic: small batches give noisy gradients; 'none' returns per-label values.",
          "guide 6.1.3, 6.2.3; Lipton et al. 2014", inputs="multilabel_logits"),
    # --- segmentation --------------------------------------------------------------
    _card("dice", ("segmentation",),
          "1 - (2 sum p t + smooth)/(sum p + sum t + smooth), per sample and class, mean over classes",
          [SMOOTH, INCLUDE_BG, BATCH, SEG_IGNORE, REDUCTION],
          "Overlap objective for segmentation; insensitive to the background share." + _SEG_NOTE,
          "Without smoothing an empty mask gives 0/0 = NaN. Per-sample vs batch Dice matters for small structures.",
          "guide 6.1.7; Milletari et al. 2016", inputs="segmentation_logits"),
    _card("generalized_dice", ("segmentation",),
          "1 - (2 sum_c w_c I_c + smooth)/(sum_c w_c (P_c + T_c) + smooth), w_c = 1/(sum t_c)^2",
          [SMOOTH, INCLUDE_BG, BATCH, SEG_IGNORE, REDUCTION],
          "Many classes of very different sizes." + _SEG_NOTE,
          "An absent class has infinite weight; it gets the largest finite weight of the sample instead.",
          "guide 6.1.7; Sudre et al. 2017", inputs="segmentation_logits"),
    _card("dice_ce", ("segmentation",),
          "lambda_dice Dice + lambda_ce CE",
          [ParamSpec("lambda_dice", "float", 1.0, low=0), ParamSpec("lambda_ce", "float", 1.0, low=0),
           SMOOTH, INCLUDE_BG, BATCH, SEG_IGNORE, REDUCTION],
          "The robust segmentation default (nnU-Net)." + _SEG_NOTE,
          "nnU-Net drops the background from the Dice term (include_background=False).",
          "guide 6.2.4; Isensee et al. 2021", inputs="segmentation_logits"),
    _card("dice_focal", ("segmentation",),
          "lambda_dice Dice + lambda_focal Focal(gamma)",
          [ParamSpec("lambda_dice", "float", 1.0, low=0), ParamSpec("lambda_focal", "float", 1.0, low=0),
           ParamSpec("gamma", "float", 2.0, low=0), SMOOTH, INCLUDE_BG, BATCH, SEG_IGNORE, REDUCTION],
          "Small structures with many easy background pixels." + _SEG_NOTE,
          "Focal term is softmax focal averaged over pixels.",
          "guide 6.2.4; Zhu et al. 2019", inputs="segmentation_logits"),
    _card("tversky", ("segmentation",),
          "1 - (TP + smooth)/(TP + alpha FP + beta FN + smooth)",
          [FP_ALPHA, FN_BETA, SMOOTH, INCLUDE_BG, BATCH, SEG_IGNORE, REDUCTION],
          "Recall-leaning overlap loss: alpha (FP) < beta (FN) favours recall." + _SEG_NOTE,
          "alpha weighs FALSE POSITIVES, beta FALSE NEGATIVES (several libraries swap them). alpha=beta=0.5 is Dice.",
          "guide 6.1.3; Salehi et al. 2017", inputs="segmentation_logits",
          search=[SearchParam("alpha", 0.05, 1.0), SearchParam("beta", 0.05, 1.0)]),
    _card("focal_tversky", ("segmentation",),
          "(1 - TI)^(1/gamma), TI the Tversky index; mean over classes",
          [FP_ALPHA, FN_BETA, ParamSpec("gamma", "float", 4 / 3, low=1, high=3,
                                         doc="The exponent is 1/gamma (Abraham & Khan: gamma in [1, 3], best 4/3)."),
           SMOOTH, INCLUDE_BG, BATCH, SEG_IGNORE, REDUCTION],
          "Small lesions (~5% of the image): Tversky with extra weight on hard classes." + _SEG_NOTE,
          "The exponent is 1/gamma, so gamma > 1 gives an exponent < 1; its gradient is unbounded as TI -> 1 "
          "(computed with a floor). alpha weighs FP, beta FN: Abraham & Khan name them the other way round "
          "(their alpha = 0.7 is on FN). They sum over classes; the mean here only rescales.",
          "guide 6.1.5; Abraham & Khan 2019", inputs="segmentation_logits"),
    _card("lovasz", ("segmentation",),
          "Lovasz extension of the Jaccard loss over sorted softmax errors, per class",
          [ParamSpec("classes", "str", "present", choices=("present", "all"),
                     doc="Average over classes present in the target, or over all classes."),
           SEG_IGNORE, REDUCTION],
          "Direct IoU optimisation; often for fine-tuning after CE." + _SEG_NOTE,
          "Computed per image (it targets per-image IoU; Berman et al. also compute it over the whole batch, "
          "closer to dataset IoU, which is not offered here); a class absent from an image contributes nothing "
          "under 'present'.",
          "guide 6.1.7; Berman et al. 2018", inputs="segmentation_logits"),
    # --- regression and counts -------------------------------------------------------
    _card("mse", ("regression", "multitarget"), "(y - f)^2", [REDUCTION],
          "RMSE objective; the conditional mean.", "Sensitive to outliers and gross label errors.",
          "guide 6.1.1; torch.nn.MSELoss", "torch.nn.MSELoss(reduction='{reduction}')", inputs="regression"),
    _card("mae", ("regression", "multitarget"), "|y - f|", [REDUCTION],
          "MAE / median objective; robust to gross errors.", "Constant gradient; slow near the optimum.",
          "guide 6.1.1; torch.nn.L1Loss", "torch.nn.L1Loss(reduction='{reduction}')", inputs="regression"),
    _card("huber", ("regression", "multitarget"),
          "0.5 r^2 if |r| <= delta else delta (|r| - 0.5 delta)",
          [ParamSpec("delta", "float", 1.0, low=0, low_open=True,
                     doc="1.345 sigma gives 95% Gaussian efficiency."), REDUCTION],
          "Between MSE and MAE: quadratic near 0, linear in the tails.",
          "delta is in target units: set it from a robust scale (1.4826 MAD).",
          "guide 6.1.1; Huber 1964", "torch.nn.HuberLoss(delta={delta}, reduction='{reduction}')",
          inputs="regression"),
    _card("log_cosh", ("regression", "multitarget"),
          "log cosh(r) = r + softplus(-2r) - log 2",
          [REDUCTION], "Smooth MAE-like loss with MSE behaviour near 0.",
          "Standardise the target: behaves like |r| - log 2 for |r| >> 1.",
          "guide 6.1.1; Chen et al. 2019", inputs="regression"),
    _card("quantile", ("regression", "count"),
          "max(tau r, (tau - 1) r), r = y - f",
          [ParamSpec("tau", "float", 0.5, low=0, high=1, low_open=True, high_open=True,
                     doc="c_under/(c_under + c_over), the newsvendor fractile."), REDUCTION],
          "Pinball loss: a conditional quantile; asymmetric costs.", "tau=0.5 is half the MAE.",
          "guide 6.1.8; Koenker & Bassett 1978", inputs="regression"),
    _card("asymmetric_mse", ("regression",),
          "|tau - 1(r < 0)| r^2, r = y - f",
          [ParamSpec("tau", "float", 0.5, low=0, high=1, low_open=True, high_open=True), REDUCTION],
          "Expectile regression: asymmetric squared costs.", "tau=0.5 is half the MSE.",
          "guide 6.1.8; Newey & Powell 1987", inputs="regression"),
    _card("poisson", ("count",),
          "exp(eta) - y eta, eta = log mean (log link)",
          [ParamSpec("full", "bool", False, doc="Add the Stirling term."), REDUCTION],
          "Counts with variance ~ mean.", "The model outputs the LOG of the mean; the minimum is at eta = log y.",
          "guide 6.1.1; torch.nn.PoissonNLLLoss",
          "torch.nn.PoissonNLLLoss(log_input=True, full={full}, reduction='{reduction}')", inputs="log_mean"),
    _card("tweedie", ("count", "regression"),
          "-y exp((1-p) eta)/(1-p) + exp((2-p) eta)/(2-p), eta = log mean",
          [ParamSpec("power", "float", 1.5, low=1, high=2, low_open=True, high_open=True,
                     doc="Variance power p; from the slope of log variance on log mean."), REDUCTION],
          "Zero-inflated non-negative targets (claims, sales).",
          "The model outputs the LOG of the mean; targets must be >= 0.",
          "guide 6.1.1; Jorgensen 1987", inputs="log_mean"),
    _card("gaussian_nll", ("regression",),
          "0.5 (log var + (y - mu)^2 / var), var = max(exp(s), 1e-6)",
          [REDUCTION], "Heteroscedastic regression: predicts a mean and a variance.",
          "Input is (N, 2) = mean and LOG-variance. Variance collapse on outliers; the variance is floored at 1e-6.",
          "guide 6.1.1; Nix & Weigend 1994; torch.nn.GaussianNLLLoss",
          "torch.nn.GaussianNLLLoss(reduction='{reduction}')", inputs="mean_logvar"),
    # --- structured and embeddings -----------------------------------------------------
    _card("ctc", ("sequence",),
          "-log sum over alignments of prod softmax(z_t)",
          [ParamSpec("blank", "int", 0, low=0), ParamSpec("zero_infinity", "bool", True),
           _reduction("one value per sequence (N,); 'mean' divides each by its target length")],
          "Sequence labels without alignment (speech, handwriting).",
          "Input (N, T, C) logits and (N, S) int labels padded with -1; infinite when T is shorter than the "
          "labels (zero_infinity).",
          "guide 6.1.7; Graves et al. 2006",
          "torch.nn.CTCLoss(blank={blank}, zero_infinity={zero_infinity}, reduction='{reduction}')", inputs="ctc"),
    _card("triplet", ("embedding",),
          "max(d(a, p) - d(a, n) + margin, 0), d the Euclidean (not squared) distance, batch-hard triplets "
          "on L2-normalised embeddings",
          [ParamSpec("margin", "float", 0.2, low=0,
                     doc="FaceNet's 0.2, which it set on SQUARED distances with semi-hard negatives."),
           ParamSpec("normalize", "bool", True), REDUCTION],
          "Metric learning from identity labels.",
          "Anchors without a positive or a negative in the batch score 0: sample at least 2 per identity. "
          "Differs from FaceNet (squared distances, semi-hard negatives) because it follows Hermans et al.'s "
          "batch-hard form on plain distances, as torch's TripletMarginLoss does; 0.2 is a start, not a match.",
          "guide 6.1.7; Schroff et al. 2015; Hermans et al. 2017",
          "torch.nn.TripletMarginLoss(margin={margin}, reduction='{reduction}')", inputs="embedding_labels"),
    _card("contrastive", ("embedding",),
          "same label: d^2; different: max(margin - d, 0)^2, mean over pairs per anchor",
          [ParamSpec("margin", "float", 1.0, low=0, low_open=True), ParamSpec("normalize", "bool", True), REDUCTION],
          "Siamese metric learning from pairs.", "A pairwise, in-batch loss: depends on the batch composition.",
          "guide 6.1.7; Hadsell et al. 2006", inputs="embedding_labels"),
    _card("info_nce", ("embedding",),
          "CE(q_i . k_j / tau, j = i) over cosine similarities, in-batch negatives",
          [ParamSpec("temperature", "float", 0.07, low=0, low_open=True,
                     doc="0.07 from Wu et al. 2018 and MoCo (He et al. 2020); SimCLR tuned it per set "
                         "(0.1-0.5), SupCon 0.1. Oord et al.'s CPC has no temperature."), REDUCTION],
          "Contrastive representation learning with matching pairs (query, key).",
          "Needs large batches for many negatives; depends on the batch composition. One direction "
          "(queries against keys), not SimCLR's symmetric 2N-view NT-Xent.",
          "guide 6.1.7; Oord et al. 2018 (loss); Wu et al. 2018, He et al. 2020 (tau = 0.07); Chen et al. 2020",
          inputs="embedding_pairs"),
    # --- combinations ------------------------------------------------------------------
    _card("composite", CARD_TASKS,
          "sum_i w_i L_i, each component tracked separately",
          [ParamSpec("components", "components", None, required=True), REDUCTION],
          "Combine objectives (e.g. CE + Dice); read the parts in `last_components`.",
          "Components must share one input kind; balance their scales before weighting.",
          "guide 6.2.4",
          example={"components": [{"loss": "cross_entropy", "weight": 1.0},
                                  {"loss": "focal", "params": {"gamma": 1.0}, "weight": 0.5}]},
          search=[SearchParam("mix", 0.0, 1.0, doc="Classification search: (1 - mix) CE + mix focal(gamma)."),
                  SearchParam("gamma", 0.0, 5.0, doc="The focal component's exponent.")]),
    _card("uncertainty_weighted", ("multitarget",),
          "sum_i c_i exp(-s_i) L_i + 0.5 s_i, s_i = log sigma_i^2 learned; c_i = 0.5 for regression-type "
          "components (Gaussian), 1 for classification components (scaled softmax)",
          [ParamSpec("components", "components", None, required=True),
           ParamSpec("init_log_var", "float", 0.0), ParamSpec("reduction", "str", "mean", choices=("mean", "sum"))],
          "Multi-task learning: learns the task weights (add its parameters to the optimizer).",
          "Input: tuples of per-task outputs and targets. Weights drift if one task's loss can reach 0.",
          "guide 6.1.4, 6.3.8; Kendall et al. 2018 (eq. 7 regression, eq. 10 classification)", inputs="multitask",
          example={"components": [{"loss": "mse"}, {"loss": "mae"}]}),
    _card("l1_penalty", CARD_TASKS, "strength * sum |w|",
          [ParamSpec("strength", "float", 1e-4, low=0)],
          "Sparse weights; add to the data loss.", "Not differentiable at 0; use with proximal steps for exact zeros.",
          "guide 6.2.7; Tibshirani 1996", inputs="parameters"),
    _card("l2_penalty", CARD_TASKS, "strength * 0.5 sum w^2",
          [ParamSpec("strength", "float", 1e-4, low=0)],
          "Weight decay as a loss term.", "With Adam prefer decoupled weight decay (AdamW).",
          "guide 6.2.7; Krogh & Hertz 1992", inputs="parameters"),
    _card("elastic_net", CARD_TASKS, "strength * (l1_ratio sum |w| + (1 - l1_ratio) 0.5 sum w^2)",
          [ParamSpec("strength", "float", 1e-4, low=0), ParamSpec("l1_ratio", "float", 0.5, low=0, high=1)],
          "Sparse and grouped weights.", "Same convention as scikit-learn's ElasticNet.",
          "guide 6.2.7; Zou & Hastie 2005", inputs="parameters"),
]

# What each loss's population minimiser estimates, with the parameters it depends on in brackets
# (docs/rules.md, "The objective decides the functional"). Squared error and the Bregman deviances
# (Poisson, Tweedie, Gaussian NLL) are minimised by the conditional mean (Banerjee et al. 2005; Gneiting 2011);
# absolute error by the median; pinball at tau by the tau-quantile (Koenker & Bassett 1978); asymmetric squared
# error by the tau-expectile (Newey & Powell 1987); Huber by its M-estimate of location, the mean when delta is
# large against the residual spread and the median when it is small (Huber 1964); log-cosh behaves as Huber with
# delta = 1 target unit. Proper scoring rules (log loss, Brier) estimate calibrated probabilities (Gneiting &
# Raftery 2007); reweighted or smoothed ones estimate distorted probabilities; the rest give a decision score
# whose threshold, not its calibration, matters.
ESTIMATES: dict[str, str] = {
    "mse": "mean", "mae": "median", "huber": "huber(delta)", "log_cosh": "huber(1)", "quantile": "quantile(tau)",
    "asymmetric_mse": "expectile(tau)", "poisson": "mean", "tweedie": "mean", "gaussian_nll": "mean",
    "cross_entropy": "probability", "bce": "probability", "ctc": "probability",
    "weighted_cross_entropy": "reweighted probability", "weighted_bce": "reweighted probability",
    "class_balanced": "reweighted probability", "group_reweighted_ce": "reweighted probability",
    "label_smoothing": "smoothed probability",
    **{name: "decision score" for name in ("focal", "logit_adjusted", "ldam", "poly1", "gce", "sce", "nce_rce",
                                           "bootstrap", "mae_classification", "group_dro", "asymmetric_multilabel",
                                           "soft_fbeta")},
    **{name: "overlap" for name in ("dice", "generalized_dice", "dice_ce", "tversky", "focal_tversky", "lovasz",
                                    "dice_focal")},
    **{name: "embedding" for name in ("triplet", "contrastive", "info_nce")},
    "composite": "that of its components", "uncertainty_weighted": "that of its components",
    **{name: "none (a penalty on the weights)" for name in ("l1_penalty", "l2_penalty", "elastic_net")},
}

LOSS_CARDS: dict[str, LossCard] = {card.name: replace(card, estimates=ESTIMATES[card.name]) for card in _CARDS}


def list_losses() -> list[str]:
    """Every loss name, in registry order."""
    return list(LOSS_CARDS)


def get_card(name: str) -> LossCard:
    """The card of one loss; an unknown name raises UnknownLossError with close matches."""
    try:
        return LOSS_CARDS[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), LOSS_CARDS, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownLossError(
            f"unknown loss {name!r}{hint} (run 'lossadvisor losses' for the list)") from None


def validate_params(name: str, params: dict | None = None) -> dict:
    """Check ``params`` against the loss's declared parameters and fill the defaults.

    Returns a new dict with every declared parameter. Numbers are coerced to the
    declared kind (an int for a float parameter becomes a float).
    """
    card = get_card(name)
    params = dict(params or {})
    known = {spec.name for spec in card.params}
    for key in params:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ParamError(f"{name} has no parameter {key!r}{hint} (it takes: {', '.join(sorted(known)) or 'none'})")
    out = {}
    for spec in card.params:
        if spec.name not in params:
            if spec.required:
                raise ParamError(f"The {spec.name!r} parameter of {name} is required: {spec.describe()}.")
            out[spec.name] = spec.default
            continue
        out[spec.name] = _check(name, spec, params[spec.name])
    return out


def _check(loss: str, spec: ParamSpec, value: Any) -> Any:
    def bad() -> ParamError:
        shown = repr(value) if isinstance(value, str) else str(value)
        return ParamError(f"The {spec.name!r} parameter of {loss} must be {spec.describe()}. Got {shown}.")

    if value is None:
        if spec.nullable:
            return None
        raise bad()
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        raise bad()
    if spec.kind == "str":
        if isinstance(value, str) and value in (spec.choices or ()):
            return value
        raise bad()
    if spec.kind == "components":
        return _check_components(loss, value, bad)
    if spec.kind in ("float", "int"):
        number = _number(value, spec.kind)
        if number is None or not _in_range(number, spec.low, spec.high, spec):
            raise bad()
        return number
    # float_list / float_or_list
    if spec.kind == "float_or_list" and _number(value, "float") is not None:
        number = _number(value, "float")
        if not _in_range(number, spec.low, spec.high, spec):
            raise bad()
        return number
    items = _as_list(value)
    if items is None or not items:
        raise bad()
    low, high = (spec._item_low(), spec._item_high()) if spec.kind == "float_or_list" else (spec.low, spec.high)
    numbers = [_number(x, "float") for x in items]
    if any(n is None or not _in_range(n, low, high, spec) for n in numbers):
        raise bad()
    return numbers


def _number(value: Any, kind: str) -> float | int | None:
    if isinstance(value, bool):
        return None
    if hasattr(value, "item") and getattr(value, "ndim", getattr(value, "dim", lambda: 0)) in (0, None):
        value = value.item()
    if kind == "int":
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return int(value)
        return None
    if isinstance(value, (int, float)) and math.isfinite(float(value)):
        return float(value)
    return None


def _as_list(value: Any) -> list | None:
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _in_range(x: float, low, high, spec: ParamSpec) -> bool:
    if low is not None and (x < low or (spec.low_open and x == low)):
        return False
    if high is not None and (x > high or (spec.high_open and x == high)):
        return False
    return True


def _check_components(loss: str, value: Any, bad) -> list[dict]:
    """Validate a list of {'loss', 'params', 'weight'} entries, each with its own card."""
    items = _as_list(value)
    if not items:
        raise bad()
    out = []
    for item in items:
        if isinstance(item, str):
            item = {"loss": item}
        if not isinstance(item, dict) or "loss" not in item or set(item) - {"loss", "params", "weight", "name"}:
            raise bad()
        sub = item["loss"]
        if sub in ("composite", "uncertainty_weighted"):
            raise ParamError(f"{loss} cannot contain {sub}")
        weight = _number(item.get("weight", 1.0), "float")
        if weight is None or weight < 0:
            raise ParamError(f"The weight of component {sub!r} of {loss} must be a float in [0, inf). "
                             f"Got {item.get('weight')}.")
        out.append({"loss": sub, "params": validate_params(sub, item.get("params")), "weight": weight,
                    "name": str(item.get("name", sub))})
    return out
