"""`lossadvisor recommend`: ranked, configured losses from data, a saved profile, or stated facts.

Three forms: ``recommend data.csv --target y`` (profiles first), ``recommend --profile p.json``
(instant: no torch, no scikit-learn, no pandas), and ``recommend --task segmentation
--foreground-fraction 0.01`` (no data; facts given as flags).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional, Tuple

import typer

from lossadvisor.cli.options import DataSource, ReportFormat, guarded, reads_data, write_output
from lossadvisor.errors import ConfigError
from lossadvisor.vocabulary import PROFILE_SCHEMA_VERSION

OBJ = "Objective and costs"
FACTS = "Facts (no-data form, or to override the profile)"


def _fact(flag: str, help_text: str, **extra: Any):
    return typer.Option(flag, help=help_text, rich_help_panel=FACTS, **extra)


@guarded
@reads_data
def recommend_command(
    source: DataSource,
    profile: Annotated[Optional[Path], typer.Option("--profile", help="A saved profile (profile --format json).")] = None,
    objective: Annotated[Optional[str], typer.Option(
        "--objective", help="recall | precision | f1 | fbeta:B | balanced_accuracy | calibration | accuracy | "
                            "mae | rmse | quantile:Q", rich_help_panel=OBJ)] = None,
    fn_cost: Annotated[Optional[float], typer.Option("--fn-cost", help="Cost of a missed positive.", rich_help_panel=OBJ)] = None,
    fp_cost: Annotated[Optional[float], typer.Option("--fp-cost", help="Cost of a false alarm.", rich_help_panel=OBJ)] = None,
    under_cost: Annotated[Optional[float], typer.Option("--under-cost", help="Cost per unit of under-prediction.", rich_help_panel=OBJ)] = None,
    over_cost: Annotated[Optional[float], typer.Option("--over-cost", help="Cost per unit of over-prediction.", rich_help_panel=OBJ)] = None,
    budget: Annotated[str, typer.Option("--budget", help="fast or normal.", rich_help_panel=OBJ)] = "normal",
    rules: Annotated[Optional[Path], typer.Option("--rules", help="Folder or file of rules that add or override by ID (default: `recommend: rules:` in .lossadvisor.yaml or [tool.lossadvisor.recommend]).")] = None,
    top: Annotated[int, typer.Option("--top", help="How many candidates to show.", min=1)] = 3,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to a file.")] = None,
    emit: Annotated[Optional[Tuple[str, Path]], typer.Option(
        "--emit", help="'python FILE': write a runnable snippet that builds the top loss.")] = None,
    imbalance_ratio: Annotated[Optional[float], _fact("--imbalance-ratio", "Majority/minority count.", min=1)] = None,
    n_classes: Annotated[Optional[int], _fact("--n-classes", "Number of classes.", min=2)] = None,
    noise_rate: Annotated[Optional[float], _fact("--noise-rate", "Known share of wrong labels.", min=0, max=1)] = None,
    foreground_fraction: Annotated[Optional[float], _fact("--foreground-fraction", "Mean foreground share per image.", min=0, max=1)] = None,
    empty_fraction: Annotated[Optional[float], _fact("--empty-fraction", "Share of images with an empty mask.", min=0, max=1)] = None,
    outlier_fraction: Annotated[Optional[float], _fact("--outlier-fraction", "Share of outlying targets.", min=0, max=1)] = None,
    kurtosis: Annotated[Optional[float], _fact("--kurtosis", "Excess kurtosis of the target.")] = None,
    dispersion: Annotated[Optional[float], _fact("--dispersion", "Variance/mean of a count target.", min=0)] = None,
    zero_fraction: Annotated[Optional[float], _fact("--zero-fraction", "Share of zero targets.", min=0, max=1)] = None,
    mad: Annotated[Optional[float], _fact("--mad", "Median absolute deviation of the target.", min=0)] = None,
    gross_error_fraction: Annotated[Optional[float], _fact(
        "--gross-error-fraction", "Known share of gross target errors (≥ 0.03 counts as contaminated).",
        min=0, max=1)] = None,
    structure: Annotated[Optional[str], _fact("--structure", "tabular, timeseries, sequence, graph or embedding.")] = None,
    n_targets: Annotated[Optional[int], _fact("--n-targets", "Number of target columns (multi-task).", min=1)] = None,
) -> None:
    """Recommend and configure loss functions, ranked for your objective, with reasons and sources."""
    from lossadvisor.advice.objectives import Objectives
    from lossadvisor.advice.ranking import recommend
    from lossadvisor.advice.ruleset import load_rules
    from lossadvisor.profiling.profile import Profile
    from lossadvisor.profiling.saved_profile import read_profile
    from lossadvisor.report import recommend_render as render

    objectives = Objectives.parse(objective, fn_cost=fn_cost, fp_cost=fp_cost, under_cost=under_cost,
                                  over_cost=over_cost, budget=budget)
    if emit is not None and emit[0] != "python":
        raise ConfigError(f"--emit supports 'python FILE', got '{emit[0]}'")
    if rules is None:
        from lossadvisor.config_files import configured_rules

        rules = configured_rules(Path.cwd())
    ruleset = load_rules(rules)
    if profile is not None and source.given:
        raise ConfigError("give either a data file or --profile, not both")
    if profile is not None:
        typed = read_profile(profile)
        source.refuse_with_profile(typed.task)
    elif source.given:
        typed = Profile.from_dict(source.profile())
    else:
        if source.task is None:
            raise ConfigError("give a data file, --profile, or --task for the no-data form")
        typed = Profile.from_dict({"schema_version": PROFILE_SCHEMA_VERSION, "task": source.task.value})
    stated = _flag_facts(source.task.value if source.task else None, imbalance_ratio, n_classes, noise_rate,
                         foreground_fraction, empty_fraction, outlier_fraction, kurtosis, dispersion,
                         zero_fraction, mad, structure, n_targets, gross_error_fraction)
    _check_fact_flags(stated.get("task", typed.task), imbalance_ratio=imbalance_ratio,
                      n_classes=n_classes, noise_rate=noise_rate, foreground_fraction=foreground_fraction,
                      empty_fraction=empty_fraction, outlier_fraction=outlier_fraction, kurtosis=kurtosis,
                      dispersion=dispersion, zero_fraction=zero_fraction, mad=mad,
                      gross_error_fraction=gross_error_fraction)
    result = recommend(typed, objectives, rules=ruleset, facts=stated)
    if emit is not None:
        _write(emit[1], render.render_python(result))
        chosen = (result.candidates or [result.baseline])[0]
        typer.echo(f"wrote a snippet that builds '{chosen.loss}' to {emit[1]}", err=True)
    if fmt is ReportFormat.text:
        from lossadvisor.report.fit import output_width

        write_output(render.render_text(result, top=top, width=output_width(output is None)), output)
        return
    write_output({"json": render.render_json, "markdown": render.render_markdown}[fmt.value](result, top=top), output)


STRUCTURES = ("tabular", "timeseries", "grouped", "sequence", "segmentation", "image", "graph", "embedding")


def _flag_facts(task, imbalance_ratio, n_classes, noise_rate, foreground_fraction, empty_fraction,
                outlier_fraction, kurtosis, dispersion, zero_fraction, mad, structure, n_targets,
                gross_error_fraction=None) -> dict:
    """Facts stated on the command line; a stated noise rate counts as a reliable estimate, and a stated
    gross-error share decides contamination with the profile's threshold."""
    from lossadvisor.profiling.contamination import CONTAMINATED_FRACTION

    if structure is not None and structure not in STRUCTURES:
        raise ConfigError(f"unknown --structure '{structure}' (expected {', '.join(STRUCTURES)})")
    facts = {
        "task": task, "classes.imbalance_ratio": imbalance_ratio, "classes.n_classes": n_classes,
        "label_noise.estimated_rate": noise_rate, "label_noise.reliable": True if noise_rate is not None else None,
        "masks.foreground_fraction": foreground_fraction, "masks.empty_fraction": empty_fraction,
        "target_stats.outlier_fraction": outlier_fraction, "target_stats.kurtosis": kurtosis,
        "target_stats.dispersion": dispersion, "target_stats.zero_fraction": zero_fraction,
        "target_stats.mad": mad, "structure.type": structure, "n_targets": n_targets,
        "target_stats.gross_error_fraction": gross_error_fraction,
        "target_stats.contaminated": (None if gross_error_fraction is None
                                      else gross_error_fraction >= CONTAMINATED_FRACTION),
    }
    if task == "binary" and n_classes is None:
        facts["classes.n_classes"] = 2
    if task == "count" and dispersion is not None:
        facts["target_stats.is_count"] = True
    return {name: value for name, value in facts.items() if value is not None}


FACT_TASKS = {  # the tasks each fact flag describes; a flag for another task would be silently unused
    ("imbalance_ratio", "n_classes", "noise_rate"): ("binary", "multiclass", "multilabel"),
    ("foreground_fraction", "empty_fraction"): ("segmentation",),
    ("outlier_fraction", "kurtosis", "dispersion", "zero_fraction", "mad", "gross_error_fraction"):
        ("regression", "count", "multitarget"),
}


def _check_fact_flags(task: str | None, **given) -> None:
    """Refuse a fact flag that does not describe the task (e.g. --n-classes for regression)."""
    for names, tasks in FACT_TASKS.items():
        for name in names:
            if given.get(name) is not None and task not in tasks:
                raise ConfigError(f"--{name.replace('_', '-')} describes {'/'.join(tasks)} data, "
                                  f"not a {task or 'task-less'} problem")


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
