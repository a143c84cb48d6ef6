"""Which losses a trial compares: names, parameters, the baseline, and the sweep grid.

Torch-free: candidates are checked against the loss cards (``lossadvisor.losses.cards``) before
anything is trained, so a typo fails in milliseconds with the list of known names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from lossadvisor.errors import LossAdvisorError
from lossadvisor.profiling.profile import Profile

UNSUPPORTED_TASKS = {"sequence": "sequence (CTC)", "embedding": "metric-learning (embedding)"}
SUPPORTED = ("binary, multiclass, multilabel, regression and count targets, several target columns (multi-target), "
             "and segmentation (--images with --masks)")
BASELINES = {"binary": "cross_entropy", "multiclass": "cross_entropy", "regression": "mse", "count": "poisson",
             "segmentation": "cross_entropy", "multilabel": "bce"}


@dataclass(frozen=True)
class CandidateSpec:
    """One loss to trial, fully configured."""

    loss: str
    params: Mapping[str, Any] = field(default_factory=dict)
    baseline: bool = False

    @property
    def label(self) -> str:
        """``focal(gamma=1, alpha=0.3)``; long per-class lists are abbreviated."""
        if not self.params:
            return self.loss
        parts = []
        for key, value in self.params.items():
            if isinstance(value, (list, tuple)):
                shown = ", ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in value[:3])
                value = f"[{shown}{', …' if len(value) > 3 else ''}]"
            elif isinstance(value, float):
                value = f"{value:g}"
            parts.append(f"{key}={value}")
        return f"{self.loss}({', '.join(parts)})"

    def to_dict(self) -> dict:
        return {"loss": self.loss, "params": dict(self.params), "baseline": self.baseline, "label": self.label}


@dataclass(frozen=True)
class Sweep:
    """``focal.gamma=0,0.5,1``: one loss, one parameter, a grid of values."""

    loss: str
    param: str
    values: tuple[Any, ...]


def check_loss(name: str, task: str) -> None:
    """Fail with the known names when ``name`` is not a loss for this task."""
    from lossadvisor.losses.cards import get_card

    card = get_card(name)  # raises UnknownLossError (with a did-you-mean) for unknown names
    if set(card.tasks) <= set(UNSUPPORTED_TASKS):
        kinds = " and ".join(UNSUPPORTED_TASKS[t] for t in card.tasks)
        raise LossAdvisorError(f"trial does not fit {kinds} losses such as '{name}' yet; it supports {SUPPORTED}")
    # A count is also a numeric target: MSE or MAE against Poisson on counts is a fair question.
    accepted = (task, "regression") if task == "count" else (task,)
    if not set(accepted) & set(card.tasks):
        raise LossAdvisorError(f"loss '{name}' does not apply to a {task} target (it is for {', '.join(card.tasks)})")


def parse_losses(text: str) -> list[str]:
    """``focal,gce,cross_entropy`` → names, in order, without duplicates."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise LossAdvisorError("--losses needs at least one loss name, e.g. --losses focal,gce")
    return list(dict.fromkeys(names))


def parse_sweep(text: str) -> Sweep:
    """Parse ``loss.param=v1,v2,...`` (numbers become floats; true/false become booleans)."""
    head, sep, tail = text.partition("=")
    loss, dot, param = (part.strip() for part in head.strip().partition("."))
    values = [v.strip() for v in tail.split(",")]
    if not sep or not dot or not loss or not param or not any(values):
        raise LossAdvisorError(f"bad --sweep '{text}': expected LOSS.PARAM=V1,V2,... e.g. focal.gamma=0,0.5,1,2,5")
    if not all(values):
        raise LossAdvisorError(f"bad --sweep '{text}': an empty value between commas")
    parsed = tuple(_parse_value(v) for v in values)
    if len(set(parsed)) < len(parsed):
        raise LossAdvisorError(f"bad --sweep '{text}': a value is listed twice")
    return Sweep(loss, param, parsed)


def _parse_value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return float(text)
    except ValueError:
        return text


def load_candidates_json(path: str | Path) -> tuple[list[CandidateSpec], CandidateSpec | None, tuple[str, ...], object]:
    """Candidates, baseline, class order and the task they were recommended for, from ``recommend --format
    json`` output (read once, so ``-`` can be standard input)."""
    from lossadvisor.contracts import read_document

    data = read_document(path, "recommendation", "candidates file")
    if not isinstance(data.get("class_order") or [], list):
        raise LossAdvisorError(f"{path}: 'class_order' must be a list of class names")
    specs = [_spec_from(entry, path) for entry in data["candidates"]]
    baseline = _spec_from(data["baseline"], path, baseline=True) if isinstance(data.get("baseline"), dict) else None
    return specs, baseline, tuple(str(c) for c in data.get("class_order") or ()), data.get("task")


def check_candidates_fit(path: str | Path, made_for: object, order: Sequence[str], task: str,
                         classes: Sequence[str]) -> None:
    """Refuse candidates recommended for another task (``made_for``) or another set of classes (``order``):
    their per-class parameters (weights, counts, priors) would land on the wrong classes."""
    # Regression losses (MSE, Huber) also fit counts, as check_loss allows.
    if isinstance(made_for, str) and made_for != task and (made_for, task) != ("regression", "count"):
        raise LossAdvisorError(f"{path} was recommended for a {made_for} target; this data's target is {task}")
    if order and classes and set(order) != set(classes):
        raise LossAdvisorError(f"{path} was recommended for classes {', '.join(order)}; "
                               f"this data's classes are {', '.join(classes)}")


