"""`lossadvisor losses`, `lossadvisor explain LOSS` and `lossadvisor doctor TARGET`.

`losses` and `explain` read the torch-free cards in lossadvisor.loss_specs; only
`doctor` imports torch.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Optional

import typer

from lossadvisor.cli import app
from lossadvisor.cli.common import SeedOpt, ThreadsOpt, guarded
from lossadvisor.errors import LossAdvisorError


class Format(str, Enum):
    text = "text"
    json = "json"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)]


def _console():
    from rich.console import Console

    return Console(soft_wrap=False, width=140)


@app.command("losses")
@guarded
def losses_command(fmt: FormatOpt = Format.text) -> None:
    """List every loss in the zoo: name, tasks and purpose."""
    from lossadvisor.loss_specs import LOSS_CARDS

    if fmt is Format.json:
        rows = [{"name": c.name, "tasks": list(c.tasks), "purpose": c.purpose, "source": c.source}
                for c in LOSS_CARDS.values()]
        typer.echo(json.dumps({"schema_version": 1, "losses": rows}, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"{len(LOSS_CARDS)} losses (lossadvisor explain NAME for a card)")
    for col in ("name", "tasks", "purpose"):
        table.add_column(col, overflow="fold")
    for card in LOSS_CARDS.values():
        tasks = "any" if len(card.tasks) > 6 else ", ".join(card.tasks)
        table.add_row(card.name, tasks, card.purpose.split(". ")[0].rstrip("."))
    _console().print(table)


@app.command("explain")
@guarded
def explain_command(loss: Annotated[str, typer.Argument(help="Loss name, e.g. focal.")],
                    fmt: FormatOpt = Format.text) -> None:
    """Print a loss's card: formula, parameters, purpose, pitfalls and source."""
    from lossadvisor.loss_specs import get_card

    card = get_card(loss.strip().lower().replace("-", "_"))  # `explain Focal-Tversky` finds focal_tversky
    if fmt is Format.json:
        typer.echo(json.dumps({"schema_version": 1, **card.to_dict()}, indent=2))
        return
    from rich.table import Table

    console = _console()
    console.print(f"[bold]{card.name}[/bold]  ({', '.join(card.tasks)})")
    console.print(f"  formula:  {card.formula}", markup=False)
    console.print(f"  purpose:  {card.purpose}", markup=False)
    console.print(f"  pitfalls: {card.pitfalls}", markup=False)
    console.print(f"  inputs:   {card.inputs}", markup=False)
    console.print(f"  source:   {card.source}", markup=False)
    if card.torch_equivalent:
        console.print(f"  torch:    {card.torch_equivalent}", markup=False)
    if card.params:
        table = Table("parameter", "default", "allowed", "meaning")
        for p in card.params:
            table.add_row(p.name, "required" if p.required else repr(p.default), p.describe(), p.doc)
        console.print(table)


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


@app.command("doctor")
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
) -> None:
    """Run the guide's debugging checklist (6.3.10) on a loss. Exit 1 when a check fails."""
    import torch

    from lossadvisor.doctor import doctor_target

    torch.set_num_threads(threads)
    report = doctor_target(target, task, _parse_params(params), seed)
    if fmt is Format.json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _render(report)
    if not report.passed:
        raise typer.Exit(1)


def _render(report) -> None:
    from rich.table import Table

    table = Table(title=f"doctor: {report.target} ({report.inputs} inputs)")
    table.add_column("check")
    table.add_column("verdict")
    table.add_column("detail", overflow="fold")
    for c in report.checks:
        verdict = ("[green]pass[/green]" if c.passed else
                   "[red]FAIL[/red]" if c.level == "error" else "[yellow]warn[/yellow]")
        if c.passed and c.level == "info":
            verdict = "[dim]info[/dim]"
        table.add_row(c.name, verdict, c.detail)
    console = _console()
    console.print(table)
    console.print("[bold green]all checks passed[/bold green]" if report.passed else
                  "[bold red]the doctor found problems[/bold red]")
