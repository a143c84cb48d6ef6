"""The objective decides the functional: rank the losses that estimate what the objective rewards first.

A loss's population minimiser is a statistic of the conditional target distribution (the loss card's
``estimates``): squared error and the Poisson/Tweedie deviances give the mean, absolute error the median, the
pinball loss at τ the τ-quantile (Gneiting 2011, "Making and evaluating point forecasts", Theorems 7–9;
Koenker & Bassett 1978). An objective rewards one statistic (:data:`lossadvisor.advice.objectives.STATISTICS`):
RMSE the mean, MAE the median, quantile:Q the Q-quantile. On a skewed target the mean and the median differ,
so median regression is biased for RMSE however robust it is (guide 6.1.1–6.1.2, 6.1.8).

:func:`order_by_functional` keeps the rule scores' order within two blocks: the candidates whose statistic
agrees with the objective's, then those that differ. The exception is a profile that measured gross errors
in the training targets (``target_stats.contaminated``): then a robust estimator of another statistic can
still win the objective (the gross errors bias the mean estimators more), so it keeps its place and its caveat
names ``lossadvisor trial`` as the arbiter. A contamination that was not measured counts as absent.

Classification objectives other than calibration judge a thresholded decision and are left alone; the
calibration objective is served by the scores and rule CAL-001 (docs/rules.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Mapping

from lossadvisor.advice.objectives import Objectives
from lossadvisor.advice.recommendation import Candidate

# Huber's M-estimate of location is the mean when δ is at least this many residual σ (0.3% of Gaussian
# residuals are clipped) and the median when δ is at most this share of σ; in between it is neither.
HUBER_MEAN_DELTAS = 3.0
HUBER_MEDIAN_DELTAS = 0.25
MAD_TO_SIGMA = 1.4826
ENFORCED = ("mean", "median", "quantile")   # the statistics of numeric targets, where ranking applies them


@dataclass(frozen=True)
class Statistic:
    """A statistic of the conditional target distribution: ``kind`` and, for quantiles, ``tau``."""

    kind: str
    tau: float | None = None

    def label(self) -> str:
        if self.kind == "quantile" and self.tau is not None:
            return "the median" if abs(self.tau - 0.5) < 1e-9 else f"the {self.tau:g}-quantile"
        if self.kind == "expectile" and self.tau is not None:
            return f"the {self.tau:g}-expectile"
        return {"mean": "the mean", "median": "the median",
                "between": "a location between the mean and the median"}.get(self.kind, self.kind)

    def normal(self) -> Statistic:
        """The canonical form: the 0.5-quantile is the median, the 0.5-expectile the mean."""
        if self.kind == "quantile" and self.tau is not None and abs(self.tau - 0.5) < 1e-9:
            return Statistic("median")
        if self.kind == "expectile" and self.tau is not None and abs(self.tau - 0.5) < 1e-9:
            return Statistic("mean")
        return self

    def agrees(self, other: Statistic) -> bool:
        a, b = self.normal(), other.normal()
        if a.kind != b.kind:
            return False
        return a.tau is None or b.tau is None or abs(a.tau - b.tau) < 1e-6


def parse_statistic(text: str, params: Mapping[str, Any] | None = None) -> Statistic:
    """A card's or objective's spelling (``quantile(tau)``, ``quantile(0.9)``, ``mean``) with parameters filled."""
    match = re.fullmatch(r"(\w+)\(([^)]*)\)", text.strip())
    if match is None:
        return Statistic(text.strip())
    kind, arg = match.groups()
    try:
        value = float(arg)
    except ValueError:
        value = (params or {}).get(arg)
    return Statistic(kind, None if value is None else float(value))


def candidate_statistic(loss: str, params: Mapping[str, Any], facts: Mapping[str, Any]) -> Statistic:
    """What the configured loss estimates; Huber (and log-cosh, δ = 1) is resolved against the residual σ."""
    from lossadvisor.losses.cards import get_card

    stated = parse_statistic(get_card(loss).estimates, params)
    if stated.kind != "huber":
        return stated
    scale = residual_sigma(facts)
    if stated.tau is None or scale is None:
        return Statistic("between")
    if stated.tau >= HUBER_MEAN_DELTAS * scale:
        return Statistic("mean")
    if stated.tau <= HUBER_MEDIAN_DELTAS * scale:
        return Statistic("median")
    return Statistic("between")


def residual_sigma(facts: Mapping[str, Any]) -> float | None:
    """The measured residual σ; else the target's own robust σ (larger, so Huber is judged less mean-like)."""
    scale = facts.get("target_stats.residual_scale")
    if scale:
        return float(scale)
    mad = facts.get("target_stats.mad")
    return MAD_TO_SIGMA * float(mad) if mad else None


