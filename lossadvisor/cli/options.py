"""Options and helpers shared by every command.

``profile``, ``recommend``, ``trial`` and ``check`` take the same data options, declared once in
:data:`DATA_OPTIONS` and added to each command by :func:`reads_data`, which hands the command one
:class:`DataSource`; so what works for one command works for all.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, Optional, TypeVar

import typer

from lossadvisor.errors import ConfigError, LossAdvisorError
from lossadvisor.vocabulary import TASKS

F = TypeVar("F", bound=Callable)

DATA_PANEL = "Data loading"


Task = Enum("Task", {name: name for name in TASKS}, type=str)  # --task choices: the vocabulary's tasks


class ReportFormat(str, Enum):
    """The report formats of profile, recommend and trial (check adds its CI formats)."""

    text = "text"
    json = "json"
    markdown = "markdown"


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
SensitiveOpt = Annotated[
    Optional[str],
    typer.Option("--sensitive", help="Sensitive column(s), comma-separated: per-group facts, metrics and gaps.",
                 rich_help_panel=DATA_PANEL),
]
EncodingOpt = Annotated[
    Optional[str],
    typer.Option("--encoding", help="Text encoding of the data file (default: detected; UTF-8, UTF-16, Windows-1252, "
                                    "Latin-1).", rich_help_panel=DATA_PANEL),
]
MEASURE_PANEL = "Measuring"
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed for every random choice (0 to 2**32 - 1).", min=0,
                                      max=2**32 - 1, rich_help_panel=MEASURE_PANEL)]
ThreadsOpt = Annotated[
    int,
    typer.Option("--threads", help="Threads for numerical work (1 is fastest on small shared machines).", min=1,
                 rich_help_panel=MEASURE_PANEL),
]
NoNoiseOpt = Annotated[
    bool, typer.Option("--no-noise", help="Skip the label-noise estimate (the slowest measurement).",
                       rich_help_panel=MEASURE_PANEL)
]
NoiseCapOpt = Annotated[
    int,
    typer.Option("--noise-sample", help="Most rows used for the label-noise estimate (stratified sample).", min=100,
                 rich_help_panel=MEASURE_PANEL),
]

STREAM_PANEL = "Large files"
StreamOpt = Annotated[
    bool, typer.Option("--stream", help="Profile in one bounded-memory pass (automatic for large files, folders "
                       "and globs of Parquet files).", rich_help_panel=STREAM_PANEL)
]
StreamAboveOpt = Annotated[
    int, typer.Option("--stream-above", help="Stream files larger than this many MiB.", min=0, metavar="MIB",
                      rich_help_panel=STREAM_PANEL)
]
ExactOpt = Annotated[
    bool, typer.Option("--exact", help="When streaming: exact target quantiles, MAD and outliers (keeps the target "
                       "column in memory, 8 bytes a row).", rich_help_panel=STREAM_PANEL)
]
STREAM_ABOVE_MIB = 1024


@dataclass(frozen=True)
class DataSource:
    """What a data-reading command was given: the data, how to load it, and how to measure it."""

    path: str | None
    target: str | None = None
    task: Task | None = None
    masks: Path | None = None
    time_column: str | None = None
    group_column: str | None = None
    label_separator: str = "|"
    positive_class: str | None = None
    sensitive: str | None = None
    encoding: str | None = None
    seed: int = 0
    threads: int = 1
    no_noise: bool = False
    noise_sample: int = 20_000
    stream: bool = False
    stream_above: int = STREAM_ABOVE_MIB
    exact: bool = False

    def refuse_with_profile(self, profile_task: str | None) -> None:
        """A saved profile was given: data options would be silently ignored, so refuse them."""
        ignored = [f"--{name.replace('_', '-')}" for name, _, default in DATA_OPTIONS[1:]
                   if name != "task" and getattr(self, name) != default]
        if ignored:
            raise ConfigError(f"{', '.join(ignored)} only apply when reading data, not with --profile")
        if self.task is not None and profile_task is not None and self.task.value != profile_task:
            raise ConfigError(f"--task {self.task.value} conflicts with the profile's task '{profile_task}'")

    @property
    def given(self) -> bool:
        """A data file or a mask folder was given."""
        return self.path is not None or self.masks is not None

    def load_options(self):
        """The loading options as one LoadOptions."""
        from lossadvisor.load import LoadOptions, parse_target

        return LoadOptions(target=parse_target(self.target), task=self.task.value if self.task else None,
                           masks=self.masks, time_column=self.time_column, group_column=self.group_column,
                           label_separator=self.label_separator, positive_class=self.positive_class,
                           encoding=self.encoding)

    def load(self):
        """The loaded Dataset."""
        from lossadvisor.load import load_dataset

        return load_dataset(self.path, self.load_options())

    @property
    def streams(self) -> bool:
        """Whether the data is profiled in one bounded-memory pass rather than read into memory."""
        from lossadvisor.profiling.streaming import should_stream

        if self.stream and self.path in (None, "-"):
            raise ConfigError("--stream reads a file, a folder or a glob of Parquet files; stdin and masks are "
                              "read into memory")
        streams = should_stream(self.path, self.stream, self.stream_above << 20)
        if self.exact and not streams:
            raise ConfigError("--exact applies only when streaming (--stream, or a file past --stream-above)")
        return streams

    def profile(self, dataset=None, noise: bool = True) -> dict:
        """Profile the data (loaded here unless given, streamed when large) and return the JSON-contract dict."""
        from lossadvisor.profiling.measure import ProfileOptions, profile_dataset

        measure = ProfileOptions(seed=self.seed, threads=self.threads, noise=noise and not self.no_noise,
                                 noise_sample_cap=self.noise_sample, progress=sys.stderr.isatty())
        if dataset is None and self.streams:
            from lossadvisor.profiling.streaming import StreamOptions, stream_profile

            if self.sensitive:
                raise ConfigError("--sensitive measures groups on the table in memory; leave out --stream "
                                  "(or raise --stream-above)")
            return stream_profile(self.path, self.load_options(), measure, StreamOptions(exact=self.exact)).to_dict()
        dataset = dataset if dataset is not None else self.load()
        profile = profile_dataset(dataset, measure)
        if self.sensitive:  # only then: the profile's JSON contract is unchanged without --sensitive
            from dataclasses import replace

            from lossadvisor.profiling.group_measure import measure_groups

            profile = replace(profile, groups=measure_groups(dataset, profile, self.sensitive, measure))
        return profile.to_dict()


# The options every data-reading command takes, in help order: (name, annotation, default).
DATA_OPTIONS = (
    ("data", DataArg, None),
    ("target", TargetOpt, None),
    ("task", TaskOpt, None),
    ("masks", MasksOpt, None),
    ("time_column", TimeColumnOpt, None),
    ("group_column", GroupColumnOpt, None),
    ("label_separator", LabelSepOpt, "|"),
    ("positive_class", PositiveClassOpt, None),
    ("sensitive", SensitiveOpt, None),
    ("encoding", EncodingOpt, None),
    ("seed", SeedOpt, 0),
    ("threads", ThreadsOpt, 1),
    ("no_noise", NoNoiseOpt, False),
    ("noise_sample", NoiseCapOpt, 20_000),
    ("stream", StreamOpt, False),
    ("stream_above", StreamAboveOpt, STREAM_ABOVE_MIB),
    ("exact", ExactOpt, False),
)


def reads_data(command: F) -> F:
    """Give a command the shared data options; it receives them as one `source: DataSource`.

    profile, recommend, trial and check all take exactly these options, declared once here, so
    what works for one works for all.
    """
    own = inspect.signature(command, eval_str=True)
    kept = [p for p in own.parameters.values() if p.name != "source"]
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
              for name, annotation, default in DATA_OPTIONS]
    names = [name for name, _, _ in DATA_OPTIONS]

    @functools.wraps(command)
    def wrapper(**kwargs):
        given = {name: kwargs.pop(name) for name in names}
        return command(source=DataSource(path=given.pop("data"), **given), **kwargs)

    parameters = shared[:1] + [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in kept] + shared[1:]
    wrapper.__signature__ = own.replace(parameters=parameters)
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    del wrapper.__wrapped__  # typer must read the new signature, not the command's
    return wrapper  # type: ignore[return-value]


# Characters that end a line (str.splitlines) shown escaped, so a label like "a\rb" cannot split the error line.
_LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line on stderr and return the Exit to raise."""
    typer.echo(f"error: {message.strip().translate(_LINE_BREAKS)}", err=True)
    return typer.Exit(code)


