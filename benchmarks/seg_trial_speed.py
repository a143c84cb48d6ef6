"""Segmentation trial speed: batched (one stacked U-Net) vs one model at a time, measured in the same run.

CPU (always): the acceptance case of issue 10, 40 generated 64×64 images (about 1% foreground,
20% empty), the baseline + 3 candidates × 3 seeds = 12 U-Nets, 30 epochs without early stopping
(the worst case of the defaults), whole ``run_segmentation_trials`` (split, training, scoring,
bootstrap), cross-fitted with 3 folds of the images (the command line's default under 100 images) and
on one split (``--folds 3,1``). The bar: under 90 s on 2 cores, and batched never slower than sequential. It prints the
machine's load average at the start and after each pair of runs (wall seconds on a shared machine
mean little without it) and the CPU seconds of this process, the figure least moved by other jobs.
Two threads on a machine whose other cores are busy is far slower than one (the OpenMP workers
wait on each other), which is why the default is one thread.

GPU (when CUDA exists): the same 12 members on 400 images of 128×128, 10 epochs: sequential,
batched, batched + CUDA graph; ratios printed.

    python benchmarks/seg_trial_speed.py [--threads 1] [--folds 3,1] [--epochs 30] [--skip-cpu]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seg_sets import write_set  # noqa: E402

LOSSES = [("cross_entropy", {}), ("dice_ce", {"include_background": False, "batch": True}),
          ("tversky", {"alpha": 0.3, "beta": 0.7, "include_background": False}),
          ("focal_tversky", {"alpha": 0.3, "beta": 0.7, "gamma": 1.3333, "include_background": False})]


def _run(data, device: str, batched: bool, threads: int, epochs: int, graph: bool = True,
         folds: int = 1) -> tuple[float, float, float]:
    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.seg_run import run_segmentation_trials
    from lossadvisor.trials.train_types import TrainConfig

    specs = [CandidateSpec(name, params, i == 0) for i, (name, params) in enumerate(LOSSES)]
    options = TrialOptions(seeds=3, batched=batched, threads=threads, device=device, bootstrap=1000, folds=folds,
                           train=TrainConfig(batch_size=4, epochs=epochs, patience=None, cuda_graph=graph))
    start, cpu = time.perf_counter(), time.process_time()
    report = run_segmentation_trials(data, specs, options)
    return time.perf_counter() - start, report.seconds, time.process_time() - cpu


def _warm_imports() -> None:
    """The first optimizer built imports torch._dynamo (about 4 s): pay that before either run is timed, or
    whichever runs first (batched) carries it."""
    import torch

    torch.optim.AdamW([torch.zeros(1, requires_grad=True)])


def cpu_benchmark(threads: list[int], epochs: int, folds: list[int]) -> None:
    from lossadvisor.trials.seg_data import load_segmentation

    _warm_imports()
    with tempfile.TemporaryDirectory() as tmp:
        data = load_segmentation(*write_set(Path(tmp), n=40, size=64, foreground=0.01, empty=0.2))
    print(f"CPU: baseline + 3 candidates × 3 seeds, 40 images 64×64, {epochs} epochs (whole run); "
          f"{os.cpu_count()} cores, load average at start {_load()}")
    for t, k in [(t, k) for t in threads for k in folds]:
        (bw, bt, bc), (sw, st, sc) = _run(data, "cpu", True, t, epochs, folds=k), _run(data, "cpu", False, t, epochs, folds=k)
        # CPU seconds of this process as well: on a shared machine the wall clock also counts other jobs.
        print(f"  threads={t}, {'one split' if k == 1 else f'{k} folds'}: batched {bw:6.1f} s (training {bt:6.1f} s, CPU {bc:6.1f} s) | sequential {sw:6.1f} s "
              f"(training {st:6.1f} s, CPU {sc:6.1f} s) | sequential/batched {sw / bw:4.2f}× whole, "
              f"{st / bt:4.2f}× training, {sc / bc:4.2f}× CPU | load average now {_load()}")
        print(f"    batched/sequential {bw / sw:4.2f} (wall), {bc / sc:4.2f} (CPU); under 90 s: "
              f"{'yes' if bw < 90 else 'no'} (wall), {'yes' if bc < 90 else 'no'} (CPU); batched not slower: "
              f"{'yes' if bw <= sw else 'no'} (wall), {'yes' if bc <= sc else 'no'} (CPU)")


def _load() -> str:
    """The 1-, 5- and 15-minute load averages (runnable processes; 2.0 fills a 2-core machine)."""
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


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
    parser.add_argument("--threads", default="1", help="comma-separated thread counts, e.g. 1,2")
    parser.add_argument("--folds", default="3,1", help="comma-separated fold counts (1 = one split)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--gpu-epochs", type=int, default=10)
    parser.add_argument("--skip-cpu", action="store_true")
    args = parser.parse_args()
    if not args.skip_cpu:
        cpu_benchmark([int(t) for t in args.threads.split(",")], args.epochs, [int(k) for k in args.folds.split(",")])
    import torch

    if torch.cuda.is_available():
        gpu_benchmark(args.gpu_epochs)
    else:
        print("GPU: CUDA is not available here; the GPU half was skipped")


if __name__ == "__main__":
    main()
