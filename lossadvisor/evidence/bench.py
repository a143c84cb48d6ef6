"""Run the evidence benchmark: every (set, condition) of a pool → rows of results.csv and a line of facts.jsonl.

Resumable: a (set, condition) is done when its line is in facts.jsonl (written after its results rows);
a rerun skips the done ones and drops results rows of an unfinished one. The output contract (columns,
files) is described in docs/evidence.md and is what the rule-score fitting reads.
"""

from __future__ import annotations

import csv
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from lossadvisor.errors import LossAdvisorError

RESULT_COLUMNS = ("set", "condition", "task", "loss", "params", "objective", "metric", "mean", "lo", "hi",
                  "tied_with_best", "seeds", "folds")
# objective → (metric, the objective the losses are configured for). The objective names are recommend's
# (lossadvisor.advice.objectives), except ``deviance`` (trial's word; recommend has no such objective, so the
# losses keep the task default's configuration). ``quantile`` is scored at level QUANTILE.
QUANTILE = 0.9
OBJECTIVES: dict[str, dict[str, tuple[str, str]]] = {
    "binary": {"f1": ("f1", "f1"), "recall": ("recall", "recall"), "accuracy": ("accuracy", "accuracy"),
               "balanced_accuracy": ("balanced_accuracy", "balanced_accuracy"),
               "calibration": ("log_loss", "calibration")},
    "multiclass": {"f1": ("macro_f1", "f1"), "accuracy": ("accuracy", "accuracy"),
                   "balanced_accuracy": ("balanced_accuracy", "balanced_accuracy"),
                   "calibration": ("log_loss", "calibration")},
    "regression": {"rmse": ("rmse", "rmse"), "mae": ("mae", "mae"),
                   "quantile": ("pinball", f"quantile:{QUANTILE:g}")},
    "count": {"rmse": ("rmse", "rmse"), "mae": ("mae", "mae"), "deviance": ("poisson_deviance", "rmse")},
}
SELECTION = {"binary": "f1", "multiclass": "macro_f1", "regression": "rmse", "count": "rmse"}
EXCLUDED_LOSSES = ("composite", "group_reweighted_ce", "group_dro")  # need components / --sensitive groups


@dataclass(frozen=True)
class RunSettings:
    """How the benchmark runs: seeds, folds, rows per set, threads; the defaults are the committed run's."""

    seeds: int = 5
    folds: int = 3
    seed: int = 0
    max_rows: int = 1000
    threads: int = 1
    workers: int = 1
    epochs: int = 10
    only: tuple[str, ...] = ()
    limit: int | None = None
    losses: tuple[str, ...] = ()   # restrict the zoo (tests); empty: every applicable loss


@dataclass(frozen=True)
class Job:
    set: str
    condition: str
    task: str
    stratum: str
    table: str
    target: str


@dataclass
class RunLog:
    done: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def applicable_losses(task: str, allowed: Sequence[str] = ()) -> list[str]:
    """Zoo losses a tabular trial can fit for the task (count also takes regression losses), in zoo order."""
    from lossadvisor.losses.cards import get_card, list_losses
    from lossadvisor.trials.members import INPUT_FORMS

    tasks = {task, "regression"} if task == "count" else {task}
    out = []
    for name in list_losses():
        card = get_card(name)
        if name in EXCLUDED_LOSSES or INPUT_FORMS.get(card.inputs) is None or not tasks & set(card.tasks):
            continue
        if allowed and name not in allowed:
            continue
        out.append(name)
    return out


def jobs_of(pool_rows: Iterable[dict], settings: RunSettings) -> list[Job]:
    from lossadvisor.evidence.inject import conditions_for

    jobs = [Job(r["set"], c, r["task"], r["stratum"], r["table"], r["target"])
            for r in pool_rows for c in conditions_for(r["stratum"])]
    if settings.only:
        jobs = [j for j in jobs if any(word in f"{j.set}|{j.condition}|{j.stratum}" for word in settings.only)]
    return jobs[: settings.limit] if settings.limit is not None else jobs


def read_done(facts_path: Path) -> set[tuple[str, str]]:
    if not facts_path.exists():
        return set()
    done = set()
    for line in facts_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            done.add((entry["set"], entry["condition"]))
    return done


def drop_unfinished(results_path: Path, done: set[tuple[str, str]]) -> None:
    """Keep only results rows of finished (set, condition)s: an interrupted job left rows without facts."""
    if not results_path.exists():
        return
    with results_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kept = [r for r in rows if (r["set"], r["condition"]) in done]
    if len(kept) != len(rows):
        write_rows(results_path, kept, append=False)


