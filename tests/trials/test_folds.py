"""Cross-fitted trials: fold assignment (known answers), member masks, scoring, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.folds import AUTO_FOLDS, choose_folds, forward_chaining, plan_folds
from lossadvisor.trials.prepare import DataFacts
from lossadvisor.trials.results import TrialOptions
from lossadvisor.trials.run import run_trials
from lossadvisor.trials.train_types import TrainConfig

TINY = TrainConfig(epochs=2, hidden=(8,), patience=None)


def _tested_once(plan, n_rows):
    for s in range(plan.n_seeds):
        tested = np.concatenate([plan.splits[plan.plan_index(s, f)].test for f in range(plan.k)])
        assert np.array_equal(np.sort(tested), np.arange(n_rows))  # every row exactly once per seed


def test_stratified_folds_test_every_row_once_per_seed_and_keep_the_class_mix():
    labels = np.array([0] * 80 + [1] * 20)
    plan = plan_folds(5, 100, [0, 1, 2], labels=labels)
    assert plan.k == 5 and plan.scheme == "stratified" and len(plan.splits) == 15
    _tested_once(plan, 100)
    for split in plan.splits:
        # disjoint parts covering all rows, 60/20/20, and 4 positives in each fold of 20
        parts = np.concatenate([split.train, split.val, split.test])
        assert np.array_equal(np.sort(parts), np.arange(100))
        assert (len(split.train), len(split.val), len(split.test)) == (60, 20, 20)
        assert labels[split.test].sum() == 4 and labels[split.val].sum() == 4
    # the validation fold is the next one: fold f's validation rows are fold f+1's test rows
    assert np.array_equal(plan.splits[0].val, plan.splits[1].test)
    # each seed draws its own partition
    assert not np.array_equal(plan.splits[0].test, plan.splits[5].test)


def test_random_folds_without_labels_cover_every_row():
    plan = plan_folds(3, 31, [7], labels=None)
    assert plan.scheme == "random"
    _tested_once(plan, 31)
    assert sorted(len(s.test) for s in plan.splits) == [10, 10, 11]


def test_grouped_folds_never_split_a_group():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(12), rng.integers(2, 9, size=12)).astype(str)
    plan = plan_folds(4, len(groups), [0, 1], groups=groups, labels=np.zeros(len(groups), dtype=int))
    assert plan.scheme == "grouped"
    _tested_once(plan, len(groups))
    for split in plan.splits:
        sides = [set(groups[split.train]), set(groups[split.val]), set(groups[split.test])]
        assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])


def test_forward_chaining_never_trains_on_the_future():
    key = np.arange(70)[::-1].astype(float)  # rows stored newest first: row 69 is the earliest
    splits = forward_chaining(key, 5)
    assert len(splits) == 5
    for split in splits:
        assert key[split.train].max() < key[split.val].min() and key[split.val].max() < key[split.test].min()
    plan = plan_folds(5, 70, [0, 1], order_key=key)
    assert plan.scheme == "forward-chaining"
    # 7 blocks of 10: the two earliest only train, the other 50 rows are tested once each
    assert len(plan.tested) == 50 and set(plan.tested) == set(np.argsort(key)[20:])
    assert len(plan.splits[0].train) == 10 and len(plan.splits[4].train) == 50


def test_fold_counts_and_their_errors():
    assert choose_folds(None, 19_999) == AUTO_FOLDS and choose_folds(None, 20_000) == 1
    assert choose_folds(1, 100) == 1 and choose_folds(7, 100) == 7
    for bad, words in ((0, "at least 1"), (2, "at least 3")):
        with pytest.raises(LossAdvisorError, match=words):
            choose_folds(bad, 100)
    with pytest.raises(LossAdvisorError, match="smallest class has 3"):
        plan_folds(5, 40, [0], labels=np.array([0] * 37 + [1] * 3))
    with pytest.raises(LossAdvisorError, match="at least 6 groups"):
        plan_folds(6, 40, [0], groups=np.repeat(list("abcde"), 8))
    with pytest.raises(LossAdvisorError, match="more than the 35 rows"):
        plan_folds(40, 35, [0])


def _binary(n=240, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    frame["y"] = (x[:, 0] + 0.5 * rng.normal(size=n) > 0.8).astype(int)
    return frame


SPECS = [CandidateSpec("bce", {}, True), CandidateSpec("focal", {"gamma": 2.0})]


def _trial(frame, folds, seeds=2, facts=DataFacts(task="binary"), specs=SPECS, **kw):
    return run_trials(frame, "y", facts, specs, TrialOptions(seeds=seeds, folds=folds, bootstrap=100, train=TINY, **kw))


def test_members_get_their_own_fold_rows(monkeypatch):
    """Every candidate × seed × fold is one member, trained only on its fold's training rows."""
    from lossadvisor.trials import train as train_module

    seen = {}
    real = train_module.wrapped_order

    def spy(seed, epoch, rows, steps, batch):
        seen[(seed, tuple(rows.tolist()))] = real(seed, epoch, rows, steps, batch)
        return seen[(seed, tuple(rows.tolist()))]

    monkeypatch.setattr(train_module, "wrapped_order", spy)
    frame = _binary()
    report = _trial(frame, 3)
    assert report.folds == {"k": 3, "scheme": "stratified", "tested_rows": 240, "rows": 240}
    from lossadvisor.trials.prepare import prepare_data

    plan = prepare_data(frame, "y", DataFacts(task="binary"), 0, folds=3, seeds=(0, 1)).folds
    from lossadvisor.trials.crossfit import fold_seed

    expected = {(fold_seed(s, f), tuple(plan.splits[plan.plan_index(i, f)].train.tolist()))
                for i, s in enumerate((0, 1)) for f in range(3)}
    assert set(seen) == expected  # 2 seeds × 3 folds of distinct training rows
    for (seed, rows), order in seen.items():
        assert set(order.flatten().tolist()) == set(rows)  # the batches draw only that fold's rows


