"""Profile speed and peak memory on a large CSV, against reading the same file with pandas.

    python benchmarks/profile_speed.py [--rows 1000000] [--threads 1 2] [--no-noise]

Target (issue 2): a 1,000,000-row × 20-column CSV profiled with default settings in ≤ 20 s wall on a
2-core machine. The baseline measured in the same run is a plain `pandas.read_csv` of the file, so the
ratio says how much the profile costs beyond reading the data.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_csv(path: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 17)).astype(np.float32)
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(17)])
    frame["city"] = rng.choice(["a", "b", "c", "d", "e"], size=rows)
    frame["flag"] = rng.integers(0, 2, size=rows)
    score = x[:, 0] + 0.5 * x[:, 1] - x[:, 2] + rng.normal(scale=0.5, size=rows)
    frame["label"] = np.digitize(score, np.quantile(score, [0.6, 0.9]))
    frame.to_csv(path, index=False)


def run_child(code: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of a fresh interpreter running `code`."""
    code += "; import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    return wall, int(done.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts to compare (default: 1 and 2)")
    parser.add_argument("--no-noise", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        make_csv(path, args.rows)
        print(f"file: {args.rows:,} rows × 20 columns, {path.stat().st_size / 2**20:.0f} MiB")
        read_wall, read_peak = run_child(f"import pandas as pd; pd.read_csv({str(path)!r})")
        print(f"pandas.read_csv baseline      : {read_wall:6.2f} s, peak {read_peak:5.0f} MiB")
        for threads in args.threads:
            profile_code = (
                "from lossadvisor.load import load_dataset; "
                "from lossadvisor.profiling.measure import profile_dataset, ProfileOptions; "
                f"profile_dataset(load_dataset({str(path)!r}), ProfileOptions(threads={threads}, "
                f"noise={not args.no_noise}))"
            )
            wall, peak = run_child(profile_code)
            print(f"lossadvisor profile, {threads} thread{'s' if threads > 1 else ' '}: {wall:6.2f} s, peak {peak:5.0f} MiB "
                  f"(target ≤ 20 s; {wall / read_wall:.1f}× the read, {peak / read_peak:.1f}× its memory)")


if __name__ == "__main__":
    main()