def guarded(command: F) -> F:
    """Turn user errors (and unexpected ones) into one stderr line and exit code 2.

    Set LOSSADVISOR_DEBUG=1 to see the traceback of an unexpected error.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            refuse_nonfinite(kwargs)
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except LossAdvisorError as exc:
            raise fail(str(exc)) from None
        except BrokenPipeError:  # `lossadvisor ... | head`: the reader left; end quietly
            raise typer.Exit(close_broken_pipe()) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except Exception as exc:  # an internal error still gets one line, never a traceback
            if os.environ.get("LOSSADVISOR_DEBUG"):
                raise
            raise fail(f"internal error: {type(exc).__name__}: {exc} (set LOSSADVISOR_DEBUG=1 for details)") from None

    return wrapper  # type: ignore[return-value]


BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, what the shell reports for a C tool cut off by `| head`


def close_broken_pipe() -> int:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail again; the exit code to use."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. the test runner's stdout)
        pass
    return BROKEN_PIPE_EXIT


def refuse_nonfinite(options: dict) -> None:
    """Every numeric option means a number: NaN and ±inf are refused by name (typer parses them as floats)."""
    for name, value in options.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise LossAdvisorError(f"--{name.replace('_', '-')} must be a finite number, got {value}")


def write_output(text: str, output: Path | None) -> None:
    """Write a report to a file, or to stdout."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()  # a closed pipe shows here, inside the command, not at interpreter exit
        return
    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise LossAdvisorError(f"cannot write {output}: {exc.strerror or exc}") from None
