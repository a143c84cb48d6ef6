"""Segmentation trial speed: batched (one stacked U-Net) vs one model at a time, measured in the same run.

CPU (always): the acceptance case of issue 10, 40 generated 64×64 images (about 1% foreground,
20% empty), the baseline + 3 candidates × 3 seeds = 12 U-Nets, 30 epochs without early stopping
(the worst case of the defaults), whole ``run_segmentation_trials`` (split, training, scoring,
bootstrap). The bar: under 90 s on 2 cores, and batched never slower than sequential.

GPU (when CUDA exists): the same 12 members on 400 images of 128×128, 10 epochs: sequential,
batched, batched + CUDA graph; ratios printed.

    python benchmarks/seg_trial_speed.py [--threads 1,2] [--epochs 30] [--skip-cpu]
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


def _run(data, device: str, batched: bool, threads: int, epochs: int, graph: bool = True) -> tuple[float, float, float]:
    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.seg_run import run_segmentation_trials
    from lossadvisor.trials.train_types import TrainConfig

    specs = [CandidateSpec(name, params, i == 0) for i, (name, params) in enumerate(LOSSES)]
    options = TrialOptions(seeds=3, batched=batched, threads=threads, device=device, bootstrap=1000,
                           train=TrainConfig(batch_size=4, epochs=epochs, patience=None, cuda_graph=graph))
    start, cpu = time.perf_counter(), time.process_time()
    report = run_segmentation_trials(data, specs, options)
    return time.perf_counter() - start, report.seconds, time.process_time() - cpu


def cpu_benchmark(threads: list[int], epochs: int) -> None:
    from lossadvisor.trials.seg_data import load_segmentation

    with tempfile.TemporaryDirectory() as tmp:
        data = load_segmentation(*write_set(Path(tmp), n=40, size=64, foreground=0.01, empty=0.2))
    print(f"CPU: baseline + 3 candidates × 3 seeds, 40 images 64×64, {epochs} epochs (whole run)")
    for t in threads:
        (bw, bt, bc), (sw, st, sc) = _run(data, "cpu", True, t, epochs), _run(data, "cpu", False, t, epochs)
        # CPU seconds of this process as well: on a shared machine the wall clock also counts other jobs.
        print(f"  threads={t}: batched {bw:6.1f} s (training {bt:6.1f} s, CPU {bc:6.1f} s) | sequential {sw:6.1f} s "
              f"(training {st:6.1f} s, CPU {sc:6.1f} s) | sequential/batched {sw / bw:4.2f}× whole, "
              f"{st / bt:4.2f}× training, {sc / bc:4.2f}× CPU")


def gpu_benchmark(epochs: int) -> None:
    import torch

    from lossadvisor.trials.seg_data import load_segmentation

    with tempfile.TemporaryDirectory() as tmp:
        data = load_segmentation(*write_set(Path(tmp), n=400, size=128, foreground=0.01, empty=0.2))
    print(f"GPU ({torch.cuda.get_device_name()}): 12 U-Nets, 400 images 128×128, {epochs} epochs")
    seq = _run(data, "cuda", False, 1, epochs, graph=False)
    eager = _run(data, "cuda", True, 1, epochs, graph=False)
    graph = _run(data, "cuda", True, 1, epochs, graph=True)
    print(f"  sequential {seq[1]:6.2f} s | batched {eager[1]:6.2f} s | batched + CUDA graph {graph[1]:6.2f} s "
          f"(training) | sequential/batched {seq[1] / eager[1]:4.1f}×, sequential/graph {seq[1] / graph[1]:4.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--gpu-epochs", type=int, default=10)
    parser.add_argument("--skip-cpu", action="store_true")
    args = parser.parse_args()
    if not args.skip_cpu:
        cpu_benchmark([int(t) for t in args.threads.split(",")], args.epochs)
    import torch

    if torch.cuda.is_available():
        gpu_benchmark(args.gpu_epochs)
    else:
        print("GPU: CUDA is not available here; the GPU half was skipped")


if __name__ == "__main__":
    main()
