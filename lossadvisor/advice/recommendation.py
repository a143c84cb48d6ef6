"""What the advice stage hands on: configured Candidates, where each value came from, and the Recommendation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from lossadvisor.advice.objectives import Objectives
from lossadvisor.vocabulary import RECOMMEND_SCHEMA_VERSION


@dataclass(frozen=True)
class ParamSource:
    """Where a configured value came from: a literal in a rule, or a formula over facts."""

    rule: str
    formula: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        if self.formula is None:
            return {"rule": self.rule, "formula": "literal in the rule"}
        return {"rule": self.rule, "formula": self.formula, "facts": dict(self.facts)}


@dataclass(frozen=True)
class Candidate:
    """One configured loss with its reasons."""

    loss: str
    params: Mapping[str, Any]
    param_sources: Mapping[str, ParamSource]
    score: float | None
    rules: tuple[str, ...]
    rationale: str
    source: str
    caveats: tuple[str, ...] = ()
    confidence: str = "medium"

    def build(self):
        """The configured torch module (imports torch)."""
        from lossadvisor.losses.registry import build_loss

        return build_loss(self.loss, **dict(self.params))

    def to_dict(self) -> dict:
        return {
            "loss": self.loss, "params": dict(self.params),
            "param_sources": {name: src.to_dict() for name, src in self.param_sources.items()},
            "score": None if self.score is None else round(self.score, 4), "rules": list(self.rules), "rationale": self.rationale,
            "source": self.source, "caveats": list(self.caveats), "confidence": self.confidence,
        }


@dataclass(frozen=True)
class TargetAdvice:
    """One target's own recommendation, as if it were the only target."""

    name: str
    kind: str
    recommendation: Recommendation
    constant_loss: float | None = None   # L₀: the chosen loss of the best constant predictor (None: not computable)

    @property
    def chosen(self) -> Candidate:
        """The loss its head should train with: the top candidate (the plain loss when no rule fired)."""
        return self.recommendation.candidates[0] if self.recommendation.candidates else self.recommendation.baseline

    def component(self) -> dict[str, Any]:
        """This target as a component of a combined loss (``uncertainty_weighted``'s ``components``)."""
        return {"name": self.name, "loss": self.chosen.loss, "params": dict(self.chosen.params)}

    def to_dict(self, top: int | None = 3) -> dict[str, Any]:
        rec = self.recommendation
        shown = rec.candidates if top is None else rec.candidates[:top]
        return {"name": self.name, "kind": self.kind, "loss": self.chosen.to_dict(),
                "alternatives": [c.to_dict() for c in shown if c is not self.chosen],
                "baseline": rec.baseline.loss, "objective": rec.objectives.to_dict(),
                "class_order": list(rec.class_order), "constant_loss": None if self.constant_loss is None else float(f"{self.constant_loss:.6g}"),
                "rules_fired": list(rec.fired), "notes": list(rec.notes)}


@dataclass(frozen=True)
class Combination:
    """One way to combine the per-target losses into the loss the shared model trains on."""

    name: str
    weights: tuple[float, ...] | None   # fixed weights per target; None where they are learned
    formula: str
    rationale: str
    source: str
    rules: tuple[str, ...] = ()
    baseline: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "weights": None if self.weights is None else list(self.weights),
                "formula": self.formula, "rationale": self.rationale, "source": self.source,
                "rules": list(self.rules), "baseline": self.baseline}


@dataclass(frozen=True)
class Recommendation:
    """The ranked candidates, the plain baseline, and what the engine assumed."""

    task: str
    objectives: Objectives
    candidates: tuple[Candidate, ...]
    baseline: Candidate
    class_order: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    fired: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    # Multi-target data with a per-target profile: each target's own advice, and the ways to combine them.
    targets: tuple[TargetAdvice, ...] = ()
    combinations: tuple[Combination, ...] = ()

    def top(self, n: int = 3) -> tuple[Candidate, ...]:
        return self.candidates[:n]

    def to_dict(self, top: int | None = 3) -> dict:
        """The ``--format json`` contract (schema_version 1.0)."""
        chosen = self.candidates if top is None else self.candidates[:top]
        data = {
            "schema_version": RECOMMEND_SCHEMA_VERSION, "task": self.task, "objective": self.objectives.to_dict(),
            "class_order": list(self.class_order),
            "positive_class": self.class_order[-1] if self.task == "binary" and self.class_order else None,
            "candidates": [c.to_dict() for c in chosen], "baseline": self.baseline.to_dict(),
            "notes": list(self.notes), "rules_fired": list(self.fired),
        }
        if self.targets:  # keys present only for multi-target data, so other readers see no change
            data["targets"] = [t.to_dict(top) for t in self.targets]
            data["combinations"] = [c.to_dict() for c in self.combinations]
        return data
