"""`lossadvisor profile`: the fact sheet a loss choice depends on."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lossadvisor.cli import app
from lossadvisor.cli.common import (DataArg, GroupColumnOpt, LabelSepOpt, MasksOpt, NoiseCapOpt, NoNoiseOpt,
                                    PositiveClassOpt,
                                    SeedOpt, TargetOpt, TaskOpt, ThreadsOpt, TimeColumnOpt, guarded, load_options,
                                    write_output)


class ProfileFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def build_profile(data, target, task, masks, time_column, group_column, label_separator, seed, threads,
                  no_noise, noise_sample, positive_class=None) -> dict:
    """Load and profile with the shared data options; used by profile, recommend, trial and check."""
    from lossadvisor.load import load_dataset
    from lossadvisor.profiling import ProfileOptions, profile_dataset

    options = load_options(target, task, masks, time_column, group_column, label_separator, positive_class)
    dataset = load_dataset(data, options)
    measure = ProfileOptions(seed=seed, threads=threads, noise=not no_noise, noise_sample_cap=noise_sample,
                             progress=sys.stderr.isatty())
    return profile_dataset(dataset, measure).to_dict()


@app.command()
@guarded
def profile(
    data: DataArg = None,
    target: TargetOpt = None,
    task: TaskOpt = None,
    masks: MasksOpt = None,
    time_column: TimeColumnOpt = None,
    group_column: GroupColumnOpt = None,
    label_separator: LabelSepOpt = "|",
    positive_class: PositiveClassOpt = None,
    fmt: Annotated[ProfileFormat, typer.Option("--format", "-f", help="Output format.")] = ProfileFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to a file.")] = None,
    seed: SeedOpt = 0,
    threads: ThreadsOpt = 1,
    no_noise: NoNoiseOpt = False,
    noise_sample: NoiseCapOpt = 20_000,
) -> None:
    """Measure the data: task, structure, class balance, label noise, outliers, tails, masks."""
    from lossadvisor.report.profile_render import render_json, render_markdown, render_text

    result = build_profile(data, target, task, masks, time_column, group_column, label_separator, seed, threads,
                           no_noise, noise_sample, positive_class)
    renderer = {"json": render_json, "markdown": render_markdown, "text": render_text}[fmt.value]
    write_output(renderer(result), output)
