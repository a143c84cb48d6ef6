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
from lossadvisor.text_decoding import (check_encoding_name, compression_error, compression_of, describe_encoding,
                                       encodings_to_try, read_stdin_text, sniff_file_encoding)

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
    encoding: str | None = None  # None: detected (lossadvisor.text_decoding)

    def __post_init__(self) -> None:
        if self.task is not None and self.task not in TASKS:
            raise LoadError(f"unknown task '{self.task}'; expected one of: {', '.join(TASKS)}")
        if not self.label_separator:
            raise LoadError("--label-separator is empty; give the character between labels (e.g. '|')")


@dataclass(frozen=True)
class Dataset:
    """A loaded table (or mask folder) with its resolved target columns."""

    frame: pd.DataFrame | None
    target: tuple[str, ...]
    source: str
    options: LoadOptions = field(default_factory=LoadOptions)
    mask_files: tuple[Path, ...] = ()
    encoding: str | None = None  # how a text file was decoded; None for Parquet, masks and DataFrames

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


def read_table(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Read CSV, TSV, Parquet or JSON Lines by extension; ``-`` reads CSV from stdin."""
    return read_table_decoded(path, encoding)[0]


def read_table_decoded(path: str | Path, encoding: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """The table and the text encoding it was read with (detected unless given; None for Parquet)."""
    if str(path) == "-":
        decoded = read_stdin_text(encoding)
        return _read_csv(io.StringIO(decoded.text), sep=",", name="<stdin>"), decoded.encoding
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
    if kind == "parquet" and encoding is not None:
        raise LoadError("--encoding applies to text files (CSV, TSV, JSON Lines), not Parquet")
    chain = (check_encoding_name(encoding),) if encoding else \
        (None,) if kind == "parquet" else encodings_to_try(sniff_file_encoding(path))
    for attempt, text_encoding in enumerate(chain):
        try:
            return _read_file(path, kind, text_encoding), text_encoding
        except UnicodeDecodeError as exc:  # bytes past the sniffed head that the encoding cannot decode
            if attempt == len(chain) - 1:
                advice = "check --encoding" if encoding else "pass --encoding"
                raise LoadError(f"{path} is not valid {describe_encoding(text_encoding)} text ({_first_line(exc)}); "
                                f"{advice}") from None
    raise AssertionError("unreachable")


def _read_file(path: Path, kind: str, encoding: str | None) -> pd.DataFrame:
    try:
        if kind == "csv":
            return _read_csv(path, sep=",", name=str(path), encoding=encoding)
        if kind == "tsv":
            return _read_csv(path, sep="\t", name=str(path), encoding=encoding)
        if kind == "parquet":
            return _decode_bytes_columns(pd.read_parquet(path), path)
        return _read_jsonl(path, encoding)
    except (LoadError, UnicodeDecodeError):
        raise
    except Exception as exc:
        if compression_of(path) and compression_error(exc):
            raise LoadError(f"{path} is not a valid {compression_of(path)} file ({_first_line(exc)})") from None
        if isinstance(exc, (OSError, ValueError, ImportError)):
            raise LoadError(f"cannot read {path}: {_first_line(exc)}") from None
        raise


_JSON_KINDS = {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number",
               float: "a number", type(None): "null"}


def _read_jsonl(path: Path, encoding: str | None) -> pd.DataFrame:
    """JSON Lines: one object per line whose values are numbers, text, booleans, null or lists (no objects)."""
    import json

    from lossadvisor.text_decoding import read_bytes

    text = read_bytes(path).decode(encoding or "utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise LoadError(f"{path} line {number} is not valid JSON: {getattr(exc, 'msg', 'nested too deeply')}") from None
        if not isinstance(row, dict):
            raise LoadError(f"{path} line {number}: expected one JSON object per line, got {_JSON_KINDS.get(type(row), 'a value')}")
        nested = next((key for key, value in row.items() if isinstance(value, dict)), None)
        if nested is not None:
            raise LoadError(f"{path} line {number}: '{nested}' holds an object; a column holds numbers, text, "
                            "true/false, null or lists (flatten nested objects first)")
    if not text.strip():
        raise LoadError(f"file is empty: {path}")
    return pd.read_json(io.StringIO(text), lines=True)


def _decode_bytes_columns(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Parquet binary columns: UTF-8 text becomes str; other bytes cannot be profiled and are refused."""
    for name in frame.columns[frame.dtypes == object]:
        values = frame[name].dropna()
        if not values.map(lambda v: isinstance(v, (bytes, bytearray))).any():
            continue
        try:
            frame[name] = frame[name].map(lambda v: v.decode("utf-8") if isinstance(v, (bytes, bytearray)) else v)
        except UnicodeDecodeError:
            raise LoadError(f"{path}: column '{name}' holds raw bytes that are not text; drop or decode it first") from None
    return frame


def _read_csv(source, sep: str, name: str, encoding: str | None = None) -> pd.DataFrame:
    if isinstance(source, Path) and (encoding or "utf-8").lower() in ("utf-8", "utf8", "ascii"):
        from lossadvisor.csv_arrow import read_csv_arrow

        fast = read_csv_arrow(source, sep)   # pyarrow's multithreaded reader, or None where types could differ
        if fast is not None:
            return fast
    try:
        frame = pd.read_csv(source, sep=sep, engine="c", low_memory=False, encoding=encoding)
    except pd.errors.EmptyDataError as exc:
        raise LoadError(f"file is empty: {name}") from exc
    except UnicodeDecodeError:
        raise
    except (pd.errors.ParserError, ValueError) as exc:
        raise LoadError(f"malformed {'TSV' if sep == chr(9) else 'CSV'} in {name}: {_first_line(exc)}") from exc
    if frame.shape[0] == 0:
        raise LoadError(f"file has a header but no rows: {name}")
    header = _header(source, sep, encoding)
    repeated = sorted({raw for raw in header if raw and header.count(raw) > 1})
    if repeated:
        raise LoadError(f"{name} repeats column name(s) {', '.join(repr(r) for r in repeated)} in its header; "
                        "rename them so each column can be told apart")
    return frame


def _header(source, sep: str, encoding: str | None = None) -> list[str]:
    """The header row as written (pandas renames a repeated name 'a' to 'a.1')."""
    if hasattr(source, "seek"):
        source.seek(0)
    row = pd.read_csv(source, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False,
                      encoding=encoding).iloc[0]
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
    if task == "multitarget" and len(target) < 2:
        raise LoadError(f"--task multitarget needs two or more target columns (--target a,b); got "
                        f"{len(target)}: {', '.join(target) or 'none'}")
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
        check_task_fits(column, name, task)


def lists_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """List values (JSON Lines arrays, Parquet list columns) as the text a CSV would hold ("[1, 2]"), so every
    reader hands the profiler the same thing; the frame given is not modified."""
    import json

    def is_list(value) -> bool:
        return isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0)

    listed = [name for name in frame.columns[frame.dtypes == object] if frame[name].map(is_list).any()]
    if not listed:
        return frame
    frame = frame.copy()
    for name in listed:
        frame[name] = frame[name].map(lambda v: json.dumps(v.tolist() if hasattr(v, "tolist") else list(v), default=str)
                                      if is_list(v) else v)
    return frame


