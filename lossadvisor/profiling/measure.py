"""Measure a loaded Dataset (or a DataFrame or a file) into a :class:`~lossadvisor.profiling.profile.Profile`.

    >>> from lossadvisor.profiling.measure import profile_table
    >>> profile = profile_table("sample_data/imbalanced_binary.csv")
    >>> profile.classes.imbalance_ratio
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from lossadvisor.load import Dataset, LoadOptions, dataset_from_frame, load_dataset, parse_target
from lossadvisor.profiling import findings as F
from lossadvisor.profiling.balance import class_balance, multilabel_balance, multilabel_indicators
from lossadvisor.profiling.feature_outliers import feature_outliers
from lossadvisor.profiling.masks import mask_stats
from lossadvisor.profiling.overview import profile_overview
from lossadvisor.profiling.structure import profile_structure
from lossadvisor.profiling.target import target_stats
from lossadvisor.profiling.target_measure import measure_targets
from lossadvisor.profiling.target_section import TargetProfile
from lossadvisor.profiling.profile import Profile
from lossadvisor.profiling.task import infer_task
from lossadvisor.vocabulary import REGRESSION_TASKS, SINGLE_LABEL_TASKS

HIGH_CARDINALITY = 100


@dataclass(frozen=True)
class ProfileOptions:
    """How to measure: seed, threads, and the label-noise estimate's switches."""

    seed: int = 0
    threads: int = 1
    noise: bool = True
    noise_sample_cap: int = 20_000
    progress: bool = False


def profile_table(data: pd.DataFrame | str | Path, target: str | tuple[str, ...] | None = None,
                  task: str | None = None, masks: str | Path | None = None, time_column: str | None = None,
                  group_column: str | None = None, label_separator: str = "|", positive_class: str | None = None,
                  **options) -> Profile:
    """Profile a DataFrame or a file (the Python API); keyword `options` go to ProfileOptions."""
    names = parse_target(target) if isinstance(target, str) else tuple(target or ())
    load = LoadOptions(target=names, task=task, masks=Path(masks) if masks else None, time_column=time_column,
                       group_column=group_column, label_separator=label_separator, positive_class=positive_class)
    dataset = dataset_from_frame(data, load) if isinstance(data, pd.DataFrame) else load_dataset(data, load)
    return profile_dataset(dataset, ProfileOptions(**options))


def profile_dataset(dataset: Dataset, options: ProfileOptions = ProfileOptions()) -> Profile:
    """Measure everything the rules need from a loaded dataset."""
    frame, target, load = dataset.frame, dataset.target, dataset.options
    inferred = infer_task(frame, target, load.label_separator, bool(dataset.mask_files), load.task)
    task = inferred.task
    masks = mask_stats(dataset.mask_files) if dataset.mask_files else None
    if frame is None:
        structure = profile_structure(None, {}, (), has_masks=True)
        warnings = F.mask_findings(masks) if masks else []
        return Profile(dataset.source, 0, 0, (), task, inferred.evidence, None, structure, None, None, None, None,
                       masks, None, tuple(warnings))

    overview = profile_overview(frame)
    kinds = overview.column_kinds
    features = dataset.features
    structure = profile_structure(frame, kinds, target, load.time_column, load.group_column, bool(dataset.mask_files))
    classes = noise = stats = per_target = None
    if task == "multitarget":
        # Each target on its own; the top-level target_stats keep describing the first column (schema 1.0),
        # when it is numeric.
        per_target = measure_targets(frame, target, features, options.seed)
        if options.noise:
            groups = frame[structure.group_column] if structure.group_column else None
            per_target = measure_target_noise(per_target, frame, features, kinds, options, groups)
        stats = per_target[0].target_stats
    elif task in SINGLE_LABEL_TASKS:
        classes = class_balance(frame[target[0]], load.positive_class)
        if options.noise:
            groups = frame[structure.group_column] if structure.group_column else None
            noise = _estimate_noise(features, frame[target[0]], kinds, options, groups)
    elif task == "multilabel":
        classes = multilabel_balance(multilabel_indicators(frame, target, load.label_separator))
    elif task in REGRESSION_TASKS:
        numeric_features = features.select_dtypes("number")
        stats = target_stats(frame[target[0]], numeric_features, task, options.seed)
        if options.noise:
            groups = frame[structure.group_column] if structure.group_column else None
            stats = replace(stats, contamination=measure_target_errors(features, frame[target[0]], kinds, options,
                                                                       groups))
    outliers = feature_outliers(features, kinds, options.seed)

    profile = Profile(dataset.source, overview.rows, overview.columns, target, task, inferred.evidence, overview,
                      structure, classes, noise, stats, outliers, masks, target_nonfinite(frame, target),
                      targets=per_target)
    distinct = {n: overview.distinct[n] if n in overview.distinct else int(frame[n].nunique())
                for n, k in kinds.items() if k == "categorical" and n not in target}
    cardinality = {n: count for n, count in distinct.items() if count > HIGH_CARDINALITY}
    noise_attempted = task in (*SINGLE_LABEL_TASKS, "multitarget") and options.noise
    findings = F.profile_findings(profile, cardinality, noise_attempted)
    return replace(profile, warnings=(*encoding_findings(dataset.encoding), *findings))


