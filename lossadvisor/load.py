"""Files → a Dataset: the table, its target columns, and the loading options.

Everything that reads data (profile, recommend, trial, check) goes through
:func:`load_dataset`, so every command accepts the same inputs.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lossadvisor.vocabulary import TASKS
from lossadvisor.errors import LoadError

DEFAULT_TARGET_NAMES = ("target", "label", "y", "class", "outcome")
MASK_SUFFIXES = (".png", ".npy")

_READERS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


@dataclass(frozen=True)
class LoadOptions:
    """How to read the data; shared by every command that reads data."""

    target: tuple[str, ...] = ()
    task: str | None = None
    masks: Path | None = None
    time_column: str | None = None
    group_column: str | None = None
    label_separator: str = "|"
    positive_class: str | None = None

    def __post_init__(self) -> None:
        if self.task is not None and self.task not in TASKS:
            raise LoadError(f"unknown task '{self.task}'; expected one of: {', '.join(TASKS)}")


@dataclass(frozen=True)
class Dataset:
    """A loaded table (or mask folder) with its resolved target columns."""

    frame: pd.DataFrame | None
    target: tuple[str, ...]
    source: str
    options: LoadOptions = field(default_factory=LoadOptions)
    mask_files: tuple[Path, ...] = ()

    @property
    def features(self) -> pd.DataFrame:
        """The columns that are not targets (empty when there is no table)."""
        if self.frame is None:
            return pd.DataFrame()
        return self.frame.drop(columns=list(self.target))


def parse_target(value: str | None) -> tuple[str, ...]:
    """Split a ``--target`` value ("a,b") into column names."""
    if value is None:
        return ()
    if not value.strip(" ,"):
        raise LoadError("--target is empty; give a column name (or leave the option out)")
    return tuple(name.strip() for name in value.split(",") if name.strip())


def read_table(path: str | Path) -> pd.DataFrame:
    """Read CSV, TSV, Parquet or JSON Lines by extension; ``-`` reads CSV from stdin."""
    if str(path) == "-":
        return _read_csv(io.StringIO(sys.stdin.read()), sep=",", name="<stdin>")
    path = Path(path)
    if not path.exists():
        raise LoadError(f"file not found: {path}")
    if path.is_dir():
        raise LoadError(f"expected a data file, got a folder: {path} (use --masks for a mask folder)")
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".zst", ".xz") and len(suffixes) > 1:
        suffixes = suffixes[:-1]
    kind = _READERS.get(suffixes[-1] if suffixes else "")
    if kind is None:
        known = ", ".join(sorted(_READERS))
        raise LoadError(f"cannot tell the format of {path.name}: expected one of {known}")
    if path.stat().st_size == 0:
        raise LoadError(f"file is empty: {path}")
    try:
        if kind == "csv":
            return _read_csv(path, sep=",", name=str(path))
        if kind == "tsv":
            return _read_csv(path, sep="\t", name=str(path))
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_json(path, lines=True)
    except LoadError:
        raise
    except (OSError, ValueError, ImportError) as exc:
        raise LoadError(f"cannot read {path}: {_first_line(exc)}") from exc


def _read_csv(source, sep: str, name: str) -> pd.DataFrame:
    if isinstance(source, Path):
        from lossadvisor.csv_arrow import read_csv_arrow

        fast = read_csv_arrow(source, sep)   # pyarrow's multithreaded reader, or None where types could differ
        if fast is not None:
            return fast
    try:
        frame = pd.read_csv(source, sep=sep, engine="c", low_memory=False)
    except pd.errors.EmptyDataError as exc:
        raise LoadError(f"file is empty: {name}") from exc
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name} is not UTF-8 text ({_first_line(exc)}); save it as UTF-8 and try again") from exc
    except (pd.errors.ParserError, ValueError) as exc:
        raise LoadError(f"malformed {'TSV' if sep == chr(9) else 'CSV'} in {name}: {_first_line(exc)}") from exc
    if frame.shape[0] == 0:
        raise LoadError(f"file has a header but no rows: {name}")
    header = _header(source, sep)
    repeated = sorted({raw for raw in header if raw and header.count(raw) > 1})
    if repeated:
        raise LoadError(f"{name} repeats column name(s) {', '.join(repr(r) for r in repeated)} in its header; "
                        "rename them so each column can be told apart")
    return frame


def _header(source, sep: str) -> list[str]:
    """The header row as written (pandas renames a repeated name 'a' to 'a.1')."""
    if hasattr(source, "seek"):
        source.seek(0)
    row = pd.read_csv(source, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False).iloc[0]
    return [str(v) for v in row.tolist()]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def resolve_target(frame: pd.DataFrame, requested: tuple[str, ...]) -> tuple[str, ...]:
    """The target columns: the ones asked for, else a conventionally named column."""
    columns = [str(c) for c in frame.columns]
    if requested:
        repeated = sorted({name for name in requested if requested.count(name) > 1})
        if repeated:
            raise LoadError(f"target column {', '.join(repr(r) for r in repeated)} given more than once in --target")
        missing = [name for name in requested if name not in columns]
        if missing:
            raise LoadError(
                f"target column {', '.join(repr(m) for m in missing)} not found; "
                f"columns are: {', '.join(columns)}"
            )
        return requested
    lowered = {c.lower(): c for c in columns}
    for name in DEFAULT_TARGET_NAMES:
        if name in lowered:
            return (lowered[name],)
    raise LoadError(
        "no target column given and none named "
        f"{'/'.join(DEFAULT_TARGET_NAMES)}; pass --target COL (columns are: {', '.join(columns)})"
    )


def check_target(frame: pd.DataFrame, target: tuple[str, ...], task: str | None) -> None:
    """Refuse targets that no loss can learn from: all missing, or a single value."""
    for name in target:
        column = frame[name]
        if column.isna().all():
            raise LoadError(f"target column '{name}' is entirely missing (all values are NaN)")
        if column.nunique(dropna=True) < 2 and len(target) == 1:
            only = column.dropna().iloc[0]
            raise LoadError(f"target column '{name}' has a single value ({only!r}); a loss needs at least two")
        if task == "count":
            lowest = pd.to_numeric(column, errors="coerce").min()
            if lowest < 0:
                raise LoadError(f"--task count needs a non-negative target; column '{name}' goes down to {lowest:g}")


def find_masks(folder: Path) -> tuple[Path, ...]:
    """The mask files (PNG or .npy) in a folder, sorted by name."""
    folder = Path(folder)
    if not folder.exists():
        raise LoadError(f"mask folder not found: {folder}")
    if not folder.is_dir():
        raise LoadError(f"--masks expects a folder, got a file: {folder}")
    files = tuple(sorted(p for p in folder.iterdir() if p.suffix.lower() in MASK_SUFFIXES))
    if not files:
        raise LoadError(f"no masks (.png or .npy files) in {folder}")
    return files


def load_dataset(path: str | Path | None, options: LoadOptions = LoadOptions()) -> Dataset:
    """Load a table and/or a mask folder, resolving and checking the target."""
    mask_files = find_masks(options.masks) if options.masks is not None else ()
    if path is None:
        if not mask_files:
            raise LoadError("no data given: pass a data file, '-' for stdin, or --masks DIR")
        return Dataset(frame=None, target=(), source=str(options.masks), options=options, mask_files=mask_files)
    frame = read_table(path)
    frame.columns = [str(c) for c in frame.columns]
    target = resolve_target(frame, options.target)
    check_target(frame, target, options.task)
    for name, label in ((options.time_column, "--time-column"), (options.group_column, "--group-column")):
        if name is not None and name not in frame.columns:
            raise LoadError(f"{label} '{name}' not found; columns are: {', '.join(frame.columns)}")
    return Dataset(frame=frame, target=target, source=str(path), options=options, mask_files=mask_files)


def dataset_from_frame(frame: pd.DataFrame, options: LoadOptions = LoadOptions(), source: str = "<DataFrame>") -> Dataset:
    """Wrap an in-memory DataFrame (the Python API) as a Dataset; the frame is not modified."""
    if frame.shape[0] == 0:
        raise LoadError("the DataFrame has no rows")
    frame = frame.rename(columns=str)
    target = resolve_target(frame, options.target)
    check_target(frame, target, options.task)
    mask_files = find_masks(options.masks) if options.masks is not None else ()
    return Dataset(frame=frame, target=target, source=source, options=options, mask_files=mask_files)
