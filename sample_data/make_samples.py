"""Regenerate the sample data: `python sample_data/make_samples.py` (fixed seed, same files every time).

Each file shows one condition a loss choice depends on; see the README for the command to try on each.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20261126


def _features(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    return rng.normal(size=(n, d))


def imbalanced_binary(rng: np.random.Generator) -> pd.DataFrame:
    """About 1:50 fraud-like binary labels from a linear-plus-interaction score."""
    n = 5000
    x = _features(rng, n, 8)
    score = 1.6 * x[:, 0] - 1.2 * x[:, 1] + 0.8 * x[:, 2] * x[:, 3]
    threshold = np.quantile(score, 1 - 1 / 51)
    label = np.where(score + rng.normal(scale=0.4, size=n) > threshold, "fraud", "ok")
    frame = pd.DataFrame(x.round(4), columns=[f"f{i}" for i in range(8)])
    frame.insert(0, "merchant", rng.choice(["grocery", "travel", "online", "fuel"], size=n))
    frame["label"] = label
    return frame


def noisy_multiclass(rng: np.random.Generator) -> pd.DataFrame:
    """Four well-separated classes with 20% of labels flipped uniformly to another class."""
    n, k = 4000, 4
    true = rng.integers(0, k, size=n)
    centres = rng.normal(scale=3.0, size=(k, 6))
    x = centres[true] + rng.normal(size=(n, 6))
    flip = rng.random(n) < 0.20
    noisy = np.where(flip, (true + rng.integers(1, k, size=n)) % k, true)
    names = np.array(["cat", "dog", "fox", "owl"])
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(6)])
    frame["label"] = names[noisy]
    return frame


def clean_balanced(rng: np.random.Generator) -> pd.DataFrame:
    """A clean, balanced three-class control: nothing should call for more than cross-entropy."""
    n, k = 3000, 3
    true = np.repeat(np.arange(k), n // k)
    rng.shuffle(true)
    centres = rng.normal(scale=2.5, size=(k, 5))
    x = centres[true] + rng.normal(size=(n, 5))
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(5)])
    frame["label"] = np.array(["setosa", "versicolor", "virginica"])[true]
    return frame


def heavy_tail_regression(rng: np.random.Generator) -> pd.DataFrame:
    """A linear target with Student-t (df = 2) noise and 3% gross errors."""
    n = 4000
    x = _features(rng, n, 6)
    y = 3 * x[:, 0] - 2 * x[:, 1] + x[:, 2] + 2.0 * rng.standard_t(2, size=n)
    gross = rng.random(n) < 0.03
    y[gross] += rng.choice([-1, 1], size=gross.sum()) * rng.uniform(30, 80, size=gross.sum())
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(6)])
    frame["target"] = y.round(4)
    return frame


def counts(rng: np.random.Generator) -> pd.DataFrame:
    """Over-dispersed, zero-heavy visit counts (negative binomial with a log-linear mean)."""
    n = 4000
    x = _features(rng, n, 5)
    mean = np.exp(0.3 + 0.8 * x[:, 0] - 0.5 * x[:, 1])
    shape = 1.5
    visits = rng.negative_binomial(shape, shape / (shape + mean))
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(5)])
    frame["visits"] = visits
    return frame


def timeseries(rng: np.random.Generator) -> pd.DataFrame:
    """Three years of daily demand: weekly season, trend and AR(1) noise."""
    n = 1095
    dates = pd.date_range("2023-01-01", periods=n, freq="D")
    noise = np.zeros(n)
    for t in range(1, n):
        noise[t] = 0.7 * noise[t - 1] + rng.normal(scale=3)
    weekly = 8 * np.sin(2 * np.pi * dates.day_of_week.to_numpy() / 7)
    demand = 100 + 0.02 * np.arange(n) + weekly + noise
    temperature = 15 + 10 * np.sin(2 * np.pi * np.arange(n) / 365) + rng.normal(scale=2, size=n)
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "temperature": temperature.round(2),
                         "promo": rng.integers(0, 2, size=n), "demand": demand.round(2)})


def multilabel(rng: np.random.Generator) -> pd.DataFrame:
    """Documents tagged with one or more of five topics, written as 'a|b'."""
    n = 3000
    topics = np.array(["sports", "politics", "tech", "health", "travel"])
    x = _features(rng, n, 6)
    logits = x[:, :5] * 2 + np.array([0.5, -0.5, 0.0, -1.5, -2.5])
    present = rng.random((n, 5)) < 1 / (1 + np.exp(-logits))
    present[~present.any(axis=1), 0] = True
    labels = ["|".join(topics[row]) for row in present]
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(6)])
    frame["labels"] = labels
    return frame


def masks(rng: np.random.Generator, folder: Path) -> None:
    """40 small 64×64 masks: one or two small lesions (class 1, sometimes class 2), a fifth of them empty."""
    from PIL import Image

    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    yy, xx = np.mgrid[:64, :64]
    for i in range(40):
        mask = np.zeros((64, 64), dtype=np.uint8)
        if i % 5 != 0:
            for label in (1, 2)[: 1 + (i % 3 == 0)]:
                cy, cx, r = rng.integers(8, 56), rng.integers(8, 56), rng.integers(2, 6)
                mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = label
        Image.fromarray(mask).save(folder / f"case_{i:03d}.png")


def groups_binary(rng: np.random.Generator) -> pd.DataFrame:
    """A sensitive column whose groups differ in size, base rate and label quality.

    region north (about 84%): base rate about 20%, 3% flipped labels; south (about 15%): base rate
    about 40%, its own interaction term and 15% flipped labels, so a model fitted with plain
    cross-entropy errs there about twice as often; island (20 rows): too few to measure.
    """
    n = 3000
    region = np.where(rng.random(n) < 0.85, "north", "south").astype(object)
    region[rng.choice(n, size=20, replace=False)] = "island"
    x = _features(rng, n, 6)
    south = region == "south"
    score = 1.8 * x[:, 0] - 1.2 * x[:, 1] - 1.6 + south * (1.4 + 1.5 * x[:, 2] * x[:, 3])
    label = (score + rng.logistic(scale=0.3, size=n) > 0).astype(int)
    flip = rng.random(n) < np.where(south, 0.15, 0.03)
    label = np.where(flip, 1 - label, label)
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(6)])
    frame.insert(0, "region", region)
    frame["label"] = label
    return frame
def images(rng: np.random.Generator, masks_folder: Path, folder: Path) -> None:
    """One 64×64 grayscale image per mask: a smooth textured background, lesions a little brighter
    (class 1) or darker with a bright rim (class 2), plus pixel noise, so that no threshold alone segments them."""
    from PIL import Image
    from scipy import ndimage

    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    yy, xx = np.mgrid[:64, :64]
    for path in sorted(masks_folder.glob("*.png")):
        mask = np.asarray(Image.open(path))
        texture = ndimage.gaussian_filter(rng.normal(size=(64, 64)), 3) * 60
        slope = rng.normal(size=2) * 0.4
        image = 110 + texture + slope[0] * (yy - 32) + slope[1] * (xx - 32)
        rim = mask.astype(bool) & ~ndimage.binary_erosion(mask.astype(bool))
        image = image + 30 * (mask == 1) - 25 * (mask == 2) + 20 * (rim & (mask == 2))
        image = image + rng.normal(scale=12, size=(64, 64))
        Image.fromarray(np.clip(image, 0, 255).round().astype(np.uint8)).save(folder / path.name)


def multitarget(rng: np.random.Generator) -> pd.DataFrame:
    """Three targets of one table: a Gaussian rating, a heavy-tailed price (Student-t, df = 1.5, in
    thousands) and a rare binary kind (about 6% "villa"), so each calls for a different loss."""
    n = 800
    x = _features(rng, n, 4)
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(4)])
    frame["rating"] = (3 + x[:, 0] + 0.3 * rng.normal(size=n)).round(3)
    frame["price"] = (250 + 40 * x[:, 1] + 30 * rng.standard_t(1.5, size=n)).round(1)
    score = x[:, 2] + 0.5 * x[:, 3] + 0.5 * rng.normal(size=n)
    frame["kind"] = np.where(score > np.quantile(score, 0.94), "villa", "flat")
    return frame


def patients(rng: np.random.Generator) -> pd.DataFrame:
    """60 patients with 4 to 12 visits each (about 480 rows), ``patient_id`` found as the group column:
    each patient has a random effect shared by all of their visits (their baseline risk), so visits of
    one patient are correlated and a trial splits and resamples whole patients."""
    n_patients = 60
    visits = rng.integers(4, 13, n_patients)
    patient = np.repeat(np.arange(n_patients), visits)
    risk = rng.normal(0, 1.2, n_patients)[patient]
    x = _features(rng, len(patient), 5)
    x[:, 0] += 0.8 * risk  # a visit's first measurement tracks the patient's risk
    score = risk + 0.9 * x[:, 1] - 0.6 * x[:, 2] - 1.0 + 0.5 * rng.normal(size=len(patient))
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(5)])
    frame.insert(0, "patient_id", [f"P{p:03d}" for p in patient])
    frame["readmitted"] = (score > 0).astype(int)
    return frame


def main() -> None:
    rng = np.random.default_rng(SEED)
    tables = {
        "imbalanced_binary.csv": imbalanced_binary,
        "noisy_multiclass.csv": noisy_multiclass,
        "clean_balanced.csv": clean_balanced,
        "heavy_tail_regression.csv": heavy_tail_regression,
        "counts.csv": counts,
        "timeseries.csv": timeseries,
        "multilabel.csv": multilabel,
    }
    for name, make in tables.items():
        make(rng).to_csv(HERE / name, index=False)
    masks(rng, HERE / "masks")
    # Its own stream, so adding it left every file above unchanged.
    groups_binary(np.random.default_rng(SEED + 15)).to_csv(HERE / "groups_binary.csv", index=False)
    # A separate stream: the images are added without changing any file made above.
    images(np.random.default_rng(SEED + 1), HERE / "masks", HERE / "images")
    multitarget(np.random.default_rng(SEED + 20)).to_csv(HERE / "multitarget.csv", index=False)
    patients(np.random.default_rng(SEED + 25)).to_csv(HERE / "patients.csv", index=False)  # its own stream too


if __name__ == "__main__":
    main()