def encoding_findings(encoding: str | None) -> list[F.Finding]:
    """Say how a text file that is not UTF-8 was decoded, so wrong accents can be traced to it."""
    from lossadvisor.text_decoding import describe_encoding, is_utf8

    if encoding is None or is_utf8(encoding):
        return []
    return [F.Finding("ENCODING", f"the file is not UTF-8; read as {describe_encoding(encoding)} "
                                  "(pass --encoding if accented characters look wrong)", "info")]


def target_nonfinite(frame: pd.DataFrame, target: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Missing and ±inf counts per target column, on the raw column."""
    counts = {}
    for name in target:
        column = frame[name]
        numeric = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float) \
            if pd.api.types.is_numeric_dtype(column) else np.zeros(len(column))
        counts[name] = {"nan": int(column.isna().sum()), "posinf": int(np.isposinf(numeric).sum()),
                        "neginf": int(np.isneginf(numeric).sum())}
    return counts


def measure_target_noise(sections: tuple[TargetProfile, ...], frame: pd.DataFrame, features: pd.DataFrame,
                         kinds: dict[str, str], options: ProfileOptions,
                         groups: pd.Series | None = None) -> tuple[TargetProfile, ...]:
    """Each target of a multi-target table with its own noise measure: the label-noise estimate of a class
    target, the gross target errors (``target_stats.contamination``) of a numeric one.

    The models read ``features``, the columns that are no target (``Dataset.features``), never another
    target: the multi-task model that will be trained predicts every target from the features alone, so
    the question is how many of *this* target's labels the features contradict. A second target as a feature
    would leak: a column derived from this one (a code and its name, a price and its band) predicts even the
    wrong labels, which would then read as clean; and a noisy second target would pass its noise on.
    Each estimate leaves out the rows where its own target is missing.
    """
    measured = []
    for section in sections:
        column = frame[section.name]
        if section.target_stats is not None:
            contamination = measure_target_errors(features, column, kinds, options, groups)
            section = replace(section, target_stats=replace(section.target_stats, contamination=contamination))
        elif section.classes is not None:
            section = replace(section, label_noise=_estimate_noise(features, column, kinds, options, groups))
        measured.append(section)
    return tuple(measured)


def measure_target_errors(features: pd.DataFrame, target: pd.Series, kinds: dict[str, str],
                          options: ProfileOptions, groups: pd.Series | None = None):
    """Gross target errors (:mod:`lossadvisor.profiling.target_errors`) on the features the noise model reads."""
    from lossadvisor.profiling.noise_features import prepare_features
    from lossadvisor.profiling.target_errors import measure_contamination

    usable = [n for n in features.columns if kinds.get(n) in ("numeric", "boolean", "categorical", "datetime")
              and (groups is None or n != groups.name)]
    X, categorical, _ = prepare_features(features[usable])
    y = pd.to_numeric(target, errors="coerce").to_numpy(dtype=float)
    group_codes = None if groups is None else pd.factorize(groups)[0]
    return measure_contamination(X, y, categorical, seed=options.seed, threads=options.threads,
                                 sample_cap=options.noise_sample_cap, groups=group_codes)


def _estimate_noise(features: pd.DataFrame, labels: pd.Series, kinds: dict[str, str], options: ProfileOptions,
                    groups: pd.Series | None = None):
    from lossadvisor.profiling.noise import estimate_label_noise

    usable = [n for n in features.columns if kinds.get(n) in ("numeric", "boolean", "categorical", "datetime")
              and (groups is None or n != groups.name)]  # a group id identifies rows, it does not describe them
    if groups is None and usable:
        # Rows with identical features are one group: a copy in the training folds would vouch for its twin.
        row_keys = pd.util.hash_pandas_object(features[usable], index=False)
        if row_keys.duplicated().any():
            groups = row_keys
    return estimate_label_noise(features[usable], labels, seed=options.seed, sample_cap=options.noise_sample_cap,
                                threads=options.threads, progress=options.progress, groups=groups)