def order_by_functional(candidates: tuple[Candidate, ...], objectives: Objectives,
                        facts: Mapping[str, Any]) -> tuple[Candidate, ...]:
    """Candidates that estimate the objective's statistic first (each block in its given order), with a caveat
    on every candidate that estimates something else; with measured contamination those keep their place."""
    rewarded_text = objectives.statistic()
    if rewarded_text is None or not candidates:
        return candidates
    rewarded = parse_statistic(rewarded_text)
    if rewarded.normal().kind not in ENFORCED:
        return candidates
    contaminated = facts.get("target_stats.contaminated") is True
    kept, agree, differ = [], [], []   # kept: every candidate in its place (used when contaminated)
    for cand in candidates:
        estimated = candidate_statistic(cand.loss, cand.params, facts)
        if not estimated.agrees(rewarded):
            cand = replace(cand, caveats=cand.caveats + (
                _caveat(estimated, rewarded, objectives.label(), contaminated, facts),))
            differ.append(cand)
        else:
            agree.append(cand)
        kept.append(cand)
    return tuple(kept) if contaminated else tuple(agree + differ)


def _caveat(estimated: Statistic, rewarded: Statistic, objective: str, contaminated: bool,
            facts: Mapping[str, Any]) -> str:
    head = f"Estimates {estimated.label()}, but {objective} rewards {rewarded.label()}"
    if contaminated:
        share = facts.get("target_stats.gross_error_fraction")
        measured = f" in {share:.1%} of rows" if isinstance(share, (int, float)) else ""
        return (f"{head}; it keeps its place because the profile measured gross target errors{measured} "
                "(target_stats.contaminated), which bias the mean estimators too: run `lossadvisor trial`, "
                "the arbiter between them (docs/rules.md, the objective decides the functional).")
    if facts.get("target_stats.contaminated") is False:
        why = "the profile measured no gross target errors"
    else:
        why = "gross target errors were not measured (the profile ran without the model, e.g. --no-noise)"
    return (f"{head}: ranked below the losses that estimate {rewarded.label()}, because {why} "
            "(docs/rules.md, the objective decides the functional); `lossadvisor trial` can still test it.")


def principle_markdown() -> list[str]:
    """The section of docs/rules.md that states the principle, with the objectives' and losses' statistics."""
    from lossadvisor.advice.objectives import STATISTICS
    from lossadvisor.losses.cards import LOSS_CARDS
    from lossadvisor.vocabulary import OBJECTIVES

    lines = [
        "## The objective decides the functional", "",
        "A loss estimates a statistic of the target given the features: its minimiser over all predictions is",
        "the conditional mean for squared error and the Poisson, Tweedie and Gaussian deviances, the median for",
        "absolute error, the τ-quantile for the pinball loss, the τ-expectile for asymmetric squared error, and",
        "calibrated probabilities for the proper scoring rules (Gneiting 2011; Gneiting & Raftery 2007). Huber's",
        f"estimate lies between the mean and the median: it counts as the mean when δ ≥ {HUBER_MEAN_DELTAS:g} × the",
        f"residual σ and as the median when δ ≤ {HUBER_MEDIAN_DELTAS:g} × σ (σ = `target_stats.residual_scale`, else",
        "1.4826 × `target_stats.mad`); log-cosh is Huber with δ = 1 target unit. An objective rewards one statistic;",
        "on a skewed target the mean and the median differ, and a robust estimator of the median is biased for RMSE",
        "however well it fits.", "",
        "So after the scores have ordered the candidates, a candidate whose statistic differs from the objective's",
        "is ranked below every candidate that agrees (each group keeps the scores' order), and a caveat says why.",
        "The one exception is measured contamination: when the profile found gross errors in the training targets",
        "(`target_stats.contaminated`, outlying targets that an out-of-fold robust model of the features does not",
        "predict at all; docs/profile-schema.md), the errors bias the mean estimators too, so the candidate keeps",
        "its place and its caveat names `lossadvisor trial` as the arbiter. A heavy tail alone is not",
        "contamination, and a contamination that was not measured (`--no-noise`, fewer than 200 rows, no usable",
        "feature, a profile from flags without `--gross-error-fraction`) counts as absent. With `--under-cost`/`--over-cost` and no `--objective`",
        "the rewarded statistic is the cost quantile c_under/(c_under + c_over).", "",
        "| objective | rewards |", "|---|---|",
    ]
    for name in OBJECTIVES:
        rewarded = STATISTICS.get(name)
        lines.append(f"| `{name}` | {rewarded if rewarded else 'a thresholded decision: not affected'} |")
    lines += ["", "The calibration objective's probabilities are served by the scores and rule CAL-001, not by",
              "this ordering. Each loss card states what it estimates (`lossadvisor explain LOSS`):", "",
              "| loss | estimates |", "|---|---|"]
    lines += [f"| `{name}` | {card.estimates} |" for name, card in LOSS_CARDS.items()]
    return lines + [""]
