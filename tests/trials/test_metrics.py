"""Trial metrics: known answers, agreement with scikit-learn, weights as row repeats."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials import metrics as M
from lossadvisor.trials.stats import SAME, BETTER, WORSE, mean_sd, paired_bootstrap, replicate_scores, verdict


def test_average_precision_hand_computed():
    # Positives at ranks 1 and 3: AP = 1/2·1 + 1/2·(2/3).
    y, s = np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1])
    assert M.average_precision(y, s)[0] == pytest.approx(5 / 6)


def test_roc_auc_hand_computed_with_a_tie():
    # Pairs (pos, neg): (0.9, 0.8) right, (0.9, 0.5) right, (0.5, 0.8) wrong, (0.5, 0.5) tie → 2.5 / 4.
    y, s = np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.5, 0.5])
    assert M.roc_auc(y, s)[0] == pytest.approx(0.625)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ranking_metrics_match_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.random(300) + 0.3 * y, 1)  # rounding makes ties
    assert M.average_precision(y, s)[0] == pytest.approx(skm.average_precision_score(y, s))
    assert M.roc_auc(y, s)[0] == pytest.approx(skm.roc_auc_score(y, s))


def test_label_metrics_match_sklearn():
    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    assert M.macro_f1(y, p, n_classes=4)[0] == pytest.approx(skm.f1_score(y, p, average="macro"))
    assert M.balanced_accuracy(y, p, n_classes=4)[0] == pytest.approx(skm.balanced_accuracy_score(y, p))
    yb, pb = y % 2, p % 2
    assert M.binary_f1(yb, pb)[0] == pytest.approx(skm.f1_score(yb, pb))
    assert M.binary_recall(yb, pb)[0] == pytest.approx(skm.recall_score(yb, pb))


def test_regression_metrics_match_sklearn():
    rng = np.random.default_rng(4)
    y, p = rng.poisson(3, 100).astype(float), rng.random(100) * 5 + 0.1
    assert M.mae(y, p)[0] == pytest.approx(skm.mean_absolute_error(y, p))
    assert M.rmse(y, p)[0] == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)))
    assert M.pinball(y, p, tau=0.9)[0] == pytest.approx(skm.mean_pinball_loss(y, p, alpha=0.9))
    assert M.poisson_deviance(y, p)[0] == pytest.approx(skm.mean_poisson_deviance(y, p))


def test_integer_weights_equal_repeated_rows():
    rng = np.random.default_rng(5)
    y, s = rng.integers(0, 2, 50), rng.random(50)
    w = rng.integers(0, 4, 50)
    rows = np.repeat(np.arange(50), w)
    assert M.average_precision(y, s, w)[0] == pytest.approx(skm.average_precision_score(y[rows], s[rows]))
    assert M.mae(y.astype(float), s, w)[0] == pytest.approx(np.mean(np.abs(y[rows] - s[rows])))


def test_many_weight_rows_give_one_value_each():
    y, s = np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1])
    w = np.array([[1, 1, 1, 1], [2, 0, 0, 2]])
    assert M.average_precision(y, s, w) == pytest.approx([5 / 6, 1.0])


def test_best_f1_threshold_separates_perfectly_separable_scores():
    y, s = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.6, 0.9])
    assert M.best_f1_threshold(y, s) == pytest.approx(0.6)


def test_metric_defaults_follow_task_and_objective():
    assert M.choose_metric("binary") == "pr_auc"
    assert M.choose_metric("multiclass") == "macro_f1"
    assert M.choose_metric("regression") == "mae"
    assert M.choose_metric("count") == "poisson_deviance"
    assert M.choose_metric("binary", objective="recall") == "recall"
    assert M.choose_metric("multiclass", objective="f1") == "macro_f1"
    assert M.choose_metric("regression", objective="rmse") == "rmse"


@pytest.mark.parametrize("task, metric", [("binary", "nope"), ("regression", "pr_auc"), ("multilabel", None)])
def test_bad_metric_choices_fail_clearly(task, metric):
    with pytest.raises(LossAdvisorError):
        M.choose_metric(task, metric)


def test_identical_members_compare_as_no_difference():
    y, s = np.array([1, 0, 1, 0, 1, 0] * 10), np.linspace(0, 1, 60)
    score = lambda w: M.average_precision(y, s, w)  # noqa: E731
    reps = replicate_scores([score, score], 60, n_boot=200, seed=0)
    comp = paired_bootstrap(reps[:, [0]], reps[:, [1]], [0.5], [0.5], True, seed=0)
    assert comp.difference == 0 and comp.ci_low == 0 and comp.ci_high == 0 and comp.verdict == SAME


def test_a_clearly_better_member_is_called_better():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    good, bad = y + rng.normal(0, 0.3, 400), rng.random(400)
    scores = [lambda w, s=s: M.roc_auc(y, s, w) for s in (good, bad)]
    reps = replicate_scores(scores, 400, n_boot=300, seed=1)
    comp = paired_bootstrap(reps[:, [0]], reps[:, [1]], [reps[0, 0]], [reps[0, 1]], True, seed=1)
    assert comp.verdict == BETTER and comp.ci_low > 0.3
    # Lower-is-better metrics flip the verdict.
    assert verdict(0.1, 0.2, higher_is_better=False) == WORSE


def test_mean_sd_ignores_nan_and_uses_sample_sd():
    assert mean_sd([1.0, 3.0, float("nan")]) == pytest.approx((2.0, np.sqrt(2.0)))
    assert mean_sd([5.0]) == (5.0, 0.0)


def test_binary_recall_does_not_choose_epochs_but_pr_auc_does():
    from types import SimpleNamespace

    from lossadvisor.trials.evaluate import Scorer

    binary = Scorer(SimpleNamespace(task="binary"), ("recall", "pr_auc"))
    assert binary.selection.name == "pr_auc" and binary.primary.name == "recall"
    assert Scorer(SimpleNamespace(task="binary"), ("f1", "pr_auc")).selection.name == "f1"
    assert Scorer(SimpleNamespace(task="multiclass"), ("macro_f1",)).selection.name == "macro_f1"
