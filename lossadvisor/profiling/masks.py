"""Segmentation masks: class pixel fractions, foreground per image, empty masks, object sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lossadvisor.errors import LoadError
from lossadvisor.profiling.value_sections import MaskStats

IGNORE_VALUE = 255  # the usual "void" label in PNG masks (PASCAL VOC); not counted as a class


def read_mask(path: Path) -> np.ndarray:
    """An integer mask from a PNG (single channel) or a .npy file."""
    try:
        if path.suffix.lower() == ".npy":
            array = np.load(path, allow_pickle=False)
        else:
            from PIL import Image

            with Image.open(path) as image:
                array = np.asarray(image)
    except Exception as exc:  # numpy and Pillow raise many kinds (EOFError, SyntaxError, ...) on a broken file
        lines = str(exc).strip().splitlines()
        raise LoadError(f"cannot read mask {path.name}: {lines[0] if lines else type(exc).__name__}") from None
    if array.ndim == 3 and array.shape[-1] in (3, 4):
        array = array[..., 0]  # a grey mask saved as RGB(A): channels are equal
    problem = mask_problem(array)
    if problem:
        raise LoadError(f"mask {path.name} is not an integer label image: {problem} "
                        f"(shape {array.shape}, dtype {array.dtype})")
    return array.astype(np.int64)


def mask_problem(array: np.ndarray) -> str:
    """Why an array cannot be a label mask ('' when it can): labels are whole, finite numbers in 2-D or more."""
    if array.ndim < 2:
        return "a mask needs two dimensions or more"
    if array.dtype.kind in "biu":
        return ""
    if array.dtype.kind != "f":  # structured, string, complex, object: no label values to read
        return "its values are not numbers"
    if not np.isfinite(array).all():
        return "it holds NaN or infinite values"
    if not np.all(array == np.round(array)):
        return "it holds values that are not whole numbers"
    if np.abs(array.astype(np.float64)).max(initial=0) > 2**31:  # in float64: 2**31 overflows float16
        return "its values are too large to be class labels"
    return ""


def mask_stats(files: tuple[Path, ...]) -> MaskStats:
    """Statistics over every mask; label 0 is background, 255 is ignored."""
    from scipy import ndimage

    pixel_counts: dict[int, int] = {}
    fractions, sizes, shapes = [], [], set()
    for path in files:
        mask = read_mask(path)
        shapes.add(mask.shape)
        valid = mask != IGNORE_VALUE
        labels, counts = np.unique(mask[valid], return_counts=True)
        for label, count in zip(labels.tolist(), counts.tolist()):
            pixel_counts[label] = pixel_counts.get(label, 0) + count
        foreground = valid & (mask != 0)
        fractions.append(float(foreground.sum() / max(valid.sum(), 1)))
        components, n = ndimage.label(foreground)
        if n:
            sizes.extend(np.bincount(components.ravel())[1:].tolist())
    total = sum(pixel_counts.values())
    shares, sizes = np.asarray(fractions), np.asarray(sizes)
    return MaskStats(
        n_masks=len(files),
        shape=next(iter(shapes)) if len(shapes) == 1 else None,
        foreground_fraction=float(np.mean(shares)),
        foreground_fraction_quantiles={name: float(np.quantile(shares, q)) for name, q in
                                       (("min", 0), ("p10", 0.1), ("median", 0.5), ("p90", 0.9), ("max", 1))},
        empty_fraction=float(np.mean(shares == 0)),
        class_pixel_fraction={str(k): v / total for k, v in sorted(pixel_counts.items())},
        object_sizes={"count": int(sizes.size), "min": int(sizes.min()) if sizes.size else None,
                      "median": float(np.median(sizes)) if sizes.size else None,
                      "max": int(sizes.max()) if sizes.size else None},
    )
