"""Facts per sensitive group (``--sensitive COL[,COL]``): size, base rate, label noise, target spread.

Guide 6.2.13 (ethical considerations): a loss that wins on average can lose on a minority group, so
the profile shows each group's share of the rows and its class balance first. Every group is
reported: one with fewer than ``MIN_GROUP_ROWS`` rows is marked "too few rows to measure" (its
size is still given) rather than dropped; the label-noise estimate (the profile's own estimator,
run on the group's rows) needs ``MIN_NOISE_ROWS``. Several columns are crossed: a group is one
combination of their values ("sex=F|age=old"), which is where gaps hide (Kearns et al. 2018).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from lossadvisor.errors import LossAdvisorError
from lossadvisor.profiling.group_sections import MIN_GROUP_ROWS, MIN_NOISE_ROWS, GroupFacts, GroupProfile

MISSING = "(missing)"


def parse_sensitive(text: str | None) -> tuple[str, ...]:
    """``sex,age`` → column names, in order, without duplicates."""
    if text is None:
        return ()
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names:
        raise LossAdvisorError("--sensitive needs at least one column name, e.g. --sensitive sex")
    return names


def group_labels(frame: pd.DataFrame, columns: Sequence[str], target: Sequence[str] = ()) -> np.ndarray:
    """One label per row: the value of each sensitive column, crossed ("a=x|b=y" for several)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LossAdvisorError(f"--sensitive column '{missing[0]}' not found (columns: {', '.join(map(str, frame.columns[:12]))})")
    clash = [c for c in columns if c in target]
    if clash:
        raise LossAdvisorError(f"--sensitive column '{clash[0]}' is the target; name a group column instead")
    parts = [frame[c].astype(object).where(frame[c].notna(), MISSING).astype(str).to_numpy() for c in columns]
    if len(parts) == 1:
        return parts[0]
    return np.array(["|".join(f"{c}={v}" for c, v in zip(columns, row)) for row in zip(*parts)], dtype=object)


NoiseFn = Callable[[np.ndarray], Any]   # row mask → LabelNoise | None


def profile_groups(frame: pd.DataFrame, target: str, task: str, columns: Sequence[str],
                   positive_class: str | None = None, noise: NoiseFn | None = None) -> GroupProfile:
    """Per-group facts for ``columns``; ``noise`` estimates label noise on a row mask (None: skip)."""
    from lossadvisor.profiling.balance import label_text

    labels = group_labels(frame, columns, (target,))
    y = frame[target]
    keep = y.notna().to_numpy()
    names, counts = np.unique(labels[keep], return_counts=True)
    order = np.argsort(-counts, kind="stable")
    classification = task in ("binary", "multiclass")
    text = np.array([label_text(v) if v is not None and v == v else "" for v in y], dtype=object)
    out = []
    for i in order:
        name, n = str(names[i]), int(counts[i])
        rows = keep & (labels == name)
        measured = n >= MIN_GROUP_ROWS
        shares = base = rate = note = stats = error = None
        if measured and classification:
            values, k = np.unique(text[rows], return_counts=True)
            shares = {str(v): float(c) / n for v, c in zip(values, k)}
            if task == "binary" and positive_class is not None:
                base = shares.get(str(positive_class), 0.0)
            if noise is not None:
                if n >= MIN_NOISE_ROWS:
                    found = noise(rows)
                    rate = None if found is None else found.estimated_rate
                    error = None if found is None else 1.0 - float(found.oof_accuracy)
                    note = "estimator abstained or could not fit" if rate is None else None
                else:
                    note = f"too few rows for a noise estimate (< {MIN_NOISE_ROWS})"
        elif measured:
            v = pd.to_numeric(y[rows], errors="coerce").to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            stats = {"mean": float(v.mean()), "std": float(v.std()), "median": float(np.median(v)),
                     "p10": float(np.quantile(v, 0.1)), "p90": float(np.quantile(v, 0.9))} if v.size else None
        out.append(GroupFacts(name, n, n / int(keep.sum()), measured, shares, base, rate, note, stats, error))
    bases = [g.base_rate for g in out if g.base_rate is not None]
    rates = [g.noise_rate for g in out if g.noise_rate is not None]
    gap = max(bases) - min(bases) if len(bases) > 1 else None
    ratio = max(bases) / min(bases) if len(bases) > 1 and min(bases) > 0 else None
    errors = [g.model_error for g in out if g.model_error is not None]
    return GroupProfile(tuple(columns), tuple(out), positive_class if task == "binary" else None, gap, ratio,
                        max(rates) - min(rates) if len(rates) > 1 else None,
                        max(errors) - min(errors) if len(errors) > 1 else None,
                        max(errors) / min(errors) if len(errors) > 1 and min(errors) > 0 else None,
                        min_rows_for_noise=MIN_NOISE_ROWS)


@dataclass(frozen=True)
class GroupShift:
    """Sensitive groups between a baseline and a current profile (their ``groups`` sections)."""

    in_baseline: bool
    in_current: bool
    vanished: tuple[tuple[str, int], ...]      # (group, rows now) for baseline-measured groups now absent/too small
    shifts: Mapping[str, float]                # measured group → largest class-share change (binary: base rate)


def _shift(before: GroupFacts, after: GroupFacts) -> float | None:
    """Largest absolute change of a group's class shares; for a numeric target the mean's change in
    baseline standard deviations."""
    if before.class_shares and after.class_shares:
        keys = set(before.class_shares) | set(after.class_shares)
        return max(abs(after.class_shares.get(k, 0.0) - before.class_shares.get(k, 0.0)) for k in keys)
    if before.target and after.target:
        std = before.target.get("std") or 0.0
        return abs(after.target["mean"] - before.target["mean"]) / std if std > 0 else None
    return None


def compare_groups(baseline: GroupProfile | None, current: GroupProfile | None) -> GroupShift | None:
    """None when neither profile has groups; else what vanished and how far each group's mix moved."""
    if baseline is None and current is None:
        return None
    before = {g.name: g for g in (baseline.groups if baseline is not None else ())}
    after = {g.name: g for g in (current.groups if current is not None else ())}
    vanished = tuple((name, after[name].rows if name in after else 0) for name, g in before.items()
                     if g.measured and (name not in after or not after[name].measured))
    shifts = {name: s for name, g in before.items() if g.measured and name in after and after[name].measured
              and (s := _shift(g, after[name])) is not None}
    return GroupShift(baseline is not None, current is not None, vanished, shifts)
