"""Label noise: how many class labels look wrong, by confident learning on out-of-fold probabilities.

The counting is cleanlab's (Northcutt, Jiang & Chuang 2021, "Confident Learning", JAIR 70). What this
module adds is the part the count depends on: out-of-fold probabilities from the best of a few
learners (``noise_learners``; 10 folds on small tables), a stratified, seeded sample for large
tables, a pinned thread count, and an honest interval with a reliability grade (``noise_grade``).

Honesty. The model disagrees with ``1 - oof_accuracy`` of the given labels: label noise plus the
model's own mistakes. Confident learning splits the two well only when the mistakes are few; a weak
model's mistakes are counted as noise (a 61%-accurate model on 10 clean classes reads 22-33%
"noise"). A mislabelled row looks like a typical row of its true class while a model mistake sits
near a class boundary (see ``typical_disagreement``); the disagreement that does not look like noise
measures the model's error. The count averages confident learning's two readings (off-diagonal
count, 1 - trace of the calibrated joint) with the typical disagreement. It is reported when the
model is strong and the noise floor at the anchor rows (``noise_overlap``) agrees with it; otherwise
the floor is reported with an interval that widens with the model's weakness. Only when the features
carry no signal about the labels is nothing estimated.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from lossadvisor.profiling.class_sections import LabelNoise, Suspect
from lossadvisor.profiling.noise_model import (
    OutOfFold,
    describe_model,
    fit_out_of_fold,
)
from lossadvisor.profiling.noise_grade import Z95, Grade, Readings, grade_estimate
from lossadvisor.profiling.noise_overlap import NoiseFloor, noise_floor

MIN_AGREEING = 5
METHOD = "confident_learning (cleanlab {version})"


def estimate_label_noise(
    features: pd.DataFrame,
    labels: pd.Series,
    *,
    seed: int = 0,
    sample_cap: int = 20_000,
    folds: int | None = None,
    threads: int = 1,
    max_suspects: int = 10,
    progress: bool = False,
    groups: pd.Series | None = None,
) -> LabelNoise | None:
    """Estimate the fraction of wrong class labels, with an interval, per-class rates and suspects.

    ``features`` and ``labels`` are aligned by position; neither is modified. Rows with a missing
    label are left out, and so are classes with fewer than ``folds`` rows (5 by default; named in the
    note). ``folds`` defaults to 10 on small tables and 5 otherwise (``noise_learners.plan_folds``).
    Returns None when no estimate can be made: fewer than two classes left, more than ``MAX_CLASSES``
    classes, or no usable feature. With ``groups`` (e.g. a patient id), the folds keep each group on
    one side, so a row is never judged by a model that saw its siblings.
    """
    fit = fit_out_of_fold(features, labels, seed=seed, sample_cap=sample_cap, folds=folds,
                          threads=threads, progress=progress, groups=groups)
    return None if fit is None else count_label_noise(fit, max_suspects=max_suspects)



# --- counting and honesty ------------------------------------------------------------------------

def count_label_noise(fit: OutOfFold, *, max_suspects: int = 10) -> LabelNoise:
    """Confident learning's count on the out-of-fold probabilities, with the interval and the caveat."""
    import cleanlab
    from cleanlab.count import compute_confident_joint, estimate_joint

    probs, codes, names, n = fit.probs, fit.codes, fit.names, len(fit.codes)
    _, off_diagonal = compute_confident_joint(codes, probs, calibrate=False, return_indices_of_off_diagonals=True)
    issue = np.zeros(n, dtype=bool)
    issue[off_diagonal] = True
    issue &= probs.argmax(axis=1) != codes   # as cleanlab's num_label_issues: the model must disagree
    joint = estimate_joint(codes, probs)      # rows: given label, columns: likely true label
    counted_by_class = np.array([issue[codes == k].mean() for k in range(len(names))])
    joint_by_class = 1.0 - np.diag(joint) / np.maximum(joint.sum(axis=1), 1e-12)
    typical_weight = typical_disagreement(probs, codes)
    typical_by_class = np.array([typical_weight[codes == k].mean() for k in range(len(names))])
    # Three readings. The off-diagonal count misses flips whose probability sits near a class threshold
    # (it reads low, most of all on imbalanced data); the calibrated joint spreads them too widely (it
    # reads high); the typical disagreement is free of cleanlab's thresholds. The estimate averages
    # confident learning's midpoint with the typical disagreement: over the 10-40% settings of
    # benchmarks/noise_accuracy.py (2 seeds) its mean error was 0.0065 (largest 0.023), against 0.0085
    # (largest 0.042) for the midpoint alone.
    counted, joint_rate, typical = float(issue.mean()), float(1.0 - np.trace(joint)), float(typical_weight.mean())
    estimate = ((counted + joint_rate) / 2 + typical) / 2
    by_class = ((counted_by_class + joint_by_class) / 2 + typical_by_class) / 2
    accuracy = float(np.mean(probs.argmax(axis=1) == codes))
    model_error = max(0.0, 1.0 - accuracy - typical)
    sampling = Z95 * math.sqrt(max(estimate * (1.0 - estimate), 1.0 / n) / n)
    readings = Readings(counted=estimate, lowest=min(counted, joint_rate, typical),
                        highest=max(counted, joint_rate, typical), disagreement=1.0 - accuracy,
                        model_error=model_error, sampling=sampling,
                        has_signal=has_signal(probs, codes, len(names), fit.independent_rows))
    floor = noise_floor(probs, codes, fit.independent_rows)
    grade = grade_estimate(readings, floor)
    if grade.estimate is not None and grade.estimate != estimate and estimate > 0:
        by_class = by_class * (grade.estimate / estimate)   # per-class shares keep their proportions
    tried = tuple(k for k in (fit.log_loss or {}) if k != "ensemble")
    return LabelNoise(
        estimated_rate=grade.estimate,
        ci=grade.interval,
        per_class={name: float(v) for name, v in zip(names, by_class)},
        suspects=_suspects(probs, codes, names, fit.positions, issue, max_suspects),
        method=METHOD.format(version=cleanlab.__version__),
        model=describe_model(fit.folds, fit.learner, tried),
        oof_accuracy=accuracy,
        rows_used=n,
        reliable=grade.reliability == "high",
        note=_note(accuracy, grade, fit.dropped_classes, fit.skipped_columns),
        reliability=grade.reliability,
        reliability_reason=grade.reason,
        overlap=_overlap_section(grade, floor, estimate),
        learner=fit.learner,
        learner_log_loss=dict(fit.log_loss or {}),
        folds=fit.folds,
    )


