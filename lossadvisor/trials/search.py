"""``lossadvisor search``: explore loss families' parameters with Optuna, train each batch of
proposals as members of one batched model, and prove the winner on rows the search never scored.

    outcome, prepared = run_search(frame, "y", facts, SearchOptions(families=("focal",), n_trials=18))
    report = compare_on_test(prepared, outcome, baseline, default, "card default", options.trial)  # search_final

Guide 6.3.11 (automated loss search: a search space of loss functions, judged on held-out data) and
6.2.11. The sampler is Optuna's TPE (Bergstra et al. 2011), seeded, asked for a whole bracket at
once (``study.ask``) with the constant-liar strategy so one batch spreads out; the bracket trains as
one stacked model with paired seeds and is halved rung by rung (:mod:`lossadvisor.trials.search_fit`);
every rung's value is reported to the trial and the outcome told back (``study.tell``), pruned
trials as PRUNED with their last rung value (TPE reads those too).

Determinism: the sampler is re-seeded before each bracket from the seed and the number of trials
already in the study, so a study interrupted after k brackets and resumed from its storage asks
for the same points as an uninterrupted one. With ``--budget`` the number of brackets depends on
the machine's speed; with ``--trials`` it does not.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from lossadvisor.errors import LossAdvisorError
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.prepare import DataFacts, PreparedData, prepare_data
from lossadvisor.trials.results import TrialOptions
from lossadvisor.trials.search_space import FAMILY_LOSS, dimensions, family_params

STATE_ATTR = "lossadvisor"


@dataclass(frozen=True)
class SearchOptions:
    """How to search; ``trial`` carries the seeds, epochs (the last rung) and the metric."""

    families: tuple[str, ...]
    n_trials: int | None = None          # total trials in the study (a resumed study counts its old ones)
    budget_s: float | None = None        # seconds of search training (the final comparison is extra)
    batch: int | None = None             # trials per bracket; default η^(rungs−1)
    eta: int = 3
    min_epochs: int = 1
    storage: str | None = None
    study_name: str | None = None
    trial: TrialOptions = field(default_factory=TrialOptions)


@dataclass(frozen=True)
class SearchTrial:
    """One configuration the search tried."""

    number: int
    family: str
    point: Mapping[str, float]
    spec: CandidateSpec
    epochs: int                 # epochs it trained (the rung it reached)
    value: float                # its validation value at that rung (higher is better)
    state: str                  # complete | pruned | failed
    rung_values: Mapping[int, float] = field(default_factory=dict)  # epochs → validation value


@dataclass(frozen=True)
class SearchOutcome:
    """What the study found; the final held-out comparison is added by :mod:`lossadvisor.trials.search_final`."""

    trials: tuple[SearchTrial, ...]
    best: SearchTrial
    metric: str
    rungs: tuple[int, ...]
    brackets_run: int
    member_epochs: int
    seeds: int
    seconds: float
    importances: Mapping[str, Mapping[str, float]]
    importance_note: str
    study_name: str | None
    resumed_trials: int


def require_optuna():
    try:
        import optuna
    except ImportError:
        raise LossAdvisorError("search needs optuna, which is not installed: pip install 'lossadvisor[search]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _suggest(trial, families: Sequence[str]) -> tuple[str, dict[str, float]]:
    family = trial.suggest_categorical("family", list(families)) if len(families) > 1 else families[0]
    point = {d.name: trial.suggest_float(d.key, d.low, d.high, log=d.log) for d in dimensions(family)}
    return family, point


def _open_study(optuna, options: SearchOptions, signature: dict):
    """Create the study, or load it from storage and check it was made by the same search."""
    study = optuna.create_study(storage=options.storage, study_name=options.study_name, direction="maximize",
                                load_if_exists=options.storage is not None)
    saved = study.user_attrs.get(STATE_ATTR)
    if saved is None:
        study.set_user_attr(STATE_ATTR, signature)
    elif saved != signature:
        changed = sorted(k for k in set(saved) | set(signature) if saved.get(k) != signature.get(k))
        raise LossAdvisorError(f"study '{options.study_name}' in {options.storage} was made by a different search "
                               f"(differs in: {', '.join(changed)}); use another --study-name")
    for t in study.get_trials(deepcopy=False):  # an interrupted run left these RUNNING: its bracket is redone
        if t.state == optuna.trial.TrialState.RUNNING:
            study.tell(t.number, state=optuna.trial.TrialState.FAIL)
    return study


def _sampler(optuna, seed: int, n_done: int, batch: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # multivariate / group / constant_liar are marked experimental
        return optuna.samplers.TPESampler(seed=seed * 100_003 + n_done, n_startup_trials=batch, multivariate=True,
                                          group=True, constant_liar=True)


def run_search(frame: pd.DataFrame, target: str, facts: DataFacts, options: SearchOptions,
               prepared: PreparedData | None = None) -> tuple[SearchOutcome, PreparedData]:
    """Run (or resume) the study; returns what it found and the prepared data it searched on."""
    import torch

    from lossadvisor.trials import metrics as M
    from lossadvisor.trials.evaluate import Scorer
    from lossadvisor.trials.members import build_loss_module, build_members, fill_data_params, resolve_device, to_tensors
    from lossadvisor.trials.search_fit import rung_epochs, train_bracket

    optuna = require_optuna()
    if options.n_trials is None and options.budget_s is None:
        raise LossAdvisorError("give --trials N or --budget SECONDS (or both)")
    topt = options.trial
    rungs = rung_epochs(topt.train.epochs, options.min_epochs, options.eta)
    batch = options.batch or options.eta ** (len(rungs) - 1)
    device = resolve_device(topt.device)
    primary = M.choose_metric(facts.task, topt.metric, topt.objective.split(":")[0] if topt.objective else None)
    prepared = prepared or prepare_data(frame, target, facts, topt.seed)
    scorer = Scorer(prepared, M.report_metrics(facts.task, primary))
    counts = prepared.class_counts().astype(float).tolist()
    seeds = [topt.seed + i for i in range(topt.seeds)]
    signature = {"families": list(options.families), "seed": topt.seed, "seeds": topt.seeds, "metric": primary,
                 "rungs": list(rungs), "rows": int(len(prepared.y)), "task": prepared.task}
    study = _open_study(optuna, options, signature)
    state = optuna.trial.TrialState
    finished = lambda: [t for t in study.get_trials(deepcopy=False) if t.state in (state.COMPLETE, state.PRUNED)]  # noqa: E731
    resumed = len(finished())
    start, brackets, member_epochs, last_bracket_s = time.perf_counter(), 0, 0, 0.0
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(topt.threads)
    try:
        tensors = None
        while True:
            done = len(finished())
            remaining = None if options.n_trials is None else options.n_trials - done
            if remaining is not None and remaining <= 0:
                break
            elapsed = time.perf_counter() - start
            if options.budget_s is not None and brackets and elapsed + last_bracket_s > options.budget_s:
                break
            size = batch if remaining is None else min(batch, remaining)
            study.sampler = _sampler(optuna, topt.seed, len(study.trials), batch)
            asked = [study.ask() for _ in range(size)]
            proposals = [_suggest(t, options.families) for t in asked]
            specs = [fill_data_params(CandidateSpec(FAMILY_LOSS[f], family_params(f, p, counts)), prepared)
                     for f, p in proposals]
            members = build_members(specs, prepared, seeds, device, build_loss_module)
            if tensors is None:
                full = to_tensors(prepared, device, {m.form for m in members})
                # The search never sees the test rows: its "test" outputs are validation outputs.
                tensors = type(full)(full.x_train, full.x_val, full.x_val, full.y_train, full.y_val)
            sizes = [tensors.x_train.shape[1], *topt.train.hidden, prepared.n_classes]

            def report(rung, asked=asked):
                for position, value in zip(rung.trials, rung.values):
                    if np.isfinite(value):
                        asked[position].report(value, rung.epochs)

            score = lambda ms, out: scorer.validation_scores([m.form for m in ms], out)  # noqa: E731
            outcome = train_bracket(members, tensors, topt.train, sizes, score, rungs, options.eta, report)
            _tell(study, optuna, asked, outcome, rungs)
            brackets += 1
            member_epochs += outcome.member_epochs
            last_bracket_s = outcome.seconds
    finally:
        torch.set_num_threads(previous_threads)
    trials = _collect(study, optuna, options.families, counts, prepared)
    complete = [t for t in trials if t.state == "complete"]
    if not complete:
        raise LossAdvisorError("no search trial finished (every one diverged or failed)")
    best = max(complete, key=lambda t: (t.value, -t.number))
    importances, note = param_importances(optuna, trials, rungs[0], topt.seed)
    return SearchOutcome(tuple(trials), best, primary, rungs, brackets, member_epochs, topt.seeds,
                         round(time.perf_counter() - start, 3), importances, note, options.study_name,
                         resumed), prepared


def _tell(study, optuna, asked, outcome, rungs) -> None:
    state = optuna.trial.TrialState
    last = {}
    for rung in outcome.rungs:
        for position, value in zip(rung.trials, rung.values):
            last[position] = (rung.epochs, value)
    for position, trial in enumerate(asked):
        epochs, value = last[position]
        if not np.isfinite(value):
            study.tell(trial, state=state.FAIL)
        elif epochs == rungs[-1]:
            study.tell(trial, value)
        else:
            study.tell(trial, state=state.PRUNED)


def _collect(study, optuna, families, counts, prepared) -> list[SearchTrial]:
    state = optuna.trial.TrialState
    out = []
    for t in study.get_trials(deepcopy=False):
        if t.state not in (state.COMPLETE, state.PRUNED, state.FAIL):
            continue
        family = t.params.get("family", families[0])
        point = {k.split(".", 1)[1]: v for k, v in t.params.items() if k != "family"}
        spec = CandidateSpec(FAMILY_LOSS[family], family_params(family, point, counts))
        if t.intermediate_values:
            epochs = max(t.intermediate_values)
            value = float(t.intermediate_values[epochs])
        else:
            epochs, value = 0, math.nan
        out.append(SearchTrial(t.number, family, point, spec, epochs, value,
                               {state.COMPLETE: "complete", state.PRUNED: "pruned"}.get(t.state, "failed"),
                               {int(k): float(v) for k, v in sorted(t.intermediate_values.items())}))
    return out


def param_importances(optuna, trials: Sequence[SearchTrial], first_rung: int, seed: int
                      ) -> tuple[dict[str, dict[str, float]], str]:
    """fANOVA importances (Hutter et al. 2014, via optuna.importance) per family, on the first-rung
    values, which every trial has (only a few trials reach the last rung)."""
    from optuna.distributions import FloatDistribution
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    out: dict[str, dict[str, float]] = {}
    for family in dict.fromkeys(t.family for t in trials):
        dims = {d.name: d for d in dimensions(family)}
        rows = [t for t in trials if t.family == family and np.isfinite(t.rung_values.get(first_rung, math.nan))]
        if len(rows) < 4:
            continue
        if len(dims) == 1:
            out[family] = {next(iter(dims)): 1.0}
            continue
        dists = {n: FloatDistribution(d.low, d.high, log=d.log) for n, d in dims.items()}
        shadow = optuna.create_study(direction="maximize")
        for t in rows:
            shadow.add_trial(optuna.trial.create_trial(params=dict(t.point), distributions=dists,
                                                       value=t.rung_values[first_rung]))
        try:
            found = get_param_importances(shadow, evaluator=FanovaImportanceEvaluator(seed=seed))
        except (ValueError, RuntimeError):  # e.g. every value equal
            out[family] = {}
            continue
        out[family] = {k: round(float(v), 4) for k, v in found.items()}
    note = (f"fANOVA on the validation values after {first_rung} epoch(s), which every trial has; "
            "families with fewer than 4 trials are left out")
    return out, note

