"""Training diagnostics per candidate, mapped to the guide's troubleshooting advice.

Flags come from the curves every member records: the loss per epoch on train and validation
and the per-member gradient norm per step. Thresholds are deliberately coarse: a short trial is
a smoke test, and a flag says where to look, not what is wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from lossadvisor.trials.train_types import MemberTrace

GRAD_SPIKE_RATIO = 50.0
VANISHING_RATIO = 1e-3
PLATEAU_DROP = 0.01
OVERFIT_RISE = 0.05


@dataclass(frozen=True)
class Diagnostic:
    """One flag: a stable code, what was observed, what to do, and where the guide says so."""

    code: str
    message: str
    advice: str
    source: str


def _seeds(count: int, total: int, unit: str = "seed") -> str:
    return f"{count} of {total} {unit}{'s' if total != 1 else ''}"


# Each flag: its code, the per-member test, what was seen ("... in 2 of 3 seeds"), the advice, the source.
_FLAGS = (
    ("GRADIENT_SPIKES", lambda t: _spiky(t),
     f"a gradient norm above {GRAD_SPIKE_RATIO:g}× its typical value in",
     "clip gradients by norm (a threshold near the typical norm) or lower the learning rate", "guide 6.3.7"),
    ("VANISHING_GRADIENTS", lambda t: _vanishing(t),
     f"gradient norm fell below {VANISHING_RATIO:g}× its first-epoch value in",
     "the loss saturates: check its scale and parameters, or raise the learning rate", "guide 6.3.1"),
    ("PLATEAU", lambda t: _plateau(t),
     f"training loss fell less than {PLATEAU_DROP:.0%} from the first epoch in",
     "the model is not learning under this loss: try another learning rate, more capacity, or revert to the "
     "baseline loss to see whether the loss is the cause", "guide 6.3.1"),
    ("OVERFITTING", lambda t: _overfitting(t),
     f"validation loss rose more than {OVERFIT_RISE:.0%} above its minimum while training loss fell, in",
     "early stopping kept the best epoch; add regularization (weight decay, dropout) or use fewer epochs",
     "guide 6.3.4"),
)


def diagnose(traces: Sequence[MemberTrace], unit: str = "seed") -> list[Diagnostic]:
    """Flags for one candidate from its members' traces (one per seed; cross-fitted: one per ``unit`` "seed × fold")."""
    total = len(traces)
    found: list[Diagnostic] = []
    diverged = [t for t in traces if t.diverged_epoch is not None]
    if diverged:
        first = min(t.diverged_epoch for t in diverged) + 1
        found.append(Diagnostic(
            "DIVERGED",
            f"loss turned NaN/inf in {_seeds(len(diverged), total, unit)} (first in epoch {first})",
            "lower the learning rate, clip the gradient norm, and check the loss for log(0) or exp overflow",
            "guide 6.3.7",
        ))
    for code, flagged, seen, advice, source in _FLAGS:
        count = sum(1 for t in traces if flagged(t))
        if count:
            found.append(Diagnostic(code, f"{seen} {_seeds(count, total, unit)}", advice, source))
    return found


def _finite(values: list[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    return arr[np.isfinite(arr)]


def _spiky(trace: MemberTrace) -> bool:
    typical, peak = _finite(trace.grad_norm_mean), _finite(trace.grad_norm_max)
    return typical.size > 0 and peak.size > 0 and float(np.median(typical)) > 0 and (
        float(peak.max()) > GRAD_SPIKE_RATIO * float(np.median(typical))
    )


def _vanishing(trace: MemberTrace) -> bool:
    norms = _finite(trace.grad_norm_mean)
    return norms.size >= 2 and norms[0] > 0 and norms[-1] < VANISHING_RATIO * norms[0]


def _plateau(trace: MemberTrace) -> bool:
    losses = _finite(trace.train_loss)
    if losses.size < 3 or losses[0] == 0:
        return False
    return (losses[0] - losses.min()) / abs(losses[0]) < PLATEAU_DROP


def _overfitting(trace: MemberTrace) -> bool:
    val, train = _finite(trace.val_loss), _finite(trace.train_loss)
    if val.size < 3 or train.size < 3:
        return False
    lowest = float(val.min())
    rise = (float(val[-1]) - lowest) / max(abs(lowest), 1e-12)
    return int(np.argmin(val)) < val.size - 1 and rise > OVERFIT_RISE and train[-1] < train[int(np.argmin(val))]


def grad_norm_summary(traces: Sequence[MemberTrace]) -> dict[str, float]:
    """Mean and maximum per-step gradient norm over the candidate's members."""
    means = np.concatenate([_finite(t.grad_norm_mean) for t in traces]) if traces else np.array([])
    maxes = np.concatenate([_finite(t.grad_norm_max) for t in traces]) if traces else np.array([])
    return {
        "mean": float(means.mean()) if means.size else math.nan,
        "max": float(maxes.max()) if maxes.size else math.nan,
    }
