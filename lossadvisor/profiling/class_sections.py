"""The profile's label sections, as types: class balance (``classes``) and label noise (``label_noise``).

Pandas-free on purpose: rules, checks, trials and renderers read these types, and ``recommend
--profile`` must start without pandas. The measuring code (``balance``, ``noise``) imports them.
Every section's ``to_dict`` writes its part of the JSON contract (docs/profile-schema.md) and
``from_dict`` reads it back so that ``from_dict(d).to_dict() == d``; a saved profile may leave any
key out, which reads as None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

EFFECTIVE_NUMBER_BETA = 0.999  # Cui et al. 2019 swept 0.9-0.9999; the rule base's default (docs/score-fit.md)


def round6(value: float | None) -> float | None:
    """The contract's precision for measured fractions and scores: six decimals; None stays None."""
    return None if value is None else round(float(value), 6)


@dataclass(frozen=True)
class ClassBalance:
    counts: dict[str, int]            # in class order: sorted label values
    imbalance_ratio: float | None     # majority count / minority count
    normalized_entropy: float | None  # H / log K, 1 = perfectly balanced
    below_1pct: tuple[str, ...]
    below_10_rows: tuple[str, ...]
    effective_numbers: dict[str, float]
    label_cardinality: float | None = None  # mean labels per row (multilabel only)
    positive: str | None = None             # binary only: the positive class, last in class order
    rows: int | None = None                 # multilabel: rows, the denominator of each label's share
    effective_number_beta: float = EFFECTIVE_NUMBER_BETA

    @property
    def total(self) -> int:
        """The denominator of the proportions: labelled rows (for multilabel, rows carrying any label)."""
        return self.rows if self.rows is not None else sum(self.counts.values())

    @property
    def proportions(self) -> dict[str, float]:
        total = self.total
        return {k: v / total for k, v in self.counts.items()} if total else {}

    @property
    def saved_proportions(self) -> dict[str, float]:
        """The proportions at the JSON contract's precision (six decimals), as a saved profile holds them."""
        return {k: round(v, 6) for k, v in self.proportions.items()}

    @property
    def majority(self) -> str | None:
        return max(self.counts, key=self.counts.__getitem__) if self.counts else None

    @property
    def minority(self) -> str | None:
        return min(self.counts, key=self.counts.__getitem__) if self.counts else None

    def to_dict(self) -> dict:
        data = {
            "counts": dict(self.counts),
            "proportions": self.saved_proportions,
            "n_classes": len(self.counts),
            "majority": self.majority,
            "minority": self.minority,
            "imbalance_ratio": None if self.imbalance_ratio is None else round(self.imbalance_ratio, 4),
            "normalized_entropy": round6(self.normalized_entropy),
            "below_1pct": list(self.below_1pct),
            "below_10_rows": list(self.below_10_rows),
            "effective_number_beta": self.effective_number_beta,
            "effective_numbers": {k: round(v, 4) for k, v in self.effective_numbers.items()},
        }
        if self.positive is not None:
            data["positive"] = self.positive
        if self.label_cardinality is not None:
            data["label_cardinality"] = round(self.label_cardinality, 4)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], rows: int | None = None) -> ClassBalance:
        """``rows``: the profile's row count, the proportions' denominator for a multilabel target."""
        return cls(counts=dict(data.get("counts") or {}), imbalance_ratio=data.get("imbalance_ratio"),
                   normalized_entropy=data.get("normalized_entropy"),
                   below_1pct=tuple(data.get("below_1pct") or ()), below_10_rows=tuple(data.get("below_10_rows") or ()),
                   effective_numbers=dict(data.get("effective_numbers") or {}),
                   label_cardinality=data.get("label_cardinality"), positive=data.get("positive"),
                   rows=rows if data.get("label_cardinality") is not None else None,
                   effective_number_beta=data.get("effective_number_beta", EFFECTIVE_NUMBER_BETA))


@dataclass(frozen=True)
class Suspect:
    row: int            # 0-based position in the caller's frame
    given: str
    likely: str
    confidence: float   # the model's out-of-fold probability of the likely label


@dataclass(frozen=True)
class LabelNoise:
    estimated_rate: float | None      # None only when the features carry no signal about the labels
    ci: tuple[float, float] | None    # then: (0, upper bound)
    per_class: dict[str, float]       # estimated share of each given class that is mislabelled
    suspects: tuple[Suspect, ...]     # most suspicious first
    method: str | None
    model: str | None
    oof_accuracy: float | None
    rows_used: int | None
    reliable: bool | None
    note: str | None
    reliability: str | None = "high"  # high, moderate, low, none (see noise_grade)
    reliability_reason: str | None = ""
    overlap: dict | None = None       # the overlap test: noise floor at the anchor rows vs the count
    learner: str | None = "boosting"  # the out-of-fold model chosen, and the log loss of each tried
    learner_log_loss: dict[str, float] | None = None
    folds: int | None = 5

    @property
    def summary(self) -> str:
        """One line: 'about 25% (15-34%), low reliability: the model is weak on this data'."""
        low, high = self.ci if self.ci is not None else (0.0, 1.0)
        if self.estimated_rate is None:
            return f"not estimated (at most {high:.0%}): {self.reliability_reason}"
        return (f"about {self.estimated_rate:.0%} ({low:.0%}–{high:.0%}), {self.reliability} reliability: "
                f"{self.reliability_reason}")

    def to_dict(self) -> dict:
        return {
            "estimated_rate": round6(self.estimated_rate),
            "ci": None if self.ci is None else [round6(v) for v in self.ci],
            "per_class": {k: round6(v) for k, v in self.per_class.items()},
            "suspects": [
                {"row": s.row, "given": s.given, "likely": s.likely, "confidence": round6(s.confidence)}
                for s in self.suspects
            ],
            "method": self.method,
            "model": self.model,
            "oof_accuracy": round6(self.oof_accuracy),
            "rows_used": self.rows_used,
            "reliable": self.reliable,
            "note": self.note,
            "reliability": self.reliability,
            "reliability_reason": self.reliability_reason,
            "summary": self.summary,
            "ci_high": None if self.ci is None else round6(self.ci[1]),
            "overlap": None if self.overlap is None else {k: round6(v) if isinstance(v, float) else v
                                                          for k, v in self.overlap.items()},
            "learner": self.learner,
            "learner_log_loss": {k: round6(v) for k, v in (self.learner_log_loss or {}).items()},
            "folds": self.folds,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LabelNoise:
        ci, overlap = data.get("ci"), data.get("overlap")
        return cls(estimated_rate=data.get("estimated_rate"), ci=tuple(ci) if ci else None,
                   per_class=dict(data.get("per_class") or {}),
                   suspects=tuple(Suspect(s.get("row"), s.get("given"), s.get("likely"), s.get("confidence"))
                                  for s in data.get("suspects") or ()),
                   method=data.get("method"), model=data.get("model"), oof_accuracy=data.get("oof_accuracy"),
                   rows_used=data.get("rows_used"), reliable=data.get("reliable"), note=data.get("note"),
                   reliability=data.get("reliability"), reliability_reason=data.get("reliability_reason"),
                   overlap=dict(overlap) if isinstance(overlap, Mapping) else overlap,
                   learner=data.get("learner"), learner_log_loss=dict(data.get("learner_log_loss") or {}),
                   folds=data.get("folds"))
