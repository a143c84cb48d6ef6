"""The profile renderers read the typed Profile: text, Markdown and JSON show what the JSON holds."""

from __future__ import annotations

import json

from lossadvisor.profiling.class_sections import ClassBalance
from lossadvisor.profiling.findings import Finding
from lossadvisor.profiling.group_sections import GroupFacts, GroupProfile
from lossadvisor.profiling.profile import Profile
from lossadvisor.profiling.value_sections import Structure
from lossadvisor.report.profile_render import render_json, render_markdown, render_text


def _profile() -> Profile:
    groups = GroupProfile(("region",), (
        GroupFacts("north", 300, 0.75, True, {"0": 0.8, "1": 0.2}, 0.2, 0.05, None, None),
        GroupFacts("south", 20, 0.05, False, None, None, None, None, None),
    ), "1", None, None, None)
    return Profile(source="toy.csv", rows=400, columns=3, target=("label",), task="binary",
                   task_evidence=("two values",), overview=None, structure=Structure("iid"),
                   classes=ClassBalance({"0": 300, "1": 100}, 3.0, 0.811278, (), (), {"0": 300.0, "1": 100.0},
                                        positive="1"),
                   label_noise=None, target_stats=None, feature_outliers=None, masks=None, target_nonfinite=None,
                   warnings=(Finding("IMBALANCE", "minority class is 25% of rows"),), groups=groups)


def test_markdown_reads_the_sections_as_attributes():
    text = render_markdown(_profile())
    assert "| target | label |" in text
    assert "| 1 | 100 (25.00%) |" in text and "| imbalance ratio | 3 |" in text
    assert "| north | 300 rows (75.0%); base rate 20.0%; label noise 5.0% |" in text
    assert "| south | 20 rows (5.0%); too few rows to measure (< 30) |" in text
    assert "- **IMBALANCE**: minority class is 25% of rows" in text


def test_text_and_json_render_the_same_profile():
    profile = _profile()
    text = render_text(profile, width=100)
    assert "binary  (two values)" in text and "IMBALANCE" in text and "Groups by region" in text
    assert json.loads(render_json(profile)) == profile.to_dict()
    assert render_json(Profile.from_dict(profile.to_dict())) == render_json(profile)
