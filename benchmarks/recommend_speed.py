"""How long `lossadvisor recommend --profile p.json` takes, against `python -c pass` in the same run.

    python benchmarks/recommend_speed.py [--repeats 7]

Target: under 0.5 s wall time (issue #4). Prints the median of each over the repeats, the
overhead over a bare interpreter, and whether torch / scikit-learn / pandas were imported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROFILE = {
    "schema_version": "1.0", "source": "bench.csv", "rows": 50_000, "columns": 20, "target": ["y"],
    "task": "multiclass", "structure": {"type": "tabular"},
    "classes": {"counts": {"a": 40_000, "b": 8_000, "c": 2_000}, "n_classes": 3, "imbalance_ratio": 20.0},
    "label_noise": {"estimated_rate": 0.2, "ci": [0.17, 0.23], "reliable": True},
    "target_stats": None, "masks": None, "feature_outliers": None, "warnings": [],
}


def timed(cmd: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile.json"
        path.write_text(json.dumps(PROFILE))
        launcher = [sys.executable, "-c", "import sys; from lossadvisor.cli.main import main; sys.argv[0] = 'lossadvisor'; main()"]
        run = launcher + ["recommend", "--profile", str(path)]
        bare = timed([sys.executable, "-c", "pass"], args.repeats)
        as_json = timed(run + ["--format", "json"], args.repeats)
        as_text = timed(run, args.repeats)
        probe = (f"import sys; from lossadvisor.cli.main import app\ntry: app(['recommend', '--profile', {str(path)!r},"
                 " '--format', 'json'])\nexcept SystemExit: pass\n"
                 "print(sorted(m for m in ('torch', 'sklearn', 'pandas') if m in sys.modules), file=sys.stderr)")
        heavy = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stderr.strip()
    print(f"python -c pass                   {bare:.3f} s")
    print(f"recommend --profile (json)       {as_json:.3f} s   (+{as_json - bare:.3f} s over bare python)")
    print(f"recommend --profile (rich text)  {as_text:.3f} s   (+{as_text - bare:.3f} s over bare python)")
    print(f"heavy modules imported: {heavy}")
    print("target < 0.5 s:", "met" if max(as_json, as_text) < 0.5 else "NOT met")


if __name__ == "__main__":
    main()
