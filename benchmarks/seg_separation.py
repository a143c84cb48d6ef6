"""Does the segmentation trial separate losses that differ, and call a balanced control even?

Issue 10's acceptance cases on generated 64×64 image sets (``seg_sets.write_set``): about 1%
foreground with 20% empty images, where the overlap losses (dice_ce, tversky, focal_tversky) and
pixel cross-entropy differ, and a control with large objects (30% foreground, no empty image),
where they should not. Each case runs with 3 cross-fitted folds (the default under 100 images) and
on one split (60/20/20), baseline cross-entropy + 3 candidates × 3 seeds, the command line's image
defaults (30 epochs, batch 4, patience 10). Printed per case and per candidate: mean Dice of both,
the difference, its 95% interval and the verdict, so the two designs are compared on the same data
in the same run.

    python benchmarks/seg_separation.py [--images 40] [--sets 2] [--folds 3,1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seg_sets import write_set  # noqa: E402

LOSSES = [("cross_entropy", {}), ("dice_ce", {"include_background": False, "batch": True}),
          ("tversky", {"alpha": 0.3, "beta": 0.7, "include_background": False}),
          ("focal_tversky", {"alpha": 0.3, "beta": 0.7, "gamma": 1.3333, "include_background": False})]


def run_case(n: int, foreground: float, empty: float, set_seed: int, folds: int) -> None:
    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.seg_data import load_segmentation
    from lossadvisor.trials.seg_run import run_segmentation_trials
    from lossadvisor.trials.train_types import TrainConfig

    with tempfile.TemporaryDirectory() as tmp:
        data = load_segmentation(*write_set(Path(tmp), n=n, foreground=foreground, empty=empty, seed=set_seed))
    specs = [CandidateSpec(name, params, i == 0) for i, (name, params) in enumerate(LOSSES)]
    options = TrialOptions(seeds=3, device="cpu", bootstrap=1000, folds=folds,
                           train=TrainConfig(batch_size=4, epochs=30, patience=10))
    start = time.perf_counter()
    report = run_segmentation_trials(data, specs, options)
    design = "one split" if folds == 1 else f"{folds} folds"
    print(f"  {design:9s} ({report.rows['test']} test images, {time.perf_counter() - start:5.1f} s): "
          f"cross_entropy Dice {report.candidates[0].summary['dice'][0]:.3f}")
    for c in report.candidates[1:]:
        cmp = c.comparison
        print(f"      {c.spec.loss:14s} Dice {c.summary['dice'][0]:.3f}  diff {cmp.difference:+.3f} "
              f"[{cmp.ci_low:+.3f}, {cmp.ci_high:+.3f}]  {cmp.verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--sets", type=int, default=2, help="generated sets per case (seeds 0..sets-1)")
    parser.add_argument("--folds", default="3,1")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    for name, foreground, empty in (("1% foreground, 20% empty", 0.01, 0.2), ("control: 30% foreground", 0.3, 0.0)):
        for set_seed in range(args.sets):
            print(f"{name}, {args.images} images, set {set_seed}")
            for k in (int(v) for v in args.folds.split(",")):
                run_case(args.images, foreground, empty, set_seed, k)


if __name__ == "__main__":
    main()
