"""trials/plan.py: the candidates of a trial from each source, baseline first, with the report's notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossadvisor.errors import ConfigError
from lossadvisor.profiling.profile import Profile
from lossadvisor.trials.candidates import CandidateSpec, Sweep
from lossadvisor.trials.plan import CONFIGURED_NOTE, SavedCandidates, plan_trial, trial_options
from lossadvisor.trials.prepare import DataFacts

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "outputs"


def _profile(name: str) -> Profile:
    return Profile.from_dict(json.loads((GOLDEN / f"profile_{name}.json").read_text()))


def test_named_losses_are_configured_by_the_rules_and_say_so():
    profile = _profile("imbalanced_binary")
    plan = plan_trial(profile, DataFacts.from_profile(profile), objective=None, top=3, rules_path=None,
                      losses=["weighted_bce", "focal"])
    assert [(s.loss, s.baseline) for s in plan.candidates] == [("cross_entropy", True), ("weighted_bce", False),
                                                                 ("focal", False)]
    assert plan.candidates[1].params["pos_weight"] > 1   # the minority class weighs more, as recommend sets it
    assert plan.notes[0] == CONFIGURED_NOTE + "weighted_bce: configured by rule IMB-001, which fires on this data"
    assert len(plan.notes) == 2 and plan.notes[1].startswith(CONFIGURED_NOTE + "focal: ")
    assert plan.fits_per_seed() == 3


def test_recommend_is_the_default_source():
    profile = _profile("imbalanced_binary")
    plan = plan_trial(profile, DataFacts.from_profile(profile), objective="recall", top=2, rules_path=None)
    assert plan.candidates[0].baseline and 2 <= len(plan.candidates) <= 3
    assert plan.notes == ()


def test_a_kept_baseline_brings_standard_challengers_and_a_note():
    profile = _profile("clean_balanced")   # balanced, clean: recommend keeps cross-entropy
    plan = plan_trial(profile, DataFacts.from_profile(profile), objective="accuracy", top=3, rules_path=None)
    assert [s.label for s in plan.candidates] == ["cross_entropy", "label_smoothing(smoothing=0.1)", "focal(gamma=1)"]
    assert plan.notes == ("recommend kept the plain baseline for this data; standard alternatives "
                          "(label_smoothing(smoothing=0.1), focal(gamma=1)) were trialled to check that none beats it",)


def test_saved_candidates_bring_their_class_order_and_refuse_a_lone_baseline():
    profile = _profile("imbalanced_binary")
    facts = DataFacts.from_profile(profile)
    order = tuple(reversed(facts.class_order))
    saved = SavedCandidates("rec.json", [CandidateSpec("focal", {"gamma": 2.0})], None, order, "binary")
    plan = plan_trial(profile, facts, objective=None, top=3, rules_path=None, saved=saved)
    assert plan.facts.class_order == order
    assert [s.label for s in plan.candidates][1:] == [CandidateSpec("focal", {"gamma": 2.0}).label]
    lone = SavedCandidates("rec.json", [], None, (), "binary")
    with pytest.raises(ConfigError, match="nothing to compare"):
        plan_trial(profile, facts, objective=None, top=3, rules_path=None, saved=lone)


def test_a_sweep_keeps_the_configured_parameters_but_the_swept_one():
    profile = _profile("imbalanced_binary")
    plan = plan_trial(profile, DataFacts.from_profile(profile), objective=None, top=3, rules_path=None,
                      sweep=Sweep("focal", "gamma", (0.0, 1.0, 2.0)))
    assert plan.candidates is None and "gamma" not in plan.base_params
    assert plan.fits_per_seed() == 4


def test_trial_options_carry_the_fit_settings():
    options = trial_options(seeds=2, seed=7, metric=None, objective="f1", batched=False, device="cpu", threads=1,
                            bootstrap=100, epochs=4, budget=None, batch_size=32, patience=2)
    assert (options.seeds, options.seed, options.batched, options.train.epochs, options.train.batch_size) == (
        2, 7, False, 4, 32)
