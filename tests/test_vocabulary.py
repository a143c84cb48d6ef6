"""The metric vocabulary (lossadvisor/vocabulary.py) is the one the trials compute and report."""

from __future__ import annotations

from lossadvisor.trials import metrics as M
from lossadvisor.trials.group_metrics import GAPS_BINARY, GAPS_MULTICLASS, GAPS_REGRESSION
from lossadvisor.trials.multilabel_trial import ML_METRICS
from lossadvisor.trials.seg_run import SEG_METRICS
from lossadvisor.vocabulary import (GROUP_GAP_METRICS, MULTILABEL_METRICS, OBJECTIVE_METRICS, SEGMENTATION_METRICS,
                                    TABLE_METRICS, TASK_METRICS, TASKS, TRIAL_TASKS)


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
             *GROUP_GAP_METRICS.values())
    assert all(set(m.tasks) <= set(TASKS) for m in every)
