"""The benchmark on a tiny generated pool: the output contract, resumability, clean test labels, the docs page."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lossadvisor.evidence.bench import RESULT_COLUMNS, RunSettings, drop_unfinished, read_done, run_benchmark
from lossadvisor.evidence.fold_scores import run_folds
from lossadvisor.evidence.evidence_page import render_page, section_of
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.prepare import DataFacts
from lossadvisor.trials.train_types import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(0)
X = RNG.normal(size=(240, 3))
FRAMES = {
    "t:bin": pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": np.where(X[:, 0] + 0.3 * X[:, 2] > 0, "p", "n")}),
    "t:reg": pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": 2 * X[:, 0] + RNG.normal(size=240)}),
}
POOL = [
    {"set": "bin", "table": "t:bin", "target": "y", "stratum": "binary-balanced", "task": "binary"},
    {"set": "reg", "table": "t:reg", "target": "y", "stratum": "regression-clean", "task": "regression"},
]
TINY = RunSettings(seeds=2, folds=2, epochs=2, max_rows=150, losses=("cross_entropy", "focal", "mse", "mae"))


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    out = tmp_path_factory.mktemp("evidence")
    first = run_benchmark(POOL, out, TINY, FRAMES.__getitem__, say=lambda s: None)
    return out, first


def _rows(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_results_follow_the_contract(ran):
    out, log = ran
    assert log.failed == [] and log.done == 5  # bin: clean + 2 flips; reg: clean + gross-5
    rows = _rows(out / "results.csv")
    assert tuple(rows[0]) == RESULT_COLUMNS
    assert {r["seeds"] for r in rows} == {"2"} and {r["folds"] for r in rows} == {"2"}
    binary = {r["objective"]: r["metric"] for r in rows if r["task"] == "binary"}
    assert binary == {"f1": "f1", "recall": "recall", "accuracy": "accuracy",
                      "balanced_accuracy": "balanced_accuracy", "calibration": "log_loss"}
    assert {r["loss"] for r in rows if r["task"] == "binary"} == {"cross_entropy", "focal"}
    assert {r["loss"] for r in rows if r["task"] == "regression"} == {"mse", "mae"}
    for row in rows:
        json.loads(row["params"])
        assert float(row["lo"]) <= float(row["mean"]) <= float(row["hi"])
    groups: dict = {}
    for row in rows:
        groups.setdefault((row["set"], row["condition"], row["objective"]), []).append(row["tied_with_best"])
    assert all("true" in flags for flags in groups.values())   # the best is always tied with itself
    assert len(groups) == 3 * 5 + 2 * 3


def test_facts_are_the_observed_profile(ran):
    out, _ = ran
    lines = [json.loads(line) for line in (out / "facts.jsonl").read_text().splitlines()]
    assert [(line["set"], line["condition"]) for line in lines if line["set"] == "bin"] == \
        [("bin", "clean"), ("bin", "flip-sym-10"), ("bin", "flip-sym-30")]
    assert all(line["facts"]["task"] == line["task"] for line in lines)
    assert all(line["facts"]["rows"] == 150 for line in lines)   # subsampled to max_rows


def test_a_second_run_skips_finished_pairs(ran):
    out, _ = ran
    before = (out / "results.csv").read_text()
    again = run_benchmark(POOL, out, TINY, FRAMES.__getitem__, say=lambda s: None)
    assert (again.done, again.skipped) == (0, 5)
    assert (out / "results.csv").read_text() == before


def test_rows_of_an_unfinished_pair_are_dropped(tmp_path, ran):
    out, _ = ran
    copy = tmp_path / "results.csv"
    copy.write_text((out / "results.csv").read_text())
    done = read_done(out / "facts.jsonl") - {("reg", "gross-5")}
    drop_unfinished(copy, done)
    assert {(r["set"], r["condition"]) for r in _rows(copy)} == done


def test_only_and_limit_pick_jobs(tmp_path):
    log = run_benchmark(POOL, tmp_path, RunSettings(seeds=2, folds=2, epochs=1, max_rows=120, losses=("mse",),
                                                    only=("reg",), limit=1), FRAMES.__getitem__, say=lambda s: None)
    assert log.done == 1
    assert {(r["set"], r["condition"]) for r in _rows(tmp_path / "results.csv")} == {("reg", "clean")}


def test_flipped_training_labels_are_scored_against_clean_test_labels():
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    clean = np.where(x > 0, 1, 0)
    observed = clean.copy()
    flip = rng.choice(300, size=90, replace=False)  # 30%: the majority label is still right everywhere
    observed[flip] = 1 - observed[flip]
    frame = pd.DataFrame({"x": x, "y": observed})
    scores = run_folds(frame, "y", clean, DataFacts("binary"), [CandidateSpec("cross_entropy")], ("roc_auc",),
                      [0, 1], 3, TrainConfig(epochs=15))
    auc = np.nanmean(scores.values[0, 0])
    noisy_auc = np.mean([np.mean(x[observed == 1] > v) for v in x[observed == 0]])  # the best score, on noisy labels
    assert noisy_auc < 0.75
    assert auc > 0.95   # ranked against the clean test labels, x orders them almost perfectly


def test_docs_page_sections_and_counts(ran):
    out, _ = ran
    page = render_page(_rows(out / "results.csv"), POOL, {"seeds": 2, "folds": 2})
    for anchor in ("binary-imbalance", "label-noise", "heavy-tailed-regression", "gross-target-errors",
                   "count-regression", "clean-controls"):
        assert f"\n## {anchor}\n" in page
    assert "### label-noise-f1" in page and "### gross-target-errors-rmse" in page
    assert section_of("binary-balanced", "clean") == "clean-controls"
    assert section_of("binary-balanced", "flip-pair-30") == "label-noise"


def test_docs_page_known_counts():
    rows = [
        {"set": "s1", "condition": "clean", "objective": "f1", "metric": "f1", "loss": "a", "mean": "0.9", "tied_with_best": "true"},
        {"set": "s1", "condition": "clean", "objective": "f1", "metric": "f1", "loss": "b", "mean": "0.5", "tied_with_best": "false"},
        {"set": "s2", "condition": "clean", "objective": "f1", "metric": "f1", "loss": "a", "mean": "0.7", "tied_with_best": "true"},
        {"set": "s2", "condition": "clean", "objective": "f1", "metric": "f1", "loss": "b", "mean": "0.8", "tied_with_best": "true"},
    ]
    pool = [{"set": "s1", "stratum": "binary-imbalance"}, {"set": "s2", "stratum": "binary-imbalance"}]
    page = render_page(rows, pool, {})
    assert "| a | 2 | 2 | 100% | 1 |" in page
    assert "| b | 2 | 1 | 50% | 1 |" in page


def test_script_reports_a_missing_pool_as_an_error(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "evidence" / "run.py"), "run",
                           "--pool", str(tmp_path / "none.csv"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"error: no pool at {tmp_path / 'none.csv'}: run "
                                                "'python benchmarks/evidence/run.py pool' first"]


def test_committed_docs_page_matches_the_committed_table():
    """docs/evidence.md is generated: regenerate it with `python benchmarks/evidence/run.py docs` after a run."""
    from lossadvisor.evidence.pool_file import read_pool

    folder = ROOT / "benchmarks" / "evidence"
    if not (folder / "results.csv").exists():
        pytest.skip("no committed evidence table")
    info = json.loads((folder / "run_info.json").read_text(encoding="utf-8"))
    page = render_page(_rows(folder / "results.csv"), read_pool(folder / "pool.csv"), info)
    assert page == (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")


def test_committed_table_keeps_the_contract():
    folder = ROOT / "benchmarks" / "evidence"
    if not (folder / "results.csv").exists():
        pytest.skip("no committed evidence table")
    rows = _rows(folder / "results.csv")
    assert tuple(rows[0]) == RESULT_COLUMNS
    facts = {(line["set"], line["condition"]) for line in map(json.loads, (folder / "facts.jsonl").read_text().splitlines())}
    assert {(r["set"], r["condition"]) for r in rows} == facts
    assert {r["tied_with_best"] for r in rows} == {"true", "false"}


def test_refresh_facts_remeasures_in_the_profiles_class_order(tmp_path, ran):
    """facts.jsonl keeps the profile's key order (binary: the positive class last, here 'true', which
    sorts first), and ``refresh_facts`` rewrites the same lines from fresh profiles without training."""
    from lossadvisor.evidence.bench import refresh_facts

    frames = {"t:bin": FRAMES["t:bin"].assign(y=np.where(FRAMES["t:bin"]["y"] == "p", "true", "zzz"))}
    pool = [dict(POOL[0])]
    settings = RunSettings(seeds=2, folds=2, epochs=1, max_rows=150, losses=("cross_entropy",), only=("clean",))
    run_benchmark(pool, tmp_path, settings, frames.__getitem__, say=lambda s: None)
    written = (tmp_path / "facts.jsonl").read_text()
    counts = json.loads(written.splitlines()[0])["facts"]["classes.counts"]
    assert list(counts) == ["zzz", "true"]          # 'true' reads as positive: last, though it sorts first
    (tmp_path / "facts.jsonl").write_text(json.dumps(json.loads(written.splitlines()[0]), sort_keys=True) + "\n")
    assert refresh_facts(pool, tmp_path, settings, frames.__getitem__, say=lambda s: None) == 1
    assert (tmp_path / "facts.jsonl").read_text() == written
