"""Dataset facts → split, encoded features and encoded targets, ready for the trainer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from lossadvisor.errors import LossAdvisorError
from lossadvisor.profiling.balance import label_text
from lossadvisor.profiling.profile import Profile
from lossadvisor.trials.encoding import FeatureMatrix, encode_features
from lossadvisor.trials.folds import FoldPlan, plan_folds
from lossadvisor.trials.split import Split, split_rows


@dataclass(frozen=True)
class DataFacts:
    """What the trial needs from the profile: the task and the structure of the rows."""

    task: str
    structure: str = "tabular"
    time_column: str | None = None
    group_column: str | None = None
    column_kinds: Mapping[str, str] = field(default_factory=dict)
    class_order: tuple[str, ...] = ()
    label_separator: str = "|"  # multilabel targets: what separates the labels of a row

    @classmethod
    def from_profile(cls, profile: Profile | Mapping[str, Any]) -> "DataFacts":
        """From a Profile (or its JSON dict, converted once here: docs/profile-schema.md)."""
        profile = profile if isinstance(profile, Profile) else Profile.from_dict(profile)
        structure, overview, classes = profile.structure, profile.overview, profile.classes
        return cls(
            task=str(profile.task),
            structure=str((structure.type if structure is not None else None) or "tabular"),
            time_column=structure.time_column if structure is not None else None,
            group_column=structure.group_column if structure is not None else None,
            column_kinds=dict(overview.column_kinds) if overview is not None else {},
            class_order=tuple(str(c) for c in classes.counts) if classes is not None else (),
        )


@dataclass(frozen=True)
class PreparedData:
    """Encoded features for all rows, the target, and the split."""

    task: str
    split: Split
    features: FeatureMatrix
    y: np.ndarray  # class codes (int64) or target values (float64)
    classes: tuple[str, ...]  # class names by code (the profile's class order; binary: code 1 is positive)
    target_mean: float
    target_std: float
    dropped_rows: int
    groups: np.ndarray | None = None        # --sensitive: group code of each row (int64), else None
    group_names: tuple[str, ...] = ()       # group names by code
    folds: FoldPlan | None = None           # cross-fitting (trials.folds); then ``split`` is its first fold
    split_groups: np.ndarray | None = None  # the group column's label of each row when the split / folds keep
                                            # groups whole (the cluster bootstrap resamples them), else None

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def class_counts(self) -> np.ndarray:
        """Training-row count of each class (by code)."""
        return np.bincount(self.y[self.split.train], minlength=self.n_classes)


def _encode_classes(values: pd.Series, task: str, order: tuple[str, ...]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class codes in the profile's class order, so per-class parameters (weights, counts,
    priors) from ``recommend`` line up; for binary the positive class is the last one."""
    # Named as the profile names them: an integer label column with missing values reads as
    # float (2.0), and '2.0' would miss the profile's '2' and lose its class order.
    text = np.array([label_text(v) for v in values], dtype=object)
    present = set(np.unique(text))
    if task == "binary" and len(present) != 2:
        raise LossAdvisorError(f"a binary target needs exactly 2 classes; found {len(present)}")
    names = order if order and set(order) == present else tuple(sorted(present, key=_natural_key))
    lookup = {name: code for code, name in enumerate(names)}
    return np.array([lookup[v] for v in text], dtype=np.int64), names


def prepare_data(frame: pd.DataFrame, target: str, facts: DataFacts, seed: int,
                 sensitive: tuple[str, ...] = (), folds: int = 1, seeds: tuple[int, ...] = ()) -> PreparedData:
    """Drop rows without a target, split honestly, encode on the training rows only.

    ``folds`` > 1: cross-fitting over ``seeds`` (one partition per seed); the features and the
    regression target's scale are fitted on the first fold's training rows — one fixed affine map
    shared by every candidate and fold, which uses no test target to choose between losses.
    """
    if target not in frame.columns:
        raise LossAdvisorError(f"target column '{target}' not found")
    keep = frame[target].notna().to_numpy()
    frame = frame.loc[keep].reset_index(drop=True)
    task = facts.task
    if task in ("binary", "multiclass"):
        y, classes = _encode_classes(frame[target], task, tuple(facts.class_order))
    elif task in ("regression", "count"):
        y = pd.to_numeric(frame[target], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.all(np.isfinite(y)):
            raise LossAdvisorError(f"target column '{target}' has non-numeric or infinite values for a {task} task")
        classes = ()
    else:
        raise LossAdvisorError(f"trial supports binary, multiclass, regression and count targets; this one is {task}")
    groups = order_key = None
    if facts.group_column and facts.group_column in frame.columns:
        groups = frame[facts.group_column].astype(str).to_numpy()
    elif facts.time_column and facts.time_column in frame.columns:
        order_key = _time_key(frame[facts.time_column])
    elif facts.structure == "timeseries":
        order_key = np.arange(len(frame))  # rows are already in time order
    labels = y if task in ("binary", "multiclass") else None
    plan = None
    if folds > 1:
        plan = plan_folds(folds, len(frame), list(seeds or (seed,)), labels=labels, order_key=order_key, groups=groups)
        split = plan.splits[0]
    else:
        split = split_rows(len(frame), seed, labels=labels, order_key=order_key, groups=groups)
    exclude = tuple(c for c in (target, facts.group_column, facts.time_column) if c)
    features = encode_features(frame, split.train, facts.column_kinds, exclude=exclude)
    mean, std = target_scale(y, split.train, bool(classes))
    codes, names = None, ()
    if sensitive:
        from lossadvisor.profiling.groups import group_labels

        names, codes = np.unique(group_labels(frame, sensitive, (target,)), return_inverse=True)
        codes, names = codes.astype(np.int64), tuple(str(n) for n in names)
    return PreparedData(task, split, features, y, classes, mean, std, int((~keep).sum()),
                        codes, names, plan, groups)


def target_scale(y: np.ndarray, train_rows: np.ndarray, classification: bool) -> tuple[float, float]:
    """The training rows' target mean and standard deviation (1 when constant); (0, 1) for class codes."""
    if classification:
        return 0.0, 1.0
    std = float(y[train_rows].std())
    return float(y[train_rows].mean()), std if std > 0 else 1.0


def _natural_key(label: str) -> tuple:
    """Numeric labels in numeric order ("2" before "10"), others alphabetically after them."""
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def _time_key(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=np.float64, na_value=np.inf)
    parsed = pd.to_datetime(column, errors="coerce", utc=True)
    if parsed.isna().all():
        return column.astype(str).to_numpy()
    return parsed.astype("int64").to_numpy()
