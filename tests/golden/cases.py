"""The golden cases: every command's output on every sample file, recorded before a refactor.

Each case is a command line run in-process from the repository root (relative paths, so the
output names ``sample_data/...`` and not a machine's folder). ``record.py`` writes what each one
prints; ``test_golden.py`` reruns them and compares byte for byte after :func:`normalise`.

Volatile fields, and only these, are normalised:
- ``seconds`` in ``trial --format json`` (wall-clock training time) becomes 0.
The trial cases run on CPU with a fixed seed and a fixed number of epochs (no time budget), so
every other number is reproducible.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "outputs"
SAMPLES = "sample_data"

TABLES = {  # sample file -> its --target (None: found by name)
    "imbalanced_binary.csv": None,
    "noisy_multiclass.csv": None,
    "clean_balanced.csv": None,
    "heavy_tail_regression.csv": None,
    "counts.csv": "visits",
    "timeseries.csv": "demand",
    "multilabel.csv": "labels",
}
CLASSIFICATION_OBJECTIVES = ("recall", "precision", "f1", "fbeta:2", "balanced_accuracy", "calibration", "accuracy")
REGRESSION_OBJECTIVES = ("mae", "rmse", "quantile:0.9")
REGRESSION_TABLES = ("heavy_tail_regression.csv", "counts.csv", "timeseries.csv")
TRIAL_TABLES = ("imbalanced_binary.csv", "noisy_multiclass.csv", "clean_balanced.csv",
                "heavy_tail_regression.csv", "counts.csv", "timeseries.csv")
# --folds 1: the goldens record the single split (the default cross-fits tables under 20,000 rows);
# trial_imbalanced_binary_folds records the cross-fitted trial.
TINY_TRIAL = ("--seeds", "1", "--epochs", "2", "--bootstrap", "100", "--device", "cpu", "--seed", "0", "--folds", "1")


@dataclass(frozen=True)
class Case:
    """One recorded command: its name (the golden file's stem) and its arguments."""

    name: str
    args: tuple[str, ...]


def _data(file: str) -> tuple[str, ...]:
    target = TABLES[file]
    return (f"{SAMPLES}/{file}",) + (("--target", target) if target else ())


def _stem(file: str) -> str:
    return file.rsplit(".", 1)[0]


def saved_profile(file: str) -> str:
    """The recorded profile of a sample file, read back by the `--profile` cases."""
    return f"tests/golden/outputs/profile_{_stem(file)}.json"


def golden_cases() -> list[Case]:
    cases: list[Case] = []
    for file in TABLES:
        cases.append(Case(f"profile_{_stem(file)}", ("profile", *_data(file), "--format", "json")))
    cases.append(Case("profile_masks", ("profile", "--masks", f"{SAMPLES}/masks", "--format", "json")))
    for file in TABLES:  # recommend from the data (default objective), then per objective from the saved profile
        cases.append(Case(f"recommend_{_stem(file)}", ("recommend", *_data(file), "--format", "json")))
        objectives = REGRESSION_OBJECTIVES if file in REGRESSION_TABLES else CLASSIFICATION_OBJECTIVES
        for objective in objectives:
            slug = objective.replace(":", "_").replace(".", "")
            cases.append(Case(f"recommend_{_stem(file)}_{slug}",
                              ("recommend", "--profile", saved_profile(file), "--objective", objective,
                               "--format", "json")))
    cases.append(Case("recommend_masks", ("recommend", "--masks", f"{SAMPLES}/masks", "--format", "json")))
    for objective in ("recall", "f1"):
        cases.append(Case(f"recommend_masks_{objective}",
                          ("recommend", "--profile", "tests/golden/outputs/profile_masks.json",
                           "--objective", objective, "--format", "json")))
    # Several target columns (issue 10): each target profiled and advised on its own; the combinations trialled.
    multi = (f"{SAMPLES}/multitarget.csv", "--target", "rating,price,kind")
    cases.append(Case("profile_multitarget", ("profile", *multi, "--format", "json")))
    cases.append(Case("recommend_multitarget", ("recommend", *multi, "--format", "json")))
    cases.append(Case("trial_multitarget", ("trial", *multi, *TINY_TRIAL, "--format", "json")))
    for file in TRIAL_TABLES:
        cases.append(Case(f"trial_{_stem(file)}", ("trial", *_data(file), *TINY_TRIAL, "--format", "json")))
    # trial --losses NAME without parameters: the losses trial fills from the data itself
    for file in ("imbalanced_binary.csv", "noisy_multiclass.csv"):
        cases.append(Case(f"trial_{_stem(file)}_weighted", (
            "trial", *_data(file), "--losses", "weighted_cross_entropy,class_balanced,logit_adjusted",
            *TINY_TRIAL, "--format", "json")))
    cases.append(Case("trial_imbalanced_binary_weighted_bce", (
        "trial", *_data("imbalanced_binary.csv"), "--losses", "weighted_bce", *TINY_TRIAL, "--format", "json")))
    cases.append(Case("trial_imbalanced_binary_folds", (
        "trial", *_data("imbalanced_binary.csv"), *TINY_TRIAL[:-2], "--seeds", "2", "--folds", "3", "--format", "json")))
    cases.append(Case("trial_multilabel", ("trial", *_data("multilabel.csv"), *TINY_TRIAL, "--format", "json")))
    # A grouped trial (patient_id found as the group column): the bootstrap resamples whole patients.
    cases.append(Case("trial_patients", ("trial", f"{SAMPLES}/patients.csv", "--target", "readmitted", *TINY_TRIAL,
                                         "--format", "json")))
    for file in TABLES:  # the gate with its default thresholds, and with the sample config and a baseline
        cases.append(Case(f"check_{_stem(file)}", ("check", *_data(file), "--no-config", "--format", "json")))
    cases.append(Case("check_masks", ("check", "--masks", f"{SAMPLES}/masks", "--no-config", "--format", "json")))
    for file in TABLES:
        cases.append(Case(f"check_{_stem(file)}_config_baseline", (
            "check", "--profile", saved_profile(file), "--config", f"{SAMPLES}/lossadvisor-check.yaml",
            "--baseline", saved_profile("imbalanced_binary.csv"), "--format", "json")))
    cases.append(Case("rules_list", ("rules", "list")))
    cases.append(Case("rules_facts", ("rules", "facts")))
    cases.append(Case("losses", ("losses",)))
    return cases


_SECONDS = re.compile(r'^(\s*"seconds": )[0-9.eE+-]+(,?)$', re.MULTILINE)


def normalise(case: Case, text: str) -> str:
    """Blank the volatile fields listed in the module docstring."""
    if case.args[0] == "trial":
        return _SECONDS.sub(r"\g<1>0\g<2>", text)
    return text


def golden_path(case: Case, suffix: str) -> Path:
    return GOLDEN / f"{case.name}.{suffix}"


def run_case(case: Case) -> dict:
    """Run one case in-process from the repository root: stdout (normalised), stderr and exit code."""
    import os

    from typer.testing import CliRunner

    from lossadvisor.cli.main import app

    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(app, list(case.args), catch_exceptions=False)
    finally:
        os.chdir(previous)
    return {"stdout": normalise(case, result.stdout), "stderr": result.stderr, "exit_code": result.exit_code}


def stdout_suffix(case: Case) -> str:
    return "json" if "json" in case.args else "txt"


def manifest_entry(case: Case, outcome: dict) -> dict:
    return {"args": list(case.args), "exit_code": outcome["exit_code"], "stderr": outcome["stderr"]}


def write_manifest(entries: dict[str, dict]) -> None:
    (GOLDEN / "manifest.json").write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
