"""Parameter formulas: profile facts in, a loss parameter out.

Each formula is a small pure function with its source in the docstring. :data:`DERIVATIONS`
lists the ones a rule may name (``params: {weight: {derive: inverse_frequency_weights,
power: 0.5}}``), with the facts each one reads and the options it accepts, so a rule file is
checked before it runs and every configured value can say where it came from.

The class-weight formulas themselves live in :mod:`lossadvisor.class_weights` (shared with the losses,
the profile and the trials); here they are named, given their facts, and rounded for display.

Per-class values are lists in *class order*: the order of ``classes.counts`` in the profile.
For binary tasks the positive class is the last one in class order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from lossadvisor import class_weights as cw

# ---------------------------------------------------------------- class imbalance


def focal_gamma(imbalance_ratio: float) -> float:
    """γ by severity: 0 below ratio 3, 0.5 below 10, 1 below 1000, 2 from 1000 on.

    γ = 2 is Lin et al. 2017's setting for dense detection at ~1:1000; the ladder reaches it only from
    1:1000 on and uses milder γ below (the focal rules' fitted scores: docs/score-fit.md).
    """
    if imbalance_ratio < 3:
        return 0.0
    if imbalance_ratio < 10:
        return 0.5
    if imbalance_ratio < 1000:
        return 1.0
    return 2.0


# ---------------------------------------------------------------- label noise


def smoothing_epsilon(noise_rate: float, n_classes: int, floor: float = 0.05, cap: float = 0.3) -> float:
    """ε = η·K/(K − 1), clipped to [floor, cap].

    With symmetric noise η the expected noisy label puts η/(K−1) on each wrong class; smoothing
    puts ε/K there, so ε = ηK/(K−1) matches the two. A heuristic; Szegedy et al.
    2016 used ε = 0.1 and Lukasik et al. 2020 found smoothing competitive with loss correction.
    """
    k = max(int(n_classes), 2)
    return round(min(max(noise_rate * k / (k - 1), floor), cap), 4)


def bootstrap_beta(noise_rate: float, low: float = 0.8, high: float = 0.95) -> float:
    """β = 1 − η clipped to [0.8, 0.95]: β is the weight of the given label (Reed et al. 2014).

    The guide (6.1.6) writes β as the weight of the prediction instead; this follows the paper.
    """
    return round(min(max(1.0 - noise_rate, low), high), 4)


def sce_weights(n_classes: int) -> dict[str, float]:
    """SCE (α, β) from Wang et al. 2019: (0.1, 1.0) up to 10 classes, (6.0, 0.1) beyond (CIFAR-100)."""
    return {"alpha": 0.1, "beta": 1.0} if n_classes <= 10 else {"alpha": 6.0, "beta": 0.1}


# ---------------------------------------------------------------- regression


def huber_delta(mad: float, std: float | None = None) -> float:
    """δ = 1.345 × 1.4826 × MAD: 95% Gaussian efficiency with σ estimated robustly.

    Huber 1964; 1.4826·MAD estimates σ for Gaussian data. When the MAD is 0 (a target that is
    mostly one value) σ falls back to the standard deviation.
    """
    sigma = 1.4826 * mad if mad and mad > 0 else (std or 1.0)
    return round(1.345 * sigma, 6)


def tweedie_power(slope: float) -> float:
    """p = slope of log variance on log mean over bins, clipped to [1.1, 1.9] (Var ∝ μ^p)."""
    return round(min(max(slope, 1.1), 1.9), 4)


# ---------------------------------------------------------------- costs


def cost_ratio(fn_cost: float, fp_cost: float) -> float:
    """r = c_FN / c_FP; as pos_weight the cost-optimal threshold stays 0.5 (Elkan 2001)."""
    return round(fn_cost / fp_cost, 6)


def tversky_alpha(fn_cost: float, fp_cost: float) -> float:
    """α (weight of false positives) = 1/(1 + r), r = c_FN/c_FP (Salehi et al. 2017)."""
    return round(1.0 / (1.0 + fn_cost / fp_cost), 6)


def tversky_beta(fn_cost: float, fp_cost: float) -> float:
    """β (weight of false negatives) = r/(1 + r), r = c_FN/c_FP (Salehi et al. 2017)."""
    r = fn_cost / fp_cost
    return round(r / (1.0 + r), 6)


def fbeta_from_costs(fn_cost: float, fp_cost: float) -> float:
    """F-β with β² = c_FN/c_FP (soft F-β equals Tversky with α = 1/(1+β²), β = β²/(1+β²))."""
    return round(math.sqrt(fn_cost / fp_cost), 6)


def tversky_from_fbeta(beta: float) -> dict[str, float]:
    """Tversky (α_FP, β_FN) = (1/(1+β²), β²/(1+β²)): the Tversky index that equals F-β."""
    b2 = beta * beta
    return {"alpha": round(1.0 / (1.0 + b2), 6), "beta": round(b2 / (1.0 + b2), 6)}


def task_components(n_targets: int, loss: str = "mse") -> list[dict[str, Any]]:
    """One component per target column, each the same base loss (multi-task weighting)."""
    return [{"loss": loss, "weight": 1.0} for _ in range(int(n_targets))]


def quantile_tau(under_cost: float, over_cost: float) -> float:
    """τ = c_under / (c_under + c_over): the newsvendor critical fractile."""
    return round(under_cost / (under_cost + over_cost), 6)


def group_balanced_weights(counts: Mapping[str, float], cap: float = 10.0, min_rows: int = 30) -> list[float]:
    """w_g = n / (G·n_g) for each sensitive group in name order, capped at ``cap``: every group weighs the
    same in the mean (Sagawa et al. 2020's reweighting baseline; Idrissi et al. 2022; guide 6.2.13).

    A group with fewer than ``min_rows`` rows (too few to measure) gets no more than the largest weight of
    a measured group: a handful of rows weighted ×10 would be fitted to their noise.
    """
    values = [float(v) for _, v in sorted(counts.items())]
    n, g = sum(values), len(values)
    weights = [min(n / (g * max(v, 1.0)), cap) for v in values]
    measured = [w for w, v in zip(weights, values) if v >= min_rows]
    ceiling = max(measured) if measured else cap
    return [round(w if v >= min_rows else min(w, ceiling), 6) for w, v in zip(weights, values)]


# ---------------------------------------------------------------- registry


@dataclass(frozen=True)
class Derivation:
    """A formula a rule may name: the facts it reads and the options it takes."""

    name: str
    formula: str
    facts: tuple[str, ...]
    options: tuple[str, ...]
    compute: Callable[..., Any]
    alternatives: tuple[tuple[str, ...], ...] = ()  # fact sets, any one of which suffices

    def missing(self, facts: Mapping[str, Any]) -> list[str]:
        """The facts this formula needs that are null (empty when it can be computed)."""
        groups = self.alternatives or (tuple(n for n in self.facts if n not in _OPTIONAL),)
        for group in groups:
            if all(facts.get(name) is not None for name in group):
                return []
        return [name for name in groups[0] if facts.get(name) is None]

    def used(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The facts (and their values) that a computation read."""
        for group in self.alternatives:
            if all(facts.get(name) is not None for name in group):
                return {name: facts[name] for name in group}
        return {name: facts[name] for name in self.facts if facts.get(name) is not None}


_OPTIONAL = {"target_stats.std"}


def _pos_weight(facts: Mapping[str, Any], **options: Any) -> float:
    if facts.get("classes.counts"):
        return _round(cw.binary_pos_weight(_counts(facts), **options))
    return _round(cw.binary_pos_weight([float(facts["classes.imbalance_ratio"]), 1.0], **options))


def _round(value: Any, digits: int = 6) -> Any:
    """A formula's value as rules show and configure it: rounded, per class where it is a list."""
    if isinstance(value, list):
        return [round(v, digits) for v in value]
    return round(value, digits)


def _counts(facts: Mapping[str, Any]) -> list[float]:
    return [float(v) for v in facts["classes.counts"].values()]


DERIVATIONS: dict[str, Derivation] = {
    d.name: d
    for d in (
        Derivation("inverse_frequency_weights", "w_c = (n/n_c)^power / mean, capped at cap",
                   ("classes.counts",), ("power", "cap"),
                   lambda f, **o: _round(cw.inverse_frequency_weights(_counts(f), **o))),
        Derivation("effective_number_beta", "β = 1 − 10^-k, k = floor(log10 n_max) in 1..4",
                   ("classes.counts",), (), lambda f: _round(cw.effective_number_beta(_counts(f)))),
        Derivation("class_balanced_weights", "w_c = (1−β)/(1−β^n_c), sum C; β = 1 − 10^-floor(log10 n_max)",
                   ("classes.counts",), (),
                   lambda f: _round(cw.class_balanced_weights(_counts(f), cw.effective_number_beta(_counts(f))))),
        Derivation("binary_pos_weight", "pos_weight = (n_neg/n_pos)^power, capped at cap (n_neg/n_pos = "
                   "imbalance ratio when only the ratio is known: the positive class is taken as the minority)",
                   ("classes.counts", "classes.imbalance_ratio"), ("power", "cap"), _pos_weight,
                   alternatives=(("classes.counts",), ("classes.imbalance_ratio",))),
        Derivation("multilabel_pos_weight", "pos_weight_l = ((rows − n_l)/n_l)^power per label, capped at cap",
                   ("classes.counts", "rows"), ("power", "cap"),
                   lambda f, **o: _round(cw.multilabel_pos_weight(_counts(f), f["rows"], **o))),
        Derivation("positive_alpha", "α = w_pos/(w_pos + w_neg), w ∝ (1/freq)^power",
                   ("classes.counts",), ("power",), lambda f, **o: _round(cw.positive_alpha(_counts(f), **o))),
        Derivation("focal_gamma", "γ = 0 (<3), 0.5 (<10), 1 (<1000), 2 (≥1000) by imbalance ratio",
                   ("classes.imbalance_ratio",), (), lambda f: focal_gamma(f["classes.imbalance_ratio"])),
        Derivation("class_counts", "n_c, rows per class in class order", ("classes.counts",), (),
                   lambda f: _counts(f)),
        Derivation("label_priors", "π_c = n_c / n", ("classes.counts",), (), lambda f: _round(cw.label_priors(_counts(f)), 8)),
        Derivation("smoothing_epsilon", "ε = η·K/(K−1) clipped to [floor, cap]",
                   ("label_noise.estimated_rate", "classes.n_classes"), ("floor", "cap"),
                   lambda f, **o: smoothing_epsilon(f["label_noise.estimated_rate"], f["classes.n_classes"], **o)),
        Derivation("bootstrap_beta", "β = 1 − η clipped to [0.8, 0.95]", ("label_noise.estimated_rate",), (),
                   lambda f: bootstrap_beta(f["label_noise.estimated_rate"])),
        Derivation("sce_alpha", "α = 0.1 (K ≤ 10) or 6.0 (K > 10), Wang et al. 2019", ("classes.n_classes",), (),
                   lambda f: sce_weights(f["classes.n_classes"])["alpha"]),
        Derivation("sce_beta", "β = 1.0 (K ≤ 10) or 0.1 (K > 10), Wang et al. 2019", ("classes.n_classes",), (),
                   lambda f: sce_weights(f["classes.n_classes"])["beta"]),
        Derivation("huber_delta", "δ = 1.345 × 1.4826 × MAD", ("target_stats.mad", "target_stats.std"), (),
                   lambda f: huber_delta(f["target_stats.mad"], f.get("target_stats.std"))),
        Derivation("tweedie_power", "p = clip(variance-mean slope, 1.1, 1.9)", ("target_stats.variance_mean_slope",), (),
                   lambda f: tweedie_power(f["target_stats.variance_mean_slope"])),
        Derivation("cost_ratio", "pos_weight = c_FN / c_FP", ("cost.fn", "cost.fp"), (),
                   lambda f: cost_ratio(f["cost.fn"], f["cost.fp"])),
        Derivation("tversky_alpha", "α_FP = 1/(1 + c_FN/c_FP)", ("cost.fn", "cost.fp"), (),
                   lambda f: tversky_alpha(f["cost.fn"], f["cost.fp"])),
        Derivation("tversky_beta", "β_FN = r/(1 + r), r = c_FN/c_FP", ("cost.fn", "cost.fp"), (),
                   lambda f: tversky_beta(f["cost.fn"], f["cost.fp"])),
        Derivation("fbeta_from_costs", "β = sqrt(c_FN / c_FP)", ("cost.fn", "cost.fp"), (),
                   lambda f: fbeta_from_costs(f["cost.fn"], f["cost.fp"])),
        Derivation("objective_beta", "β from --objective fbeta:B", ("objective.beta",), (),
                   lambda f: float(f["objective.beta"])),
        Derivation("quantile_tau", "τ = c_under/(c_under + c_over)", ("cost.under", "cost.over"), (),
                   lambda f: quantile_tau(f["cost.under"], f["cost.over"])),
        Derivation("objective_quantile", "τ from --objective quantile:Q", ("objective.quantile",), (),
                   lambda f: float(f["objective.quantile"])),
        Derivation("fbeta_tversky_alpha", "α_FP = 1/(1+β²) from --objective fbeta:B", ("objective.beta",), (),
                   lambda f: tversky_from_fbeta(f["objective.beta"])["alpha"]),
        Derivation("fbeta_tversky_beta", "β_FN = β²/(1+β²) from --objective fbeta:B", ("objective.beta",), (),
                   lambda f: tversky_from_fbeta(f["objective.beta"])["beta"]),
        Derivation("group_balanced_weights", "w_g = n/(G·n_g) per sensitive group (sorted by name), capped at cap; "
                   "a group under 30 rows at most the largest measured group's weight",
                   ("groups.counts",), ("cap",), lambda f, **o: group_balanced_weights(f["groups.counts"], **o)),
        Derivation("group_counts", "n_g, rows per sensitive group (sorted by name)", ("groups.counts",), (),
                   lambda f: [float(max(v, 1)) for _, v in sorted(f["groups.counts"].items())]),
        Derivation("task_components", "one component of the base loss per target column", ("n_targets",),
                   ("loss",), lambda f, **o: task_components(f["n_targets"], **o)),
    )
}


