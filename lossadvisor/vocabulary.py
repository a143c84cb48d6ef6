"""The words every stage shares, each spelled once: tasks, task families, objectives, metrics, JSON schema versions.

Torch-, pandas- and sklearn-free, and imports nothing from the package, so every stage may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# ---------------------------------------------------------------- tasks

TASKS: Final = ("binary", "multiclass", "multilabel", "regression", "count", "multitarget", "segmentation")
# One label per row from a finite set: the tasks with class counts, label noise and class weights.
SINGLE_LABEL_TASKS: Final = ("binary", "multiclass")
# The tasks whose objectives are classification metrics (recall, F1, ...): labels per row or per pixel.
CLASSIFICATION_TASKS: Final = ("binary", "multiclass", "multilabel", "segmentation")
# The tasks with a numeric target (objectives MAE, RMSE, quantile).
REGRESSION_TASKS: Final = ("regression", "count", "multitarget")
# The tasks `trial` fits (one target column on a table), and its numeric ones.
TRIAL_TASKS: Final = ("binary", "multiclass", "regression", "count")
TRIAL_REGRESSION_TASKS: Final = ("regression", "count")

# ---------------------------------------------------------------- objectives

CLASSIFICATION_OBJECTIVES: Final = ("recall", "precision", "f1", "fbeta", "balanced_accuracy", "calibration",
                                    "accuracy")
REGRESSION_OBJECTIVES: Final = ("mae", "rmse", "quantile")
OBJECTIVES: Final = CLASSIFICATION_OBJECTIVES + REGRESSION_OBJECTIVES
OBJECTIVE_SPELLING: Final = ("recall | precision | f1 | fbeta:B | balanced_accuracy | calibration | accuracy | "
                             "mae | rmse | quantile:Q")

# ---------------------------------------------------------------- metrics


@dataclass(frozen=True)
class MetricName:
    """A metric as every stage names it: its name, whether higher is better, the tasks it scores, what it means.

    How a metric is computed lives with the trials (``trials/metrics.py`` for tables, ``trials/seg_metrics.py``
    for masks, ``trials/multilabel_trial.py``, ``trials/group_metrics.py``); this is only its vocabulary.
    """

    name: str
    higher_is_better: bool
    tasks: tuple[str, ...]
    description: str


def _named(*metrics: MetricName) -> dict[str, MetricName]:
    return {m.name: m for m in metrics}


# Tables with one target column (trial's binary, multiclass, regression, count targets).
TABLE_METRICS: Final = _named(
    MetricName("pr_auc", True, ("binary",), "average precision of the positive class"),
    MetricName("roc_auc", True, ("binary",), "area under the ROC curve"),
    MetricName("f1", True, ("binary",), "positive-class F1 at a validation-chosen threshold"),
    MetricName("recall", True, ("binary",), "positive-class recall at the F1 threshold"),
    MetricName("macro_f1", True, ("binary", "multiclass"), "mean per-class F1"),
    MetricName("balanced_accuracy", True, ("binary", "multiclass"), "mean per-class recall"),
    MetricName("accuracy", True, ("binary", "multiclass"), "fraction of rows right"),
    MetricName("mae", False, ("regression", "count"), "mean absolute error"),
    MetricName("rmse", False, ("regression", "count"), "root mean squared error"),
    MetricName("pinball", False, ("regression", "count"), "mean pinball loss"),
    MetricName("poisson_deviance", False, ("count",), "mean Poisson deviance"),
)
# The table metrics reported for each task, the default primary one first.
TASK_METRICS: Final = {
    "binary": ("pr_auc", "f1", "recall", "roc_auc", "balanced_accuracy"),
    "multiclass": ("macro_f1", "balanced_accuracy", "accuracy"),
    "regression": ("mae", "rmse", "pinball"),
    "count": ("poisson_deviance", "mae", "rmse"),
}
# --objective words → the primary table metric (guide 6.2.3: the objective decides the loss).
OBJECTIVE_METRICS: Final = {
    "pr_auc": "pr_auc",
    "ranking": "roc_auc",
    "roc_auc": "roc_auc",
    "f1": "f1",
    "macro_f1": "macro_f1",
    "recall": "recall",
    "minority_recall": "recall",
    "balanced_accuracy": "balanced_accuracy",
    "accuracy": "accuracy",
    "mae": "mae",
    "median_error": "mae",
    "rmse": "rmse",
    "pinball": "pinball",
    "quantile": "pinball",
    "deviance": "poisson_deviance",
    "poisson_deviance": "poisson_deviance",
}
# recommend's objectives that no trial metric measures (yet): with --metric they still steer recommend.
OBJECTIVES_WITHOUT_METRIC: Final = ("precision", "fbeta", "calibration")

# Multi-label tables: summaries over the scored labels (per label: f1:LABEL, ap:LABEL, higher is better).
MULTILABEL_METRICS: Final = _named(
    MetricName("map", True, ("multilabel",), "mean average precision over the scored labels"),
    MetricName("macro_f1", True, ("multilabel",),
               "mean over the scored labels of F1 at each label's validation threshold"),
    MetricName("micro_f1", True, ("multilabel",), "F1 of true/false positives pooled over the scored labels"),
)

# Segmentation masks, the default primary one first (per class: dice:CLASS, iou:CLASS, higher is better).
SEGMENTATION_METRICS: Final = _named(
    MetricName("dice", True, ("segmentation",),
               "Dice per image (mean over the classes present), averaged over images"),
    MetricName("iou", True, ("segmentation",), "IoU per image (mean over the classes present), averaged over images"),
    MetricName("dice_global", True, ("segmentation",),
               "Dice of the counts pooled over all test images, mean over classes"),
    MetricName("iou_global", True, ("segmentation",),
               "IoU of the counts pooled over all test images, mean over classes"),
    MetricName("hd95", False, ("segmentation",),
               "95th-percentile Hausdorff distance (pixels) where truth and prediction both have the class"),
    MetricName("empty_fp_rate", False, ("segmentation",), "share of empty test images with any predicted foreground"),
)

# Multi-target tables (one head per target): ``combined`` leads; each target is scored by its head's
# metric, named METRIC:TARGET (``multitarget_metric_name``), all higher is better.
MULTITARGET_COMBINED: Final = "combined"
MULTITARGET_METRICS: Final = _named(
    MetricName(MULTITARGET_COMBINED, True, ("multitarget",),
               "mean over targets of R² (regression) and macro-F1 (classification)"),
    MetricName("r2", True, ("multitarget",), "coefficient of determination of a regression target (r2:TARGET)"),
    MetricName("macro_f1", True, ("multitarget",), "mean per-class F1 of a classification target (macro_f1:TARGET)"),
)


def multitarget_metric_name(target: str, classification: bool) -> str:
    """``r2:price`` or ``macro_f1:kind``: the metric a multi-target trial scores one target's head by."""
    return f"{'macro_f1' if classification else 'r2'}:{target}"


