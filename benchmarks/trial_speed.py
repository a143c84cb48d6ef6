"""Batched vs sequential trial training, measured in the same run.

CPU (always): 5 candidates × 3 seeds × 10 epochs on a 20,000 × 20 table, whole `run_trials`
(split, encoding, training, scoring, bootstrap), batched and sequential, at 1 and 2 threads.
The bar: under 60 s on 2 cores, and batched never slower than sequential.

GPU (when CUDA exists): 24 MLPs (8 losses × 3 seeds), 32 → 128 → 128 → C, batch 1024,
5 epochs over 800,000 training rows: sequential, batched, batched + CUDA graph; training
time only (evaluation once at the end), ratios printed.

    python benchmarks/trial_speed.py [--skip-cpu] [--gpu-epochs 5] [--gpu-rows 800000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def make_table(rows: int, features: int, classes: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features)).astype(np.float32)
    w = rng.normal(size=(features, classes))
    logits = x @ w + 0.5 * np.sin(x[:, :classes] * 2)
    y = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(features)])
    frame["y"] = y
    return frame


CPU_LOSSES = [("cross_entropy", {}), ("focal", {"gamma": 1.0}), ("label_smoothing", {"smoothing": 0.1}),
              ("gce", {"q": 0.7}), ("poly1", {"epsilon": 1.0})]
GPU_LOSSES = CPU_LOSSES + [("sce", {"alpha": 0.1, "beta": 1.0}), ("logit_adjusted", {}), ("class_balanced", {"beta": 0.999})]


def cpu_benchmark() -> None:
    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.run import run_trials
    from lossadvisor.trials.train_types import TrainConfig

    frame = make_table(20_000, 20, 2)
    specs = [CandidateSpec(name, params, i == 0) for i, (name, params) in enumerate(CPU_LOSSES)]
    print("CPU: 5 candidates × 3 seeds × 10 epochs, 20,000 × 20 binary table (whole run_trials)")
    for threads in (1, 2):
        times = {}
        for batched in (True, False):
            options = TrialOptions(seeds=3, batched=batched, threads=threads, device="cpu",
                                   train=TrainConfig(epochs=10, patience=None))
            start = time.perf_counter()
            report = run_trials(frame, "y", DataFacts("binary"), specs, options)
            times[batched] = (time.perf_counter() - start, report.seconds)
        (bw, bt), (sw, st) = times[True], times[False]
        print(f"  threads={threads}: batched {bw:6.2f} s (training {bt:5.2f} s) | sequential {sw:6.2f} s "
              f"(training {st:5.2f} s) | ratio {st / bt:4.1f}× training, {sw / bw:4.1f}× whole")


def gpu_benchmark(epochs: int, rows: int) -> None:
    import torch

    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.prepare import DataFacts, prepare_data
    from lossadvisor.trials.members import build_members, fill_data_params, to_tensors
    from lossadvisor.trials.train_types import TrainConfig
    from lossadvisor.trials.train import train_members

    classes = 4
    frame = make_table(int(rows / 0.6), 32, classes)
    prepared = prepare_data(frame, "y", DataFacts("multiclass"), seed=0)
    specs = [fill_data_params(CandidateSpec(n, p, i == 0), prepared) for i, (n, p) in enumerate(GPU_LOSSES)]
    members = build_members(specs, prepared, [0, 1, 2], "cuda", lambda n, p: __import__(
        "lossadvisor.losses", fromlist=["build_loss"]).build_loss(n, **dict(p)))
    tensors = to_tensors(prepared, "cuda", {m.form for m in members})
    sizes = [tensors.x_train.shape[1], 128, 128, classes]
    score = lambda positions, outputs: np.zeros(len(positions))  # noqa: E731 — training speed only
    n_train = tensors.x_train.shape[0]
    print(f"GPU ({torch.cuda.get_device_name()}): 24 MLPs (8 losses × 3 seeds), 32→128→128→{classes}, "
          f"batch 1024, {epochs} epochs over {n_train:,} rows")
    results = {}
    for label, batched, graph in (("sequential", False, False), ("batched", True, False), ("batched+graph", True, True)):
        config = TrainConfig(hidden=(128, 128), batch_size=1024, epochs=epochs, patience=None, device="cuda",
                             cuda_graph=graph, evaluate_every_epoch=False)
        torch.cuda.synchronize()
        start = time.perf_counter()
        if batched:
            outcome = train_members(members, tensors, config, sizes, score)
            used_graph = outcome.cuda_graph
        else:
            for member in members:
                train_members([member], tensors, config, sizes, score)
            used_graph = False
        torch.cuda.synchronize()
        results[label] = time.perf_counter() - start
        rate = len(members) * n_train * epochs / results[label]
        print(f"  {label:14s} {results[label]:8.2f} s  ({rate / 1e6:6.1f} M member-samples/s)"
              + ("  [graph captured]" if used_graph else ""))
    base = results["sequential"]
    print(f"  ratios vs sequential: batched {base / results['batched']:.1f}×, "
          f"batched+graph {base / results['batched+graph']:.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cpu", action="store_true")
    parser.add_argument("--gpu-epochs", type=int, default=5)
    parser.add_argument("--gpu-rows", type=int, default=800_000)
    args = parser.parse_args()
    if not args.skip_cpu:
        cpu_benchmark()
    import torch

    if torch.cuda.is_available():
        gpu_benchmark(args.gpu_epochs, args.gpu_rows)
    else:
        print("GPU: CUDA not available here; the GPU comparison was not run")


if __name__ == "__main__":
    main()
