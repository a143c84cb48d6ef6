"""The loss families ``lossadvisor search`` explores, read from the loss cards' ``search`` ranges.

Torch-free. A family is one card plus the rule that turns a point of its search space into the
card's parameters: most knobs are card parameters (focal ``gamma``, GCE ``q``, Poly-1 ``epsilon``,
Tversky ``alpha``/``beta``); two are family-level knobs (guide 6.3.11: define the search space as a
family of functions):

- ``weights``: weighted cross-entropy with w_c = (n / (C n_c))^power, power in [0, 1]: 0 is plain
  cross-entropy, 1 the inverse-frequency ("balanced") weights, 0.5 the square root (guide 6.2.8);
- ``composite``: (1 − mix) · cross-entropy + mix · focal(gamma) (guide 6.2.4).

:func:`validate_search_ranges` checks that every declared range lies inside the parameter's
allowed values, so a sampled point always builds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from lossadvisor.errors import LossAdvisorError

FAMILY_LOSS = {
    "focal": "focal", "weights": "weighted_cross_entropy", "gce": "gce", "poly1": "poly1",
    "tversky": "tversky", "composite": "composite",
}
# Knobs that are not card parameters, with the value the family uses when no rule configured it.
DERIVED_KNOBS = {"weights": {"power": 1.0}, "composite": {"mix": 0.5}}
# recommend's losses → the family that searches around them.
LOSS_FAMILY = {"focal": "focal", "weighted_cross_entropy": "weights", "class_balanced": "weights", "gce": "gce",
               "poly1": "poly1", "tversky": "tversky", "focal_tversky": "tversky", "composite": "composite"}


@dataclass(frozen=True)
class Dimension:
    """One searched knob: ``family.name`` is its name in the study."""

    family: str
    name: str
    low: float
    high: float
    log: bool

    @property
    def key(self) -> str:
        return f"{self.family}.{self.name}"


def dimensions(family: str) -> tuple[Dimension, ...]:
    """The search dimensions of one family, from its card."""
    from lossadvisor.losses.cards import get_card

    if family not in FAMILY_LOSS:
        raise LossAdvisorError(f"unknown search family '{family}' (known: {', '.join(FAMILY_LOSS)})")
    card = get_card(FAMILY_LOSS[family])
    return tuple(Dimension(family, s.name, s.low, s.high, s.log) for s in card.search)


def parse_families(text: str, task: str) -> list[str]:
    """``focal,gce`` → family names, checked against the task the trial fits."""
    from lossadvisor.trials.candidates import check_loss

    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names:
        raise LossAdvisorError("--family needs at least one family, e.g. --family focal,weights")
    for name in names:
        if name not in FAMILY_LOSS:
            raise LossAdvisorError(f"unknown search family '{name}' (known: {', '.join(FAMILY_LOSS)})")
        if FAMILY_LOSS[name] == "tversky":
            raise LossAdvisorError("family 'tversky' is a segmentation loss; search fits tabular models "
                                   "(binary, multiclass)")
        check_loss(FAMILY_LOSS[name], task)
    if task not in ("binary", "multiclass"):
        raise LossAdvisorError(f"search explores classification loss families; this target is {task}")
    return names


def families_of(losses: Sequence[str]) -> list[str]:
    """The searchable families among ``losses`` (recommend's top candidates), in their order."""
    found = [LOSS_FAMILY[name] for name in losses if name in LOSS_FAMILY and LOSS_FAMILY[name] != "tversky"]
    return list(dict.fromkeys(found))


def family_params(family: str, point: Mapping[str, float], class_counts: Sequence[float] | None,
                  base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The card parameters of ``family`` at ``point`` (its knobs by bare name), over ``base``."""
    params = dict(base or {})
    if family == "weights":
        if not class_counts:
            raise LossAdvisorError("the weights family needs the class counts")
        n, c = float(sum(class_counts)), len(class_counts)
        power = float(point["power"])
        return {**params, "weight": [round((n / (c * max(k, 1.0))) ** power, 6) for k in class_counts]}
    if family == "composite":
        mix = float(point["mix"])
        focal = {"gamma": float(point.get("gamma", 2.0))}
        return {"components": [{"loss": "cross_entropy", "weight": round(1.0 - mix, 6)},
                               {"loss": "focal", "params": focal, "weight": round(mix, 6)}]}
    return {**params, **{name: float(value) for name, value in point.items()}}


def default_point(family: str, configured: Mapping[str, Any] | None) -> dict[str, float]:
    """The family's point when a rule (``configured``) or the card's defaults set it."""
    from lossadvisor.losses.cards import get_card

    card = get_card(FAMILY_LOSS[family])
    point = {}
    for dim in dimensions(family):
        if configured and isinstance(configured.get(dim.name), (int, float)):
            point[dim.name] = float(configured[dim.name])
        elif dim.name in DERIVED_KNOBS.get(family, {}):
            point[dim.name] = DERIVED_KNOBS[family][dim.name]
        elif family == "composite" and dim.name == "gamma":
            point[dim.name] = float(get_card("focal").param("gamma").default)
        else:
            point[dim.name] = float(card.param(dim.name).default)
    return point


def validate_search_ranges() -> list[str]:
    """Problems with the cards' search ranges (empty list: all fine)."""
    from lossadvisor.losses.cards import LOSS_CARDS, _in_range

    problems = []
    for card in LOSS_CARDS.values():
        for dim in card.search:
            where = f"{card.name}.{dim.name}"
            if not dim.low < dim.high:
                problems.append(f"{where}: empty range [{dim.low}, {dim.high}]")
            if dim.log and dim.low <= 0:
                problems.append(f"{where}: a log range needs low > 0")
            family = next((f for f, loss in FAMILY_LOSS.items() if loss == card.name), None)
            if family is None:
                problems.append(f"{where}: card {card.name} declares a search range but is no search family")
                continue
            if dim.name in DERIVED_KNOBS.get(family, {}) or (family == "composite" and dim.name == "gamma"):
                continue
            try:
                spec = card.param(dim.name)
            except KeyError:
                problems.append(f"{where}: not a parameter of {card.name}")
                continue
            if not (_in_range(dim.low, spec.low, spec.high, spec) and _in_range(dim.high, spec.low, spec.high, spec)):
                problems.append(f"{where}: [{dim.low}, {dim.high}] leaves the allowed {spec.describe()}")
    return problems
