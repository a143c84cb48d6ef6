"""Record the golden outputs: ``python tests/golden/record.py`` from the repository root.

Run it when a change deliberately alters an output, review ``git diff tests/golden/outputs``, and
say in the commit message which outputs changed and why. ``--only PREFIX`` re-records the cases
whose name starts with PREFIX (e.g. ``--only trial_``); the profiles are recorded first because the
``--profile`` cases read them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

from cases import GOLDEN, golden_cases, golden_path, manifest_entry, run_case, stdout_suffix, write_manifest  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="re-record only the cases whose name starts with this")
    args = parser.parse_args()
    GOLDEN.mkdir(parents=True, exist_ok=True)
    manifest_path = GOLDEN / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    for case in golden_cases():
        if not case.name.startswith(args.only):
            continue
        outcome = run_case(case)
        golden_path(case, stdout_suffix(case)).write_text(outcome["stdout"], encoding="utf-8")
        manifest[case.name] = manifest_entry(case, outcome)
        print(f"{case.name}: exit {outcome['exit_code']}", file=sys.stderr)
    write_manifest({case.name: manifest[case.name] for case in golden_cases() if case.name in manifest})


if __name__ == "__main__":
    main()
