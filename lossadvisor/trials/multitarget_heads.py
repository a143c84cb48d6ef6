"""The loss each head of a multi-target trial trains with: the one ``recommend`` configured for that target.

``recommend`` advises each target on its own facts (:mod:`lossadvisor.advice.per_target`); here each
target's top candidate that a tabular head can train becomes that head's loss, with the parameters the
rule base derived (Huber's δ from that target's MAD, class weights from that target's counts). A head
reads the shared network output in the loss's input form: a regression head predicts the standardized
target and the loss sees it back in the column's units (``mean``), or the log of the mean for Poisson
and Tweedie (``log_mean``, on the target divided by its training mean, as in table trials:
:func:`lossadvisor.trials.heads.log_link_scale` says why); a classification head gives class logits
(``logits``) or, for the sigmoid losses, the logit difference z₁ − z₀ (``binary_logit``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from lossadvisor.errors import LossAdvisorError
from lossadvisor.profiling.profile import Profile
from lossadvisor.trials.heads import log_link_scale

HEAD_FORMS = {"class_logits": "logits", "binary_logits": "binary_logit", "regression": "mean", "log_mean": "log_mean"}
CLASSIFICATION_FORMS = ("logits", "binary_logit")
CLASSIFICATION_KINDS = ("binary", "multiclass")


@dataclass(frozen=True)
class HeadLoss:
    """What the recommendation configured for one target: its kind, loss, parameters and class order."""

    name: str
    kind: str                                   # regression, count, binary or multiclass (the profile's)
    loss: str
    params: Mapping[str, Any] = field(default_factory=dict)
    class_order: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    @property
    def classification(self) -> bool:
        return self.kind in CLASSIFICATION_KINDS


def head_form(loss: str, classification: bool) -> str | None:
    """The form a head reads its output in for ``loss``; None when a tabular head of that kind cannot train it."""
    from lossadvisor.losses.cards import get_card

    form = HEAD_FORMS.get(get_card(loss).inputs)
    if form is None or (form in CLASSIFICATION_FORMS) != classification:
        return None
    return form


def configured_heads(profile: Profile | Mapping[str, Any], objective: str | None,
                     rules_path: Path | None) -> tuple[tuple[HeadLoss, ...], tuple[str, ...]]:
    """Each target's loss from ``recommend`` on the profile (typed or its JSON dict): its top candidate a
    tabular head can train."""
    from lossadvisor.advice.objectives import Objectives
    from lossadvisor.advice.ranking import recommend
    from lossadvisor.advice.ruleset import load_rules

    rec = recommend(profile, Objectives.parse(objective), rules=load_rules(rules_path))
    heads, notes = [], []
    for target in rec.targets:
        options = [*target.recommendation.candidates, target.recommendation.baseline]
        classification = target.kind in CLASSIFICATION_KINDS
        chosen = next(c for c in options if head_form(c.loss, classification) is not None)
        if chosen is not options[0]:
            notes.append(f"{target.name}: recommend ranked {options[0].loss} first, which a tabular head cannot "
                         f"train; the trial uses its next candidate, {chosen.loss}")
        heads.append(HeadLoss(target.name, target.kind, chosen.loss, dict(chosen.params),
                              tuple(target.recommendation.class_order), tuple(chosen.rules)))
    return tuple(heads), tuple(notes)


def fill_class_params(loss: str, params: Mapping[str, Any], counts: np.ndarray) -> dict[str, Any]:
    """Class counts or priors that a loss needs and the rule base leaves to the data (training rows)."""
    from lossadvisor.class_weights import label_priors

    values = counts.astype(float).tolist()
    derived = {"class_balanced": {"counts": values}, "ldam": {"counts": values},
               "logit_adjusted": {"priors": label_priors(values)}}.get(loss, {})
    return {**dict(params), **{k: v for k, v in derived.items() if k not in params}}


def head_loss_value(module, form: str, head, target, mean: float, std: float):
    """One head's loss: its output columns (…, width) read in ``form`` against its target column (…).

    ``mean`` and ``std`` are the target's training mean and standard deviation (a log-link head's
    target is divided by :func:`log_link_scale` of the mean).
    """
    if form == "logits":
        return module(head, target.long())
    if form == "binary_logit":
        return module(head[..., 1] - head[..., 0], target)
    if form == "log_mean":
        return module(head[..., 0], target / log_link_scale(mean))
    return module(head[..., 0] * std + mean, target)   # back in the column's units


def constant_loss(module, form: str, y: np.ndarray, n_classes: int, tau: float | None = None) -> float:
    """L₀: the head's loss at the best constant prediction on the training rows.

    Regression: the best of the mean, the median and (for a quantile loss) the τ-quantile; log link: the
    log of the mean on the target divided by its mean, as the head trains (1 for Poisson); classification:
    the training priors as logits (for cross-entropy, the class entropy).
    """
    import torch

    with torch.no_grad():
        target = torch.as_tensor(y, dtype=torch.float32)
        if form in CLASSIFICATION_FORMS:
            priors = np.bincount(y.astype(int), minlength=n_classes) / len(y)
            logits = np.log(np.clip(priors, 1e-12, None))
            if form == "binary_logit":
                z = torch.full((len(y),), float(logits[1] - logits[0]))
                return float(module(z, target))
            return float(module(torch.as_tensor(logits, dtype=torch.float32).expand(len(y), -1), target.long()))
        if form == "log_mean":
            scaled = target / log_link_scale(float(np.mean(y)))
            return float(module(torch.full((len(y),), math.log(max(float(scaled.mean()), 1e-8))), scaled))
        centres = [float(np.mean(y)), float(np.median(y))] + ([float(np.quantile(y, tau))] if tau is not None else [])
        return min(float(module(torch.full((len(y),), c), target)) for c in centres)


def describe_head(name: str, loss: str, params: Mapping[str, Any], rules: Sequence[str], width: int) -> str:
    """``price: huber(delta=1.2) (OUT-001)`` for the notes."""
    shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}=[…]" if isinstance(v, list) else f"{k}={v}"
                      for k, v in params.items())
    text = f"{name}: {loss}({shown})" if shown else f"{name}: {loss}"
    if width > 1:
        text += f" ({width} classes)"
    return text + (f" [{', '.join(rules)}]" if rules else "")
