"""A few held-out example predictions of a segmentation trial, small enough for its JSON.

The report draws them as overlays (:mod:`lossadvisor.report.seg_overlay`); the trial only chooses
and encodes them. Choice, deterministic: among the test images, the two where the shown candidate
and the baseline differ most in per-image Dice (ties: the earlier image), then the first test
image with an empty mask (how each handles "nothing to find"), three at most. The shown candidate
is the best one, or, when the baseline is best, the best of the others; each prediction is the
first seed's, at its best validation epoch.

Encoding: masks larger than ``MAX_SIDE`` pixels are subsampled by a whole stride (nearest
pixel), then run-length encoded row-major as ``[value, run, value, run, ...]`` with the class
codes of the trial (0 background, 255 ignored). The image is grayscale (channel mean), scaled to
0–255 per image, subsampled the same way, as base64 of its bytes: a 64×64 example costs about 6 kB.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from lossadvisor.trials import seg_metrics as S

MAX_SIDE = 64
MAX_EXAMPLES = 3


@dataclass(frozen=True)
class SegExample:
    """One test image with its truth and two candidates' predictions, subsampled by ``stride``."""

    name: str
    shape: tuple[int, int]
    stride: int
    image: str                             # base64 of uint8 grayscale, row-major, ``shape``
    truth: tuple[int, ...]                 # run-length encoded class codes
    predictions: Mapping[str, tuple[int, ...]]  # candidate label → run-length encoded class codes
    dice: Mapping[str, float]              # candidate label → this image's Dice (full resolution)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "shape": list(self.shape), "stride": self.stride, "image": self.image,
                "truth": list(self.truth), "predictions": {k: list(v) for k, v in self.predictions.items()},
                "dice": {k: round(float(v), 4) for k, v in self.dice.items()}}


def encode_runs(mask: np.ndarray) -> tuple[int, ...]:
    """Row-major run-length encoding ``[value, run, value, run, ...]`` of an integer mask."""
    flat = np.asarray(mask).ravel()
    if flat.size == 0:
        return ()
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    runs = np.diff(np.r_[starts, flat.size])
    return tuple(int(v) for pair in zip(flat[starts], runs) for v in pair)


def decode_runs(runs: Sequence[int], shape: Sequence[int]) -> np.ndarray:
    """The inverse of :func:`encode_runs`; raises ValueError when the runs do not fill ``shape``."""
    values, lengths = np.asarray(runs[0::2], dtype=np.int64), np.asarray(runs[1::2], dtype=np.int64)
    if len(values) != len(lengths) or (lengths < 0).any() or int(lengths.sum()) != math.prod(shape):
        raise ValueError(f"the runs do not fill a {tuple(shape)} mask")
    return np.repeat(values, lengths).reshape(tuple(shape))


def stride_for(shape: Sequence[int]) -> int:
    """The whole subsampling stride that brings the longer side to at most ``MAX_SIDE``."""
    return max(1, math.ceil(max(shape) / MAX_SIDE))


def _gray(image: np.ndarray, stride: int) -> str:
    """(channels, H, W) float → base64 of the subsampled uint8 grayscale, scaled to 0–255."""
    gray = image.mean(axis=0)[::stride, ::stride]
    low, high = float(gray.min()), float(gray.max())
    scaled = (gray - low) / (high - low) * 255 if high > low else np.zeros_like(gray)
    return base64.b64encode(np.round(scaled).astype(np.uint8).tobytes()).decode("ascii")


def _image_dice(truth: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    tp, fp, fn = S.overlap_counts(truth, pred, n_classes)
    return S.per_image(S.dice_scores(tp, fp, fn), tp, fp, fn)


def choose_examples(truth: np.ndarray, dice_a: np.ndarray, dice_b: np.ndarray) -> list[int]:
    """Positions (into the test images) to show: largest |Dice difference| first, then the first empty mask."""
    order = sorted(range(len(truth)), key=lambda i: (-abs(float(dice_a[i] - dice_b[i])), i))
    chosen = order[: MAX_EXAMPLES - 1]
    fg = ((truth != 0) & (truth != S.IGNORE_CODE)).reshape(len(truth), -1).any(axis=1)
    empty = next((i for i in range(len(truth)) if not fg[i] and i not in chosen), None)
    extra = empty if empty is not None else next((i for i in order if i not in chosen), None)
    return chosen + ([extra] if extra is not None else [])


def segmentation_examples(images: np.ndarray, truth: np.ndarray, names: Sequence[str], n_classes: int,
                          outputs: Mapping[str, np.ndarray]) -> tuple[SegExample, ...]:
    """Examples from the test ``images`` (n, c, H, W), their ``truth`` (n, H, W) and, per candidate label,
    its test logits (n, C, H, W); ``outputs`` holds the baseline first and the shown candidate second."""
    if len(truth) == 0 or not outputs:
        return ()
    preds = {label: out.argmax(axis=1) for label, out in outputs.items()}
    dice = {label: _image_dice(truth, p, n_classes) for label, p in preds.items()}
    curves = list(dice.values())
    picked = choose_examples(truth, curves[0], curves[-1])
    stride = stride_for(truth.shape[-2:])
    examples = []
    for i in picked:
        small = truth[i][::stride, ::stride]
        examples.append(SegExample(
            name=names[i], shape=(int(small.shape[0]), int(small.shape[1])), stride=stride,
            image=_gray(images[i], stride), truth=encode_runs(small),
            predictions={label: encode_runs(p[i][::stride, ::stride]) for label, p in preds.items()},
            dice={label: float(d[i]) for label, d in dice.items()},
        ))
    return tuple(examples)
