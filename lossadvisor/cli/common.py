"""Options and helpers shared by every command that reads data.

``profile``, ``recommend``, ``trial`` and ``check`` declare the same data options
(:data:`DataArg`, :data:`TargetOpt`, ...) and turn them into a
:class:`~lossadvisor.load.LoadOptions` with :func:`load_options`, so what works for
one command works for all.
"""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, Optional, TypeVar

import typer

from lossadvisor.errors import LossAdvisorError

F = TypeVar("F", bound=Callable)

DATA_PANEL = "Data loading"


class Task(str, Enum):
    binary = "binary"
    multiclass = "multiclass"
    multilabel = "multilabel"
    regression = "regression"
    count = "count"
    multitarget = "multitarget"
    segmentation = "segmentation"


DataArg = Annotated[
    Optional[str],
    typer.Argument(help="CSV, TSV, Parquet or JSON Lines file ('-' reads CSV from stdin).", show_default=False),
]
TargetOpt = Annotated[
    Optional[str],
    typer.Option("--target", "-t", help="Target column(s), comma-separated for several.", rich_help_panel=DATA_PANEL),
]
TaskOpt = Annotated[
    Optional[Task],
    typer.Option("--task", help="Override the inferred task.", case_sensitive=False, rich_help_panel=DATA_PANEL),
]
MasksOpt = Annotated[
    Optional[Path],
    typer.Option("--masks", help="Folder of integer segmentation masks (PNG or .npy).", rich_help_panel=DATA_PANEL),
]
TimeColumnOpt = Annotated[
    Optional[str],
    typer.Option("--time-column", help="Column that orders the rows in time.", rich_help_panel=DATA_PANEL),
]
GroupColumnOpt = Annotated[
    Optional[str],
    typer.Option("--group-column", help="Column that groups rows (e.g. patient or user id).", rich_help_panel=DATA_PANEL),
]
LabelSepOpt = Annotated[
    str,
    typer.Option("--label-separator", help="Separator inside a multilabel column (e.g. 'a|b').", rich_help_panel=DATA_PANEL),
]
PositiveClassOpt = Annotated[
    Optional[str],
    typer.Option("--positive-class", help="Binary target: the positive class (default: 1/true/yes, else the minority).",
                 rich_help_panel=DATA_PANEL),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed for every random choice.")]
ThreadsOpt = Annotated[
    int,
    typer.Option("--threads", help="Threads for numerical work (1 is fastest on small shared machines).", min=1),
]
NoNoiseOpt = Annotated[
    bool, typer.Option("--no-noise", help="Skip the label-noise estimate (the slowest measurement).")
]
NoiseCapOpt = Annotated[
    int,
    typer.Option("--noise-sample", help="Most rows used for the label-noise estimate (stratified sample).", min=100),
]


def load_options(
    target: str | None,
    task: Task | None,
    masks: Path | None,
    time_column: str | None,
    group_column: str | None,
    label_separator: str,
    positive_class: str | None = None,
):
    """The shared data options as one LoadOptions."""
    from lossadvisor.load import LoadOptions, parse_target

    return LoadOptions(
        target=parse_target(target),
        task=task.value if task is not None else None,
        masks=masks,
        time_column=time_column,
        group_column=group_column,
        label_separator=label_separator,
        positive_class=positive_class,
    )


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line on stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def guarded(command: F) -> F:
    """Turn user errors (and unexpected ones) into one stderr line and exit code 2.

    Set LOSSADVISOR_DEBUG=1 to see the traceback of an unexpected error.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except LossAdvisorError as exc:
            raise fail(str(exc)) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except Exception as exc:  # an internal error still gets one line, never a traceback
            if os.environ.get("LOSSADVISOR_DEBUG"):
                raise
            raise fail(f"internal error: {type(exc).__name__}: {exc} (set LOSSADVISOR_DEBUG=1 for details)") from None

    return wrapper  # type: ignore[return-value]


def write_output(text: str, output: Path | None) -> None:
    """Write a report to a file, or to stdout."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise LossAdvisorError(f"cannot write {output}: {exc.strerror or exc}") from None
