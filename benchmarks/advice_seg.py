"""Segmentation cases of ``advice.py``: generated image sets, recommend on the masks, trial every loss.

Cases: foreground 0.5%, 1%, 5% and 30% of the pixels, each with no empty image and with 20%
empty images. For each: profile the masks, recommend, then trial the first choice (as recommend
configured it) with every other segmentation loss at its defaults (Lovász only when it is the
first choice: it sorts every pixel per image and is by far the slowest) and pixel cross-entropy as
the baseline, cross-fitted with 3 folds of the 40 images as the command line does. A hit is a first
choice within noise of the best on per-image Dice. Each loss's
verdict against cross-entropy is printed too: on tiny foregrounds the overlap losses should
separate from it; on the 30% control they often should not.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seg_sets import write_set  # noqa: E402

OTHERS = ("dice", "dice_ce", "dice_focal", "tversky", "focal_tversky", "generalized_dice")
QUICK_OTHERS = ("dice", "tversky")  # --quick: the first choice, cross-entropy and these two


def cases(quick: bool) -> list[tuple[str, float, float]]:
    grid = [(0.01, 0.2), (0.3, 0.0)] if quick else [(f, e) for f in (0.005, 0.01, 0.05, 0.3) for e in (0.0, 0.2)]
    return [(f"seg_fg{f * 100:g}pct_empty{int(e * 100)}pct", f, e) for f, e in grid]


def evaluate_seg_case(name: str, foreground: float, empty: float, seeds: int, epochs: int, quick: bool = False) -> dict:
    from lossadvisor.advice.ranking import recommend
    from lossadvisor.load import Dataset, LoadOptions
    from lossadvisor.advice.objectives import Objectives
    from lossadvisor.profiling.measure import ProfileOptions, profile_dataset
    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.seg_data import load_segmentation
    from lossadvisor.trials.seg_run import run_segmentation_trials
    from lossadvisor.trials.train_types import TrainConfig

    with tempfile.TemporaryDirectory() as tmp:  # the profile reads the mask files, so inside the folder's life
        data = load_segmentation(*write_set(Path(tmp), n=40, size=64, foreground=foreground, empty=empty))
        dataset = Dataset(frame=None, target=(), source=name, options=LoadOptions(task="segmentation"),
                          mask_files=data.mask_files)
        profile = profile_dataset(dataset, ProfileOptions(seed=0, noise=False))
    rec = recommend(profile, Objectives())
    first = rec.candidates[0] if rec.candidates else rec.baseline
    specs = [CandidateSpec("cross_entropy", {}, True)]
    if first.loss != "cross_entropy":
        specs.append(CandidateSpec(first.loss, dict(first.params)))
    specs += [CandidateSpec(n, {}) for n in (QUICK_OTHERS if quick else OTHERS) if n != first.loss]
    # 3 cross-fitted folds of the images: what the command line runs on 40 images (trials.seg_folds).
    options = TrialOptions(seeds=seeds, bootstrap=500, device="cpu", folds=3,
                           train=TrainConfig(batch_size=4, epochs=epochs, patience=10))
    start = time.perf_counter()
    report = run_segmentation_trials(data, specs, options)
    chosen = report.candidates[0 if first.loss == "cross_entropy" else 1]
    vb = chosen.versus_best
    hit = chosen.spec.label == report.best_label or (vb is not None and vb.verdict == "no significant difference")
    print(f"  {name:28s} segmentation dice  first={chosen.spec.label[:40]:40s} "
          f"best={report.best_label[:28] if report.best_label else '-':28s} {'HIT ' if hit else 'MISS'} "
          f"({time.perf_counter() - start:.0f} s)")
    for c in report.candidates[1:]:
        comp = c.comparison
        print(f"    {c.spec.loss:18s} dice {c.summary['dice'][0]:.3f} vs cross_entropy "
              f"{report.candidates[0].summary['dice'][0]:.3f}: {comp.difference:+.3f} "
              f"[{comp.ci_low:+.3f}, {comp.ci_high:+.3f}] {comp.verdict}")
    return {"case": name, "task": "segmentation", "metric": "dice", "first": chosen.spec.label,
            "best": report.best_label, "hit": hit}