NUMERIC_TASKS = ("regression", "count")  # a multi-target table may mix classification columns


def _some(values) -> str:
    shown = [str(v) for v in list(values)[:5]]
    return ", ".join(shown) + (", …" if len(values) > 5 else "")


def check_task_fits(column: pd.Series, name: str, task: str | None) -> None:
    """Refuse a --task that contradicts the target: binary on three classes, regression on text."""
    if task == "binary":
        classes = sorted(column.dropna().astype(str).unique())
        if len(classes) != 2:
            raise LoadError(f"--task binary needs a target with two classes; column '{name}' has {len(classes)} "
                            f"({_some(classes)}); use --task multiclass")
    elif task in NUMERIC_TASKS:
        present = column.dropna()
        numbers = pd.to_numeric(present, errors="coerce")
        if numbers.isna().any():
            examples = present[numbers.isna()].astype(str).unique()
            raise LoadError(f"--task {task} needs a numeric target; column '{name}' holds text such as "
                            f"{_some([repr(v) for v in examples])}")


def check_positive_class(frame: pd.DataFrame, target: tuple[str, ...], positive: str | None) -> None:
    """--positive-class needs a target with exactly two classes; otherwise say what the target holds."""
    if positive is None:
        return
    if len(target) != 1:
        raise LoadError("--positive-class applies to one binary target column, not several")
    classes = sorted(frame[target[0]].dropna().astype(str).unique())
    if len(classes) != 2:  # whether it names one of the two is checked where the class order is set (balance)
        raise LoadError(f"--positive-class applies to a binary target; column '{target[0]}' has {len(classes)} "
                        f"classes ({_some(classes)})")


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
    frame, encoding = read_table_decoded(path, options.encoding)
    frame = lists_as_text(frame)
    frame.columns = [str(c) for c in frame.columns]
    target = resolve_target(frame, options.target)
    check_target(frame, target, options.task)
    check_positive_class(frame, target, options.positive_class)
    for name, label in ((options.time_column, "--time-column"), (options.group_column, "--group-column")):
        if name is not None and name not in frame.columns:
            raise LoadError(f"{label} '{name}' not found; columns are: {', '.join(frame.columns)}")
    return Dataset(frame=frame, target=target, source=str(path), options=options, mask_files=mask_files,
                   encoding=encoding)


def dataset_from_frame(frame: pd.DataFrame, options: LoadOptions = LoadOptions(), source: str = "<DataFrame>") -> Dataset:
    """Wrap an in-memory DataFrame (the Python API) as a Dataset; the frame is not modified."""
    if frame.shape[0] == 0:
        raise LoadError("the DataFrame has no rows")
    frame = lists_as_text(frame.rename(columns=str))
    target = resolve_target(frame, options.target)
    check_target(frame, target, options.task)
    check_positive_class(frame, target, options.positive_class)
    mask_files = find_masks(options.masks) if options.masks is not None else ()
    return Dataset(frame=frame, target=target, source=source, options=options, mask_files=mask_files)
