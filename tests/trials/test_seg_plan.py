"""Segmentation candidate planning (trials/seg_plan.py): the sources, the baseline first, the lazy mask profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossadvisor.errors import ConfigError
from lossadvisor.profiling.profile import Profile
from lossadvisor.trials.candidates import CandidateSpec, Sweep
from lossadvisor.trials.plan import SavedCandidates
from lossadvisor.trials.seg_plan import CONFIGURED_NOTE, plan_segmentation

MASKS = Path(__file__).parents[1] / "golden" / "outputs" / "profile_masks.json"


def _profile_counting(calls: list) -> callable:
    def read() -> Profile:
        calls.append(1)
        return Profile.from_dict(json.loads(MASKS.read_text()))
    return read


def test_recommend_on_the_masks_gives_the_baseline_first_and_challengers():
    calls = []
    plan = plan_segmentation(_profile_counting(calls), objective=None, top=2, rules_path=None)
    assert plan.candidates[0].baseline and plan.candidates[0].loss == "cross_entropy"
    assert len(plan.candidates) >= 2 and plan.sweep is None and plan.notes == () and calls == [1]


def test_named_losses_are_configured_for_the_masks_and_say_so():
    plan = plan_segmentation(_profile_counting([]), objective=None, top=2, rules_path=None, losses=["dice"])
    assert [c.loss for c in plan.candidates] == ["cross_entropy", "dice"]
    assert len(plan.notes) == 1 and plan.notes[0].startswith(CONFIGURED_NOTE) and "dice" in plan.notes[0]


def test_a_sweep_never_measures_the_masks_and_a_lone_baseline_is_refused():
    calls = []
    sweep = Sweep("tversky", "alpha", (0.3, 0.7))
    assert plan_segmentation(_profile_counting(calls), objective=None, top=2, rules_path=None,
                             sweep=sweep).sweep == sweep
    assert calls == []
    lone = SavedCandidates("rec.json", [], CandidateSpec("cross_entropy", {}, True), (), "segmentation")
    with pytest.raises(ConfigError, match="nothing to compare"):
        plan_segmentation(_profile_counting(calls), objective=None, top=2, rules_path=None, saved=lone)
    assert calls == []
