"""Class-weight formulas, written once: inverse frequency, effective numbers, priors and pos_weight.

Torch-free and pandas-free: the rules' parameter formulas (:mod:`lossadvisor.advice.param_formulas`), the
losses (:mod:`lossadvisor.losses.classification`), the profile (:mod:`lossadvisor.profiling.balance`) and
the trials read them from here. Per-class values are in class order; for binary data the positive class
is the last one. Functions return full precision; the rules round what they show.
"""

from __future__ import annotations

import math
from typing import Sequence


def inverse_frequency_weights(counts: Sequence[float], power: float = 1.0, cap: float = 10.0) -> list[float]:
    """w_c ∝ (n / n_c)^power, normalised to mean 1, then capped at ``cap``.

    power = 1 is scikit-learn's "balanced" weighting n / (C·n_c) up to a constant; power = 0.5 is the
    milder square-root form of Mahajan et al. 2018 (rule IMB-001; docs/score-fit.md). The cap is
    applied after normalising, so the mean falls below 1 when it binds; an empty class gets the cap.
    Source: guide 6.1.5, 6.2.8.
    """
    total = float(sum(counts))
    raw = [(total / n) ** power if n > 0 else math.inf for n in counts]
    finite = [w for w in raw if math.isfinite(w)]
    mean = sum(finite) / len(finite) if finite else 1.0
    return [min(w / mean, cap) for w in raw]


def effective_number(count: float, beta: float) -> float:
    """E_n = (1 − β^n) / (1 − β): the expected volume of n samples (Cui et al. 2019, eq. 1); β = 0 gives 1."""
    if beta == 0:
        return 1.0 if count > 0 else 0.0
    return (1.0 - beta**count) / (1.0 - beta)


def effective_number_beta(counts: Sequence[float]) -> float:
    """β = 1 − 10^(−k), k = floor(log10 n_max) clipped to 1..4.

    1/(1 − β) is the count past which a class's weight stops growing (Cui et al. 2019), so β is put on
    the paper's grid {0.9, 0.99, 0.999, 0.9999} just below the size of the largest class: weights separate
    the rare classes and saturate for the largest. For classes of a few thousand rows this gives 0.999,
    the middle of Cui et al.'s grid.
    """
    n_max = max(float(n) for n in counts)
    k = min(4, max(1, math.floor(math.log10(max(n_max, 1.0)))))
    return 1.0 - 10.0 ** (-k)


def class_balanced_weights(counts: Sequence[float], beta: float) -> list[float]:
    """w_c = (1 − β) / (1 − β^{n_c}) = 1 / E_{n_c}, normalised to sum C (Cui et al. 2019, eq. 3).

    An empty class (E = 0) gets the largest weight of the others; β = 0 gives all ones.
    """
    raw = [(1.0 - beta) / (1.0 - beta**n) if n > 0 and beta**n != 1.0 else 0.0 for n in counts]
    positive = [w for w in raw if w > 0]
    fill = max(positive) if positive else 1.0
    raw = [w if w > 0 else fill for w in raw]
    scale = len(raw) / sum(raw)
    return [w * scale for w in raw]


def binary_pos_weight(counts: Sequence[float], power: float = 1.0, cap: float = 100.0) -> float:
    """pos_weight = (n_neg / n_pos)^power, capped; the positive class is last in class order.

    BCEWithLogitsLoss's pos_weight (guide 6.2.8; Elkan 2001 on cost-sensitive learning).
    """
    n_neg, n_pos = float(counts[0]), float(counts[-1])
    if n_pos <= 0:
        return cap
    return min((n_neg / n_pos) ** power, cap)


def multilabel_pos_weight(counts: Sequence[float], rows: int, power: float = 1.0, cap: float = 100.0) -> list[float]:
    """pos_weight per label = ((rows − n_l)/n_l)^power, capped (BCEWithLogitsLoss, one per label)."""
    return [binary_pos_weight([rows - n, n], power, cap) for n in counts]


def positive_alpha(counts: Sequence[float], power: float = 0.5) -> float:
    """Binary focal α (weight of the positive term) = w_pos / (w_pos + w_neg), w ∝ (1/freq)^power.

    The square-root form matches the square-root pos_weight of rule IMB-001; Lin et al. 2017 used α = 0.25
    on detection, where it weighs the rare positives *down*, which is not carried over.
    """
    weights = inverse_frequency_weights(counts, power, cap=math.inf)
    return weights[-1] / (weights[0] + weights[-1])


def label_priors(counts: Sequence[float]) -> list[float]:
    """π_c = n_c / n, the training label frequencies (Menon et al. 2021)."""
    total = float(sum(counts))
    return [n / total for n in counts]
