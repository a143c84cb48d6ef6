"""What the user is optimising for: the metric, error costs, and the compute budget.

The evidence benchmark shows that the objective, not the data condition alone, decides which loss
ties with the best (docs/evidence.md, by objective), so every recommendation carries one: given by the user
(``--objective``) or a stated default for the task.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from lossadvisor.errors import ConfigError
from lossadvisor.vocabulary import (CLASSIFICATION_OBJECTIVES, OBJECTIVE_SPELLING, OBJECTIVES,
                                     REGRESSION_OBJECTIVES, REGRESSION_TASKS)

DEFAULTS = {"classification": "f1", "regression": "rmse"}
# The statistic each objective rewards (docs/rules.md, "The objective decides the functional"): RMSE is
# minimised by the conditional mean, MAE by the median, the pinball loss at Q by the Q-quantile (Gneiting 2011),
# and a calibration objective (log loss, Brier) by calibrated probabilities. The other classification objectives
# (recall, precision, F1, F-beta, balanced accuracy, accuracy) judge a thresholded decision: any score with the
# right ranking can be thresholded to the same decisions, so they reward no statistic and ranking ignores it.
STATISTICS = {"rmse": "mean", "mae": "median", "quantile": "quantile(tau)", "calibration": "probability"}
BUDGETS = ("fast", "normal")


@dataclass(frozen=True)
class Objectives:
    """The objective (``None``: the task's default), costs and budget."""

    objective: str | None = None
    beta: float | None = None
    quantile: float | None = None
    fn_cost: float | None = None
    fp_cost: float | None = None
    under_cost: float | None = None
    over_cost: float | None = None
    budget: str = "normal"
    assumed: bool = False

    @classmethod
    def parse(cls, objective: str | None = None, *, fn_cost: float | None = None, fp_cost: float | None = None,
              under_cost: float | None = None, over_cost: float | None = None, budget: str = "normal") -> "Objectives":
        """Parse the CLI spelling (``fbeta:2``, ``quantile:0.9``); a bad value raises ConfigError."""
        name, beta, quantile = _parse_objective(objective)
        for flag, value in (("--fn-cost", fn_cost), ("--fp-cost", fp_cost), ("--under-cost", under_cost),
                            ("--over-cost", over_cost)):
            if value is not None and not value > 0:
                raise ConfigError(f"{flag} must be a positive number, got {value}")
        if budget not in BUDGETS:
            raise ConfigError(f"unknown budget '{budget}' (expected {' or '.join(BUDGETS)})")
        if quantile is not None and under_cost is not None and over_cost is not None:
            implied = under_cost / (under_cost + over_cost)  # the newsvendor fractile
            if abs(implied - quantile) > 0.01:
                raise ConfigError(f"--objective quantile:{quantile:g} contradicts --under-cost/--over-cost, which "
                                  f"imply quantile {implied:.3g}; give one or the other")
        return cls(name, beta, quantile, fn_cost, fp_cost, under_cost, over_cost, budget)

    def for_task(self, task: str) -> "Objectives":
        """Check the objective and costs fit the task; fill the default objective."""
        family = "regression" if task in REGRESSION_TASKS else "classification"
        allowed = REGRESSION_OBJECTIVES if family == "regression" else CLASSIFICATION_OBJECTIVES
        if self.objective is not None and self.objective not in allowed:
            raise ConfigError(f"objective '{self.objective}' does not apply to a {task} task "
                              f"(expected one of {', '.join(allowed)})")
        if family == "regression" and (self.fn_cost is not None or self.fp_cost is not None):
            raise ConfigError(f"--fn-cost/--fp-cost apply to classification, not to a {task} task "
                              "(use --under-cost/--over-cost)")
        if family == "classification" and (self.under_cost is not None or self.over_cost is not None):
            raise ConfigError(f"--under-cost/--over-cost apply to regression, not to a {task} task "
                              "(use --fn-cost/--fp-cost)")
        if self.objective is None:
            return replace(self, objective=DEFAULTS[family], assumed=True)
        return self

    def facts(self) -> dict[str, Any]:
        """The objective as named facts for the rules (a cost given alone pairs with 1)."""
        out: dict[str, Any] = {"objective": self.objective, "objective.given": not self.assumed,
                               "objective.beta": self.beta, "objective.quantile": self.quantile,
                               "budget": self.budget}
        if self.fn_cost is not None or self.fp_cost is not None:
            out["cost.fn"] = self.fn_cost if self.fn_cost is not None else 1.0
            out["cost.fp"] = self.fp_cost if self.fp_cost is not None else 1.0
            out["cost.ratio"] = out["cost.fn"] / out["cost.fp"]
        if self.under_cost is not None or self.over_cost is not None:
            out["cost.under"] = self.under_cost if self.under_cost is not None else 1.0
            out["cost.over"] = self.over_cost if self.over_cost is not None else 1.0
        return {k: v for k, v in out.items() if v is not None}

    def notes(self) -> list[str]:
        if self.assumed:
            return [f"no --objective given: ranked for '{self.objective}' (macro-F1 for classification, RMSE for "
                    "regression); the winning loss depends on the metric, so pass yours"]
        return []

    def statistic(self) -> str | None:
        """The statistic the objective rewards, with the quantile filled in; None: decided by a threshold."""
        if self.assumed and (self.under_cost is not None or self.over_cost is not None):
            under = self.under_cost if self.under_cost is not None else 1.0
            over = self.over_cost if self.over_cost is not None else 1.0
            return f"quantile({under / (under + over):g})"   # stated costs, no objective: the newsvendor fractile
        rewarded = STATISTICS.get(str(self.objective))
        if rewarded == "quantile(tau)" and self.quantile is not None:
            return f"quantile({self.quantile:g})"
        return rewarded

    def label(self) -> str:
        if self.objective == "fbeta":
            return f"fbeta:{self.beta:g}"
        if self.objective == "quantile":
            return f"quantile:{self.quantile:g}"
        return str(self.objective)

    def to_dict(self) -> dict:
        return {"name": self.objective, "label": self.label(), "assumed": self.assumed, "beta": self.beta,
                "quantile": self.quantile, "fn_cost": self.fn_cost, "fp_cost": self.fp_cost,
                "under_cost": self.under_cost, "over_cost": self.over_cost, "budget": self.budget}


def _parse_objective(text: str | None) -> tuple[str | None, float | None, float | None]:
    if text is None:
        return None, None, None
    name, _, arg = text.strip().lower().partition(":")
    if name in ("fbeta", "quantile"):
        try:
            value = float(arg)
        except ValueError:
            raise ConfigError(f"objective '{text}' needs a number after ':' (e.g. fbeta:2, quantile:0.9)") from None
        if name == "fbeta" and not value > 0:
            raise ConfigError(f"objective '{text}': β must be > 0")
        if name == "quantile" and not 0 < value < 1:
            raise ConfigError(f"objective '{text}': the quantile must be in (0, 1)")
        return name, (value if name == "fbeta" else None), (value if name == "quantile" else None)
    if arg or name not in OBJECTIVES:
        raise ConfigError(f"unknown objective '{text}' (expected {OBJECTIVE_SPELLING})")
    return name, None, None
