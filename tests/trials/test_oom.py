"""Trials under faults: an out-of-memory error while batching halves the member group, then goes sequential."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials import run as run_module
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.oom import train_halving_on_oom
from lossadvisor.trials.prepare import DataFacts
from lossadvisor.trials.results import TrialOptions
from lossadvisor.trials.train import train_members
from lossadvisor.trials.train_types import TrainConfig, TrainOutcome


def _fake_train(limit: int, calls: list):
    """A train function that runs out of memory above `limit` members, as CUDA would (simulated on CPU)."""

    def train(members, tensors, config, sizes, score, on_epoch):
        calls.append(len(members))
        if len(members) > limit:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        score(list(range(len(members))), np.zeros((len(members), 1, 1)))
        return TrainOutcome([f"trace {m}" for m in members], 2, 10 * len(members), 1.0, True, 1)

    return train


def test_halves_until_the_group_fits_and_keeps_member_order() -> None:
    calls, scored = [], []
    members = list(range(8))
    outcome, note = train_halving_on_oom(members, None, TrainConfig(), [], lambda p, o, s: scored.append((s, list(p))),
                                         None, _fake_train(3, calls))
    assert calls == [8, 4, 2, 2, 4, 2, 2]
    assert outcome.traces == [f"trace {m}" for m in members] and outcome.steps == 80
    assert scored == [(0, [0, 1]), (2, [0, 1]), (4, [0, 1]), (6, [0, 1])]  # offsets point at the right members
    assert note == ("CUDA ran out of memory training all 8 members at once; the group was halved after each "
                    "out-of-memory error and trained in groups of at most 2 members")


def test_falls_back_to_one_model_at_a_time_then_gives_up_with_one_line() -> None:
    outcome, note = train_halving_on_oom(list(range(3)), None, TrainConfig(), [], lambda p, o, s: None, None,
                                         _fake_train(1, []))
    assert len(outcome.traces) == 3 and "one model at a time (the sequential path)" in note
    with pytest.raises(LossAdvisorError, match="out of memory training a single model"):
        train_halving_on_oom(list(range(2)), None, TrainConfig(), [], lambda p, o, s: None, None, _fake_train(0, []))


def test_other_errors_are_not_swallowed() -> None:
    def broken(*args):
        raise ValueError("not memory")

    with pytest.raises(ValueError):
        train_halving_on_oom([1, 2], None, TrainConfig(), [], lambda p, o, s: None, None, broken)


def _frame(n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3))
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": (x[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)})


def test_a_real_trial_with_simulated_oom_matches_the_plain_run_and_says_so(monkeypatch) -> None:
    specs = [CandidateSpec("bce", {}, True), CandidateSpec("focal", {"gamma": 1.0})]
    options = TrialOptions(seeds=2, device="cpu", bootstrap=100, train=TrainConfig(epochs=2, batch_size=64))
    facts = DataFacts("binary", "tabular", None, None, {"a": "numeric", "b": "numeric", "c": "numeric"}, ("0", "1"))
    plain = run_module.run_trials(_frame(), "y", facts, specs, options)

    def train_or_oom(members, *args, **kwargs):
        if len(members) > 1:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return train_members(members, *args, **kwargs)

    monkeypatch.setattr(run_module, "train_members", train_or_oom)
    survived = run_module.run_trials(_frame(), "y", facts, specs, options)
    assert any("one model at a time" in n for n in survived.notes)
    for a, b in zip(plain.candidates, survived.candidates):
        for name, (mean, _) in a.summary.items():
            assert math.isclose(mean, b.summary[name][0], rel_tol=1e-3, abs_tol=1e-3), name