def _overlap_section(grade: Grade, floor: NoiseFloor, counted: float) -> dict:
    """The overlap test as reported: the count, the floor at the anchor rows, and the verdict."""
    return {"detected": bool(grade.overlap), "counted": float(counted), "noise_floor": float(floor.rate),
            "noise_floor_se": float(floor.standard_error), "anchor_rows": int(floor.anchors)}


def has_signal(probs: np.ndarray, codes: np.ndarray, n_classes: int, independent_rows: int | None = None) -> bool:
    """Whether the model ranks the given labels clearly better than chance.

    The one-vs-rest ROC AUC of each given class (threshold-free, so heavy imbalance or noise that keeps
    the argmax on the majority class does not hide real signal) is 0.5 for a model that learned
    nothing. When the mean AUC is within max(0.01, 4 null standard errors) of 0.5, the features carry
    no usable signal about the labels and every disagreement would be counted as noise (random binary
    labels read as ~50% "wrong"): no estimate can be made. With groups of rows (``independent_rows``
    groups), the null standard error grows by sqrt(rows / groups): a group's rows share a label.
    """
    from sklearn.metrics import roc_auc_score

    inflation = math.sqrt(len(codes) / independent_rows) if independent_rows else 1.0
    aucs, errors = [], []
    for k in range(n_classes):
        positive = codes == k
        n_pos, n_neg = int(positive.sum()), int((~positive).sum())
        if n_pos == 0 or n_neg == 0:
            continue
        aucs.append(roc_auc_score(positive, probs[:, k]))
        errors.append(inflation * np.sqrt((n_pos + n_neg + 1) / (12.0 * n_pos * n_neg)))  # Mann-Whitney null SE
    if not aucs:
        return False
    return float(np.mean(aucs)) - 0.5 >= max(0.01, 4.0 * float(np.max(errors)))


def typical_disagreement(probs: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per row, how much its rejected label counts as noise: 0 where the model agrees, up to 1.

    Confident learning assumes a wrong label is independent of the features given the true class, so a
    flipped row is as typical of its true class as the correctly labelled rows are: its probability
    for the predicted class is at or above the agreeing rows' median half the time. The model's own
    mistakes lie near class boundaries and rarely reach that median. So, per predicted class,
    2 x (share of disagreeing rows at or above the agreeing median) estimates the share that is noise;
    every disagreeing row of that class carries that share. The mean over rows is a noise rate.
    """
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    disagree = predicted != codes
    weight = np.zeros(len(codes))
    for k in np.unique(predicted[disagree]):
        agreeing = confidence[(predicted == k) & ~disagree]
        rejected = (predicted == k) & disagree
        if len(agreeing) >= MIN_AGREEING:
            weight[rejected] = min(1.0, 2.0 * float(np.mean(confidence[rejected] >= np.median(agreeing))))
    return weight


def _suspects(probs, codes, names, positions, issue, limit) -> tuple[Suspect, ...]:
    """Counted rows, lowest probability of the given label first (cleanlab's self-confidence order)."""
    rows = np.flatnonzero(issue)
    self_confidence = probs[rows, codes[rows]]
    ordered = rows[np.lexsort((rows, self_confidence))][:limit]
    likely = probs[ordered].argmax(axis=1)
    return tuple(
        Suspect(row=int(positions[i]), given=names[codes[i]], likely=names[j], confidence=float(probs[i, j]))
        for i, j in zip(ordered, likely)
    )


def _note(accuracy: float, grade: Grade, dropped, skipped) -> str:
    if grade.reliability == "none":
        text = (f"not estimated: the model predicts the labels no better than chance (it matches {accuracy:.0%}), "
                "so the features carry no signal to tell wrong labels from right ones")
    elif grade.reliability == "high":
        text = (f"the out-of-fold model matches {accuracy:.0%} of labels and the rows it rejects look like "
                "typical rows of another class, as mislabelled rows do")
    else:
        text = f"{grade.reliability} reliability: {grade.reason} (the model matches {accuracy:.0%} of labels)"
    if dropped:
        text += f"; classes too small to cross-validate left out: {', '.join(dropped)}"
    if skipped:
        text += f"; columns not used: {', '.join(skipped)}"
    return text

