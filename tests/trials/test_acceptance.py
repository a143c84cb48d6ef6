"""Issue #5 acceptance: what `lossadvisor trial` says under label noise, on a clean control, and
that it says the same thing twice.

Every run goes through the command line (CliRunner), as a user would see it. The data are
Gaussian blobs: class k is centred on a random direction at distance ``sep`` from the origin, with
unit noise, so how separable the classes are is known by construction.

Why the noisy test writes its file the way it does: ``trial`` splits one file into train /
validation / test, so labels flipped everywhere are flipped in the test rows too. Against those
labels even a perfect classifier scores about 1 - noise, and a gain in clean accuracy shows up
shrunk by 1 - noise·C/(C-1) (0.6 for 30% noise and 4 classes) under extra sampling noise. So the
file that asks "did GCE beat cross-entropy?" keeps its test rows clean: it has a row-id group column,
the grouped split is computed with the same public function and seed the trial uses, and only the
training and validation rows are flipped — the way one would benchmark with a clean test set, while
early stopping still sees noisy validation labels. A second file, noisy everywhere, checks what
the report can honestly show about such data.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lossadvisor.cli.main import app
from lossadvisor.trials.split import split_grouped
from lossadvisor.trials.stats import BETTER, SAME, WORSE

CPU = ["--device", "cpu", "--threads", "1", "--format", "json", "--folds", "1"]  # the single split (folds: test_folds.py)
NOISE = 0.3
CLASSES = 4
TIMING = ("seconds",)


def _blobs(n: int, classes: int, dim: int, sep: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Balanced classes (row i has class i mod C), centres at distance ``sep``, unit noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, dim))
    centres *= sep / np.linalg.norm(centres, axis=1, keepdims=True)
    y = np.arange(n) % classes
    return centres[y] + rng.normal(size=(n, dim)), y


def _flip(y: np.ndarray, rows: np.ndarray, rate: float, classes: int, seed: int) -> np.ndarray:
    """Symmetric noise: each of ``rows`` moves, with probability ``rate``, to a uniformly chosen other class."""
    rng = np.random.default_rng(seed)
    noisy = y.copy()
    flip = rows[rng.random(len(rows)) < rate]
    noisy[flip] = (y[flip] + rng.integers(1, classes, len(flip))) % classes
    return noisy


def _write(tmp_path, name: str, x: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None):
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
    if groups is not None:
        frame["row_id"] = groups
    frame["y"] = y
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _trial(*args) -> dict:
    result = CliRunner().invoke(app, ["trial", *[str(a) for a in args]])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _by_loss(report: dict) -> dict[str, dict]:
    return {c["loss"]: c for c in report["candidates"]}  # each loss once; labels carry the configured params


def _assert_verdicts_follow_the_intervals(report: dict) -> None:
    """better iff the interval lies above 0, worse iff below, else no significant difference."""
    higher = report["higher_is_better"][report["metric"]]
    for c in report["candidates"]:
        if c["baseline"]:
            assert c["vs_baseline"] is None
            continue
        comparison = c["vs_baseline"]
        low, high = comparison["ci"]
        assert low is not None and high is not None and low <= high, c["label"]
        above, below = low > 0, high < 0
        expected = (BETTER if higher else WORSE) if above else (WORSE if higher else BETTER) if below else SAME
        assert comparison["verdict"] == expected, (c["label"], comparison)
        assert comparison["seeds_paired"] == len(report["seeds"])


@pytest.fixture(scope="module")
def clean_test_rows_file(tmp_path_factory):
    """40 features, 30% symmetric noise on the training and validation rows, clean test rows."""
    n = 3000
    x, y = _blobs(n, CLASSES, 40, 3.0, seed=1)
    ids = np.array([f"r{i:05d}" for i in range(n)])
    split = split_grouped(ids, seed=0)  # the trial's grouped split at --seed 0 (the default)
    noisy = _flip(y, np.concatenate([split.train, split.val]), NOISE, CLASSES, seed=2)
    assert np.array_equal(noisy[split.test], y[split.test])
    path = _write(tmp_path_factory.mktemp("noisy"), "noisy_train.csv", x, noisy, ids)
    return path, float(np.mean(noisy[split.train] != y[split.train]))


def test_gce_beats_cross_entropy_under_30pct_noise_on_clean_test_rows(clean_test_rows_file):
    path, train_noise = clean_test_rows_file
    assert abs(train_noise - NOISE) < 0.03
    report = _trial(path, "--target", "y", "--group-column", "row_id", "--losses", "gce,sce,cross_entropy", *CPU)
    assert report["split"] == "grouped" and report["metric"] == "macro_f1" and report["seeds"] == [0, 1, 2]
    assert report["rows"] == {"train": 1800, "validation": 600, "test": 600}
    candidates = _by_loss(report)
    assert list(candidates) == ["cross_entropy", "gce", "sce"] and candidates["cross_entropy"]["baseline"]
    _assert_verdicts_follow_the_intervals(report)
    gce = candidates["gce"]["vs_baseline"]
    assert gce["difference"] == pytest.approx(
        candidates["gce"]["metrics"]["macro_f1"]["mean"] - candidates["cross_entropy"]["metrics"]["macro_f1"]["mean"],
        abs=2e-4)
    assert gce["ci"][0] <= gce["difference"] <= gce["ci"][1]
    # GCE ahead, never behind. Not asserted: "better". Over 15 generated tables of this kind
    # (3-5k rows, 40-64 features, 4-10 classes) GCE led cross-entropy by about +0.01..+0.03
    # macro-F1 in 13 and the interval cleared zero in about half: the trial keeps each member's
    # best validation epoch, and cross-entropy peaks at epoch 2-3, before it memorizes the flipped
    # labels, so early stopping already gives it most of GCE's robustness. Here: +0.018 [+0.004, +0.035].
    assert gce["difference"] > 0 and gce["verdict"] != WORSE
    # Both losses learn the clean boundary despite the noise (the test labels are clean).
    assert candidates["cross_entropy"]["metrics"]["macro_f1"]["mean"] > 0.8
    assert candidates["gce"]["metrics"]["macro_f1"]["mean"] > 0.85


def test_noise_everywhere_caps_what_the_test_rows_can_show(tmp_path):
    """Flipped test labels: a classifier with clean accuracy a scores a·(1-η) + (1-a)·η/(C-1) on them."""
    x, y = _blobs(3000, CLASSES, 40, 3.0, seed=1)
    noisy = _flip(y, np.arange(len(y)), NOISE, CLASSES, seed=2)
    report = _trial(_write(tmp_path, "noisy_all.csv", x, noisy), "--target", "y", "--losses", "gce,sce", *CPU)
    assert report["split"] == "stratified"
    _assert_verdicts_follow_the_intervals(report)
    for c in report["candidates"]:
        accuracy = c["metrics"]["accuracy"]["mean"]
        # Clean accuracy between 0.85 and 1 maps to 0.61..0.70 here; 600 test rows add about ±0.04.
        assert 0.55 < accuracy < 0.74, (c["label"], accuracy)
        assert c["vs_baseline"] is None or abs(c["vs_baseline"]["difference"]) < 0.05


def test_clean_separable_control_claims_no_winner(tmp_path):
    """Linearly separable, balanced: every loss classifies every test row right, so all tie exactly."""
    x, y = _blobs(1200, 3, 6, 12.0, seed=3)
    path = _write(tmp_path, "clean.csv", x, y)
    report = _trial(path, "--target", "y", "--losses", "focal,gce,sce,label_smoothing,poly1", "--epochs", "5", *CPU)
    assert len(report["seeds"]) == 3 and len(report["candidates"]) == 6
    _assert_verdicts_follow_the_intervals(report)
    for c in report["candidates"]:
        assert c["metrics"]["macro_f1"] == {"mean": 1.0, "sd": 0.0}, c["label"]
        assert c["vs_baseline"] is None or (c["vs_baseline"]["difference"] == 0.0
                                            and c["vs_baseline"]["ci"] == [0.0, 0.0]
                                            and c["vs_baseline"]["verdict"] == SAME)
    # With every mean tied, the best is the first one listed: the baseline, not a challenger.
    assert report["best"] == "cross_entropy"
    text = CliRunner().invoke(app, ["trial", str(path), "--target", "y", "--losses", "focal,gce", "--epochs", "5",
                                    "--device", "cpu"], env={"COLUMNS": "200"})  # one line per row
    assert text.exit_code == 0 and "no significant difference" in text.stdout
    assert " better" not in text.stdout and " worse" not in text.stdout


def test_clean_overlapping_control_calls_better_only_outside_zero(tmp_path):
    """Clean, balanced, classes overlapping: whatever the means do, a verdict needs its interval."""
    x, y = _blobs(2000, 2, 5, 1.2, seed=4)
    report = _trial(_write(tmp_path, "overlap.csv", x, y), "--target", "y",
                    "--losses", "focal,label_smoothing,poly1", *CPU)
    assert report["metric"] == "pr_auc"
    _assert_verdicts_follow_the_intervals(report)
    for c in report["candidates"]:
        comparison = c["vs_baseline"]
        if comparison is not None and comparison["verdict"] == BETTER:
            assert comparison["ci"][0] > 0


def _without_timing(value):
    if isinstance(value, dict):
        return {k: _without_timing(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [_without_timing(v) for v in value]
    return value


def test_same_seed_same_device_gives_byte_identical_json(tmp_path):
    x, y = _blobs(1500, 3, 10, 2.0, seed=5)
    noisy = _flip(y, np.arange(len(y)), 0.2, 3, seed=6)
    path = _write(tmp_path, "repeat.csv", x, noisy)
    args = [path, "--target", "y", "--losses", "gce,focal", "--epochs", "4", "--seed", "7", *CPU]
    runs = [CliRunner().invoke(app, ["trial", *map(str, args)]) for _ in range(2)]
    assert all(r.exit_code == 0 for r in runs), runs[0].output
    first, second = (json.loads(r.stdout) for r in runs)
    assert first["seeds"] == [7, 8, 9] and first["device"] == "cpu"
    # Only the wall-clock field may differ; everything else, serialized, is the same bytes.
    assert json.dumps(_without_timing(first), sort_keys=True) == json.dumps(_without_timing(second), sort_keys=True)
    strip = lambda text: "\n".join(line for line in text.splitlines() if '"seconds"' not in line)  # noqa: E731
    assert strip(runs[0].stdout) == strip(runs[1].stdout)
    # And a different seed really changes the numbers (the comparison above could not pass vacuously).
    other = _trial(*[a if a != "7" else "8" for a in args])
    assert _without_timing(other)["candidates"] != _without_timing(first)["candidates"]
