"""`lossadvisor doctor TARGET`: the guide's debugging checklist (6.3.10) on a loss; exit 1 when a check fails."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer

from lossadvisor.cli.losses_cmd import Format, FormatOpt
from lossadvisor.cli.options import SeedOpt, ThreadsOpt, guarded, write_output
from lossadvisor.report.fit import output_width
from lossadvisor.errors import LossAdvisorError


def _parse_params(text: str | None) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LossAdvisorError(f"--params must be a JSON object: {exc.msg} at column {exc.colno}") from None
    if not isinstance(value, dict):
        raise LossAdvisorError("--params must be a JSON object, e.g. '{\"gamma\": 0.5}'")
    return value


@guarded
def doctor_command(
    target: Annotated[str, typer.Argument(help="path/to/file.py:attr, module:attr, or a zoo loss name.")],
    task: Annotated[Optional[str], typer.Option(
        "--task", help="Input kind: a task (binary, multiclass, multilabel, segmentation, regression, count, "
                       "sequence, embedding) or an input kind such as mean_logvar.")] = None,
    params: Annotated[Optional[str], typer.Option("--params", help="JSON parameters for a zoo loss.")] = None,
    fmt: FormatOpt = Format.text,
    seed: SeedOpt = 0,
    threads: ThreadsOpt = 1,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds one call to the loss (or one check) may take.",
                                           min=0.01, max=3600)] = 30.0,
) -> None:
    """Run the guide's debugging checklist (6.3.10) on a loss. Exit 1 when a check fails.

    Without --task the doctor works out what the loss takes from probe calls and says so.
    """
    import torch

    from lossadvisor.doctor.examine import doctor_target
    from lossadvisor.report.doctor_render import render_doctor_json, render_doctor_text

    torch.set_num_threads(threads)
    report = doctor_target(target, task, _parse_params(params), seed, timeout)
    text = render_doctor_json(report) if fmt is Format.json else render_doctor_text(report, sys.stdout.isatty(), output_width())
    write_output(text, None)
    if not report.passed:
        raise typer.Exit(1)
