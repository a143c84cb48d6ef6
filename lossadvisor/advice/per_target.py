"""Advice for multi-target data: one configured loss per target, and the ways to combine them.

A multi-target profile holds one section per target (``targets``, :mod:`lossadvisor.profiling.target_section`).
:func:`target_view` turns each into the profile a single-target table of that column would have, so
the whole rule base runs per target on that target's own facts: a heavy tail in the third column
fires the heavy-tail rules for the third target only, Huber's δ comes from each target's own MAD, and a
class column whose own label-noise estimate is high fires the noise-robust rules for that target only.
The top candidate of each target's recommendation is its configured loss.

The combinations (guide 6.1.4, 6.3.8):

- ``sum``: Σ_t L_t, the plain sum (the baseline); the target with the largest loss scale dominates.
- ``scale_weights``: Σ_t L_t / L₀_t, L₀_t the loss of the best constant predictor for that target
  (for MSE the variance, for cross-entropy the class entropy), so every term starts near 1
  (rule MTL-002: standardise the targets or weight by 1/variance).
- ``uncertainty_weighted``: Σ_t c_t·e^{−s_t}·L_t + ½s_t with a learned s_t = log σ_t², c_t = ½ for a
  regression target and 1 for a classification target (Kendall et al. 2018, eq. 7 and 10; rule MTL-001).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Mapping, Sequence

from lossadvisor.advice.objectives import Objectives
from lossadvisor.advice.recommendation import Candidate, Combination, ParamSource, TargetAdvice
from lossadvisor.errors import ConfigError
from lossadvisor.profiling.profile import Profile
from lossadvisor.profiling.target_section import TargetProfile
from lossadvisor.vocabulary import CLASSIFICATION_OBJECTIVES, REGRESSION_OBJECTIVES

NUMERIC_KINDS = ("regression", "count")
COMBINATIONS = ("sum", "scale_weights", "uncertainty_weighted")
# Facts of the top-level profile that describe only the first target column of a multi-target table.
FIRST_COLUMN_FACTS = ("target_stats.", "classes.", "label_noise.")


def target_view(profile: Profile, section: TargetProfile) -> Profile:
    """The profile of a table whose only target is this one: the section's facts replace the first column's."""
    return replace(profile, task=section.kind, target=(section.name,), target_stats=section.target_stats,
                   classes=section.classes, label_noise=section.label_noise, targets=None)


def top_level_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The multi-target facts without those that describe the first target column only."""
    return {name: value for name, value in facts.items() if not name.startswith(FIRST_COLUMN_FACTS)}


def constant_loss(section: TargetProfile, chosen: Candidate) -> float | None:
    """L₀: the chosen loss of the best constant prediction, from the profile alone.

    Classification: the entropy of the class proportions (cross-entropy of predicting the priors).
    Regression: the loss at the best of the mean, the median and the τ-quantile, on the profile's seeded
    sample of the target (up to 500 values); for a loss not computed here, the variance (MSE's L₀).
    """
    classes, stats = section.classes, section.target_stats
    if classes is not None:
        shares = [p for p in classes.proportions.values() if p]
        return -sum(p * math.log(p) for p in shares) or None
    if stats is None:
        return None
    values = [float(v) for v in stats.sample or ()]
    if len(values) < 2:
        return stats.std * stats.std if stats.std else None
    centres = [sum(values) / len(values), _quantile(values, 0.5)]
    tau = chosen.params.get("tau")
    if tau is not None:
        centres.append(_quantile(values, float(tau)))
    losses = [_mean_loss(chosen, values, c) for c in centres]
    return min(losses) if None not in losses else _mean_loss(Candidate("mse", {}, {}, None, (), "", ""), values,
                                                              centres[0])