def test_crossfitted_trial_scores_out_of_fold_and_is_deterministic():
    frame = _binary()
    a, b = _trial(frame, 3), _trial(frame, 3)
    for ca, cb in zip(a.candidates, b.candidates):
        assert ca.summary == cb.summary and ca.comparison == cb.comparison
    focal = a.candidates[1]
    assert focal.comparison is not None and focal.comparison.seeds_paired == 2
    assert focal.comparison.ci_low <= focal.comparison.difference <= focal.comparison.ci_high
    assert len(focal.seeds) == 2 and len(focal.curves) == 2
    assert a.rows["tested"] == 240
    assert a.notes[0].startswith("cross-fitted: 3 stratified folds per seed")


def test_a_seeds_metric_is_the_row_weighted_mean_of_its_folds_metrics(monkeypatch):
    """Known answer: recompute each fold's ROC-AUC from its test predictions and average by fold size."""
    from lossadvisor.trials import crossfit
    from lossadvisor.trials import metrics as M
    from lossadvisor.trials.heads import predictions

    captured = []
    real = crossfit.out_of_fold

    def spy(traces, members, scorer, plan):
        result = real(traces, members, scorer, plan)
        captured.append((result, scorer, plan, members[0].form))
        return result

    monkeypatch.setattr(crossfit, "out_of_fold", spy)
    report = _trial(_binary(), 3, seeds=1, metric="roc_auc")
    folds, scorer, plan, form = captured[0]
    assert sorted(np.concatenate([at for at, _, _ in folds]).tolist()) == list(range(240))
    per_fold, sizes = [], []
    for at, output, _ in folds:
        prob = predictions(output, form, 0.0, 1.0)[:, 1]
        per_fold.append(float(M.METRICS["roc_auc"].compute(scorer.prepared.y[plan.tested[at]], prob, None)[0]))
        sizes.append(len(at))
    expected = float(np.average(per_fold, weights=sizes))
    assert report.candidates[0].seeds[0].metrics["roc_auc"] == pytest.approx(expected)
    # and the bootstrap's weighted score agrees with it at unit weights
    score = crossfit.fold_mean_score(scorer, "roc_auc", plan, folds, form)
    assert score(np.ones((1, 240), dtype=np.float32))[0] == pytest.approx(expected)


def test_folds_start_from_their_own_weights_and_candidates_stay_paired():
    from lossadvisor.trials.crossfit import fold_seed

    assert fold_seed(3, 0) == 3 and len({fold_seed(3, f) for f in range(5)}) == 5
    assert fold_seed(3, 1) != fold_seed(4, 1)


def test_one_fold_is_the_single_split_unchanged():
    frame = _binary()
    report = _trial(frame, 1)
    assert report.folds is None and "tested" not in report.rows and report.split == "stratified"
    assert report.rows == {"train": 144, "validation": 48, "test": 48}


def test_regression_and_time_ordered_data_cross_fit():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"t": np.arange(120)[::-1], "a": rng.normal(size=120)})
    frame["y"] = 2 * frame["a"] + rng.normal(size=120)
    facts = DataFacts(task="regression", time_column="t")
    specs = [CandidateSpec("mse", {}, True), CandidateSpec("huber", {"delta": 1.0})]
    report = _trial(frame, 4, facts=facts, specs=specs)
    assert report.folds == {"k": 4, "scheme": "forward-chaining", "tested_rows": 80, "rows": 120}
    assert "80 of 120 rows tested" in report.notes[0]
    assert np.isfinite(report.candidates[1].comparison.difference)


def test_sensitive_and_multilabel_keep_one_split():
    frame = _binary()
    frame["g"] = np.where(np.arange(240) % 2, "a", "b")
    with pytest.raises(LossAdvisorError, match="does not combine with --sensitive"):
        _trial(frame, 5, sensitive=("g",))
    auto = _trial(frame, None, seeds=1, sensitive=("g",))
    assert auto.folds is None
    with pytest.raises(LossAdvisorError, match="multilabel trials use a single split"):
        _trial(frame, 5, facts=DataFacts(task="multilabel"))


def test_batched_and_one_at_a_time_cross_fitting_agree():
    frame = _binary()
    batched, sequential = _trial(frame, 3), _trial(frame, 3, batched=False)
    for a, b in zip(batched.candidates, sequential.candidates):
        assert [s.metrics["pr_auc"] for s in a.seeds] == pytest.approx([s.metrics["pr_auc"] for s in b.seeds], abs=1e-6)
