"""Does the advice hold? recommend's first choice vs a trial of every applicable loss.

For each sample_data table and a few generated variants (symmetric label noise 0–40%,
imbalance 1:2–1:200, clean and heavy-tailed regression targets, and generated segmentation sets
from ``advice_seg.py``: foreground 0.5–30%, with and without empty images; generated multilabel
tables with rare labels from ``advice_multilabel.py``: prevalence 1–3%; multi-target tables from
``advice_multitarget.py``, which says what it checks): profile, recommend, then
trial every loss in the zoo that applies to the task (default parameters; per-class ones from
the training counts; the recommended configuration of the first choice), and report whether the
first choice is in the group the seeds cannot separate from the best on the objective's metric
(paired bootstrap over test rows and seeds). The hit rate says where the rules are wrong.

    python benchmarks/advice.py [--quick] [--seeds 3] [--epochs 10] [--tasks tabular,segmentation,multilabel,multitarget]

``--quick`` keeps each group to a few minutes on one core: fewer and smaller cases, fewer losses.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TRIAL_INPUTS = ("class_logits", "binary_logits", "regression", "log_mean", "mean_logvar")
FILLED = {"weight", "counts", "priors", "pos_weight"}  # per-class parameters the trial derives from the data
SAMPLE_TARGETS = {"counts.csv": "visits", "timeseries.csv": "demand"}


def generated(quick: bool) -> list[tuple[str, pd.DataFrame]]:
    rng = np.random.default_rng(0)
    n = 2_000 if quick else 6_000
    out = []
    x = rng.normal(size=(n, 8))
    clean = np.argmax(x[:, :4] + 0.3 * rng.normal(size=(n, 4)), axis=1)
    for noise in ((0.0, 0.4) if quick else (0.0, 0.2, 0.4)):
        y = clean.copy()
        flip = rng.random(n) < noise
        y[flip] = (y[flip] + rng.integers(1, 4, flip.sum())) % 4  # symmetric: always to another class
        out.append((f"multiclass_noise_{int(noise * 100)}pct", _frame(x, y)))
    for ratio in ((2, 200) if quick else (2, 20, 200)):
        score = x[:, 0] + 0.5 * x[:, 1] + 0.5 * rng.normal(size=n)
        y = (score > np.quantile(score, 1 - 1 / (ratio + 1))).astype(int)
        out.append((f"binary_imbalance_1to{ratio}", _frame(x, y)))
    signal = x[:, 0] * 2 + np.sin(x[:, 1])
    out.append(("regression_clean", _frame(x, signal + rng.normal(size=n))))
    out.append(("regression_heavy_tail", _frame(x, signal + rng.standard_t(1.5, size=n))))
    return out


def _frame(x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
    frame["y"] = y
    return frame


def sample_tables() -> list[tuple[str, pd.DataFrame, dict]]:
    from lossadvisor.load import LoadOptions, load_dataset

    found = []
    for path in sorted((ROOT / "sample_data").glob("*.csv")):
        try:
            target = (SAMPLE_TARGETS[path.name],) if path.name in SAMPLE_TARGETS else ()
            dataset = load_dataset(path, LoadOptions(target=target))
        except Exception as exc:  # noqa: BLE001 — a sample without a conventional target is skipped
            print(f"  skip {path.name}: {exc}")
            continue
        found.append((path.name, dataset.frame, {"target": dataset.target}))
    return found


def evaluate_case(name: str, frame: pd.DataFrame, target: str, seeds: int, epochs: int) -> dict | None:
    from lossadvisor.advice.ranking import recommend
    from lossadvisor.load import LoadOptions, dataset_from_frame
    from lossadvisor.losses.cards import get_card, list_losses
    from lossadvisor.advice.objectives import Objectives
    from lossadvisor.profiling.measure import ProfileOptions, profile_dataset
    from lossadvisor.trials.candidates import BASELINES, CandidateSpec
    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.run import run_trials
    from lossadvisor.trials.train_types import TrainConfig

    dataset = dataset_from_frame(frame, LoadOptions(target=(target,)), source=name)
    profile = profile_dataset(dataset, ProfileOptions(seed=0)).to_dict()
    facts = DataFacts.from_profile(profile)
    if facts.task not in BASELINES:
        print(f"  skip {name}: task {facts.task} is not trialled")
        return None
    rec = recommend(profile, Objectives())
    first = rec.candidates[0] if rec.candidates else rec.baseline
    accepted = {facts.task, "regression"} if facts.task == "count" else {facts.task}
    names = [n for n in list_losses() if accepted & set(get_card(n).tasks) and get_card(n).inputs in TRIAL_INPUTS
             and n != first.loss and {p.name for p in get_card(n).params if p.required} <= FILLED and not (n in ("poisson", "tweedie") and (frame[target] < 0).any())]
    specs = [CandidateSpec(first.loss, dict(first.params), first.loss == BASELINES[facts.task])]
    specs += [CandidateSpec(n, {}, n == BASELINES[facts.task] and not specs[0].baseline) for n in names]
    if not any(s.baseline for s in specs):
        specs[0] = CandidateSpec(specs[0].loss, dict(specs[0].params), True)
    metric = {"f1": "f1" if facts.task == "binary" else "macro_f1", "rmse": "rmse"}.get(rec.objectives.objective or "")
    options = TrialOptions(seeds=seeds, metric=metric, bootstrap=500, train=TrainConfig(epochs=epochs))
    start = time.perf_counter()
    report = run_trials(frame, target, facts, specs, options)
    chosen = report.candidates[0]
    hit = chosen.spec.label == report.best_label or (chosen.versus_best is not None and chosen.versus_best.verdict == "no significant difference")
    best = report.best
    print(f"  {name:28s} {facts.task:10s} {report.metric:16s} first={chosen.spec.label[:40]:40s} "
          f"best={best.spec.label[:28] if best else '-':28s} {'HIT ' if hit else 'MISS'} ({time.perf_counter() - start:.0f} s)")
    if not hit and chosen.versus_best is not None:
        vb = chosen.versus_best
        print(f"    first − best on {report.metric}: {vb.difference:+.4f} [{vb.ci_low:+.4f}, {vb.ci_high:+.4f}]; "
              f"rules that fired: {', '.join(first.rules) or '-'}; "
              f"profile noise estimate: {(profile.get('label_noise') or {}).get('estimated_rate')}")
    return {"case": name, "task": facts.task, "metric": report.metric, "first": chosen.spec.label,
            "best": report.best_label, "hit": hit}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, smaller variants")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seg-epochs", type=int, default=30)
    parser.add_argument("--tasks", default="tabular,segmentation,multilabel,multitarget", help="which groups of cases to run")
    args = parser.parse_args()
    tasks = set(args.tasks.split(","))
    cases = []
    if "tabular" in tasks:
        cases = [(n, f, "y") for n, f in generated(args.quick)]
        cases += [(n, f, meta["target"][0]) for n, f, meta in sample_tables() if len(meta["target"]) == 1]
    rows = []
    if "segmentation" in tasks:
        from advice_seg import cases as seg_cases, evaluate_seg_case

        for name, foreground, empty in seg_cases(args.quick):
            rows.append(evaluate_seg_case(name, foreground, empty, args.seeds, args.seg_epochs, args.quick))
    if "multilabel" in tasks:
        from advice_multilabel import cases as ml_cases, evaluate_multilabel_case

        for name, prevalence, n in ml_cases(args.quick):
            rows.append(evaluate_multilabel_case(name, prevalence, n, args.seeds, args.epochs))
    if "multitarget" in tasks:
        from advice_multitarget import cases as multitarget_cases, evaluate_multitarget_case

        for name, frame, targets in multitarget_cases(args.quick):
            rows.extend(evaluate_multitarget_case(name, frame, targets, args.seeds, args.epochs))
    for name, frame, target in cases:
        try:
            row = evaluate_case(name, frame, target, args.seeds, args.epochs)
        except Exception as exc:  # noqa: BLE001 — report and go on with the other cases
            print(f"  {name}: failed: {type(exc).__name__}: {exc}")
            continue
        if row:
            rows.append(row)
    for task in sorted({r["task"] for r in rows}):
        of_task = [r for r in rows if r["task"] == task]
        print(f"  {task}: {sum(r['hit'] for r in of_task)}/{len(of_task)}")
    hits = sum(r["hit"] for r in rows)
    print(f"hit rate: {hits}/{len(rows)} cases where recommend's first choice is within noise of the best")


if __name__ == "__main__":
    main()
