"""The objective decides the functional: statistics of losses and objectives, and the ranking rule."""

from __future__ import annotations

import pytest

from lossadvisor.advice.functional import Statistic, candidate_statistic, parse_statistic
from lossadvisor.advice.objectives import Objectives
from lossadvisor.advice.ranking import recommend
from lossadvisor.advice.ruleset import load_rules
from lossadvisor.losses.cards import LOSS_CARDS
from lossadvisor.profiling.measure import profile_table
from tests.profiling.test_target_errors import lognormal_frame

RULES = load_rules()
MEAN_ESTIMATORS = ("mse", "poisson", "tweedie")


def heavy(contamination: dict | None, task: str = "regression") -> dict:
    stats = {"outlier_fraction": 0.08, "kurtosis": 15.0, "mad": 1.0, "heavy_tailed": True,
             "contamination": contamination}
    return {"schema_version": "1.0", "task": task, "rows": 2000, "columns": 5, "target": ["y"],
            "target_stats": stats}


CLEAN = {"gross_error_fraction": 0.002, "contaminated": False, "residual_scale": 0.5}
DIRTY = {"gross_error_fraction": 0.05, "contaminated": True, "residual_scale": 0.5}


def test_every_card_states_what_it_estimates() -> None:
    assert all(card.estimates for card in LOSS_CARDS.values())
    assert LOSS_CARDS["quantile"].to_dict()["estimates"] == "quantile(tau)"


@pytest.mark.parametrize("loss, params, expected", [
    ("mse", {}, Statistic("mean")), ("mae", {}, Statistic("median")), ("poisson", {}, Statistic("mean")),
    ("tweedie", {"power": 1.5}, Statistic("mean")), ("quantile", {"tau": 0.9}, Statistic("quantile", 0.9)),
    ("asymmetric_mse", {"tau": 0.5}, Statistic("expectile", 0.5)),
    ("huber", {"delta": 2.0}, Statistic("mean")),        # 2 ≥ 3 × 0.5
    ("huber", {"delta": 1.0}, Statistic("between")),     # 0.125 < 1/0.5 < 3
    ("huber", {"delta": 0.1}, Statistic("median")),      # 0.1 ≤ 0.25 × 0.5
    ("log_cosh", {}, Statistic("between")),              # δ = 1 target unit
])
def test_candidate_statistics(loss, params, expected) -> None:
    assert candidate_statistic(loss, params, {"target_stats.residual_scale": 0.5}) == expected


def test_huber_falls_back_to_the_target_scale_and_to_between_without_one() -> None:
    assert candidate_statistic("huber", {"delta": 4.5}, {"target_stats.mad": 1.0}) == Statistic("mean")
    assert candidate_statistic("huber", {"delta": 4.0}, {"target_stats.mad": 1.0}) == Statistic("between")
    assert candidate_statistic("huber", {"delta": 100.0}, {}) == Statistic("between")


def test_agreement_identifies_the_half_quantile_with_the_median() -> None:
    assert Statistic("quantile", 0.5).agrees(Statistic("median"))
    assert Statistic("expectile", 0.5).agrees(Statistic("mean"))
    assert not Statistic("quantile", 0.9).agrees(Statistic("quantile", 0.5))
    assert not Statistic("between").agrees(Statistic("mean"))
    assert parse_statistic("quantile(0.9)") == Statistic("quantile", 0.9)


@pytest.mark.parametrize("objective, rewarded", [
    ("rmse", "mean"), ("mae", "median"), ("quantile:0.9", "quantile(0.9)"), ("calibration", "probability"),
    ("f1", None), ("recall", None), ("accuracy", None)])
def test_objectives_state_the_statistic_they_reward(objective, rewarded) -> None:
    assert Objectives.parse(objective).statistic() == rewarded


def test_stated_costs_without_an_objective_reward_the_cost_quantile() -> None:
    assert Objectives.parse(under_cost=3, over_cost=1).for_task("regression").statistic() == "quantile(0.75)"
    assert Objectives.parse("rmse", under_cost=3, over_cost=1).statistic() == "mean"


