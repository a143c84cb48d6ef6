"""The metric vocabulary (lossadvisor/vocabulary.py) is the one the trials compute and report."""

from __future__ import annotations

from lossadvisor.trials import metrics as M
from lossadvisor.trials.group_metrics import GAPS_BINARY, GAPS_MULTICLASS, GAPS_REGRESSION
from lossadvisor.trials.multilabel_trial import ML_METRICS
from lossadvisor.trials.multitarget import TargetSpec
from lossadvisor.trials.multitarget_run import MultiTargetScorer
from lossadvisor.trials.seg_run import SEG_METRICS
from lossadvisor.vocabulary import (GROUP_GAP_METRICS, MULTILABEL_METRICS, MULTITARGET_COMBINED, MULTITARGET_METRICS,
                                    OBJECTIVE_METRICS, SEGMENTATION_METRICS, TABLE_METRICS, TASK_METRICS, TASKS,
                                    TRIAL_TASKS, multitarget_metric_name)


def test_table_metrics_are_the_computed_ones_with_their_direction():
    assert list(M.METRICS) == list(TABLE_METRICS)
    for name, metric in M.METRICS.items():
        assert (metric.higher_is_better, metric.tasks, metric.description) == (
            TABLE_METRICS[name].higher_is_better, TABLE_METRICS[name].tasks, TABLE_METRICS[name].description)
    assert [n for n, m in TABLE_METRICS.items() if not m.higher_is_better] == ["mae", "rmse", "pinball",
                                                                                "poisson_deviance"]


def test_every_task_and_objective_names_a_metric_of_that_task():
    assert set(TASK_METRICS) == set(TRIAL_TASKS)
    for task, names in TASK_METRICS.items():
        assert all(task in TABLE_METRICS[n].tasks for n in names)
    assert set(OBJECTIVE_METRICS.values()) <= set(TABLE_METRICS)
    assert M.choose_metric("regression", objective="quantile") == "pinball"


def test_segmentation_multilabel_and_group_metrics_read_the_vocabulary():
    assert {n: (m.higher_is_better, m.description) for n, m in SEG_METRICS.items()} == {
        n: (m.higher_is_better, m.description) for n, m in SEGMENTATION_METRICS.items()}
    assert SEG_METRICS["hd95"].higher_is_better is False and SEG_METRICS["dice"].higher_is_better is True
    assert ML_METRICS == {n: m.description for n, m in MULTILABEL_METRICS.items()}
    assert set(GAPS_BINARY) | set(GAPS_MULTICLASS) | set(GAPS_REGRESSION) == set(GROUP_GAP_METRICS)
    assert [n for n, m in GROUP_GAP_METRICS.items() if m.higher_is_better] == ["worst_group_accuracy"]
    every = (*TABLE_METRICS.values(), *MULTILABEL_METRICS.values(), *SEGMENTATION_METRICS.values(),
             *GROUP_GAP_METRICS.values(), *MULTITARGET_METRICS.values())
    assert all(set(m.tasks) <= set(TASKS) for m in every)


def test_multitarget_metrics_read_the_vocabulary():
    assert multitarget_metric_name("price", False) == "r2:price"
    assert multitarget_metric_name("kind", True) == "macro_f1:kind"
    assert TargetSpec("price", "regression", 1).metric == "r2:price"
    assert TargetSpec("kind", "classification", 2, classes=("a", "b")).metric == "macro_f1:kind"
    assert list(MULTITARGET_METRICS) == [MULTITARGET_COMBINED, "r2", "macro_f1"]
    assert all(m.higher_is_better for m in MULTITARGET_METRICS.values())
    combined = MultiTargetScorer.metric(MULTITARGET_COMBINED)
    assert combined.name == "combined" and combined.higher_is_better
    assert combined.description == MULTITARGET_METRICS["combined"].description
