"""The streaming profile: files larger than memory, profiled in one bounded-memory pass.

    >>> profile = stream_profile("big.parquet", LoadOptions(target=("label",)), ProfileOptions(seed=0))

Used above a size threshold (``STREAM_ABOVE_BYTES``, ``--stream-above``) and always with ``--stream``.
The pass (:mod:`lossadvisor.profiling.stream_pass`) counts exactly what one pass can count; the label-noise
model, the feature-outlier scan, the time-series facts, the target's variance-mean slope and its sample
are measured on a seeded uniform sample, and the target's quantiles, median, MAD, outlier fraction and
tail index too unless the target's values are known exactly (few distinct values, or ``--exact``).
The profile's ``sampling`` section says which figures came from where and with what error.
When the file has no more rows than the sample, the sample is the whole file and every figure equals
the in-memory profile's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from lossadvisor.errors import LoadError
from lossadvisor.load import LoadOptions, check_target, resolve_target
from lossadvisor.profiling.sampling import Sampling
from lossadvisor.profiling.sketches import EXACT_DISTINCT, HLL_STANDARD_ERROR
from lossadvisor.vocabulary import REGRESSION_TASKS, SINGLE_LABEL_TASKS

STREAM_ABOVE_BYTES = 1 << 30
SAMPLE_ROWS = 200_000
DKW_ALPHA = 0.05


@dataclass(frozen=True)
class StreamOptions:
    sample_rows: int = SAMPLE_ROWS
    exact: bool = False   # keep every finite target value (8 bytes a row) for exact quantiles, MAD and outliers


def should_stream(path: str | None, stream: bool, above_bytes: int = STREAM_ABOVE_BYTES) -> bool:
    """Stream when asked, for a folder or glob (only the streaming reader reads those), or past the size."""
    from pathlib import Path

    from lossadvisor.profiling.stream_read import GLOB_CHARS

    if path is None or path == "-":
        return False
    if stream:
        return True
    target = Path(path)
    if target.is_dir() or (GLOB_CHARS.search(path) and not target.exists()):
        return True
    return target.is_file() and target.stat().st_size > above_bytes


def stream_profile(path: str, load: LoadOptions, options, stream: StreamOptions = StreamOptions()):
    """Profile a file, folder or glob in one pass; returns a Profile with its `sampling` section."""
    from lossadvisor.profiling.stream_pass import StreamPass
    from lossadvisor.profiling.stream_read import TypeChange, resolve_source

    if load.masks is not None:
        raise LoadError("--masks cannot be combined with streaming; profile the masks without --stream")
    source = resolve_source(path)
    as_text: frozenset[str] = frozenset()
    while True:
        try:
            result = _run_pass(source, as_text, load, options, stream, StreamPass)
            break
        except TypeChange as change:
            as_text = as_text | {change.column}
    return _assemble(result, source.label, load, options, stream)


def _run_pass(source, as_text, load: LoadOptions, options, stream: StreamOptions, make_pass):
    from lossadvisor.profiling.stream_read import scan

    accumulator = None
    for batch in scan(source, as_text):
        frame = batch.to_pandas()
        frame.columns = [str(c) for c in frame.columns]
        if accumulator is None:
            target = resolve_target(frame, load.target)
            for name, label in ((load.time_column, "--time-column"), (load.group_column, "--group-column")):
                if name is not None and name not in frame.columns:
                    raise LoadError(f"{label} '{name}' not found; columns are: {', '.join(frame.columns)}")
            accumulator = make_pass(target, stream.sample_rows, options.seed, stream.exact)
        if len(frame):
            accumulator.update(frame)
    if accumulator is None or accumulator.rows == 0:
        raise LoadError(f"file has a header but no rows: {source.label}")
    return accumulator.result()


def _target_multiset(result, target: tuple[str, ...]) -> pd.DataFrame | None:
    """Every target row's value(s), in no particular order, rebuilt from the exact tally."""
    if result.target_tally is None:
        return None
    tally = result.target_tally
    values = tally.index.to_frame(index=False)
    values.columns = list(target)
    return values.loc[np.repeat(np.arange(len(tally)), tally.to_numpy())].reset_index(drop=True)


