"""Import time of torch alone vs lossadvisor.losses (which imports torch), in fresh interpreters.

Usage: python benchmarks/import_cost.py [--repeats 5]
Prints the median of each and the ratio; the issue asks that lossadvisor.losses costs
no more than torch itself (ratio close to 1: only our own small modules are added).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def time_import(module: str, repeats: int) -> list[float]:
    """Seconds to import ``module`` in a fresh interpreter, ``repeats`` times."""
    out = []
    for _ in range(repeats):
        result = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], capture_output=True,
                                text=True, check=True)
        out.append(float(result.stdout.strip()))
    return out


def own_modules_ms() -> float:
    """Self time of lossadvisor's own modules from ``python -X importtime`` (noise-free share)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import lossadvisor.losses"],
                            capture_output=True, text=True, check=True)
    total = 0
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip().startswith("lossadvisor"):
            total += int(parts[0].split(":")[1])
    return total / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    time_import("torch", 1)  # warm the file cache so neither side pays for cold disk reads
    # interleave so that machine load affects both alike
    torch_times, ours_times = [], []
    for _ in range(args.repeats):
        torch_times += time_import("torch", 1)
        ours_times += time_import("lossadvisor.losses", 1)
    t, o = statistics.median(torch_times), statistics.median(ours_times)
    print(f"import torch              median {t:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in torch_times)})")
    print(f"import lossadvisor.losses median {o:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in ours_times)})")
    print(f"ratio lossadvisor.losses / torch = {o / t:.3f}  (extra {1000 * (o - t):.0f} ms)")
    print(f"lossadvisor's own modules (self time, -X importtime): {own_modules_ms():.1f} ms")


if __name__ == "__main__":
    main()
