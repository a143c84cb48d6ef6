"""Render a DoctorReport: a rich table of the checklist's verdicts, or JSON."""

from __future__ import annotations

import io
import json

from lossadvisor.doctor.examine import DoctorReport


def render_doctor_json(report: DoctorReport) -> str:
    return json.dumps(report.to_dict(), indent=2)


def render_doctor_text(report: DoctorReport, color: bool = False, width: int = 100) -> str:
    """One row per check (pass, FAIL, warn or info) and the overall verdict."""
    from rich.console import Console
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
    buffer = io.StringIO()
    console = Console(file=buffer, soft_wrap=False, width=width, force_terminal=color, no_color=not color)
    if report.reason:
        console.print(f"input kind: {report.inputs} ({report.reason})", markup=False)
    console.print(table)
    console.print("[bold green]all checks passed[/bold green]" if report.passed else
                  "[bold red]the doctor found problems[/bold red]")
    return buffer.getvalue()
