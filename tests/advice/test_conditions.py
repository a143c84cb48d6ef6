"""The closed condition language: parsing, evaluation, null semantics, and refusals."""

from __future__ import annotations

import pytest

from lossadvisor.advice.conditions import describe, facts_used, parse_condition, profile_facts
from lossadvisor.errors import ConfigError
from lossadvisor.profiling.profile import Profile


def cond(raw):
    return parse_condition(raw, "test.yaml: rule T-1")


def test_comparisons_on_a_number() -> None:
    c = cond({"fact": "classes.imbalance_ratio", "ge": 3, "lt": 10})
    assert c.holds({"classes.imbalance_ratio": 3}) is True
    assert c.holds({"classes.imbalance_ratio": 9.99}) is True
    assert c.holds({"classes.imbalance_ratio": 10}) is False
    assert c.holds({"classes.imbalance_ratio": 2.9}) is False


def test_in_and_not_in() -> None:
    c = cond({"fact": "task", "in": ["binary", "multiclass"]})
    assert c.holds({"task": "binary"}) and not c.holds({"task": "regression"})
    assert cond({"fact": "task", "not_in": ["binary"]}).holds({"task": "count"})


def test_all_any_not() -> None:
    c = cond({"all": [{"fact": "task", "eq": "binary"},
                      {"any": [{"fact": "cost.ratio", "gt": 1}, {"not": {"fact": "classes.imbalance_ratio", "lt": 3}}]}]})
    assert c.holds({"task": "binary", "cost.ratio": 2})
    assert c.holds({"task": "binary", "classes.imbalance_ratio": 5})
    assert not c.holds({"task": "binary", "classes.imbalance_ratio": 2})
    assert not c.holds({"task": "multiclass", "cost.ratio": 2})


def test_every_comparison_on_a_null_fact_is_false() -> None:
    for op, value in (("eq", 1), ("ne", 1), ("lt", 1), ("ge", 1), ("in", [1]), ("not_in", [1])):
        c = cond({"fact": "classes.imbalance_ratio", op: value})
        assert c.holds({}) is False, op
        assert c.holds({"classes.imbalance_ratio": None}) is False, op
        assert c.holds({"classes.imbalance_ratio": float("nan")}) is False, op


def test_known_tests_presence_and_not_negates() -> None:
    assert cond({"fact": "label_noise.ci_low", "known": False}).holds({})
    assert not cond({"fact": "label_noise.ci_low", "known": True}).holds({})
    assert cond({"fact": "label_noise.ci_low", "known": True}).holds({"label_noise.ci_low": 0.0})
    assert cond({"not": {"fact": "classes.imbalance_ratio", "ge": 3}}).holds({})


def test_ordered_comparison_on_a_flag_value_is_false() -> None:
    assert not cond({"fact": "classes.imbalance_ratio", "gt": 0}).holds({"classes.imbalance_ratio": True})


@pytest.mark.parametrize("raw, fragment", [
    ({"fact": "classes.ratio", "ge": 3}, "unknown fact 'classes.ratio'"),
    ({"fact": "task", "gte": 3}, "unknown operator 'gte'"),
    ({"fact": "task", "ge": 3}, "operator 'ge' on text fact 'task' needs a number"),
    ({"fact": "classes.imbalance_ratio", "ge": "ten"}, "needs a number"),
    ({"fact": "task", "in": "binary"}, "needs a list"),
    ({"fact": "task"}, "has no operator"),
    ({"fact": "task", "known": "yes"}, "must be true or false"),
    ({"either": []}, "unknown condition key 'either'"),
    ({"all": []}, "non-empty list"),
    ("task == binary", "must be a mapping"),
])
def test_malformed_conditions_name_the_rule_and_key(raw, fragment) -> None:
    with pytest.raises(ConfigError) as info:
        cond(raw)
    assert "test.yaml: rule T-1" in str(info.value)
    assert fragment in str(info.value)


def test_describe_and_facts_used() -> None:
    c = cond({"all": [{"fact": "task", "eq": "binary"}, {"fact": "cost.ratio", "known": True}]})
    assert describe(c) == "(task == binary and cost.ratio is known)"
    assert facts_used(c) == {"task", "cost.ratio"}


def test_profile_facts_flattens_the_contract_and_drops_nulls() -> None:
    profile = {
        "schema_version": "1.0", "task": "binary", "rows": 1000, "columns": 11, "target": ["y"],
        "structure": {"type": "tabular", "lag1_autocorrelation": None},
        "classes": {"counts": {"0": 950, "1": 50}, "n_classes": 2, "imbalance_ratio": 19.0},
        "label_noise": {"estimated_rate": 0.2, "ci": [0.15, 0.25], "reliable": True},
        "target_stats": None, "masks": None, "feature_outliers": None,
    }
    facts = profile_facts(Profile.from_dict(profile))
    assert facts["task"] == "binary"
    assert facts["classes.min_count"] == 50
    assert facts["classes.minority_fraction"] == pytest.approx(0.05)
    assert facts["label_noise.ci_low"] == 0.15
    assert facts["features_per_row"] == pytest.approx(0.01)
    assert "structure.lag1_autocorrelation" not in facts
    assert "target_stats.mad" not in facts
