"""The trial engine: honest splits, train-only encoding, paired batched training, divergence."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.candidates import CandidateSpec, Sweep, assemble, parse_sweep
from lossadvisor.trials.diagnostics import diagnose
from lossadvisor.trials.encoding import encode_features
from lossadvisor.trials.model import StackedMLP
from lossadvisor.trials.prepare import DataFacts
from lossadvisor.trials.results import TrialOptions
from lossadvisor.trials.members import build_loss_module
from lossadvisor.trials.run import run_sweep, run_trials
from lossadvisor.trials.split import split_rows
from lossadvisor.trials.train_types import MemberTrace, TrainConfig
from lossadvisor.trials.train import epoch_order

FAST = TrainConfig(hidden=(16, 16), batch_size=64, epochs=3, patience=None)


def _binary_frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] + 0.3 * rng.normal(size=n) > 0.8).astype(int)
    frame = pd.DataFrame(x, columns=list("abcd"))
    frame["color"] = rng.choice(["red", "green", "blue"], n)
    frame["y"] = y
    return frame


def _regression_frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    frame = pd.DataFrame(x, columns=list("abc"))
    frame["y"] = np.exp(0.5 * x[:, 0]) * 3 + rng.normal(size=n)
    return frame


def _options(**kw) -> TrialOptions:
    base = dict(seeds=2, bootstrap=100, device="cpu", train=FAST)
    base.update(kw)
    return TrialOptions(**base)


# --- splits -------------------------------------------------------------------------------

def test_stratified_split_is_disjoint_complete_and_keeps_each_class_in_every_part():
    labels = np.array([0] * 90 + [1] * 10)
    split = split_rows(100, seed=0, labels=labels)
    assert split.method == "stratified"
    parts = [set(split.train), set(split.val), set(split.test)]
    assert sum(map(len, parts)) == 100 and set.union(*parts) == set(range(100))
    for part in (split.train, split.val, split.test):
        assert set(labels[part]) == {0, 1}
    assert (labels[split.train] == 1).sum() == 6


def test_time_split_never_trains_on_the_future():
    times = np.random.default_rng(0).permutation(200)
    split = split_rows(200, seed=0, order_key=times)
    assert times[split.train].max() < times[split.val].min() < times[split.test].min()


def test_grouped_split_keeps_every_group_on_one_side():
    groups = np.repeat(np.arange(40), 5)
    split = split_rows(200, seed=3, groups=groups)
    sides = [set(groups[p]) for p in (split.train, split.val, split.test)]
    assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])


def test_splits_are_seeded():
    labels = np.arange(100) % 3
    a, b = split_rows(100, 7, labels=labels), split_rows(100, 7, labels=labels)
    c = split_rows(100, 8, labels=labels)
    assert np.array_equal(a.train, b.train) and not np.array_equal(a.train, c.train)


def test_too_few_rows_is_an_error():
    with pytest.raises(LossAdvisorError, match="at least 30 rows"):
        split_rows(10, 0)


# --- features -----------------------------------------------------------------------------

def test_features_use_training_statistics_only():
    frame = pd.DataFrame({
        "x": [1.0, 2.0, 3.0, np.nan, 100.0, 200.0],
        "cat": ["a", "a", "b", "a", "z", "z"],
        "user_id": ["u1", "u2", "u3", "u4", "u5", "u6"],
    })
    train = np.array([0, 1, 2, 3])
    fm = encode_features(frame, train, {"user_id": "id"})
    assert fm.dropped == ("user_id",)
    assert fm.names == ("x", "x__missing", "cat=a", "cat=b")
    x = fm.values[:, 0]
    # NaN → training median (2.0); mean/std from rows 0..3 = [1, 2, 3, 2].
    mean, std = 2.0, np.std([1.0, 2.0, 3.0, 2.0])
    assert x[3] == pytest.approx(0.0)
    assert x[4] == pytest.approx((100.0 - mean) / std, rel=1e-5)
    assert fm.values[:, 1].tolist() == [0, 0, 0, 1, 0, 0]
    assert fm.values[4, 2:].tolist() == [0, 0]  # level 'z' unseen in training → all zeros


# --- model and batch order ----------------------------------------------------------------

def test_members_with_the_same_seed_start_identical_and_other_seeds_differ():
    model = StackedMLP([5, 5, 6], [3, 8, 2])
    w = model.weights[0].detach()
    assert torch.equal(w[0], w[1]) and not torch.equal(w[0], w[2])


def test_epoch_order_is_a_seeded_permutation_padded_to_full_batches():
    order = epoch_order(seed=1, epoch=0, n_rows=10, batch_size=4)
    assert order.shape == (3, 4)
    flat = order.flatten().tolist()
    assert sorted(flat[:10]) == list(range(10)) and flat[10:] == flat[:2]
    assert torch.equal(order, epoch_order(1, 0, 10, 4)) and not torch.equal(order, epoch_order(1, 1, 10, 4))


# --- whole trials -------------------------------------------------------------------------

CANDIDATES = [CandidateSpec("cross_entropy", {}, True), CandidateSpec("focal", {"gamma": 2.0}),
              CandidateSpec("label_smoothing", {"smoothing": 0.1})]


def _metric_table(report):
    return [[s.metrics.get(report.metric, math.nan) for s in c.seeds] for c in report.candidates]


def test_batched_and_sequential_paths_agree():
    frame = _binary_frame()
    batched = run_trials(frame, "y", DataFacts("binary"), CANDIDATES, _options())
    sequential = run_trials(frame, "y", DataFacts("binary"), CANDIDATES, _options(batched=False))
    assert np.allclose(_metric_table(batched), _metric_table(sequential), atol=1e-4)
    for a, b in zip(batched.candidates, sequential.candidates):
        for ca, cb in zip(a.curves, b.curves):
            assert np.allclose(ca["train_loss"], cb["train_loss"], rtol=1e-4)


def test_same_seed_same_numbers_and_another_seed_differs():
    frame = _binary_frame()
    a = run_trials(frame, "y", DataFacts("binary"), CANDIDATES, _options())
    b = run_trials(frame, "y", DataFacts("binary"), CANDIDATES, _options())
    c = run_trials(frame, "y", DataFacts("binary"), CANDIDATES, _options(seed=5))
    assert _metric_table(a) == _metric_table(b)
    assert [x.comparison for x in a.candidates] == [x.comparison for x in b.candidates]
    assert _metric_table(a) != _metric_table(c)


def test_report_shape_baseline_first_and_threshold_note():
    report = run_trials(_binary_frame(), "y", DataFacts("binary"), CANDIDATES, _options())
    assert report.metric == "pr_auc" and report.metrics[:3] == ("pr_auc", "f1", "recall")
    assert report.candidates[0].spec.baseline and report.candidates[0].comparison is None
    assert all(c.comparison is not None for c in report.candidates[1:])
    assert report.rows == {"train": 240, "validation": 80, "test": 80}
    assert report.n_features == 4 + 3  # four numerics, three colour levels
    assert any("threshold" in n for n in report.notes)
    assert report.best_label in {c.spec.label for c in report.candidates}
    assert all(0.0 <= s.threshold <= 1.0 for c in report.candidates for s in c.seeds)


class _ExplodesAfter(torch.nn.Module):
    """Cross-entropy that turns into NaN after a number of calls (a loss that diverges)."""

    def __init__(self, calls: int):
        super().__init__()
        self.calls, self.seen = calls, 0
        self.inner = torch.nn.CrossEntropyLoss()

    def forward(self, logits, target):
        self.seen += 1
        value = self.inner(logits, target)
        return value * float("nan") if self.seen > self.calls else value


def test_a_diverging_member_is_frozen_and_the_others_are_untouched():
    frame = _binary_frame()

    def factory(name, params):
        return _ExplodesAfter(2) if name == "focal" else build_loss_module(name, params)

    specs = [CandidateSpec("cross_entropy", {}, True), CandidateSpec("focal")]
    options = _options(seeds=1)
    with_bad = run_trials(frame, "y", DataFacts("binary"), specs, options, loss_factory=factory)
    alone = run_trials(frame, "y", DataFacts("binary"), specs[:1], options)
    bad = with_bad.candidates[1]
    assert bad.seeds[0].diverged_epoch == 0 and bad.diverged
    assert [d.code for d in bad.diagnostics][0] == "DIVERGED"
    assert bad.comparison.verdict == "not compared"
    assert with_bad.candidates[0].seeds[0].metrics == pytest.approx(alone.candidates[0].seeds[0].metrics, abs=1e-5)


def test_regression_trial_reports_errors_in_target_units():
    frame = _regression_frame()
    specs = [CandidateSpec("mse", {}, True), CandidateSpec("mae"), CandidateSpec("huber", {"delta": 2.0})]
    report = run_trials(frame, "y", DataFacts("regression"), specs, _options(metric="rmse"))
    assert report.metric == "rmse" and report.higher_is_better["rmse"] is False
    y_std = frame["y"].std()
    for c in report.candidates:
        assert 0 < c.summary["rmse"][0] < 1.5 * y_std


def test_count_trial_defaults_to_poisson_deviance_and_poisson_baseline():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=300)})
    frame["y"] = rng.poisson(np.exp(0.5 + 0.7 * frame["a"]))
    specs = assemble([CandidateSpec("mse")], None, "count")
    report = run_trials(frame, "y", DataFacts("count"), specs, _options())
    assert report.metric == "poisson_deviance" and report.candidates[0].spec.loss == "poisson"
    assert np.isfinite(report.candidates[0].summary["poisson_deviance"][0])


def test_log_link_loss_refuses_a_negative_target():
    frame = _regression_frame()
    frame.loc[0, "y"] = -5.0
    with pytest.raises(LossAdvisorError, match="non-negative"):
        run_trials(frame, "y", DataFacts("regression"), [CandidateSpec("tweedie", {}, True)], _options())


def test_per_class_parameters_are_filled_from_training_counts():
    specs = [CandidateSpec("cross_entropy", {}, True), CandidateSpec("logit_adjusted"), CandidateSpec("class_balanced")]
    report = run_trials(_binary_frame(), "y", DataFacts("binary"), specs, _options(seeds=1))
    priors = report.candidates[1].spec.params["priors"]
    assert sum(priors) == pytest.approx(1.0) and priors[1] < priors[0]
    assert len(report.candidates[2].spec.params["counts"]) == 2


def test_sweep_reports_the_stable_grid_values():
    sweep = parse_sweep("focal.gamma=0,1,2")
    assert sweep == Sweep("focal", "gamma", (0.0, 1.0, 2.0))
    report = run_sweep(_binary_frame(), "y", DataFacts("binary"), sweep, _options())
    assert [c.spec.label for c in report.candidates] == ["cross_entropy", "focal(gamma=0)", "focal(gamma=1)", "focal(gamma=2)"]
    assert set(report.sweep["stable_values"]) <= {0.0, 1.0, 2.0} and report.sweep["stable_values"]
    # focal with gamma 0 is cross-entropy: the same seed gives the same numbers.
    assert report.candidates[1].seeds[0].metrics == pytest.approx(report.candidates[0].seeds[0].metrics, abs=1e-5)


def test_time_budget_replaces_the_epoch_cap_and_stops_training(monkeypatch):
    # A clock that advances 0.125 s per reading (exact in binary): after epoch e (0-based) the batched
    # trainer has spent 0.125·(e+1) s and stops once the projected next epoch, 0.125·(e+2) s, exceeds the
    # budget. With 1 s that is after epoch 7: 8 epochs, although --epochs is 1. The sequential path
    # splits the budget between its members: 0.5 s each for two seeds, so 4 epochs.
    # (The earlier test passed with epochs=1 whatever the budget did.)
    import types

    from lossadvisor.trials import train

    readings = iter(range(1_000_000))
    monkeypatch.setattr(train, "time", types.SimpleNamespace(perf_counter=lambda: 0.125 * next(readings)))
    config = TrainConfig(hidden=(16,), batch_size=64, epochs=1, budget_s=1.0, patience=None)
    batched = run_trials(_binary_frame(), "y", DataFacts("binary"), CANDIDATES[:1], _options(train=config))
    assert batched.epochs_run == 8
    assert any(n.startswith("time budget 1 s: 8 epochs") for n in batched.notes)
    sequential = run_trials(_binary_frame(), "y", DataFacts("binary"), CANDIDATES[:1],
                            _options(train=config, batched=False))
    assert sequential.epochs_run == 4
    without = run_trials(_binary_frame(), "y", DataFacts("binary"), CANDIDATES[:1],
                         _options(train=TrainConfig(hidden=(16,), batch_size=64, epochs=1, patience=None)))
    assert without.epochs_run == 1


def test_cuda_without_cuda_is_an_error():
    if torch.cuda.is_available():
        pytest.skip("CUDA is present here")
    with pytest.raises(LossAdvisorError, match="CUDA is not available"):
        run_trials(_binary_frame(), "y", DataFacts("binary"), CANDIDATES, _options(device="cuda"))


# --- diagnostics --------------------------------------------------------------------------

def test_diagnostics_flag_plateau_overfitting_and_spikes():
    flat = MemberTrace(train_loss=[0.69, 0.69, 0.689], val_loss=[0.7, 0.7, 0.7], grad_norm_mean=[1, 1, 1], grad_norm_max=[1, 1, 1])
    over = MemberTrace(train_loss=[0.6, 0.4, 0.2, 0.1], val_loss=[0.5, 0.45, 0.5, 0.6],
                       grad_norm_mean=[1, 1, 1, 1], grad_norm_max=[2, 2, 200, 2])
    assert [d.code for d in diagnose([flat])] == ["PLATEAU"]
    codes = [d.code for d in diagnose([over, flat])]
    assert codes == ["GRADIENT_SPIKES", "PLATEAU", "OVERFITTING"]
    spike = diagnose([over])[0]
    assert spike.source == "guide 6.3.7" and "1 of 1 seed" in spike.message


def test_sweep_spec_tolerates_spaces_and_refuses_blank_or_repeated_values():
    from lossadvisor.errors import LossAdvisorError

    assert parse_sweep(" focal . gamma = 1 , 2 ") == Sweep("focal", "gamma", (1.0, 2.0))
    for bad, message in (("focal.gamma=1,,2", "empty value"), ("focal.gamma=1,1", "listed twice")):
        with pytest.raises(LossAdvisorError, match=message):
            parse_sweep(bad)
