"""Trial on Ray workers vs the local backend, on the same members, in the same run.

    python benchmarks/ray_trial.py [--cpus 2] [--rows 20000] [--epochs 10] [--address ADDR]

5 candidates × 3 seeds × 10 epochs on the trial_speed table (20,000 × 20, binary). Local: all 15 members
in one batched model in this process. Ray: the members cut into one group per Ray CPU, each group
trained by the same batched engine on a worker; the Ray start-up is timed apart. Prints both wall times,
their ratio, and whether every per-seed metric is identical (the backend's promise).
"""

from __future__ import annotations

import argparse
import time

from trial_speed import CPU_LOSSES, make_table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--address", default=None, help="an existing Ray cluster (default: start a local one)")
    args = parser.parse_args()

    import ray

    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.run import run_trials
    from lossadvisor.trials.train_types import TrainConfig

    frame = make_table(args.rows, 20, 2)
    specs = [CandidateSpec(name, params, i == 0) for i, (name, params) in enumerate(CPU_LOSSES)]
    base = dict(seeds=3, threads=1, device="cpu", train=TrainConfig(epochs=args.epochs, patience=None))

    def per_seed(report):
        return {(c.spec.label, s.seed): dict(s.metrics) for c in report.candidates for s in c.seeds}

    start = time.perf_counter()
    local = run_trials(frame, "y", DataFacts("binary"), specs, TrialOptions(**base))
    local_wall = time.perf_counter() - start
    start = time.perf_counter()
    if args.address:
        ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
    else:
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
    startup = time.perf_counter() - start
    try:
        start = time.perf_counter()
        remote = run_trials(frame, "y", DataFacts("binary"), specs, TrialOptions(**base, backend="ray"))
        ray_wall = time.perf_counter() - start
        cpus = int(ray.cluster_resources().get("CPU", 1))
    finally:
        ray.shutdown()
    same = per_seed(remote) == per_seed(local)
    print(f"5 candidates × 3 seeds × {args.epochs} epochs, {args.rows:,} × 20 binary table")
    print(f"local (one batched model)      : {local_wall:6.2f} s (training {local.seconds:5.2f} s)")
    print(f"ray, {cpus} CPU(s), {min(cpus, 15)} groups     : {ray_wall:6.2f} s (tasks {remote.seconds:5.2f} s, "
          f"worker start-up included) + Ray start {startup:4.1f} s; {local_wall / ray_wall:.2f}× the local speed")
    print(f"per-seed metrics identical     : {same}")


if __name__ == "__main__":
    main()
