"""Tiny generated image–mask folders for the segmentation trial tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def write_pairs(folder: Path, n: int = 12, size: int = 16, rgb: bool = False, npy_masks: bool = False,
                empty_every: int = 4, seed: int = 0, classes: tuple[int, ...] = (1,)) -> tuple[Path, Path]:
    """``n`` images with one bright square (label cycling through ``classes``), every ``empty_every``-th empty."""
    rng = np.random.default_rng(seed)
    images, masks = folder / "images", folder / "masks"
    images.mkdir(parents=True, exist_ok=True)
    masks.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        mask = np.zeros((size, size), dtype=np.uint8)
        if i % empty_every:
            y, x = rng.integers(0, size - 5, size=2)
            mask[y : y + 4, x : x + 4] = classes[i % len(classes)]
        image = 80 + 100 * (mask > 0) + rng.normal(scale=10, size=(size, size))
        pixels = np.clip(image, 0, 255).astype(np.uint8)
        if rgb:
            pixels = np.stack([pixels] * 3, axis=-1)
        Image.fromarray(pixels).save(images / f"im_{i:02d}.png")
        if npy_masks:
            np.save(masks / f"im_{i:02d}.npy", mask.astype(np.int64))
        else:
            Image.fromarray(mask).save(masks / f"im_{i:02d}.png")
    return images, masks
