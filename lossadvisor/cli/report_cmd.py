"""`lossadvisor report`: one self-contained HTML page (or Markdown) from data to verdict.

Two forms: ``report DATA --output report.html`` runs profile → recommend → trial (a small default
budget: 2 seeds × 5 epochs) and renders the results; ``report --profile p.json --recommendation r.json
--trial t.json`` renders what a CI job already computed and computes nothing. ``--check c.json`` adds
check results to either form.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lossadvisor.cli.options import DataSource, guarded, reads_data, write_output
from lossadvisor.errors import ConfigError

SAVED = "Saved results (render without computing)"
FIT = "Trial fits (when reading data)"


class PageFormat(str, Enum):
    html = "html"
    markdown = "markdown"


@guarded
@reads_data
def report(
    source: DataSource,
    profile: Annotated[Optional[Path], typer.Option("--profile", help="A saved profile (profile --format json).", rich_help_panel=SAVED)] = None,
    recommendation: Annotated[Optional[Path], typer.Option("--recommendation", help="A saved recommendation (recommend --format json).", rich_help_panel=SAVED)] = None,
    trial: Annotated[Optional[Path], typer.Option("--trial", help="A saved trial (trial --format json).", rich_help_panel=SAVED)] = None,
    check: Annotated[Optional[Path], typer.Option("--check", help="Saved check results (check --format json) to include.", rich_help_panel=SAVED)] = None,
    objective: Annotated[Optional[str], typer.Option("--objective", help="recall | precision | f1 | fbeta:B | balanced_accuracy | calibration | accuracy | mae | rmse | quantile:Q", rich_help_panel=FIT)] = None,
    top: Annotated[int, typer.Option("--top", help="How many recommended candidates to show and trial.", min=1, rich_help_panel=FIT)] = 3,
    no_trial: Annotated[bool, typer.Option("--no-trial", help="Profile and recommend only.", rich_help_panel=FIT)] = False,
    seeds: Annotated[int, typer.Option("--seeds", help="Paired seeds per candidate.", min=1, rich_help_panel=FIT)] = 2,
    epochs: Annotated[int, typer.Option("--epochs", help="Most epochs per fit.", min=1, rich_help_panel=FIT)] = 5,
    budget: Annotated[Optional[float], typer.Option("--budget", help="Stop training after about this many seconds.", min=0.1, rich_help_panel=FIT)] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Rows per minibatch.", min=1, rich_help_panel=FIT)] = 256,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap replicates for the intervals.", min=100, rich_help_panel=FIT)] = 1000,
    fmt: Annotated[PageFormat, typer.Option("--format", "-f", help="html (self-contained page) or markdown (PR comment; no charts).", case_sensitive=False)] = PageFormat.html,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the page to a file (default stdout).")] = None,
) -> None:
    """Write one page from data to verdict: the data's conditions, the ranked losses and the trial's evidence."""
    from lossadvisor.report.saved_results import read_saved

    saved = {"profile": profile, "recommendation": recommendation, "trial": trial}
    given = [f"--{k}" for k, v in saved.items() if v is not None]
    if given and source.given:
        raise ConfigError(f"give either data or saved results ({', '.join(given)}), not both")
    if not given and not source.given:
        raise ConfigError("give a data file (or --masks DIR), or saved results with --profile, --recommendation, --trial")
    if output is not None and not output.parent.is_dir():
        raise ConfigError(f"cannot write {output}: folder {output.parent} does not exist")
    if fmt is PageFormat.html:
        from lossadvisor.report.charts import require_matplotlib

        require_matplotlib()  # before minutes of training, not after
    check_doc = read_saved(check, "check") if check is not None else None
    if given:
        docs = {kind: read_saved(path, kind) if path is not None else None for kind, path in saved.items()}
        _refuse_mismatch(docs)
    else:
        docs = _compute(source, objective, top, no_trial, seeds, epochs, budget, batch_size, bootstrap)
    from lossadvisor.profiling.profile import Profile
    from lossadvisor.report import html

    render = html.render_html if fmt is PageFormat.html else html.render_markdown
    profile = None if docs["profile"] is None else Profile.from_dict(docs["profile"])  # the JSON boundary
    write_output(render(profile, docs["recommendation"], docs["trial"], check_doc), output)


def _refuse_mismatch(docs: dict) -> None:
    """Saved files of different tasks describe different data: refuse rather than print a page that lies."""
    tasks = {kind: doc["task"] for kind, doc in docs.items() if doc is not None}
    if len(set(tasks.values())) > 1:
        raise ConfigError("the saved results describe different tasks: "
                          + ", ".join(f"--{kind} {task}" for kind, task in tasks.items()))


def _compute(source: DataSource, objective, top, no_trial, seeds, epochs, budget, batch_size, bootstrap) -> dict:
    """profile → recommend → trial on the data, each stage's JSON as its command would print it."""
    from lossadvisor.config_files import configured_rules
    from lossadvisor.advice.ranking import recommend as rank
    from lossadvisor.advice.objectives import Objectives
    from lossadvisor.advice.ruleset import load_rules
    from lossadvisor.profiling.profile import Profile
    from lossadvisor.vocabulary import TRIAL_TASKS

    objectives = Objectives.parse(objective)
    rules = load_rules(configured_rules(Path.cwd()))
    dataset = source.load()
    profile = source.profile(dataset)
    typed = Profile.from_dict(profile)
    rec = rank(typed, objectives, rules=rules)
    trial = None
    if not no_trial and typed.task in TRIAL_TASKS and source.path is not None and len(dataset.target) == 1:
        trial = _trial(source, dataset, typed, top, objective, seeds, epochs, budget, batch_size, bootstrap)
    elif not no_trial:
        typer.echo(f"note: no trial: trial supports {', '.join(TRIAL_TASKS)} data with one target; "
                   f"this is {typed.task}", err=True)
    return {"profile": profile, "recommendation": rec.to_dict(top=top), "trial": trial}


def _trial(source, dataset, profile, top, objective, seeds, epochs, budget, batch_size, bootstrap) -> dict:
    """Trial the recommendation's top candidates against its baseline, as `trial` does by default."""
    from lossadvisor.cli.trial_cmd import _with_progress
    from lossadvisor.config_files import configured_rules
    from lossadvisor.report.trial_render import report_dict
    from lossadvisor.trials.plan import plan_trial, run_plan, trial_options
    from lossadvisor.trials.prepare import DataFacts

    plan = plan_trial(profile, DataFacts.from_profile(profile), objective=objective, top=top,
                      rules_path=configured_rules(Path.cwd()))
    options = trial_options(seeds=seeds, seed=source.seed, metric=None, objective=objective, batched=True,
                            device="auto", threads=source.threads, bootstrap=bootstrap, epochs=epochs, budget=budget,
                            batch_size=batch_size, patience=3)
    result = _with_progress(epochs, options, lambda tick: run_plan(dataset.frame, dataset.target[0], plan, options,
                                                                   on_epoch=tick))
    return report_dict(result)
