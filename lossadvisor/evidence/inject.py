"""Injected conditions: label flips and gross target errors on a copy of a set's target.

The observed target (what the model trains on, what ``profile`` sees) is corrupted; the clean one is kept,
and every test row is scored against it (cross-fitting: each row is a test row once per seed, so the
flips reach exactly the training and validation rows of every fold, never the labels a score is read on).

- ``flip-sym-P``: exactly round(P% · n) rows, drawn without replacement, each take one of the other
  classes uniformly (symmetric noise; Natarajan et al. 2013, "Learning with noisy labels").
- ``flip-pair-P``: the same number of rows, class c → class (c + 1) mod C in the sorted class order
  (pair flipping; Han et al. 2018, "Co-teaching", section 4.1).
- ``gross-P``: round(P% · n) rows get y + s · (5 + 5u) · σ̂, s = ±1 and u ~ U(0, 1) drawn per row, σ̂ the
  MAD scale 1.4826 · MAD (the standard deviation when MAD is 0): gross errors in the sense of Hampel et al.
  1986 (robust statistics), far enough out that a mean estimator is pulled by them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from lossadvisor.errors import LossAdvisorError

CONDITION = re.compile(r"^(clean|flip-sym-(\d+)|flip-pair-(\d+)|gross-(\d+))$")


@dataclass(frozen=True)
class Condition:
    """A parsed condition name: its kind (clean, flip-sym, flip-pair, gross) and rate (0–1)."""

    name: str
    kind: str
    rate: float


def parse_condition(name: str) -> Condition:
    match = CONDITION.match(name)
    if match is None:
        raise LossAdvisorError(f"unknown condition '{name}' (expected clean, flip-sym-P, flip-pair-P or gross-P)")
    if name == "clean":
        return Condition(name, "clean", 0.0)
    kind, _, percent = name.rpartition("-")
    rate = int(percent) / 100.0
    if not 0 < rate < 1:
        raise LossAdvisorError(f"condition '{name}': the percentage must be between 1 and 99")
    return Condition(name, kind, rate)


def chosen_rows(n: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Exactly round(rate · n) distinct row positions, sorted."""
    return np.sort(rng.choice(n, size=int(round(rate * n)), replace=False))


def flip_labels(codes: np.ndarray, n_classes: int, rate: float, kind: str, seed: int) -> np.ndarray:
    """A copy of the class codes with round(rate · n) of them flipped (``flip-sym`` or ``flip-pair``)."""
    if n_classes < 2:
        raise LossAdvisorError("label flips need at least 2 classes")
    rng = np.random.default_rng(seed)
    rows = chosen_rows(len(codes), rate, rng)
    out = codes.copy()
    if kind == "flip-pair":
        out[rows] = (codes[rows] + 1) % n_classes
    elif kind == "flip-sym":
        shift = rng.integers(1, n_classes, size=len(rows))  # 1..C-1: never the same class
        out[rows] = (codes[rows] + shift) % n_classes
    else:
        raise LossAdvisorError(f"'{kind}' is not a label flip")
    return out


def gross_errors(y: np.ndarray, rate: float, seed: int) -> np.ndarray:
    """A copy of the target with round(rate · n) rows moved 5–10 robust standard deviations away."""
    rng = np.random.default_rng(seed)
    rows = chosen_rows(len(y), rate, rng)
    mad = float(np.median(np.abs(y - np.median(y))))
    scale = 1.4826 * mad if mad > 0 else float(np.std(y)) or 1.0
    signs = rng.choice([-1.0, 1.0], size=len(rows))
    out = y.astype(np.float64).copy()
    out[rows] = y[rows] + signs * (5.0 + 5.0 * rng.random(len(rows))) * scale
    return out


def conditions_for(stratum: str) -> tuple[str, ...]:
    """The conditions each set of a stratum is run under (the stated rule of docs/evidence.md)."""
    extra = {
        "binary-balanced": ("flip-sym-10", "flip-sym-30"),
        "multiclass-balanced": ("flip-sym-20", "flip-pair-30"),
        "regression-clean": ("gross-5",),
        "heavy-tailed-regression": ("gross-5",),
    }
    return ("clean",) + extra.get(stratum, ())
