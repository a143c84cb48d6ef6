"""From the readings to what is reported: the estimate, an interval that widens with model weakness, a grade.

Two estimates are on the table. Confident learning's count (``counted``: the mean of its off-diagonal
count and calibrated joint, averaged with the typical disagreement, see
:func:`lossadvisor.profiling.noise.count_label_noise`) is accurate when the out-of-fold model is
strong, but reads the model's own mistakes and the classes' natural overlap as noise. The noise floor
at the anchor rows (:mod:`lossadvisor.profiling.noise_overlap`) does not depend on the model being
right where it is unsure, so it survives a weak model and overlapping classes; it is noisier (it reads
a fifth of the rows) and reads high when even the anchors are impure.

- **overlap**: the count exceeds the floor by more than sampling allows (``OVERLAP_MARGIN`` past two
  standard errors). The disagreement the count reads as noise sits where the model is unsure, not
  at the rows it is sure of: class overlap or model error, not wrong labels. The floor is reported.
- **high**: the model's error share is small (``RELIABLE_MODEL_ERROR``) and the floor agrees with the
  count: the count is reported, with the spread of confident learning's readings as its interval.
- **moderate / low**: otherwise the floor is reported. The interval is the floor's sampling interval
  widened downward by the disagreement the floor does not explain (the anchors of a weak model hold
  some of its mistakes, so the floor reads high by up to that much: a 56%-accurate model on ten clean
  classes read 24% at its anchors) and upward by a quarter of it.
  Moderate where that unexplained share is at most ``MODERATE_UNEXPLAINED`` and the floor is precise.
- **none**: the features carry no signal about the labels; nothing is estimated, only an upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from lossadvisor.profiling.noise_overlap import NoiseFloor

# Model-error share (disagreement that does not look like label noise, see typical_disagreement)
# below which the count is trusted: models >= 90% accurate on the true labels left at most 0.08 in
# synthetic runs; weak models on clean data (49-89% accurate) left 0.10-0.31.
RELIABLE_MODEL_ERROR = 0.08
OVERLAP_MARGIN = 0.03
FLOOR_AGREEMENT = 0.05          # |count - floor| beyond two standard errors that still counts as agreeing
MODERATE_UNEXPLAINED = 0.15
MODERATE_FLOOR_ERROR = 0.03
Z95 = 1.96


@dataclass(frozen=True)
class Readings:
    """What the out-of-fold probabilities say (all shares of the rows used)."""

    counted: float          # confident learning's combined estimate
    lowest: float           # the lowest and highest of its three readings
    highest: float
    disagreement: float     # 1 - out-of-fold accuracy on the given labels
    model_error: float      # disagreement that does not look like noise
    sampling: float         # binomial half-width at the estimate
    has_signal: bool


@dataclass(frozen=True)
class Grade:
    estimate: float | None
    interval: tuple[float, float]
    reliability: str        # high, moderate, low, none
    reason: str
    overlap: bool


def grade_estimate(readings: Readings, floor: NoiseFloor) -> Grade:
    """The reported estimate, interval, reliability grade and its reason."""
    r = readings
    spread = Z95 * floor.standard_error
    if not r.has_signal:
        return Grade(None, (0.0, min(1.0, r.highest + r.sampling)), "none",
                     "the features carry no signal about the labels", False)
    overlap = bool(r.counted - (floor.rate + spread) > OVERLAP_MARGIN)   # a plain bool: it goes to JSON
    agrees = abs(r.counted - floor.rate) <= spread + FLOOR_AGREEMENT
    if r.model_error <= RELIABLE_MODEL_ERROR and agrees and not overlap:
        low, high = max(0.0, r.lowest - r.sampling), min(1.0, r.highest + r.sampling)
        return Grade(r.counted, (low, high), "high",
                     "the model is strong and the rows it is surest of carry the same share of wrong labels", False)
    unexplained = max(0.0, r.disagreement - floor.rate)
    low = max(0.0, floor.rate - spread - unexplained)
    high = min(1.0, floor.rate + spread + unexplained / 4)
    moderate = unexplained <= MODERATE_UNEXPLAINED and floor.standard_error <= MODERATE_FLOOR_ERROR
    if overlap:
        reason = (f"confident learning counts {r.counted:.0%}, but the rows the model is surest of carry only "
                  f"{floor.rate:.0%} wrong labels: the rest is class overlap or model error, not label noise")
    elif floor.standard_error > MODERATE_FLOOR_ERROR:
        reason = "few rows: the share of wrong labels among the rows the model is surest of is imprecise"
    else:
        reason = (f"the model is weak on this data: {unexplained:.0%} of rows disagree with their labels "
                  "in ways label noise does not explain")
    return Grade(floor.rate, (low, high), "moderate" if moderate else "low", reason, overlap)
