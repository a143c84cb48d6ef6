"""The objective decides the functional, judged on the committed evidence table (benchmarks/evidence/).

For every regression and count (set, condition) of the pool, the observed data are rebuilt as the evidence run
built them (same rows, same injected gross errors) and profiled, which measures ``target_stats.contamination``.
Then, for the RMSE and MAE objectives, ``recommend``'s first choice is looked up in ``results.csv`` and counted
when it is tied with the best, three ways: the rule scores' order alone (before this ordering), the ordering with
contamination left unmeasured (null), and the ordering with the measured contamination (what ``recommend`` does).
It also prints how often the measurement called the clean and the gross-5 copies contaminated.

    pip install 'lossadvisor[evidence]'
    python benchmarks/functional_evidence.py      # about 2 minutes on 2 busy cores
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from lossadvisor.advice.conditions import profile_facts
from lossadvisor.advice.objectives import Objectives
from lossadvisor.advice.ranking import evaluate
from lossadvisor.advice.ruleset import load_rules
from lossadvisor.evidence.bench import RunSettings, jobs_of
from lossadvisor.evidence.catalogue import load_table
from lossadvisor.evidence.pool_file import read_pool
from lossadvisor.evidence.sets import apply_condition, clean_frame
from lossadvisor.profiling.measure import profile_table

FOLDER = Path(__file__).resolve().parent / "evidence"
MODES = ("rule scores only (these rules)", "ordering, contamination not measured", "ordering, contamination measured")


def read_ties() -> dict[tuple, bool]:
    ties = {}
    with (FOLDER / "results.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            params = json.dumps(json.loads(row["params"]), sort_keys=True)
            ties[(row["set"], row["condition"], row["objective"], row["loss"], params)] = row["tied_with_best"] == "true"
    return ties


def first_choice(facts: dict, objective: str, mode: str, rules):
    facts = {k: v for k, v in facts.items() if not (mode == MODES[1] and k.startswith("target_stats.contam"))}
    candidates = evaluate(rules, facts, Objectives.parse(objective)).candidates
    if mode == MODES[0]:   # the order the scores alone give (ranking._rank's key)
        candidates = sorted(candidates, key=lambda c: (-round(c.score, 6), c.rules[0], c.loss))
    return candidates[0]


def main() -> None:
    settings, rules, ties = RunSettings(), load_rules(), read_ties()
    jobs = [j for j in jobs_of(read_pool(FOLDER / "pool.csv"), settings) if j.task in ("regression", "count")]
    facts_of, called = {}, {"clean": [0, 0], "gross": [0, 0]}
    for job in jobs:
        cleaned, _ = clean_frame(load_table(job.table), job.target, job.task, settings.max_rows, settings.seed, job.set)
        observed, _ = apply_condition(cleaned, job.target, job.task, job.condition, settings.seed, job.set)
        profile = profile_table(observed, target=job.target, task=job.task).as_saved()
        facts_of[job] = profile_facts(profile)
        kind = "gross" if job.condition.startswith("gross") else "clean"
        called[kind][0] += bool(facts_of[job].get("target_stats.contaminated"))
        called[kind][1] += 1
    print(f"called contaminated: clean {called['clean'][0]}/{called['clean'][1]}, "
          f"gross-5 {called['gross'][0]}/{called['gross'][1]}")
    for objective in ("rmse", "mae"):
        for mode in MODES:
            tied = total = 0
            for job, facts in facts_of.items():
                cand = first_choice(facts, objective, mode, rules)
                params = json.dumps({k: v for k, v in cand.params.items() if k != "reduction"}, sort_keys=True)
                key = (job.set, job.condition, objective, cand.loss, params)
                if key in ties:
                    tied, total = tied + ties[key], total + 1
            print(f"{objective:5} {mode:40} first choice tied with the best: {tied}/{total}")


if __name__ == "__main__":
    main()