def _spec_from(entry: Any, path: str | Path, baseline: bool = False) -> CandidateSpec:
    if not isinstance(entry, dict) or not isinstance(entry.get("loss"), str):
        raise LossAdvisorError(f"{path}: every candidate needs a 'loss' name; got {entry!r:.80}")
    params = entry.get("params") or {}
    if not isinstance(params, dict):
        raise LossAdvisorError(f"{path}: 'params' of {entry['loss']} must be an object")
    return CandidateSpec(entry["loss"], dict(params), baseline)


def challengers(task: str, mad: float | None = None) -> list[CandidateSpec]:
    """Standard alternatives to trial when recommend keeps the plain baseline.

    The trial then checks that none of them beats the baseline (guide 6.1.10: compare with a
    baseline) instead of comparing the baseline with itself. Huber's δ = 1.345 × 1.4826 × MAD
    (95% Gaussian efficiency) when the target's MAD is known.
    """
    from lossadvisor.advice.param_formulas import huber_delta

    delta = {"delta": huber_delta(mad)} if mad else {}
    table = {
        "binary": [CandidateSpec("focal", {"gamma": 1.0}), CandidateSpec("label_smoothing", {"smoothing": 0.1})],
        "multiclass": [CandidateSpec("label_smoothing", {"smoothing": 0.1}), CandidateSpec("focal", {"gamma": 1.0})],
        "regression": [CandidateSpec("huber", delta), CandidateSpec("mae", {})],
        "count": [CandidateSpec("tweedie", {"power": 1.5}), CandidateSpec("mse", {})],
        # Weighted BCE gets one pos_weight per label from the training rows; the last is the sigmoid
        # focal loss (γ = 2) written as ASL with γ+ = γ− and no clip (Ridnik et al. 2021, section 3).
        "multilabel": [CandidateSpec("weighted_bce"), CandidateSpec("asymmetric_multilabel"),
                       CandidateSpec("asymmetric_multilabel", {"gamma_neg": 2.0, "gamma_pos": 2.0, "clip": 0.0})],
    }
    return table.get(task, [])


def assemble(candidates: Sequence[CandidateSpec], baseline: CandidateSpec | None, task: str) -> list[CandidateSpec]:
    """Baseline first (the default for the task when none is given), then the other candidates."""
    if task not in BASELINES:
        raise LossAdvisorError(f"trial supports {', '.join(BASELINES)} targets; this one is {task}")
    base = baseline or CandidateSpec(BASELINES[task], {}, True)
    base = CandidateSpec(base.loss, dict(base.params), True)
    out, seen = [base], {base.label}
    for spec in candidates:
        if spec.label not in seen:
            out.append(CandidateSpec(spec.loss, dict(spec.params), False))
            seen.add(spec.label)
    for spec in out:
        check_loss(spec.loss, task)
    return out


def sweep_candidates(sweep: Sweep, task: str, base_params: Mapping[str, Any] | None = None) -> list[CandidateSpec]:
    """One candidate per grid value (other parameters from ``base_params``); baseline first."""
    from lossadvisor.losses.cards import get_card

    check_loss(sweep.loss, task)
    card = get_card(sweep.loss)
    if sweep.param not in {p.name for p in card.params}:
        names = ", ".join(p.name for p in card.params if p.name not in ("reduction", "ignore_index"))
        raise LossAdvisorError(f"loss '{sweep.loss}' has no parameter '{sweep.param}' (its parameters: {names or 'none'})")
    grid = [CandidateSpec(sweep.loss, {**dict(base_params or {}), sweep.param: v}) for v in sweep.values]
    return assemble(grid, None, task)


def configured_by_rules(names: Sequence[str], profile: Profile, objective: str | None,
                        rules_path: Path | None) -> tuple[list[CandidateSpec], tuple[str, ...]]:
    """Losses named without parameters, configured the way ``recommend`` would configure them for this
    data and objective (:func:`lossadvisor.advice.ranking.configure_loss`), with one note per loss saying how."""
    from lossadvisor.advice.objectives import Objectives
    from lossadvisor.advice.ranking import configure_loss
    from lossadvisor.advice.ruleset import load_rules

    rules = load_rules(rules_path)
    objectives = Objectives.parse(objective)
    specs, notes = [], []
    for name in names:
        candidate, how = configure_loss(name, profile, objectives, rules)
        specs.append(CandidateSpec(name, dict(candidate.params) if candidate else {}))
        notes.append(how)
    return specs, tuple(notes)


def needs_noise_estimate(names: Sequence[str], rules_path: Path | None) -> bool:
    """Whether a rule configuring one of these losses reads the label-noise estimate (the slowest measurement)."""
    from lossadvisor.advice.ranking import facts_read_by
    from lossadvisor.advice.ruleset import load_rules

    rules = load_rules(rules_path)
    return any(fact.startswith("label_noise.") for name in names for fact in facts_read_by(rules, name))