def _assemble(result, label: str, load: LoadOptions, options, stream: StreamOptions):
    from lossadvisor.profiling import findings as F
    from lossadvisor.profiling.balance import class_balance, multilabel_balance, multilabel_indicators
    from lossadvisor.profiling.feature_outliers import feature_outliers
    from lossadvisor.profiling.measure import (
        HIGH_CARDINALITY,
        _estimate_noise,
        measure_target_errors,
        measure_target_noise,
        target_nonfinite,
    )
    from lossadvisor.profiling.profile import Profile
    from lossadvisor.profiling.structure import profile_structure
    from lossadvisor.profiling.target import target_stats
    from lossadvisor.profiling.task import infer_task

    sample, columns = result.sample, result.columns
    target = resolve_target(sample, load.target)
    overview = _overview(result)
    result.row_hashes = None   # 8 bytes a row, not needed past the duplicate count
    kinds = overview.column_kinds
    exact_target = _target_multiset(result, target)
    task_frame = exact_target if exact_target is not None else sample
    if result.target_flags["missing"] == result.rows:
        raise LoadError(f"target column '{target[0]}' is entirely missing (all values are NaN)")
    if exact_target is not None:
        check_target(exact_target, target, load.task)
    elif load.task == "count" and result.target_moments.minimum < 0:
        raise LoadError(f"--task count needs a non-negative target; column '{target[0]}' goes down to "
                        f"{result.target_moments.minimum:g}")
    task_info = infer_task(task_frame, target, load.label_separator, False, load.task)
    task = task_info.task
    features = sample.drop(columns=list(target))
    group = load.group_column or _group_column(kinds, columns, target, result.rows)
    structure = profile_structure(sample, kinds, target, load.time_column, group, False)
    if structure.group_column is not None:
        structure = replace(structure, n_groups=columns[structure.group_column].distinct.count)
    classes = noise = stats = per_target = None
    if task in SINGLE_LABEL_TASKS:
        classes = class_balance(task_frame[target[0]], load.positive_class)
        if options.noise:
            groups = sample[structure.group_column] if structure.group_column else None
            noise = _file_rows(_estimate_noise(features, sample[target[0]], kinds, options, groups),
                               result.sample_positions)
    elif task == "multilabel":
        classes = multilabel_balance(multilabel_indicators(task_frame, target, load.label_separator))
    elif task in REGRESSION_TASKS:
        per_target = _per_target(sample, target, features, task, options.seed)
        groups = sample[structure.group_column] if structure.group_column else None
        if per_target is not None and options.noise:   # each target's own noise measure, on the seeded sample
            per_target = tuple(replace(t, label_noise=_file_rows(t.label_noise, result.sample_positions))
                               for t in measure_target_noise(per_target, sample, features, kinds, options, groups))
        if per_target is None or per_target[0].numeric:
            stats = _target_stats(result, sample, features, target, task, options.seed, exact_target, target_stats)
            if options.noise:   # gross target errors, measured on the seeded sample like the label-noise model
                contamination = measure_target_errors(features, sample[target[0]], kinds, options, groups) \
                    if per_target is None else per_target[0].target_stats.contamination
                stats = replace(stats, contamination=contamination)
    outliers = feature_outliers(features, kinds, options.seed)
    nonfinite = target_nonfinite(task_frame, target)
    if exact_target is None:
        flags = result.target_flags
        nonfinite[target[0]] = {"nan": flags["missing"], "posinf": flags["posinf"], "neginf": flags["neginf"]}
    sampling = _sampling(result, stream, options.seed, exact_target is not None or stream.exact, task,
                         structure.type == "timeseries")
    profile = Profile(label, result.rows, len(columns), target, task, task_info.evidence, overview, structure,
                      classes, noise, stats, outliers, None, nonfinite, sampling=sampling, targets=per_target)
    cardinality = {n: columns[n].distinct.count for n, k in kinds.items()
                   if k == "categorical" and n not in target and columns[n].distinct.count > HIGH_CARDINALITY}
    noise_attempted = task in (*SINGLE_LABEL_TASKS, "multitarget") and options.noise
    return replace(profile, warnings=tuple(F.profile_findings(profile, cardinality, noise_attempted)))


def _file_rows(noise, positions):
    """A label-noise estimate made on the sample, its suspects' rows renumbered to their rows in the file."""
    if noise is None:
        return None
    return replace(noise, suspects=tuple(replace(s, row=int(positions[s.row])) for s in noise.suspects))


def _overview(result):
    from lossadvisor.profiling.overview import ID_NAME, column_kind
    from lossadvisor.profiling.value_sections import Overview

    kinds, missing, constant, distinct = {}, {}, [], {}
    for name, summary in result.columns.items():
        present = result.rows - summary.missing
        count = summary.distinct.count if summary.hashable else None
        dtype = summary.dtype
        if pd.api.types.is_bool_dtype(dtype):
            kinds[name] = "boolean"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            kinds[name] = "datetime"
        elif summary.numeric:
            is_id = ID_NAME.search(name) and summary.integral and present and count > 0.5 * present
            kinds[name] = "id" if is_id else "numeric"
        else:
            head = pd.Series(summary.head, name=name, dtype=object if not summary.head else None)
            kinds[name] = column_kind(head, count, present)
            if count is not None:
                distinct[name] = count
        missing[name] = round(summary.missing / result.rows, 6)
        if kinds[name] == "list":
            continue
        if summary.numeric:
            if present == 0 or (summary.missing == 0 and summary.minimum == summary.maximum):
                constant.append(name)
        elif count is not None and count + (summary.missing > 0) <= 1:
            constant.append(name)
    return Overview(rows=result.rows, columns=len(result.columns), column_kinds=kinds, missing_fraction=missing,
                    duplicate_rows=_duplicates(result.row_hashes), constant_columns=tuple(constant),
                    distinct=distinct)


