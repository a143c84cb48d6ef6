"""Generated image–mask sets for the segmentation benchmarks (seeded; nothing downloaded).

Each image is a smooth textured background with disc-shaped objects a little brighter than it and
pixel noise on top; the object size is set so that the mean foreground fraction over the
non-empty images is ``foreground``, and a share ``empty`` of the images has no object at all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_set(folder: Path, n: int = 40, size: int = 64, foreground: float = 0.01, empty: float = 0.2,
              contrast: float = 30.0, seed: int = 0) -> tuple[Path, Path]:
    """Write ``folder/images`` and ``folder/masks`` (PNG) and return both folders."""
    from PIL import Image
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    images, masks = folder / "images", folder / "masks"
    images.mkdir(parents=True, exist_ok=True)
    masks.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[:size, :size]
    n_empty = int(round(empty * n))
    for i in range(n):
        mask = np.zeros((size, size), dtype=np.uint8)
        if i >= n_empty:
            objects = int(rng.integers(1, 3))
            radius = max(1.0, np.sqrt(foreground * size * size / (np.pi * objects)))
            for _ in range(objects):
                r = radius * rng.uniform(0.8, 1.2)
                cy, cx = rng.uniform(r, size - r, size=2)
                mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = 1
        texture = ndimage.gaussian_filter(rng.normal(size=(size, size)), 3) * 60
        image = 110 + texture + contrast * mask + rng.normal(scale=12, size=(size, size))
        Image.fromarray(np.clip(image, 0, 255).round().astype(np.uint8)).save(images / f"img_{i:03d}.png")
        Image.fromarray(mask).save(masks / f"img_{i:03d}.png")
    return images, masks
