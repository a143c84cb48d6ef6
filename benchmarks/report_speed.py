"""Page size and render time of `lossadvisor report` from saved JSON, on every sample_data input.

Setup (not timed): profile, recommend and trial (3 seeds × 10 epochs, the trial defaults) each input and
save their JSON. Timed: `lossadvisor report --profile --recommendation --trial -o page.html` as a fresh
process, which is what a CI job pays, against a baseline measured in the same run: a fresh Python that
loads the same three JSON files and renders them into a trivial Jinja2 template. Targets: every page
under 2 MB, every render under 2 s.

It also compares three ways to embed the same charts (total page bytes): inline SVG with text kept as
text (what the report uses), inline SVG with text drawn as paths (matplotlib's default), and base64 PNG
at 100 dpi.

    python benchmarks/report_speed.py [--epochs 10] [--seeds 3] [--repeat 3] [--keep DIR [--reuse]]
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
INPUTS = [
    ("imbalanced_binary", [str(SAMPLE / "imbalanced_binary.csv")], True),
    ("noisy_multiclass", [str(SAMPLE / "noisy_multiclass.csv")], True),
    ("clean_balanced", [str(SAMPLE / "clean_balanced.csv")], True),
    ("heavy_tail_regression", [str(SAMPLE / "heavy_tail_regression.csv")], True),
    ("counts", [str(SAMPLE / "counts.csv"), "--target", "visits"], True),
    ("timeseries", [str(SAMPLE / "timeseries.csv"), "--target", "demand"], True),
    ("multilabel", [str(SAMPLE / "multilabel.csv"), "--target", "labels"], False),
    ("masks", ["--masks", str(SAMPLE / "masks")], False),
]
CLI = [sys.executable, "-c", "from lossadvisor.cli.main import main; main()"]
BASELINE = """
import json, sys, jinja2
docs = [json.load(open(p)) for p in sys.argv[1:]]
page = jinja2.Template("<html><body>{% for d in docs %}<pre>{{ d | tojson }}</pre>{% endfor %}</body></html>").render(docs=docs)
open(sys.argv[1] + ".baseline.html", "w").write(page)
"""


def _cli(*args: str) -> None:
    subprocess.run([*CLI, *args], check=True, capture_output=True, env={**os.environ, "OMP_NUM_THREADS": "1"})


def _timed(command: list[str], repeat: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (user + system) of a fresh process.

    CPU time is what the render costs on an idle core; wall time also counts waiting for a core, which
    on a shared machine can be most of it.
    """
    import resource

    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _save(folder: Path, name: str, data: list[str], trials: bool, seeds: int, epochs: int, reuse: bool) -> list[str]:
    paths = {kind: folder / f"{name}.{kind}.json" for kind in ("profile", "recommendation", "trial")}
    args = ["--profile", str(paths["profile"]), "--recommendation", str(paths["recommendation"])]
    if reuse and paths["profile"].is_file():  # saved by an earlier run with --keep
        return args + (["--trial", str(paths["trial"])] if paths["trial"].is_file() else [])
    _cli("profile", *data, "--format", "json", "-o", str(paths["profile"]))
    _cli("recommend", "--profile", str(paths["profile"]), "--format", "json", "-o", str(paths["recommendation"]))
    if trials:
        _cli("trial", *data, "--format", "json", "-o", str(paths["trial"]), "--seeds", str(seeds),
             "--epochs", str(epochs), "--device", "cpu")
        args += ["--trial", str(paths["trial"])]
    return args


def _embedding_sizes(args: list[str]) -> dict[str, int]:
    """Total page bytes with the charts embedded three ways (same page otherwise)."""
    import matplotlib

    from lossadvisor.profiling.profile import Profile
    from lossadvisor.report import charts, html
    from lossadvisor.report.saved_results import read_saved

    docs = {kind: read_saved(Path(args[i + 1]), kind) for i in range(0, len(args), 2)
            for kind in [args[i].lstrip("-")]}
    profile = Profile.from_dict(docs["profile"]) if docs.get("profile") else None
    render = lambda: html.render_html(profile, docs.get("recommendation"), docs.get("trial"))  # noqa: E731
    original = charts._svg
    sizes = {"svg, text as text (used)": len(render().encode())}

    def svg_paths(fig, key, alt):
        with matplotlib.rc_context({"svg.fonttype": "path"}):
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", metadata={"Date": None})
            matplotlib.pyplot.close(fig)
            text = buffer.getvalue()
            return text[text.index("<svg"):]

    def png(fig, key, alt):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        matplotlib.pyplot.close(fig)
        return f'<img alt="{alt}" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'

    try:
        for label, replacement in (("svg, text as paths", svg_paths), ("png 100 dpi, base64", png)):
            charts._svg = replacement
            sizes[label] = len(render().encode())
    finally:
        charts._svg = original
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the saved JSON and the pages in this folder")
    parser.add_argument("--reuse", action="store_true", help="reuse the saved JSON already in --keep")
    options = parser.parse_args()
    print(f"{'input':<22} {'page KB':>8} {'render wall/cpu s':>18} {'baseline wall/cpu s':>20} {'cpu ratio':>9}   "
          f"{'svg-text KB':>11} {'svg-path KB':>11} {'png KB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = options.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        worst_size = worst_time = worst_cpu = 0.0
        for name, data, trials in INPUTS:
            args = _save(folder, name, data, trials, options.seeds, options.epochs, options.reuse)
            page = folder / f"{name}.html"
            (seconds, cpu) = _timed([*CLI, "report", *args, "-o", str(page)], options.repeat)
            (base_wall, base_cpu) = _timed([sys.executable, "-c", BASELINE, *args[1::2]], options.repeat)
            size = page.stat().st_size
            sizes = list(_embedding_sizes(args).values())
            worst_size, worst_time, worst_cpu = max(worst_size, size), max(worst_time, seconds), max(worst_cpu, cpu)
            print(f"{name:<22} {size / 1024:>8.1f} {seconds:>9.2f}/{cpu:<8.2f} {base_wall:>11.2f}/{base_cpu:<8.2f} "
                  f"{cpu / base_cpu:>8.1f}×   "
                  + " ".join(f"{s / 1024:>11.1f}" if i < 2 else f"{s / 1024:>8.1f}" for i, s in enumerate(sizes)))
    print(f"largest page {worst_size / 1024:.0f} KB (target < 2048 KB); slowest render {worst_time:.2f} s wall, "
          f"{worst_cpu:.2f} s CPU (target < 2 s; fresh process, median of {options.repeat})")


if __name__ == "__main__":
    main()