def combinations(targets: Sequence[TargetAdvice], uncertainty_rules: tuple[str, ...]) -> tuple[Combination, ...]:
    """The three combinations; the scale weights are 1/L₀ per target (1 where L₀ is unknown or 0)."""
    weights = tuple(float(f"{1.0 / t.constant_loss:.6g}") if t.constant_loss else 1.0 for t in targets)
    return (
        Combination("sum", tuple(1.0 for _ in targets), "Σ_t L_t",
                    "The plain sum of the per-target losses: the reference the others must beat. The target "
                    "with the largest loss scale dominates its gradient.", "guide 6.1.4, 6.3.8", baseline=True),
        Combination("scale_weights", weights, "Σ_t L_t / L₀_t, L₀_t = the loss of the best constant predictor",
                    "Fixed weights that bring every target's loss to about 1 at the start, so no target "
                    "dominates by its units alone (the trial recomputes L₀ on its training rows).",
                    "guide 6.1.4, 6.3.3, 6.3.8", ("MTL-002",)),
        Combination("uncertainty_weighted", None,
                    "Σ_t c_t·exp(−s_t)·L_t + ½·s_t, s_t = log σ_t² learned; c_t = ½ regression, 1 classification",
                    "Learns one weight per target from its noise level, without a manual search.",
                    "guide 6.1.4, 6.3.8; Kendall et al. 2018 (eq. 7, 10)", uncertainty_rules),
    )


def with_components(candidate: Candidate, targets: Sequence[TargetAdvice]) -> Candidate:
    """A multi-task candidate whose components are the per-target configured losses."""

    if "components" not in candidate.params:
        return candidate
    source = ParamSource(candidate.rules[0], "each target's top configured loss (its own recommendation)",
                         {t.name: t.chosen.loss for t in targets})
    return replace(candidate, params={**dict(candidate.params), "components": [t.component() for t in targets]},
                   param_sources={**dict(candidate.param_sources), "components": source})


def objectives_for(objectives: Objectives, kind: str) -> tuple[Objectives, str | None]:
    """The user's objective and costs as they apply to one target kind, and a note when some do not.

    A regression objective (and --under-cost/--over-cost) ranks the regression and count targets; a
    classification objective (and --fn-cost/--fp-cost) the binary and multiclass ones; each other target
    ranks for its kind's default.
    """
    numeric = kind in NUMERIC_KINDS
    fits = objectives.objective is None or objectives.objective in (REGRESSION_OBJECTIVES if numeric
                                                                    else CLASSIFICATION_OBJECTIVES)
    own = Objectives(objectives.objective if fits else None, objectives.beta if fits else None,
                     objectives.quantile if fits else None,
                     None if numeric else objectives.fn_cost, None if numeric else objectives.fp_cost,
                     objectives.under_cost if numeric else None, objectives.over_cost if numeric else None,
                     objectives.budget)
    return own, None if fits else (f"--objective {objectives.label()} does not apply to a {kind} target: "
                                   "ranked for its default objective")


def check_objective_applies(objectives: Objectives, kinds: Sequence[str]) -> None:
    """Refuse an objective (or costs) that fits none of the targets, as a single-target task would."""
    numeric = any(k in NUMERIC_KINDS for k in kinds)
    labelled = any(k not in NUMERIC_KINDS for k in kinds)
    if objectives.objective is not None and not (
            (numeric and objectives.objective in REGRESSION_OBJECTIVES)
            or (labelled and objectives.objective in CLASSIFICATION_OBJECTIVES)):
        raise ConfigError(f"objective '{objectives.label()}' applies to none of the targets ({', '.join(kinds)})")
    if not labelled and (objectives.fn_cost is not None or objectives.fp_cost is not None):
        raise ConfigError("--fn-cost/--fp-cost apply to classification targets; these targets are all numeric")
    if not numeric and (objectives.under_cost is not None or objectives.over_cost is not None):
        raise ConfigError("--under-cost/--over-cost apply to regression targets; these targets are all classes")


def _quantile(values: list[float], q: float) -> float:
    """The linear-interpolation quantile (numpy's default), without numpy."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def _mean_loss(chosen: Candidate, values: list[float], centre: float) -> float | None:
    """The mean of the chosen regression loss at a constant prediction; None for a loss not written here."""
    params = chosen.params
    residuals = [v - centre for v in values]
    if chosen.loss == "mse":
        terms = [r * r for r in residuals]
    elif chosen.loss == "mae":
        terms = [abs(r) for r in residuals]
    elif chosen.loss == "huber":
        delta = float(params.get("delta", 1.0))
        terms = [0.5 * r * r if abs(r) <= delta else delta * (abs(r) - 0.5 * delta) for r in residuals]
    elif chosen.loss == "quantile":
        tau = float(params.get("tau", 0.5))
        terms = [max(tau * r, (tau - 1.0) * r) for r in residuals]
    elif chosen.loss == "log_cosh":
        terms = [abs(r) + math.log1p(math.exp(-2.0 * abs(r))) - math.log(2.0) for r in residuals]
    else:
        return None
    return sum(terms) / len(terms)
