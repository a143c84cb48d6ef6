"""Profile speed and peak memory on a 1,000,000 × 20 CSV, against a plain pyarrow read of the same file.

    python benchmarks/profile_speed.py [--rows 1000000] [--threads 1 2]

Target (issue 13): `profile` of a 1,000,000-row × 20-column CSV in at most 2× the wall time of a plain
`pyarrow.csv.read_csv` of the file, both measured in the same run as fresh processes (start-up and
imports included). The profile is timed without the label-noise estimate (`--no-noise`: a fixed cost
of fitting a boosted model on a 20,000-row sample, whatever the file size) and with it. A
`pandas.read_csv` of the file is printed for comparison with earlier figures.
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
    parser.add_argument("--threads", type=int, nargs="+", default=[1], help="thread counts to compare (default: 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        make_csv(path, args.rows)
        print(f"file: {args.rows:,} rows × 20 columns, {path.stat().st_size / 2**20:.0f} MiB")
        arrow_wall, arrow_peak = run_child(f"import pyarrow.csv as c; c.read_csv({str(path)!r})")
        print(f"pyarrow.csv.read_csv baseline : {arrow_wall:6.2f} s, peak {arrow_peak:5.0f} MiB")
        pandas_wall, pandas_peak = run_child(f"import pandas as pd; pd.read_csv({str(path)!r})")
        print(f"pandas.read_csv (reference)   : {pandas_wall:6.2f} s, peak {pandas_peak:5.0f} MiB")
        for threads in args.threads:
            for noise in (False, True):
                code = (
                    "from lossadvisor.load import load_dataset; "
                    "from lossadvisor.profiling.measure import profile_dataset, ProfileOptions; "
                    f"profile_dataset(load_dataset({str(path)!r}), ProfileOptions(threads={threads}, noise={noise}))"
                )
                wall, peak = run_child(code)
                label = f"profile{'' if noise else ' --no-noise'}, {threads} thread{'s' if threads > 1 else ''}"
                print(f"{label:30s}: {wall:6.2f} s, peak {peak:5.0f} MiB "
                      f"({wall / arrow_wall:.2f}× the pyarrow read{', target ≤ 2×' if not noise else ''}; "
                      f"{peak / arrow_peak:.1f}× its memory)")


if __name__ == "__main__":
    main()
