"""recommend on multi-target data: the rule base per target, each loss configured from its own target's facts."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lossadvisor.advice.objectives import Objectives
from lossadvisor.advice.per_target import constant_loss, objectives_for
from lossadvisor.advice.ranking import recommend
from lossadvisor.advice.recommendation import Candidate
from lossadvisor.contracts import validate_document
from lossadvisor.errors import ConfigError
from lossadvisor.profiling.measure import profile_table
from lossadvisor.profiling.profile import Profile
from lossadvisor.profiling.target_section import TargetProfile
from tests.profiling.test_target_measure import mad, mixed_targets, three_targets

HEAVY_RULES = {"OUT-001", "OUT-002", "OUT-004"}


@pytest.fixture(scope="module")
def three_profile():
    return profile_table(three_targets(), target="a,b,c", noise=False).to_dict()


def test_heavy_tail_rules_fire_for_the_third_target_only(three_profile):
    rec = recommend(three_profile)
    fired = {t.name: set(t.recommendation.fired) for t in rec.targets}
    assert "OUT-001" in fired["c"]
    assert not (fired["a"] | fired["b"]) & HEAVY_RULES
    assert [t.chosen.loss for t in rec.targets][:2] == ["mse", "mse"]
    # The top level no longer reads the first column's tail facts.
    assert not set(rec.fired) & HEAVY_RULES
    huber = next(c for c in rec.targets[2].recommendation.candidates if c.loss == "huber")
    frame = three_targets()
    assert huber.params["delta"] == pytest.approx(1.345 * 1.4826 * mad(frame["c"]), rel=1e-5)
    assert huber.param_sources["delta"].facts["target_stats.mad"] == pytest.approx(mad(frame["c"]), rel=1e-5)


def test_huber_delta_comes_from_each_targets_own_mad():
    frame = three_targets()
    rng = np.random.default_rng(5)
    frame["a"] = 100 * frame["f1"] + 300 * rng.standard_t(1.5, size=len(frame))  # a heavy tail at another scale
    rec = recommend(profile_table(frame, target="a,b,c", noise=False))
    deltas = {t.name: c.params["delta"] for t in rec.targets for c in t.recommendation.candidates if c.loss == "huber"}
    assert set(deltas) == {"a", "c"}
    for name, delta in deltas.items():
        assert delta == pytest.approx(1.345 * 1.4826 * mad(frame[name]), rel=1e-5)
    assert deltas["a"] / deltas["c"] == pytest.approx(mad(frame["a"]) / mad(frame["c"]), rel=1e-4)
    assert deltas["a"] > 10 * deltas["c"]


def test_classification_and_regression_mix():
    frame = mixed_targets()
    rec = recommend(profile_table(frame, target="fraud,amount,tier", noise=False))
    fraud, amount, tier = rec.targets
    assert (fraud.kind, amount.kind, tier.kind) == ("binary", "regression", "multiclass")
    # The fraud target's own imbalance fires the imbalance rules; which correction leads is the fitted scores'
    # call (docs/score-fit.md), but the square-root pos_weight is configured from this target's counts alone.
    assert fraud.chosen.loss in ("weighted_bce", "class_balanced", "focal", "logit_adjusted")
    n_yes, n_no = int((frame.fraud == "yes").sum()), int((frame.fraud == "no").sum())
    assert fraud.recommendation.class_order == ("no", "yes")
    weighted = next(c for c in fraud.recommendation.candidates if c.loss == "weighted_bce")
    assert weighted.params["pos_weight"] == pytest.approx(math.sqrt(n_no / n_yes), rel=1e-4)
    assert amount.chosen.loss == "mse"
    # Combination weights: 1/L0 with L0 the class entropy (classification) and the variance (MSE).
    p_yes = n_yes / len(frame)
    entropy = -(p_yes * math.log(p_yes) + (1 - p_yes) * math.log(1 - p_yes))
    scale = next(c for c in rec.combinations if c.name == "scale_weights")
    assert scale.weights[0] == pytest.approx(1 / entropy, rel=1e-4)
    assert scale.weights[1] == pytest.approx(1 / np.var(frame.amount.to_numpy()[:500]), rel=1e-3)
    assert [c.name for c in rec.combinations] == ["sum", "scale_weights", "uncertainty_weighted"]
    assert rec.combinations[0].baseline and rec.combinations[0].weights == (1.0, 1.0, 1.0)
    weighting = next(c for c in rec.candidates if c.loss == "uncertainty_weighted")
    assert [(c["name"], c["loss"]) for c in weighting.params["components"]] == [
        ("fraud", fraud.chosen.loss), ("amount", "mse"), ("tier", tier.chosen.loss)]
    assert all(c.loss == "uncertainty_weighted" for c in rec.candidates)  # no single loss for every target
    weighting.build()  # the configured multi-task module builds


def test_json_contract_and_saved_profile_give_the_same_advice(three_profile):
    rec = recommend(three_profile)
    data = rec.to_dict()
    validate_document(data, "recommendation", "test")
    assert [t["name"] for t in data["targets"]] == ["a", "b", "c"]
    assert data["targets"][2]["loss"]["loss"] == rec.targets[2].chosen.loss
    saved = json.loads(json.dumps(three_profile))
    assert recommend(saved).to_dict() == data
    assert Profile.from_dict(saved).to_dict() == three_profile   # the targets section round-trips


def test_single_target_recommendation_has_no_per_target_keys():
    frame = mixed_targets()
    data = recommend(profile_table(frame, target="amount", noise=False)).to_dict()
    assert "targets" not in data and "combinations" not in data


def test_objective_applies_to_the_targets_of_its_family():
    own, note = objectives_for(Objectives.parse("mae", under_cost=2.0), "binary")
    assert own.objective is None and own.under_cost is None and "does not apply to a binary target" in note
    own, note = objectives_for(Objectives.parse("mae"), "regression")
    assert own.objective == "mae" and note is None
    frame = mixed_targets()
    rec = recommend(profile_table(frame, target="fraud,amount", noise=False), Objectives.parse("recall"))
    assert rec.targets[0].recommendation.objectives.objective == "recall"
    assert rec.targets[1].recommendation.objectives.objective == "rmse"


def test_objective_that_fits_no_target_is_refused(three_profile):
    with pytest.raises(ConfigError, match="applies to none of the targets"):
        recommend(three_profile, Objectives.parse("recall"))
    with pytest.raises(ConfigError, match="--fn-cost/--fp-cost apply to classification targets"):
        recommend(three_profile, Objectives.parse(None, fn_cost=5))


@pytest.mark.parametrize("loss, params, expected", [
    ("mse", {}, 1.25),                                  # values 0,1,2,3: variance about the mean 1.5
    ("mae", {}, 1.0),                                   # about the median 1.5
    ("huber", {"delta": 1.0}, (0.5 * 0.25 * 2 + 1.0 * 2) / 4),   # |r| = 0.5, 0.5 (quadratic), 1.5, 1.5 (linear)
    ("quantile", {"tau": 0.25}, (0.75 * 0.75 + 0.25 * 0.25 + 0.25 * 1.25 + 0.25 * 2.25) / 4),  # τ-quantile 0.75
])
def test_constant_loss_known_answers(loss, params, expected):
    section = TargetProfile.from_dict({"name": "t", "kind": "regression",
                                       "target_stats": {"sample": [0.0, 1.0, 2.0, 3.0], "std": 1.29}})
    assert constant_loss(section, Candidate(loss, params, {}, None, (), "", "")) == pytest.approx(expected)


def test_constant_loss_of_classes_is_the_entropy():
    section = TargetProfile.from_dict({"name": "t", "kind": "multiclass", "classes": {"counts": {"a": 2, "b": 1, "c": 1}}})
    assert constant_loss(section, Candidate("cross_entropy", {}, {}, None, (), "", "")) == pytest.approx(
        1.5 * math.log(2))
