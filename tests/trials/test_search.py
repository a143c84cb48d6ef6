"""lossadvisor search: the search space on the cards, successive halving on the batched trainer, the study."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.search_fit import keep_best, rung_epochs
from lossadvisor.trials.search_space import (default_point, dimensions, families_of, family_params, parse_families,
                                             validate_search_ranges)

optuna = pytest.importorskip("optuna", reason="search tests need optuna (pip install 'lossadvisor[search]')")


def _data(n: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] * x[:, 2] + rng.normal(scale=0.7, size=n) > 0.8).astype(int)
    frame = pd.DataFrame(x.round(3), columns=["a", "b", "c", "d"])
    frame["y"] = y
    return frame


def _options(**kw):
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.search import SearchOptions
    from lossadvisor.trials.train_types import TrainConfig

    trial = TrialOptions(seeds=1, device="cpu", bootstrap=100, train=TrainConfig(epochs=3, patience=None))
    return SearchOptions(**{"families": ("focal",), "n_trials": 3, "trial": trial, **kw})


def test_every_declared_search_range_is_valid():
    assert validate_search_ranges() == []


def test_search_ranges_come_from_the_cards():
    (gamma,) = dimensions("focal")
    assert (gamma.key, gamma.low, gamma.high) == ("focal.gamma", 0.0, 5.0)
    assert [d.name for d in dimensions("composite")] == ["mix", "gamma"]


def test_weights_family_turns_the_power_into_class_weights():
    # n = 100, C = 2: balanced weights 100/(2·90) and 100/(2·10); power 0.5 takes their square roots.
    params = family_params("weights", {"power": 0.5}, [90.0, 10.0])
    assert params["weight"] == pytest.approx([math.sqrt(100 / 180), math.sqrt(5.0)], rel=1e-5)
    assert family_params("weights", {"power": 0.0}, [90.0, 10.0])["weight"] == [1.0, 1.0]


def test_composite_family_mixes_ce_and_focal():
    params = family_params("composite", {"mix": 0.25, "gamma": 1.5}, None)
    assert params["components"] == [{"loss": "cross_entropy", "weight": 0.75},
                                    {"loss": "focal", "params": {"gamma": 1.5}, "weight": 0.25}]


def test_default_point_reads_the_rule_then_the_card():
    assert default_point("focal", {"gamma": 1.0}) == {"gamma": 1.0}
    assert default_point("focal", None) == {"gamma": 2.0}
    assert default_point("weights", None) == {"power": 1.0}


@pytest.mark.parametrize("text, task, message", [
    ("focal,nope", "binary", "unknown search family 'nope'"),
    ("tversky", "binary", "segmentation loss"),
    ("focal", "regression", "does not apply"),
    (" , ", "binary", "at least one family"),
])
def test_parse_families_refuses(text, task, message):
    with pytest.raises(LossAdvisorError, match=message):
        parse_families(text, task)


def test_families_of_recommended_losses():
    assert families_of(["weighted_bce", "focal", "class_balanced", "gce", "focal"]) == ["focal", "weights", "gce"]


def test_rungs_and_halving():
    assert rung_epochs(9, 1, 3) == (1, 3, 9)
    assert rung_epochs(10, 1, 3) == (1, 3, 9, 10)
    assert rung_epochs(2, 1, 3) == (1, 2)
    # best ⌈n/η⌉ by value; NaN last; ties keep the earlier trial
    assert keep_best([0, 1, 2, 3, 4], [0.1, 0.5, math.nan, 0.5, 0.2], 3) == [1, 3]
    assert keep_best([7], [math.nan], 3) == [7]


def test_a_survivor_trains_exactly_like_a_plain_fit():
    """Halving keeps the survivor's weights and AdamW state: its score after the last rung equals a
    fit of that configuration alone for the same epochs."""
    import torch

    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.evaluate import Scorer
    from lossadvisor.trials import metrics as M
    from lossadvisor.trials.members import build_loss_module, build_members, to_tensors
    from lossadvisor.trials.prepare import DataFacts, prepare_data
    from lossadvisor.trials.search_fit import train_bracket
    from lossadvisor.trials.train import train_members
    from lossadvisor.trials.train_types import TrainConfig

    torch.set_num_threads(1)
    prepared = prepare_data(_data(), "y", DataFacts(task="binary"), 0)
    scorer = Scorer(prepared, M.report_metrics("binary", "pr_auc"))
    specs = [CandidateSpec("focal", {"gamma": g}) for g in (0.0, 1.0, 2.0, 4.0)]
    members = build_members(specs, prepared, [0, 1], "cpu", build_loss_module)
    tensors = to_tensors(prepared, "cpu", {"logits"})
    config = TrainConfig(epochs=4, patience=None)
    sizes = [tensors.x_train.shape[1], *config.hidden, 2]
    score = lambda ms, out: scorer.validation_scores([m.form for m in ms], out)  # noqa: E731
    outcome = train_bracket(members, tensors, config, sizes, score, (1, 4), 4)
    (survivor,) = outcome.rungs[-1].trials
    assert outcome.member_epochs == 8 * 1 + 2 * 3          # 8 members 1 epoch, the survivor's 2 seeds 3 more
    alone = [m for m in members if m.candidate == survivor]
    forms = [m.form for m in alone]
    plain = train_members(alone, tensors, config, sizes,
                          lambda pos, out: scorer.validation_scores([forms[p] for p in pos], out))
    expected = np.mean([t.best_score for t in plain.traces])
    assert outcome.rungs[-1].values[0] == pytest.approx(expected, abs=1e-6)


def test_same_seed_same_study_and_the_test_rows_are_never_scored():
    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.search import run_search

    frame, facts = _data(), DataFacts(task="binary")
    first, prepared = run_search(frame, "y", facts, _options(n_trials=4))
    second, _ = run_search(frame, "y", facts, _options(n_trials=4))
    assert [(t.point, t.value, t.state) for t in first.trials] == [(t.point, t.value, t.state) for t in second.trials]
    assert len(first.trials) == 4 and first.brackets_run == 2     # brackets of η^(rungs−1) = 3, then 1
    assert {t.state for t in first.trials} <= {"complete", "pruned"}
    assert first.best.state == "complete" and first.best.epochs == 3
    assert len(prepared.split.test) > 0


def test_a_resumed_study_continues_where_it_stopped(tmp_path):
    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.search import run_search

    frame, facts = _data(), DataFacts(task="binary")
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    part, _ = run_search(frame, "y", facts, _options(n_trials=3, storage=storage, study_name="s"))
    resumed, _ = run_search(frame, "y", facts, _options(n_trials=6, storage=storage, study_name="s"))
    whole, _ = run_search(frame, "y", facts, _options(n_trials=6, storage=storage, study_name="other"))
    assert resumed.resumed_trials == 3 and resumed.brackets_run == 1
    assert [t.point for t in resumed.trials[:3]] == [t.point for t in part.trials]
    assert [(t.point, t.value) for t in resumed.trials] == [(t.point, t.value) for t in whole.trials]
    again, _ = run_search(frame, "y", facts, _options(n_trials=6, storage=storage, study_name="s"))
    assert again.brackets_run == 0 and len(again.trials) == 6    # finished: nothing new to ask


def test_a_stored_study_from_another_search_is_refused(tmp_path):
    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.search import run_search

    storage = f"sqlite:///{tmp_path / 'study.db'}"
    run_search(_data(), "y", DataFacts(task="binary"), _options(n_trials=1, storage=storage, study_name="s"))
    with pytest.raises(LossAdvisorError, match="different search .*families"):
        run_search(_data(), "y", DataFacts(task="binary"),
                   _options(families=("gce",), n_trials=2, storage=storage, study_name="s"))


def test_the_final_comparison_is_on_the_test_rows():
    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.search import run_search
    from lossadvisor.trials.search_final import compare_on_test

    options = _options(n_trials=3, families=("focal", "weights"))
    outcome, prepared = run_search(_data(), "y", DataFacts(task="binary"), options)
    report = compare_on_test(prepared, outcome, CandidateSpec("cross_entropy"), CandidateSpec("focal", {"gamma": 2.0}),
                             "card default", options.trial)
    assert report.test_rows == len(prepared.split.test)
    assert report.best.spec == outcome.best.spec and report.default.spec.params == {"gamma": 2.0}
    for comparison in (report.versus_baseline, report.versus_default):
        assert comparison.ci_low <= comparison.difference <= comparison.ci_high
    assert report.full_fit_equivalents == pytest.approx(outcome.member_epochs / 3)


def test_search_needs_a_stopping_rule_and_optuna(monkeypatch):
    import sys

    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.search import require_optuna, run_search

    with pytest.raises(LossAdvisorError, match="--trials N or --budget"):
        run_search(_data(), "y", DataFacts(task="binary"), _options(n_trials=None))
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(LossAdvisorError, match=r"pip install 'lossadvisor\[search\]'"):
        require_optuna()


def test_explain_shows_the_search_ranges():
    import json

    from typer.testing import CliRunner

    from lossadvisor.cli.main import app

    text = CliRunner().invoke(app, ["explain", "focal"]).stdout
    assert "search:   gamma in [0, 5] (lossadvisor search)" in text
    card = json.loads(CliRunner().invoke(app, ["explain", "weighted_cross_entropy", "--format", "json"]).stdout)
    assert card["search"][0]["name"] == "power" and (card["search"][0]["low"], card["search"][0]["high"]) == (0.0, 1.0)
    plain = json.loads(CliRunner().invoke(app, ["explain", "mse", "--format", "json"]).stdout)
    assert "search" not in plain
