"""Text output that fits the console: one width rule for every command, and tables that shed columns.

Width: a terminal's own width when standard output is a terminal; otherwise ``$COLUMNS`` when it is
set, else :data:`PIPE_WIDTH` (100), so a script that pipes or redirects the output always gets the same
lines. Rich wraps prose once, at that width; nothing is wrapped beforehand at a fixed width.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from typing import Callable, Sequence

PIPE_WIDTH = 100
MIN_WIDTH = 40  # below this a table cannot show a label and a number side by side


def output_width(to_terminal: bool = True) -> int:
    """The width to render at: the terminal's, else $COLUMNS, else PIPE_WIDTH (see the module docstring)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    if to_terminal and sys.stdout.isatty():
        return max(MIN_WIDTH, shutil.get_terminal_size((PIPE_WIDTH, 24)).columns)
    return PIPE_WIDTH


def plain_console(width: int, file: io.StringIO | None = None, **options):
    """A console for text that goes to files and pipes as often as to terminals: no colour, no markup,
    no emoji (data such as "[b]x" or ":smile:" must print as it is)."""
    from rich.console import Console

    settings = dict(color_system=None, highlight=False, markup=False, emoji=False, force_terminal=False)
    settings.update(options)
    return Console(file=file if file is not None else io.StringIO(), width=width, **settings)


def fits(console, table) -> bool:
    """Whether rich lays `table` out within the console's width without ellipsizing a cell.

    Rich always makes a table "fit", by cutting cells short or cropping lines when it must; this draws
    the table uncropped at the console's width and checks that neither happened.
    """
    from rich.cells import cell_len

    probe = plain_console(console.width)
    probe.print(table, crop=False)
    drawn = probe.file.getvalue()
    given = sum(str(cell).count("…") for column in table.columns for cell in (column.header, *column.cells))
    return max(map(cell_len, drawn.splitlines()), default=0) <= console.width and drawn.count("…") == given


def split_columns(console, first: Callable[[Sequence[str]], object], rest: Callable[[Sequence[str]], object],
                  optional: Sequence[str]) -> list[list[str]]:
    """Share `optional` columns (most important first) among tables that each fit the console.

    ``first(columns)`` makes the main table (its fixed columns plus `columns`); ``rest(columns)`` the
    tables printed under it. The main table takes as many optional columns as fit; the others move to
    the tables below, so a narrow console shows every value with no line wider than the console.
    """
    groups: list[list[str]] = []
    remaining = list(optional)
    while True:
        build = rest if groups else first
        taken = len(remaining)
        while taken > 0 and not fits(console, build(remaining[:taken])):
            taken -= 1
        if taken == 0 and groups:  # a single column that does not fit: print it anyway, rich folds it
            taken = 1
        groups.append(remaining[:taken])
        remaining = remaining[taken:]
        if not remaining:
            return groups


def wrap_text(text: str, width: int) -> str:
    """Plain text (Markdown from `rules show`, say) wrapped once, at `width`, by the console."""
    from rich.text import Text

    console = plain_console(width)
    for line in text.rstrip("\n").split("\n"):
        console.print(Text(line), overflow="fold")
    return console.file.getvalue()
