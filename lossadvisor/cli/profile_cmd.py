"""`lossadvisor profile`: the fact sheet a loss choice depends on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lossadvisor.cli.options import DataSource, ReportFormat, guarded, reads_data, write_output


@guarded
@reads_data
def profile(
    source: DataSource,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to a file.")] = None,
) -> None:
    """Measure the data: task, structure, class balance, label noise, outliers, tails, masks."""
    from lossadvisor.report.profile_render import render_json, render_markdown, render_text

    from lossadvisor.profiling.profile import Profile

    result = Profile.from_dict(source.profile())  # the JSON boundary: read once, rendered typed
    if fmt is ReportFormat.text:
        import sys

        from lossadvisor.report.fit import output_width

        terminal = output is None and sys.stdout.isatty()
        text = render_text(result, width=output_width(output is None), color=terminal)
    else:
        text = {"json": render_json, "markdown": render_markdown}[fmt.value](result)
    write_output(text, output)
