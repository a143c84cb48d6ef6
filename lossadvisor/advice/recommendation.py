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

    def top(self, n: int = 3) -> tuple[Candidate, ...]:
        return self.candidates[:n]

    def to_dict(self, top: int | None = 3) -> dict:
        """The ``--format json`` contract (schema_version 1.0)."""
        chosen = self.candidates if top is None else self.candidates[:top]
        return {
            "schema_version": RECOMMEND_SCHEMA_VERSION, "task": self.task, "objective": self.objectives.to_dict(),
            "class_order": list(self.class_order),
            "positive_class": self.class_order[-1] if self.task == "binary" and self.class_order else None,
            "candidates": [c.to_dict() for c in chosen], "baseline": self.baseline.to_dict(),
            "notes": list(self.notes), "rules_fired": list(self.fired),
        }
