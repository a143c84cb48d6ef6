"""The words every stage shares, each spelled once: tasks, task families, objectives, JSON schema versions.

Torch-, pandas- and sklearn-free, and imports nothing from the package, so every stage may read it.
"""

from __future__ import annotations

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

# ---------------------------------------------------------------- JSON contracts (one version per contract)

SchemaVersion = str  # "MAJOR.MINOR": a reader accepts every minor version of the major it knows
PROFILE_SCHEMA_VERSION: Final[SchemaVersion] = "1.0"     # profile --format json (docs/profile-schema.md)
RECOMMEND_SCHEMA_VERSION: Final[SchemaVersion] = "1.0"   # recommend --format json
TRIAL_SCHEMA_VERSION: Final[SchemaVersion] = "1.0"       # trial --format json
CHECK_SCHEMA_VERSION: Final[SchemaVersion] = "1.0"       # check --format json
LOSSES_SCHEMA_VERSION: Final[SchemaVersion] = "1.0"      # losses / explain --format json
DOCTOR_SCHEMA_VERSION: Final[SchemaVersion] = "1.0"      # doctor --format json


def same_major(version: object, supported: SchemaVersion) -> bool:
    """Whether a document's ``schema_version`` has the major version this code reads."""
    return str(version).split(".")[0] == supported.split(".")[0]
