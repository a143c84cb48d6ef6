"""`lossadvisor check`: the data-quality gate for CI (exit 0 passed, 1 a check failed, 2 broken invocation)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from lossadvisor.cli.options import DataSource, guarded, reads_data, write_output
from lossadvisor.errors import LoadError

LIMITS = "Thresholds (override the config file)"
CONFIG = "Configuration"
DEFAULT_GROUP_GAP = 0.1
FORMAT_CHOICES = ("auto", "text", "json", "junit", "github", "markdown")


def _limit(flag: str, help_text: str) -> Any:
    return typer.Option(flag, help=help_text, rich_help_panel=LIMITS, show_default=False)


def _overrides(**flags: Any) -> dict[str, Any]:
    """The flags actually given; a whole-number limit stays whole so messages echo "20", not "20.0"."""
    given = {name: value for name, value in flags.items() if value is not None}
    return {name: int(v) if isinstance(v, float) and v.is_integer() else v for name, v in given.items()}


def _needs_noise(thresholds, baseline) -> bool:
    """Skip the slowest measurement when no enabled check reads it."""
    from lossadvisor.checks.gate import CHECKS_BY_KEY, level_of

    wanted = [("max-noise", thresholds.max_noise)]
    if baseline is not None:
        wanted.append(("noise-increase", thresholds.max_noise_increase))
    return any(limit is not None and level_of(CHECKS_BY_KEY[cid], thresholds) != "off" for cid, limit in wanted)


@guarded
@reads_data
def check(
    source: DataSource,
    profile: Annotated[Optional[Path], typer.Option("--profile", help="Check a saved profile JSON instead of data.")] = None,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", help="A saved profile of the last good data: adds the drift checks.")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Thresholds file (YAML or TOML).", rich_help_panel=CONFIG)] = None,
    no_config: Annotated[bool, typer.Option("--no-config", help="Ignore pyproject.toml and .lossadvisor.yaml.", rich_help_panel=CONFIG)] = False,
    strict: Annotated[Optional[bool], typer.Option("--strict/--no-strict", help="Failed warnings fail the gate too.", show_default=False)] = None,
    disable: Annotated[Optional[list[str]], typer.Option("--disable", help="Turn a check off by ID or name (repeatable).", rich_help_panel=CONFIG)] = None,
    min_rows: Annotated[Optional[int], _limit("--min-rows", "Fewest rows allowed.")] = None,
    min_rows_per_class: Annotated[Optional[int], _limit("--min-rows-per-class", "Fewest rows allowed in any class.")] = None,
    max_imbalance: Annotated[Optional[float], _limit("--max-imbalance", "Largest majority/minority count ratio.")] = None,
    max_noise: Annotated[Optional[float], _limit("--max-noise", "Largest estimated label-noise rate (0-1).")] = None,
    noise_bound: Annotated[Optional[str], _limit("--noise-bound", "Compare the noise CI's 'upper' bound or the 'point' estimate.")] = None,
    max_outlier_fraction: Annotated[Optional[float], _limit("--max-outlier-fraction", "Largest target outlier fraction (0-1).")] = None,
    max_missing: Annotated[Optional[float], _limit("--max-missing", "Largest missing fraction in any column (0-1).")] = None,
    max_duplicates: Annotated[Optional[float], _limit("--max-duplicates", "Largest duplicate-row fraction (0-1).")] = None,
    expect_task: Annotated[Optional[str], _limit("--expect-task", "The task the data must have.")] = None,
    expect_target: Annotated[Optional[str], _limit("--expect-target", "The target column(s) the data must have.")] = None,
    max_group_gap: Annotated[Optional[float], _limit("--max-group-gap", "Largest move of a sensitive group's base rate vs the baseline (0-1; default 0.1 with --sensitive).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Output format: {', '.join(FORMAT_CHOICES)} (auto: github inside GitHub Actions, else text).")] = "auto",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to a file.")] = None,
) -> None:
    """Gate data quality in CI: exit 0 when every check passes, 1 when one fails, 2 on bad usage."""
    from lossadvisor.checks.config import resolve_thresholds
    from lossadvisor.checks.gate import check_profile
    from lossadvisor.report.check_render import render_check, resolve_format
    from lossadvisor.profiling.profile import Profile
    from lossadvisor.profiling.saved_profile import read_profile

    if fmt not in FORMAT_CHOICES:
        raise LoadError(f"unknown --format '{fmt}'; expected one of: {', '.join(FORMAT_CHOICES)}")
    if source.given == (profile is not None):
        raise LoadError("give either a data file (or --masks DIR) or --profile PROFILE.json, not both or neither")
    flags = _overrides(
        min_rows=min_rows, min_rows_per_class=min_rows_per_class, max_imbalance=max_imbalance, max_noise=max_noise,
        noise_bound=noise_bound, max_outlier_fraction=max_outlier_fraction, max_missing=max_missing,
        max_duplicates=max_duplicates, expect_task=expect_task, expect_target=expect_target, strict=strict,
        max_group_gap=max_group_gap,
        levels={name: "off" for name in disable} if disable else None,
    )
    with warnings.catch_warnings(record=True) as caught:  # old check IDs: one line each on stderr
        warnings.simplefilter("always", DeprecationWarning)
        thresholds, origin = resolve_thresholds(config, flags, Path.cwd(), discover=not no_config)
    for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)):
        typer.echo(f"warning: {message}", err=True)
    if source.sensitive and thresholds.max_group_gap is None:
        from dataclasses import replace

        thresholds = replace(thresholds, max_group_gap=DEFAULT_GROUP_GAP)
    previous = read_profile(baseline, "baseline") if baseline is not None else None
    if profile is not None:
        current = read_profile(profile, "profile")
        source.refuse_with_profile(current.task)
    else:
        current = Profile.from_dict(source.profile(noise=_needs_noise(thresholds, previous)))
    result = check_profile(current, thresholds, previous, str(baseline) if baseline else None,
                           str(origin) if origin else None)
    from lossadvisor.report.fit import output_width

    write_output(render_check(result, resolve_format(fmt, os.environ), width=output_width(output is None)), output)
    raise typer.Exit(result.exit_code)
