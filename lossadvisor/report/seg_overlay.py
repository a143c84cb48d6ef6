"""Segmentation example overlays for the report: the trial JSON's run-length masks → inline PNG data URIs.

A segmentation trial's JSON carries a few held-out examples (:mod:`lossadvisor.trials.seg_examples`:
a grayscale image, the truth and two candidates' predictions, run-length encoded). Each becomes one
panel for the truth (foreground tinted green) and one per prediction, coloured by agreement with the
truth: green where the foreground is right, red where the prediction is wrong (a false positive, or
the wrong class), blue where it misses truth foreground. The PNGs are written with ``zlib`` alone
(the format is a few chunks around deflated rows; ISO/IEC 15948), so the report needs no imaging
library. Examples already given as data URIs pass through unchanged.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any, Iterable

import numpy as np

from lossadvisor.trials.seg_examples import decode_runs
from lossadvisor.trials.seg_metrics import IGNORE_CODE

GREEN, RED, BLUE = (0, 200, 0), (230, 0, 0), (40, 90, 255)
TINT = 0.55  # share of the colour in a tinted pixel; the image shows through the rest
LEGEND = "green: correct foreground, red: false positive or wrong class, blue: missed"


def encode_png(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of ``rgb`` (H, W, 3) uint8: signature, IHDR, one IDAT of filter-0 rows, IEND."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8 bits, colour type 2 (RGB), no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def data_uri(rgb: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(encode_png(rgb)).decode("ascii")


def _tint(gray: np.ndarray, where: np.ndarray, colour: tuple[int, int, int], rgb: np.ndarray) -> None:
    rgb[where] = np.round((1 - TINT) * gray[where, None] + TINT * np.asarray(colour, float)).astype(np.uint8)


def overlay(gray: np.ndarray, truth: np.ndarray, pred: np.ndarray | None) -> np.ndarray:
    """RGB panel: the truth alone (``pred`` None) or a prediction coloured by its agreement with the truth."""
    rgb = np.repeat(gray[..., None], 3, axis=2).astype(np.uint8)
    valid = truth != IGNORE_CODE
    truth_fg = (truth != 0) & valid
    if pred is None:
        _tint(gray, truth_fg, GREEN, rgb)
        return rgb
    pred_fg = (pred != 0) & valid
    _tint(gray, truth_fg & (pred == truth), GREEN, rgb)
    _tint(gray, pred_fg & (pred != truth), RED, rgb)
    _tint(gray, truth_fg & ~pred_fg, BLUE, rgb)
    return rgb


def example_view(example: dict[str, Any]) -> dict[str, Any]:
    """One trial example → ``{"caption", "image", "overlays": {name: data URI}}`` as the templates show it."""
    shape = tuple(int(v) for v in example["shape"])
    gray = np.frombuffer(base64.b64decode(example["image"]), dtype=np.uint8)
    if gray.size != shape[0] * shape[1]:
        raise ValueError("the image does not have the example's shape")
    gray = gray.reshape(shape)
    truth = decode_runs(example["truth"], shape)
    dice = example.get("dice") or {}
    overlays = {"ground truth": data_uri(overlay(gray, truth, None))}
    for label, runs in (example.get("predictions") or {}).items():
        name = f"{label} (Dice {dice[label]:.3f})" if isinstance(dice.get(label), (int, float)) else label
        overlays[name] = data_uri(overlay(gray, truth, decode_runs(runs, shape)))
    stride = int(example.get("stride") or 1)
    scale = f", every {stride}th pixel" if stride > 1 else ""
    return {"caption": f"{example.get('name', 'test image')} (held-out{scale}; {LEGEND})",
            "image": data_uri(np.repeat(gray[..., None], 3, axis=2)), "overlays": overlays}


def example_views(examples: Iterable[Any]) -> tuple[dict[str, Any], ...]:
    """Every example the templates can show: trial examples are drawn, views given as data URIs pass through,
    and an entry that is neither (a hand-edited or truncated file) is left out rather than failing the page."""
    views = []
    for example in examples:
        if not isinstance(example, dict):
            continue
        if "overlays" in example and "image" in example:
            views.append(example)
            continue
        try:
            views.append(example_view(example))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, zlib.error):
            continue
    return tuple(views)