def _duplicates(hashes: np.ndarray) -> int:
    """Rows whose 64-bit hash repeats an earlier row's (a false match has probability under n²/2^65)."""
    if len(hashes) < 2:
        return 0
    hashes.sort()   # in place: no second copy of 8 bytes a row
    return int(np.count_nonzero(hashes[1:] == hashes[:-1]))


def _group_column(kinds, columns, target, rows: int) -> str | None:
    """As structure.find_group_column, on the whole file's distinct counts."""
    from lossadvisor.profiling.overview import ID_NAME
    from lossadvisor.profiling.structure import GROUP_MIN_MEAN_SIZE

    for name, kind in kinds.items():
        if name in target or kind not in ("id", "categorical", "numeric") or not ID_NAME.search(name):
            continue
        groups = columns[name].distinct.count if columns[name].hashable else 0
        if 1 < groups and rows / groups >= GROUP_MIN_MEAN_SIZE:
            return name
    return None


def _per_target(sample, target, features, task, seed):
    """Multi-target: each target measured on its own, on the seeded sample (the sampling section says so)."""
    if task != "multitarget":
        return None
    from lossadvisor.profiling.target_measure import measure_targets

    return measure_targets(sample, target, features, seed)


def _target_stats(result, sample, features, target, task, seed, exact_target, target_stats):
    """Sample figures, with everything one pass knows exactly put in their place."""
    numeric = features.select_dtypes("number")
    stats = target_stats(sample[target[0]], numeric, task, seed)
    values = result.target_values
    if values is None and exact_target is not None:
        raw = pd.to_numeric(exact_target[target[0]], errors="coerce").to_numpy(dtype=float)
        values = raw[np.isfinite(raw)]
    if values is not None and len(values):
        full = target_stats(pd.Series(values), None, task, seed)
        stats = replace(stats, median=full.median, mad=full.mad, outlier_fraction=full.outlier_fraction,
                        tail_index=full.tail_index, quantiles=full.quantiles)
    m, flags = result.target_moments, result.target_flags
    if m.count == 0:
        return stats
    mean = m.mean
    non_negative = flags["negative"] == 0
    is_integer = flags["fraction"] == 0
    is_count = task == "count" or (non_negative and is_integer and task != "regression")
    variance = m.variance
    return replace(stats, mean=mean, std=math.sqrt(variance), skewness=m.skewness, kurtosis=m.kurtosis,
                   zero_fraction=flags["zeros"] / m.count, non_negative=non_negative, is_integer=is_integer,
                   is_count=is_count, bounded_01=m.minimum >= 0 and m.maximum <= 1,
                   dispersion=variance / mean if is_count and mean > 0 else None, minimum=m.minimum,
                   maximum=m.maximum, missing=flags["missing"], nonfinite=result.rows - flags["missing"] - m.count)


def _sampling(result, stream: StreamOptions, seed: int, target_exact: bool, task: str, timeseries: bool) -> Sampling:
    n = len(result.sample)
    rank_error = math.sqrt(math.log(2 / DKW_ALPHA) / (2 * n)) if n else 1.0
    approximate = {
        "duplicate_rows": f"by 64-bit row hash: a false match among {result.rows:,} rows has probability "
                          f"under {result.rows ** 2 / 2 ** 65:.1e}",
    }
    estimated = sorted(name for name, s in result.columns.items() if s.hashable and not s.distinct.is_exact)
    if estimated:
        approximate["distinct_counts"] = (f"exact up to {EXACT_DISTINCT:,} values, then HyperLogLog with relative "
                                          f"standard error {HLL_STANDARD_ERROR:.2%}: {', '.join(estimated)}")
    from_sample = ["label_noise", "feature_outliers"] + (["structure time-series facts"] if timeseries else [])
    if task == "multitarget":
        from_sample.append("targets (each target's kind, target_stats, classes and label_noise)")
    if task in REGRESSION_TASKS:
        from_sample += ["target_stats.variance_mean_slope", "target_stats.sample", "target_stats.contamination"]
        if not target_exact:
            from_sample += ["target_stats.median, mad, outlier_fraction, tail_index, quantiles"]
            approximate["target_quantiles"] = (f"from the sample: each quantile's rank is within ±{rank_error:.4f} "
                                               f"with 95% probability (Dvoretzky-Kiefer-Wolfowitz)")
    exact = ["rows", "missing_fraction", "constant_columns", "target_nonfinite", "classes",
             "target_stats moments (mean, std, skewness, kurtosis), min, max, zero_fraction"]
    if target_exact:
        exact.append("target_stats quantiles, median, mad, outlier_fraction, tail_index")
    full = n >= result.rows
    return Sampling(reader="pyarrow (streaming CSV reader; Parquet row group by row group)", rows_scanned=result.rows,
                    sample_rows=n, seed=seed, exact=tuple(exact), approximate=approximate,
                    from_sample=tuple(from_sample) if not full else ())