def write_rows(path: Path, rows: list[dict], append: bool = True) -> None:
    new = not append or not path.exists()
    with path.open("w" if not append else "a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=RESULT_COLUMNS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerows(rows)


def compact(params: dict) -> str:
    """Parameters as compact JSON, floats to 6 significant digits."""
    def tidy(value: Any) -> Any:
        if isinstance(value, float):
            return float(f"{value:.6g}")
        if isinstance(value, (list, tuple)):
            return [tidy(v) for v in value]
        if isinstance(value, dict):
            return {k: tidy(v) for k, v in value.items()}
        return value
    return json.dumps(tidy(dict(params)), separators=(",", ":"), sort_keys=True)


def observe(job: Job, frame_of: Callable[[str], Any], settings: RunSettings) -> tuple[Any, Any, tuple, Any]:
    """The training data as a user would have it (the condition injected), its clean truth, the columns
    dropped as leaks, and its profile at saved precision (what recommend and trial read)."""
    from lossadvisor.evidence.sets import apply_condition, clean_frame
    from lossadvisor.profiling.measure import profile_table

    cleaned, leaks = clean_frame(frame_of(job.table), job.target, job.task, settings.max_rows, settings.seed, job.set)
    observed, truth = apply_condition(cleaned, job.target, job.task, job.condition, settings.seed, job.set)
    profile = profile_table(observed, target=job.target, task=job.task).as_saved()
    return observed, truth, leaks, profile


def facts_line(job: Job, profile: Any) -> dict:
    """The line of facts.jsonl: the profile's facts in the profile's own key order, so class counts keep
    the class order (binary: positive last) that pos_weight and priors are read in."""
    from lossadvisor.advice.conditions import profile_facts

    return {"set": job.set, "condition": job.condition, "task": job.task, "facts": _jsonable(profile_facts(profile))}


def refresh_facts(pool_rows: list[dict], out_dir: Path, settings: RunSettings, frame_of: Callable[[str], Any],
                  say: Callable[[str], None] = print) -> int:
    """Rewrite facts.jsonl from fresh profiles of the finished (set, condition)s (no training); same order."""
    facts_path = out_dir / "facts.jsonl"
    done = [json.loads(line) for line in facts_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    jobs = {(j.set, j.condition): j for j in jobs_of(pool_rows, RunSettings(**{**asdict(settings), "only": ()}))}
    lines = []
    for old in done:
        job = jobs[(old["set"], old["condition"])]
        lines.append(json.dumps(facts_line(job, observe(job, frame_of, settings)[3])))
        say(f"facts {job.set} {job.condition}")
    facts_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def run_job(job: Job, frame_of: Callable[[str], Any], settings: RunSettings) -> tuple[list[dict], dict]:
    """One (set, condition): profile the observed data, configure the losses, cross-fit, score every objective."""
    from lossadvisor.advice.objectives import Objectives
    from lossadvisor.advice.ranking import configure_loss
    from lossadvisor.advice.ruleset import load_rules
    from lossadvisor.evidence.fold_scores import HIGHER_IS_BETTER, run_folds
    from lossadvisor.evidence.intervals import best_and_ties, corrected_interval
    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.train_types import TrainConfig

    observed, truth, leaks, profile = observe(job, frame_of, settings)
    facts = DataFacts.from_profile(profile)
    rules = load_rules()
    objectives = OBJECTIVES[job.task]
    losses = applicable_losses(job.task, settings.losses)
    configured: dict[str, list[CandidateSpec]] = {}
    specs: dict[str, CandidateSpec] = {}
    for objective, (_, configure_for) in objectives.items():
        chosen = []
        for loss in losses:
            candidate, _ = configure_loss(loss, profile, Objectives.parse(configure_for), rules)
            spec = CandidateSpec(loss, dict(candidate.params) if candidate is not None else {})
            key = f"{loss}|{compact(spec.params)}"
            specs.setdefault(key, spec)
            chosen.append(key)
        configured[objective] = chosen
    keys, usable = usable_specs(list(specs), specs, observed, job.target, facts)
    metrics = tuple(dict.fromkeys([SELECTION[job.task]] + [m for m, _ in objectives.values()]))
    scores = run_folds(observed, job.target, truth, facts, [specs[k] for k in keys], metrics,
                      [settings.seed + i for i in range(settings.seeds)], settings.folds,
                      TrainConfig(epochs=settings.epochs), pinball_tau=QUANTILE)
    rows = []
    for objective, (metric, _) in objectives.items():
        mine = [k for k in configured[objective] if k in usable]
        j = metrics.index(metric)
        table = scores.values[[keys.index(k) for k in mine], j, :]
        _, tied = best_and_ties(table, HIGHER_IS_BETTER[metric], scores.test_share)
        for key, row, flag in zip(mine, table, tied):
            mean, low, high = corrected_interval(row, scores.test_share)
            rows.append({"set": job.set, "condition": job.condition, "task": job.task, "loss": specs[key].loss,
                         "params": compact(specs[key].params), "objective": objective, "metric": metric,
                         "mean": _num(mean), "lo": _num(low), "hi": _num(high),
                         "tied_with_best": "true" if flag else "false", "seeds": settings.seeds,
                         "folds": settings.folds})
    extra = {"leaking_columns_dropped": list(leaks), "rows": len(observed),
             "unusable": {k: why for k, why in usable_problems(specs, usable).items()}}
    return rows, {"facts": facts_line(job, profile), "extra": extra, "epochs": scores.epochs}


def usable_specs(keys: list[str], specs: dict, frame, target: str, facts) -> tuple[list[str], set[str]]:
    """The specs whose loss builds on this data (a loss whose required parameter no rule sets is left out)."""
    from lossadvisor.trials.members import build_loss_module, build_members, fill_data_params
    from lossadvisor.trials.prepare import prepare_data

    prepared = prepare_data(frame, target, facts, 0)
    ok = []
    for key in keys:
        try:
            build_members([fill_data_params(specs[key], prepared)], prepared, [0], "cpu", build_loss_module)
        except (LossAdvisorError, TypeError, ValueError) as exc:
            _PROBLEMS[key] = str(exc)
            continue
        ok.append(key)
    return ok, set(ok)


_PROBLEMS: dict[str, str] = {}


def usable_problems(specs: dict, usable: set[str]) -> dict[str, str]:
    return {k: _PROBLEMS.get(k, "") for k in specs if k not in usable}


def _attempt(job: Job, frame_of: Callable[[str], Any], settings: RunSettings) -> tuple[list[dict], dict] | BaseException:
    """run_job, with its exception returned: one set's failure is recorded and never stops the run."""
    import torch

    torch.set_num_threads(settings.threads)
    try:
        return run_job(job, frame_of, settings)
    except Exception as exc:
        return exc


def _own_session() -> None:
    import os

    try:
        os.setsid()
    except OSError:  # already a session leader
        pass


def _timed_attempt(job: Job, frame_of: Callable[[str], Any], settings: RunSettings):
    began = time.perf_counter()
    outcome = _attempt(job, frame_of, settings)
    return outcome, time.perf_counter() - began


def _num(value: float) -> str:
    """Six significant digits; ``nan`` where undefined (a loss that diverged on every unit, or one unit only)."""
    return "nan" if value is None or not math.isfinite(value) else f"{value:.6g}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def run_benchmark(pool_rows: list[dict], out_dir: Path, settings: RunSettings,
                  frame_of: Callable[[str], Any], say: Callable[[str], None] = print) -> RunLog:
    """Run every unfinished (set, condition) of the pool, appending to ``out_dir``'s files as each finishes."""
    import torch

    torch.set_num_threads(settings.threads)
    out_dir.mkdir(parents=True, exist_ok=True)
    results, facts_path, notes_path = out_dir / "results.csv", out_dir / "facts.jsonl", out_dir / "notes.jsonl"
    done = read_done(facts_path)
    drop_unfinished(results, done)
    log = RunLog()
    start = time.perf_counter()
    todo = []
    for job in jobs_of(pool_rows, settings):
        if (job.set, job.condition) in done:
            log.skipped += 1
        else:
            todo.append(job)

    def record(job: Job, outcome: tuple[list[dict], dict] | BaseException, seconds: float) -> None:
        if isinstance(outcome, BaseException):
            log.failed.append(f"{job.set} {job.condition}: {type(outcome).__name__}: {outcome}")
            say(f"FAILED {job.set} {job.condition}: {outcome}")
            return
        rows, info = outcome
        write_rows(results, rows)
        with facts_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(info["facts"]) + "\n")
        with notes_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"set": job.set, "condition": job.condition, **info["extra"],
                                     "seconds": round(seconds, 1)}, sort_keys=True) + "\n")
        log.done += 1
        say(f"done {job.set} {job.condition}: {len(rows)} rows in {seconds:.1f} s")

    if settings.workers <= 1:
        for job in todo:
            began = time.perf_counter()
            record(job, _attempt(job, frame_of, settings), time.perf_counter() - began)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("fork")  # the workers inherit frame_of and the imports
        # Each worker in its own session: with the kernel's autogroup scheduling a session shares the CPU
        # as one unit, so the workers of one run would otherwise split a single share between them.
        with ProcessPoolExecutor(settings.workers, mp_context=context, initializer=_own_session) as executor:
            futures = {executor.submit(_timed_attempt, job, frame_of, settings): job for job in todo}
            for future in as_completed(futures):
                outcome, seconds = future.result()
                record(futures[future], outcome, seconds)
    log.seconds = time.perf_counter() - start
    return log