# Gaps between groups (trial --group-column): a gap is smaller-is-better, a worst group's accuracy is not.
GROUP_GAP_METRICS: Final = _named(
    MetricName("error_rate_gap", False, ("binary", "multiclass"), "largest minus smallest group error rate"),
    MetricName("demographic_parity_difference", False, ("binary",),
               "largest difference between groups in the rate of positive predictions"),
    MetricName("equalized_odds_difference", False, ("binary",),
               "largest difference between groups in true- or false-positive rate"),
    MetricName("worst_group_accuracy", True, ("binary", "multiclass"), "accuracy of the worst group"),
    MetricName("mae_gap", False, ("regression", "count"), "largest minus smallest group mean absolute error"),
    MetricName("worst_group_mae", False, ("regression", "count"), "mean absolute error of the worst group"),
)

# ---------------------------------------------------------------- JSON contracts (one version per contract)

SchemaVersion = str  # "MAJOR.MINOR": a reader accepts every minor version of the major it knows
# profile --format json (docs/profile-schema.md). 1.1 added the optional `targets` (multi-target, with
# per-target label noise and contamination) and `target_stats.contamination`; a 1.0 profile is read as
# it is (a key it lacks reads as not measured).
PROFILE_SCHEMA_VERSION: Final[SchemaVersion] = "1.1"
RECOMMEND_SCHEMA_VERSION: Final[SchemaVersion] = "1.0"   # recommend --format json
TRIAL_SCHEMA_VERSION: Final[SchemaVersion] = "1.0"       # trial --format json
CHECK_SCHEMA_VERSION: Final[SchemaVersion] = "1.0"       # check --format json
LOSSES_SCHEMA_VERSION: Final[SchemaVersion] = "1.0"      # losses / explain --format json
DOCTOR_SCHEMA_VERSION: Final[SchemaVersion] = "1.0"      # doctor --format json


def same_major(version: object, supported: SchemaVersion) -> bool:
    """Whether a document's ``schema_version`` has the major version this code reads."""
    return str(version).split(".")[0] == supported.split(".")[0]
