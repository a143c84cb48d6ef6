"""Every rule against its fixture cases (tests/advice/rule_fixtures/*.yaml): facts in → fires or not, params out."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lossadvisor.advice.ranking import configure
from lossadvisor.advice.ruleset import load_rules

FIXTURES = Path(__file__).parent / "rule_fixtures"
RULES = load_rules()


def _cases() -> list[dict]:
    cases = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append({**case, "file": path.name})
    return cases


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c['rule']}::{c['name']}" for c in CASES])
def test_rule_fixture(case: dict) -> None:
    rule = RULES.get(case["rule"])
    assert rule.when.holds(case["facts"]) is case["fires"], f"{rule.id}: {rule.condition_text}"
    if case["fires"] and "params" in case:
        candidate, problem = configure(rule, case["facts"], case["facts"].get("objective"))
        assert candidate is not None, problem
        for name, expected in case["params"].items():
            assert _close(candidate.params[name], expected), f"{name}: got {candidate.params[name]!r}"


def _close(got, expected) -> bool:
    """Numbers (and lists of numbers) to 1e-4 relative; everything else exactly."""
    if isinstance(expected, bool) or isinstance(expected, (str, dict)) or expected is None:
        return got == expected
    if isinstance(expected, list):
        return len(got) == len(expected) and all(_close(g, e) for g, e in zip(got, expected))
    return got == pytest.approx(expected, rel=1e-4, abs=1e-6)


def test_fixture_ids_are_unique() -> None:
    ids = [f"{c['rule']}::{c['name']}" for c in CASES]
    assert len(ids) == len(set(ids))


def test_every_fixture_names_a_known_rule() -> None:
    known = {rule.id for rule in RULES}
    assert {c["rule"] for c in CASES} <= known


@pytest.mark.parametrize("rule", list(RULES), ids=[r.id for r in RULES])
def test_every_rule_is_documented_and_has_firing_and_silent_fixtures(rule) -> None:
    assert rule.summary and rule.source
    assert "guide" in rule.source, "every rule cites its guide section"
    outcomes = {c["fires"] for c in CASES if c["rule"] == rule.id}
    assert outcomes == {True, False}, f"{rule.id} needs a firing and a non-firing fixture"
    if rule.action == "recommend" and rule.params:
        assert any(c["fires"] and "params" in c for c in CASES if c["rule"] == rule.id), \
            f"{rule.id} configures parameters: one firing fixture must check them"
