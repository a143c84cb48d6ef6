"""The streaming profile at scale: a 20M × 20 CSV in bounded memory, and Parquet time growth from 1M to 10M rows.

    python benchmarks/stream_scale.py [--csv-rows 20000000] [--parquet-rows 1000000 10000000] [--skip-csv]

Targets (issue 13): the 20,000,000 × 20 CSV (about 3-4 GB, generated into a temporary folder and deleted
afterwards) profiles with `--stream` at a peak RSS under 2 GB; on Parquet, 10× the rows takes at most 12×
the time. Each profile runs as `lossadvisor profile FILE --stream --format json` in a fresh process (on Parquet with
`--no-noise`, so the growth is the pass's own, not diluted by the fixed-cost noise-model fit);
its peak RSS is the child's maximum resident set. Free disk is checked before the CSV is written.
The baseline in the same run is a streamed plain read of the same file (pyarrow, batch by batch).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

CHUNK = 1_000_000


def chunks(rows: int, seed: int = 0):
    """The profile_speed table (17 floats, a city, a 0/1 flag, a 3-class label) in 1M-row record batches."""
    rng = np.random.default_rng(seed)
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        x = rng.normal(size=(n, 17)).round(4)   # 4 decimals in float64, so the CSV holds short numbers
        score = x[:, 0] + 0.5 * x[:, 1] - x[:, 2] + rng.normal(scale=0.5, size=n)
        columns = {f"x{i}": x[:, i] for i in range(17)}
        columns["city"] = np.array(["a", "b", "c", "d", "e"])[rng.integers(0, 5, size=n)]
        columns["flag"] = rng.integers(0, 2, size=n)
        columns["label"] = np.digitize(score, [0.85, 2.05])   # about 60/30/10
        yield pa.RecordBatch.from_pydict(columns)


def write_csv(path: Path, rows: int) -> None:
    import pyarrow.csv as pacsv

    writer = None
    for batch in chunks(rows):
        if writer is None:
            writer = pacsv.CSVWriter(str(path), batch.schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
        writer.write_batch(batch)
    writer.close()


def write_parquet(path: Path, rows: int) -> None:
    import pyarrow.parquet as pq

    writer = None
    for batch in chunks(rows):
        if writer is None:
            writer = pq.ParquetWriter(str(path), batch.schema)
        writer.write_batch(batch)
    writer.close()


def run_child(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and stdout of a fresh process."""
    code = ("import resource, subprocess, sys; "
            f"done = subprocess.run({args!r}, capture_output=True, text=True); "
            "sys.stdout.write(done.stdout); sys.stderr.write(done.stderr); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(done.returncode)")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"failed: {' '.join(args)}\n{done.stderr}")
    out, _, peak = done.stdout.rstrip().rpartition("\n")
    return wall, int(peak) / 1024, out


def plain_read(path: Path) -> list[str]:
    """A streamed plain read with pyarrow, the floor any streaming profile stands on."""
    if path.suffix == ".csv":
        code = (f"import pyarrow.csv as c; r = c.open_csv({str(path)!r}, read_options=c.ReadOptions(block_size=16 << 20)); "
                "n = sum(b.num_rows for b in r)")
    else:
        code = f"import pyarrow.dataset as d; n = sum(b.num_rows for b in d.dataset({str(path)!r}).to_batches())"
    return [sys.executable, "-c", code]


def profile(path: Path, *extra: str) -> list[str]:
    return [shutil.which("lossadvisor") or "lossadvisor", "profile", str(path), "--stream", "--format", "json", *extra]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv-rows", type=int, default=20_000_000)
    parser.add_argument("--parquet-rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--skip-csv", action="store_true")
    parser.add_argument("--skip-parquet", action="store_true")
    parser.add_argument("--dir", default=None, help="where to write the generated files (default: a temp folder)")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        if not args.skip_parquet:
            times = []
            for rows in args.parquet_rows:
                path = folder / f"t{rows}.parquet"
                write_parquet(path, rows)
                read_wall, read_peak, _ = run_child(plain_read(path))
                wall, peak, out = run_child(profile(path, "--no-noise"))   # the pass alone: no fixed-cost model fit
                times.append(wall)
                data = json.loads(out)
                print(f"parquet {rows:>11,} rows, {path.stat().st_size / 2**20:6.0f} MiB: profile --no-noise {wall:7.1f} s, "
                      f"peak {peak:6.0f} MiB; streamed read {read_wall:5.1f} s ({wall / read_wall:.1f}×); "
                      f"rows {data['rows']:,}, duplicates {data['overview']['duplicate_rows']}")
                path.unlink()
            if len(times) == 2:
                ratio = args.parquet_rows[1] / args.parquet_rows[0]
                print(f"time grows {times[1] / times[0]:.1f}× for {ratio:.0f}× the rows (target ≤ {1.2 * ratio:.0f}×)")
        if not args.skip_csv:
            free = shutil.disk_usage(folder).free
            need = args.csv_rows * 190   # about 180 bytes a row, with room to spare
            if free < 2 * need:
                raise SystemExit(f"not enough free disk in {folder}: {free / 2**30:.1f} GiB free, "
                                 f"{2 * need / 2**30:.1f} GiB wanted")
            path = folder / "big.csv"
            start = time.perf_counter()
            write_csv(path, args.csv_rows)
            print(f"csv {args.csv_rows:,} rows, {path.stat().st_size / 2**30:.2f} GiB written in "
                  f"{time.perf_counter() - start:.0f} s")
            read_wall, read_peak, _ = run_child(plain_read(path))
            wall, peak, out = run_child(profile(path))
            data = json.loads(out)
            print(f"csv profile --stream: {wall:.1f} s, peak RSS {peak:.0f} MiB (target < 2048 MiB); "
                  f"streamed read {read_wall:.1f} s ({wall / read_wall:.1f}×), peak {read_peak:.0f} MiB; "
                  f"rows {data['rows']:,}, classes {data['classes']['counts']}, "
                  f"duplicates {data['overview']['duplicate_rows']}")


if __name__ == "__main__":
    main()
