"""Images and masks for a segmentation trial: pairing, reading, class codes and the split by image.

    data = load_segmentation(Path("sample_data/images"), Path("sample_data/masks"))
    split = split_images(data, seed=0)

Images and masks are paired by file stem (``case_001.png`` with ``case_001.npy``), or listed in a
manifest CSV with columns ``image,mask[,group]`` (paths relative to the manifest's folder). The
split is by image, or by group when the manifest names one, never by pixel: neighbouring pixels
of one image are nearly copies of each other, so a pixel split would score memory, not skill
(guide 6.1.10: an honest comparison needs an honest hold-out).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lossadvisor.errors import LoadError, LossAdvisorError
from lossadvisor.profiling.masks import IGNORE_VALUE, read_mask
from lossadvisor.trials.split import Split, split_grouped, split_stratified

SUFFIXES = (".png", ".npy")
MIN_IMAGES = 10
IGNORE_CODE = 255  # ignored pixels keep this code in the encoded masks and in the losses' ignore_index


@dataclass(frozen=True)
class SegmentationData:
    """Every image (float32, (N, channels, H, W)), its mask as class codes (int64, (N, H, W)) and names."""

    images: np.ndarray
    masks: np.ndarray
    names: tuple[str, ...]
    classes: tuple[int, ...]  # the mask value of each class code; code 0 is the background (value 0)
    groups: tuple[str, ...] | None
    mask_files: tuple[Path, ...]
    unpaired: tuple[str, ...] = ()

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def has_ignored(self) -> bool:
        return bool(np.any(self.masks == IGNORE_CODE))

    def empty(self) -> np.ndarray:
        """True for images whose mask has no foreground pixel."""
        fg = (self.masks != 0) & (self.masks != IGNORE_CODE)
        return ~fg.reshape(len(fg), -1).any(axis=1)


def _files(folder: Path, what: str) -> dict[str, Path]:
    if not folder.exists():
        raise LoadError(f"{what} folder not found: {folder}")
    if not folder.is_dir():
        raise LoadError(f"--{what} expects a folder, got a file: {folder}")
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in SUFFIXES:
            if path.stem in found:
                raise LoadError(f"two {what} files share the stem '{path.stem}' in {folder}: "
                                f"{found[path.stem].name} and {path.name}")
            found[path.stem] = path
    if not found:
        raise LoadError(f"no {what} (.png or .npy files) in {folder}")
    return found


def read_image(path: Path) -> np.ndarray:
    """An image as float32 (channels, H, W): grayscale → 1 channel, RGB(A) → 3 (alpha dropped)."""
    try:
        if path.suffix.lower() == ".npy":
            array = np.load(path, allow_pickle=False)
        else:
            from PIL import Image

            with Image.open(path) as image:
                array = np.asarray(image.convert("RGB") if image.mode in ("P", "CMYK", "YCbCr") else image)
    except (OSError, ValueError) as exc:
        raise LoadError(f"cannot read image {path.name}: {exc}") from None
    if array.ndim == 3 and array.shape[-1] in (1, 3, 4):
        array = array[..., :3] if array.shape[-1] != 1 else array[..., 0]
    if array.ndim not in (2, 3) or not np.issubdtype(array.dtype, np.number):
        raise LoadError(f"image {path.name} is not a 2-D grayscale or RGB image (shape {array.shape}, dtype {array.dtype})")
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        raise LoadError(f"image {path.name} has NaN or infinite values")
    return array[None] if array.ndim == 2 else np.moveaxis(array, -1, 0)


def _pairs_from_folders(images: Path, masks: Path) -> tuple[list[tuple[str, Path, Path]], tuple[str, ...]]:
    image_files, mask_files = _files(images, "images"), _files(masks, "masks")
    stems = sorted(set(image_files) & set(mask_files))
    if not stems:
        raise LoadError(f"no image in {images} has a mask of the same file stem in {masks}")
    unpaired = tuple(sorted(set(image_files) ^ set(mask_files)))
    return [(s, image_files[s], mask_files[s]) for s in stems], unpaired


def _pairs_from_manifest(manifest: Path) -> tuple[list[tuple[str, Path, Path]], tuple[str, ...] | None]:
    if not manifest.is_file():
        raise LoadError(f"manifest not found: {manifest}")
    try:
        with manifest.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LoadError(f"cannot read manifest {manifest}: {exc}") from None
    columns = set(rows[0]) if rows else set()
    if not {"image", "mask"} <= columns:
        raise LoadError(f"manifest {manifest} needs the columns image,mask (and optionally group); "
                        f"it has: {', '.join(sorted(c for c in columns if c)) or 'no rows'}")
    base, pairs, groups = manifest.parent, [], []
    for line, row in enumerate(rows, start=2):
        image, mask = (base / (row.get(k) or "").strip() for k in ("image", "mask"))
        for path in (image, mask):
            if not path.is_file():
                raise LoadError(f"manifest {manifest.name} line {line}: file not found: {path}")
        pairs.append((image.stem, image, mask))
        groups.append((row.get("group") or "").strip())
    has_groups = "group" in columns
    if has_groups and not all(groups):
        raise LoadError(f"manifest {manifest.name}: every row needs a group when the group column is present")
    return pairs, tuple(groups) if has_groups else None


def load_segmentation(images: Path | None, masks: Path | None, manifest: Path | None = None) -> SegmentationData:
    """Read every image–mask pair; masks become class codes (sorted mask values, 0 first)."""
    unpaired: tuple[str, ...] = ()
    groups = None
    if manifest is not None:
        pairs, groups = _pairs_from_manifest(manifest)
    elif images is None or masks is None:
        raise LoadError("a segmentation trial needs --images DIR and --masks DIR (or --manifest FILE)")
    else:
        pairs, unpaired = _pairs_from_folders(images, masks)
    if len(pairs) < MIN_IMAGES:
        raise LossAdvisorError(f"a segmentation trial needs at least {MIN_IMAGES} image–mask pairs to hold some "
                               f"out; found {len(pairs)}")
    pictures, labels = [], []
    for _, image_path, mask_path in pairs:
        picture, mask = read_image(image_path), read_mask(mask_path)
        if mask.ndim != 2:
            raise LoadError(f"mask {mask_path.name} is not 2-D (shape {mask.shape})")
        if picture.shape[1:] != mask.shape:
            raise LoadError(f"image {image_path.name} is {picture.shape[1]}×{picture.shape[2]} but its mask is "
                            f"{mask.shape[0]}×{mask.shape[1]}")
        if pictures and picture.shape[1:] != pictures[0].shape[1:]:
            raise LoadError(f"images differ in size ({image_path.name} is {picture.shape[1]}×{picture.shape[2]}, "
                            f"{pairs[0][1].name} is {pictures[0].shape[1]}×{pictures[0].shape[2]}); "
                            "a trial needs one size: resize or crop them first")
        pictures.append(picture)
        labels.append(mask)
    channels = max(p.shape[0] for p in pictures)
    stacked = np.stack([np.repeat(p, channels, axis=0) if p.shape[0] != channels else p for p in pictures])
    codes, classes = _encode(np.stack(labels))
    return SegmentationData(stacked, codes, tuple(p[0] for p in pairs), classes, groups,
                            tuple(p[2] for p in pairs), unpaired)


def _encode(masks: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """Mask values → codes 0..C-1 (background 0 is code 0); the ignore value 255 stays 255."""
    if np.any(masks < 0):
        raise LoadError(f"masks have negative values (down to {masks.min()}); expected class indices 0, 1, 2, ...")
    values = sorted(set(np.unique(masks).tolist()) - {IGNORE_VALUE} | {0})
    if len(values) < 2:
        raise LossAdvisorError("the masks have no foreground class (every pixel is 0 or 255): nothing to segment")
    lookup = np.full(max(max(values), IGNORE_VALUE) + 1, IGNORE_CODE, dtype=np.int64)
    lookup[values] = np.arange(len(values))
    return lookup[masks], tuple(int(v) for v in values)


def split_images(data: SegmentationData, seed: int) -> Split:
    """60/20/20 by image, stratified on which classes an image contains (so empty images land in
    every part when there are 3 or more); by group when the manifest gives groups."""
    if data.groups is not None:
        return split_grouped(np.asarray(data.groups), seed)
    present = np.stack([(data.masks == c).reshape(len(data.masks), -1).any(axis=1) for c in range(1, data.n_classes)], 1)
    keys = np.array(["".join("1" if v else "0" for v in row) for row in present])
    # A combination seen fewer than 3 times cannot reach every part: fold it into "has foreground".
    values, counts = np.unique(keys, return_counts=True)
    rare = set(values[counts < 3].tolist())
    strata = np.array([k if k not in rare else ("fg" if "1" in k else k) for k in keys])
    split = split_stratified(strata, seed)
    if min(len(split.train), len(split.val), len(split.test)) == 0:
        raise LossAdvisorError("the image split left a part empty; more images are needed")
    return Split(split.train, split.val, split.test, "by image, stratified on the classes present")