def test_rmse_on_a_measured_genuine_tail_puts_a_mean_estimator_first() -> None:
    rec = recommend(heavy(CLEAN), Objectives.parse("rmse"), rules=RULES)
    first = rec.candidates[0]   # Huber counts as a mean estimator when δ ≥ 3 residual σ (here 1.99 ≥ 1.5)
    assert first.loss in MEAN_ESTIMATORS or candidate_statistic(first.loss, first.params, rec.facts).agrees(Statistic("mean"))
    assert "OUT-002" not in rec.fired            # measured: the tail is not errors


def test_rmse_without_a_measurement_still_ranks_the_mean_first() -> None:
    rec = recommend(heavy(None), Objectives.parse("rmse"), rules=RULES)
    losses = [c.loss for c in rec.candidates]
    assert losses[0] == "mse" and "quantile" in losses
    statistics = [candidate_statistic(c.loss, c.params, rec.facts) for c in rec.candidates]
    first_other = next(i for i, s in enumerate(statistics) if not s.agrees(Statistic("mean")))
    assert all(not s.agrees(Statistic("mean")) for s in statistics[first_other:])   # one block each


def test_measured_contamination_keeps_the_median_in_place_and_names_trial() -> None:
    rec = recommend(heavy(DIRTY), Objectives.parse("rmse"), rules=RULES)
    top = rec.candidates[0]
    assert top.loss == "quantile" and top.params == {"tau": 0.5}
    assert any("lossadvisor trial" in c and "arbiter" in c for c in top.caveats)
    assert any("lossadvisor trial" in c for c in rec.to_dict()["candidates"][0]["caveats"])


@pytest.mark.parametrize("contamination", [CLEAN, DIRTY, None])
def test_mae_on_a_heavy_tail_keeps_a_median_estimator_first(contamination) -> None:
    rec = recommend(heavy(contamination), Objectives.parse("mae"), rules=RULES)
    first = rec.candidates[0]
    assert candidate_statistic(first.loss, first.params, rec.facts).agrees(Statistic("median"))


def test_quantile_objective_puts_the_matching_pinball_first() -> None:
    rec = recommend(heavy(CLEAN), Objectives.parse("quantile:0.9"), rules=RULES)
    assert rec.candidates[0].loss == "quantile" and rec.candidates[0].params["tau"] == pytest.approx(0.9)


def test_threshold_objectives_are_untouched() -> None:
    profile = {"schema_version": "1.0", "task": "binary", "rows": 1000,
               "classes": {"n_classes": 2, "counts": {"0": 900, "1": 100}, "imbalance_ratio": 9.0}}
    rec = recommend(profile, Objectives.parse("f1"), rules=RULES)
    assert not any("rewards" in c for cand in rec.candidates for c in cand.caveats)


def test_known_answer_lognormal_end_to_end() -> None:
    profiled = profile_table(lognormal_frame(n=800), target="target")
    clean = recommend(profiled, Objectives.parse("rmse"), rules=RULES)
    assert clean.facts["target_stats.contaminated"] is False and clean.facts["target_stats.heavy_tailed"]
    first = clean.candidates[0]
    assert first.loss in MEAN_ESTIMATORS or candidate_statistic(first.loss, first.params, clean.facts).kind == "mean"
    dirty = recommend(lognormal_frame(n=800, gross=0.05), Objectives.parse("rmse"), target="target", rules=RULES)
    assert dirty.facts["target_stats.contaminated"] is True
    medians = [c for c in dirty.candidates if c.loss in ("quantile", "mae")]
    assert medians and all(any("lossadvisor trial" in cav for cav in c.caveats) for c in medians)
    assert dirty.candidates[0].loss == "quantile"
    mae = recommend(profiled, Objectives.parse("mae"), rules=RULES)
    assert mae.candidates[0].loss in ("mae", "quantile")
