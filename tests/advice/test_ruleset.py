"""Reading and validating rule files: every refusal names the file, the rule ID and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossadvisor.errors import ConfigError
from lossadvisor.advice.ruleset import load_rules, read_rule_file

GOOD = """
- id: USR-001
  summary: A user rule.
  when: {fact: task, eq: binary}
  recommend: {loss: focal, params: {gamma: 1.0}}
  score: {default: 0.99}
  source: guide 6.1.5
"""


def write(tmp_path: Path, text: str, name: str = "user.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rules_load_with_unique_ids() -> None:
    rules = load_rules()
    ids = [rule.id for rule in rules]
    assert len(ids) == len(set(ids)) >= 50
    assert {"IMB-001", "NOI-001", "SEG-001", "CNT-002", "DEF-002"} <= set(ids)


def test_a_user_rule_is_added(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, GOOD))
    assert rules.get("USR-001").loss == "focal"
    assert len(rules) == len(load_rules()) + 1


def test_a_user_rule_overrides_a_shipped_rule_by_id(tmp_path: Path) -> None:
    text = GOOD.replace("USR-001", "IMB-001")
    rules = load_rules(write(tmp_path, text))
    assert rules.get("IMB-001").loss == "focal"
    assert len(rules) == len(load_rules())


def test_aliases_resolve_to_the_rule(tmp_path: Path) -> None:
    text = GOOD + "  aliases: [OLD-001]\n"
    assert load_rules(write(tmp_path, text)).get("OLD-001").id == "USR-001"


BAD_CASES = [
    ("unknown_key", GOOD + "  colour: red\n", "unknown key 'colour'"),
    ("unknown_fact", GOOD.replace("fact: task", "fact: tsk"), "unknown fact 'tsk'"),
    ("unknown_loss", GOOD.replace("loss: focal", "loss: focall"), "key 'recommend.loss': unknown loss 'focall'"),
    ("bad_param_value", GOOD.replace("gamma: 1.0", "gamma: -1"),
     "key 'recommend.params': The 'gamma' parameter of focal must be a float in [0, inf). Got -1"),
    ("unknown_param", GOOD.replace("gamma: 1.0", "gama: 1.0"), "key 'recommend.params.gama': focal has no parameter 'gama'"),
    ("unknown_formula", GOOD.replace("gamma: 1.0", "gamma: {derive: magic}"), "key 'recommend.params.gamma': unknown formula 'magic'"),
    ("unknown_option", GOOD.replace("gamma: 1.0", "gamma: {derive: focal_gamma, power: 2}"),
     "key 'recommend.params.gamma.power': unknown option of 'focal_gamma'"),
    ("missing_summary", GOOD.replace("  summary: A user rule.\n", ""), "key 'summary' is missing"),
    ("missing_source", GOOD.replace("  source: guide 6.1.5\n", ""), "key 'source' is missing"),
    ("score_out_of_range", GOOD.replace("default: 0.99", "default: 3"), "key 'score.default' must be a number in [0, 1]"),
    ("unknown_objective_score", GOOD.replace("default: 0.99", "default: 0.9, auc: 0.5"), "key 'score.auc': unknown objective"),
    ("two_actions", GOOD + "  advise: also this\n", "needs exactly one of 'recommend', 'adjust', 'advise'"),
    ("bad_confidence", GOOD + "  confidence: sure\n", "key 'confidence' must be one of"),
]


@pytest.mark.parametrize("text, fragment", [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_malformed_rules_are_refused_with_file_rule_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        read_rule_file(path)
    message = str(info.value)
    assert str(path) in message and "rule USR-001" in message
    assert fragment in message


def test_duplicate_ids_in_a_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rule USR-001: duplicate id"):
        read_rule_file(write(tmp_path, GOOD + GOOD))


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "- id: X\n  summary: [unclosed\n")
    with pytest.raises(ConfigError, match=r"user.yaml: not valid YAML \(line \d+\)"):
        read_rule_file(path)


def test_a_rule_without_id_is_refused_by_position(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"rule #1: key 'id' is missing"):
        read_rule_file(write(tmp_path, "- summary: no id\n"))


def test_an_empty_rules_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no rule files"):
        load_rules(tmp_path)


def test_python_tags_are_not_executed(tmp_path: Path) -> None:
    path = write(tmp_path, "- !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_rule_file(path)
