"""`lossadvisor search`: Optuna explores loss families' parameters on the batched trainer; the winner is
then compared with the baseline and the rule-configured default on rows the search never scored.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lossadvisor.cli.options import DataSource, guarded, reads_data, write_output
from lossadvisor.errors import ConfigError

SEARCH = "Search"
FIT = "Trial fits"
DEFAULT_TRIALS = 18


class SearchFormat(str, Enum):
    text = "text"
    json = "json"


@guarded
@reads_data
def search(
    source: DataSource,
    family: Annotated[Optional[str], typer.Option("--family", help="Families to search: focal,weights,gce,poly1,composite (default: those of recommend's top candidates).", rich_help_panel=SEARCH)] = None,
    trials: Annotated[Optional[int], typer.Option("--trials", help=f"Trials in the study in all (a resumed study counts its stored ones; default {DEFAULT_TRIALS} without --budget).", min=1, rich_help_panel=SEARCH)] = None,
    budget: Annotated[Optional[float], typer.Option("--budget", help="Seconds of search training; no new bracket starts when the last one would not fit.", min=0.1, rich_help_panel=SEARCH)] = None,
    eta: Annotated[int, typer.Option("--eta", help="Successive halving: keep the best 1/eta at each rung.", min=2, rich_help_panel=SEARCH)] = 3,
    min_epochs: Annotated[int, typer.Option("--min-epochs", help="Epochs of the first rung.", min=1, rich_help_panel=SEARCH)] = 1,
    bracket: Annotated[Optional[int], typer.Option("--bracket", help="Trials per bracket (default eta^(rungs-1)).", min=1, rich_help_panel=SEARCH)] = None,
    storage: Annotated[Optional[str], typer.Option("--storage", help="Optuna storage to save and resume the study, e.g. sqlite:///study.db.", rich_help_panel=SEARCH)] = None,
    study_name: Annotated[Optional[str], typer.Option("--study-name", help="Name of the study in --storage.", rich_help_panel=SEARCH)] = None,
    objective: Annotated[Optional[str], typer.Option("--objective", help="recall | precision | f1 | fbeta:B | balanced_accuracy | calibration | accuracy", rich_help_panel=SEARCH)] = None,
    metric: Annotated[Optional[str], typer.Option("--metric", help="Metric the search maximizes on validation rows (default from the task and objective).", rich_help_panel=FIT)] = None,
    seeds: Annotated[int, typer.Option("--seeds", help="Paired seeds per trial.", min=1, rich_help_panel=FIT)] = 3,
    epochs: Annotated[int, typer.Option("--epochs", help="Epochs of the last rung (a full fit).", min=1, rich_help_panel=FIT)] = 9,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Rows per minibatch.", min=1, rich_help_panel=FIT)] = 256,
    patience: Annotated[int, typer.Option("--patience", help="Epochs without validation improvement before a fit stops.", min=1, rich_help_panel=FIT)] = 3,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap replicates for the final intervals.", min=100, rich_help_panel=FIT)] = 1000,
    fmt: Annotated[SearchFormat, typer.Option("--format", "-f", help="Output format.")] = SearchFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to a file.")] = None,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Write a slice plot per parameter to a PNG (needs matplotlib).")] = None,
) -> None:
    """Search loss parameters with Optuna (TPE + successive halving) and prove the winner on held-out rows."""
    if source.masks is not None or source.path is None:
        raise ConfigError("search needs a tabular data file (or '-' for stdin)")
    if storage is not None and not study_name:
        raise ConfigError("--storage needs --study-name (the study to create or resume)")
    if study_name and storage is None:
        raise ConfigError("--study-name needs --storage (where the study is saved)")
    if storage is not None:
        _check_storage(storage)
    for path in (output, plot):
        if path is not None and not path.parent.is_dir():
            raise ConfigError(f"cannot write {path}: folder {path.parent} does not exist")
    if plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise ConfigError("--plot needs matplotlib, which is not installed: pip install 'lossadvisor[plot]'") from None
    from lossadvisor.trials.search import require_optuna

    require_optuna()  # fail before profiling when the extra is missing
    if family:
        from lossadvisor.trials.search_space import FAMILY_LOSS

        unknown = [f for f in (n.strip() for n in family.split(",")) if f and f not in FAMILY_LOSS]
        if unknown:
            raise ConfigError(f"unknown search family '{unknown[0]}' (known: {', '.join(FAMILY_LOSS)})")

    from lossadvisor.trials.prepare import DataFacts
    from lossadvisor.trials.results import TrialOptions
    from lossadvisor.trials.search import SearchOptions, run_search
    from lossadvisor.trials.search_final import compare_on_test
    from lossadvisor.trials.search_space import families_of, parse_families
    from lossadvisor.trials.train_types import TrainConfig

    dataset = source.load()
    if len(dataset.target) != 1:
        raise ConfigError(f"search takes one target column; got {len(dataset.target)}")
    from lossadvisor.profiling.profile import Profile

    profile = Profile.from_dict(source.profile(dataset))
    facts = DataFacts.from_profile(profile)
    rec = _recommend(profile, objective)
    if family:
        families = parse_families(family, facts.task)
    else:
        families = families_of([c.loss for c in rec.top(3)])
        if not families:
            families = ["focal", "weights"]
        families = parse_families(",".join(families), facts.task)
    train = TrainConfig(batch_size=batch_size, epochs=epochs, patience=patience)
    topt = TrialOptions(seeds=seeds, seed=source.seed, metric=metric, objective=objective, device="cpu",
                        threads=source.threads, bootstrap=bootstrap, train=train)
    options = SearchOptions(families=tuple(families), n_trials=trials if trials or budget else DEFAULT_TRIALS,
                            budget_s=budget, batch=bracket, eta=eta, min_epochs=min_epochs, storage=storage,
                            study_name=study_name, trial=topt)
    outcome, prepared = run_search(dataset.frame, dataset.target[0], facts, options)
    default, default_source = _default_for(outcome.best.family, rec, prepared)
    from lossadvisor.trials.candidates import CandidateSpec

    report = compare_on_test(prepared, outcome, CandidateSpec(rec.baseline.loss, dict(rec.baseline.params), True),
                             default, default_source, topt)
    from lossadvisor.report import search_render as render

    if plot is not None:
        render.render_plot(report, plot)
    write_output(render.render_json(report) if fmt == SearchFormat.json else render.render_text(report), output)


def _check_storage(storage: str) -> None:
    if not storage.startswith("sqlite:///"):
        raise ConfigError(f"--storage must be an SQLite URL such as sqlite:///study.db; got '{storage}'")
    path = Path(storage[len("sqlite:///"):])
    if not path.name:
        raise ConfigError(f"--storage '{storage}' names no file")
    if not path.parent.is_dir() and str(path.parent) not in ("", "."):
        raise ConfigError(f"cannot create {path}: folder {path.parent} does not exist")


def _recommend(profile, objective: str | None):
    from lossadvisor.advice.objectives import Objectives
    from lossadvisor.advice.ranking import recommend
    from lossadvisor.advice.ruleset import load_rules
    from lossadvisor.config_files import configured_rules

    return recommend(profile, Objectives.parse(objective), rules=load_rules(configured_rules(Path.cwd())))


def _default_for(family: str, rec, prepared):
    """The rule-configured point of the winner's family: recommend's candidate of that loss, else the card's."""
    from lossadvisor.trials.candidates import CandidateSpec
    from lossadvisor.trials.search_space import FAMILY_LOSS, default_point, family_params

    loss = FAMILY_LOSS[family]
    for c in rec.candidates:
        if c.loss == loss:
            return CandidateSpec(c.loss, dict(c.params)), f"recommend, rules {', '.join(c.rules)}"
    counts = prepared.class_counts().astype(float).tolist()
    return CandidateSpec(loss, family_params(family, default_point(family, None), counts)), "card default"
