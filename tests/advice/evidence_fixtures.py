"""A small synthetic evidence table (results.csv + facts.jsonl) in the evidence benchmark's format.

Three binary sets with class ratio 4 (so DEF-001 bce, IMB-001 weighted_bce √ratio, IMB-002 weighted_bce
ratio and IMB-005 logit adjustment fire) and one regression set. Under f1, plain bce ties with the best
on every binary set and IMB-001 (the hand-set f1 favourite) never does; under recall, IMB-002 ties and
nothing else does. The regression set measures mse (tied) and mae (not) under rmse, pinball τ = 0.9 (tied) and mse
(not) under a bare ``quantile`` objective (the benchmark's spelling of quantile:0.9), plus an objective
the rules do not rank by (pr_auc, skipped).
"""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

from lossadvisor.advice.objectives import Objectives
from lossadvisor.advice.ranking import configure
from lossadvisor.advice.ruleset import load_rules

COLUMNS = ("set", "condition", "task", "loss", "params", "objective", "metric", "mean", "lo", "hi",
           "tied_with_best", "seeds", "folds")


def binary_facts(n_pos: int, n_neg: int) -> dict:
    return {"task": "binary", "rows": n_pos + n_neg, "columns": 5, "n_targets": 1,
            "classes.n_classes": 2, "classes.counts": {"0": n_neg, "1": n_pos},
            "classes.imbalance_ratio": n_neg / n_pos, "classes.min_count": n_pos,
            "classes.minority_fraction": n_pos / (n_pos + n_neg)}


REGRESSION_FACTS = {"task": "regression", "rows": 500, "columns": 4, "n_targets": 1,
                    "target_stats.kurtosis": 0.1, "target_stats.outlier_fraction": 0.0}


@functools.lru_cache(maxsize=1)
def shipped_rules():
    return load_rules()


def params_of(rule_id: str, facts: dict, objective: str) -> dict:
    """The parameters a shipped rule configures on these facts (as the benchmark would measure it)."""
    rule = shipped_rules().get(rule_id)
    objectives = Objectives.parse(objective).for_task(facts["task"])
    candidate, problem = configure(rule, {**facts, **objectives.facts()}, objectives.objective)
    assert candidate is not None, problem
    return dict(candidate.params)


def synthetic_rows() -> tuple[list[dict], list[dict]]:
    """(result rows, facts lines) of the table described in the module docstring."""
    rows, cases = [], []
    for name, (n_pos, n_neg) in {"alpha": (200, 800), "beta": (100, 400), "gamma": (300, 1200)}.items():
        facts = binary_facts(n_pos, n_neg)
        cases.append({"set": name, "condition": "clean", "task": "binary", "facts": facts})
        for objective, winner in (("f1", "DEF-001"), ("recall", "IMB-002")):
            for rule_id in ("DEF-001", "IMB-001", "IMB-002", "IMB-005"):
                params = params_of(rule_id, facts, objective)
                loss = shipped_rules().get(rule_id).loss
                rows.append(_row(name, "clean", "binary", loss, params, objective, rule_id == winner))
    cases.append({"set": "delta", "condition": "clean", "task": "regression", "facts": REGRESSION_FACTS})
    rows.append(_row("delta", "clean", "regression", "mse", {}, "rmse", True))
    rows.append(_row("delta", "clean", "regression", "mae", {}, "rmse", False))
    rows.append(_row("delta", "clean", "regression", "quantile", {"tau": 0.9}, "quantile", True))  # τ 0.9: bare
    rows.append(_row("delta", "clean", "regression", "mse", {}, "quantile", False))
    rows.append(_row("delta", "clean", "regression", "mse", {}, "pr_auc", True))
    return rows, cases


def _row(set_: str, condition: str, task: str, loss: str, params: dict, objective: str, tied: bool) -> dict:
    return {"set": set_, "condition": condition, "task": task, "loss": loss,
            "params": json.dumps(params, separators=(",", ":")), "objective": objective, "metric": objective,
            "mean": 0.9 if tied else 0.5, "lo": 0.85 if tied else 0.45, "hi": 0.95 if tied else 0.55,
            "tied_with_best": str(tied), "seeds": 5, "folds": 5}


def write_table(folder: Path, rows: list[dict] | None = None, cases: list[dict] | None = None) -> Path:
    """Write results.csv and facts.jsonl into ``folder``; the results path."""
    if rows is None or cases is None:
        rows, cases = synthetic_rows()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "results.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    (folder / "facts.jsonl").write_text("".join(json.dumps(case) + "\n" for case in cases), encoding="utf-8")
    return folder / "results.csv"
