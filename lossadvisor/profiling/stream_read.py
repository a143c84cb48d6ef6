"""Record batches from a CSV, TSV, Parquet file, or a folder or glob of Parquet files, in bounded memory.

The streaming profile reads through pyarrow: its CSV reader parses blocks ahead on background threads and
Parquet files are read one row group at a time (files in name order), so memory holds a few batches, never
the file. Types follow
the in-memory reader (:mod:`lossadvisor.csv_arrow`): the same missing-value markers and booleans, and
timestamps kept as text. A CSV column whose type changes after the first block (numbers, then text) is
read again as text, as pandas would have read it.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from lossadvisor.errors import LoadError

CSV_BLOCK_BYTES = 16 << 20
PARQUET_BATCH_ROWS = 131_072
PARQUET_SUFFIXES = (".parquet", ".pq")
GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class StreamSource:
    """What to scan: one CSV/TSV file, or Parquet files; and the bytes on disk."""

    kind: str                    # csv, tsv or parquet
    files: tuple[Path, ...]
    label: str

    @property
    def size(self) -> int:
        return sum(f.stat().st_size for f in self.files)


def resolve_source(path: str) -> StreamSource:
    """A file, a folder of Parquet files or a glob of them; a LoadError names what was expected."""
    if GLOB_CHARS.search(path) and not Path(path).exists():
        files = tuple(sorted(Path(p) for p in glob.glob(path, recursive=True) if Path(p).is_file()))
        if not files:
            raise LoadError(f"no files match {path}")
        return _parquet_files(files, path)
    target = Path(path)
    if not target.exists():
        raise LoadError(f"file not found: {target}")
    if target.is_dir():
        files = tuple(sorted(p for p in target.rglob("*") if p.is_file() and p.suffix.lower() in PARQUET_SUFFIXES))
        if not files:
            raise LoadError(f"no Parquet files (.parquet, .pq) in {target}")
        return StreamSource("parquet", files, str(target))
    suffix = target.suffix.lower()
    if target.stat().st_size == 0:
        raise LoadError(f"file is empty: {target}")
    if suffix in PARQUET_SUFFIXES:
        return StreamSource("parquet", (target,), str(target))
    if suffix in (".csv", ".tsv", ".tab"):
        return StreamSource("csv" if suffix == ".csv" else "tsv", (target,), str(target))
    raise LoadError(f"cannot stream {target.name}: streaming reads .csv, .tsv, .parquet files, "
                    "or a folder or glob of Parquet files")


def _parquet_files(files: tuple[Path, ...], label: str) -> StreamSource:
    other = [f.name for f in files if f.suffix.lower() not in PARQUET_SUFFIXES]
    if other:
        raise LoadError(f"a glob must match Parquet files only; {label} also matches {', '.join(other[:3])}")
    return StreamSource("parquet", files, label)


def scan(source: StreamSource, as_text: frozenset[str] = frozenset()) -> Iterator:
    """pyarrow RecordBatches in file order; CSV columns named in `as_text` are read as text."""
    import pyarrow as pa

    try:
        if source.kind == "parquet":
            import pyarrow.parquet as pq

            # File by file, row group by row group: the dataset scanner's read-ahead held several row groups
            # at once (646 MiB against 359 MiB on a 3M-row file of 1M-row groups), for no gain in speed.
            for path in source.files:
                yield from pq.ParquetFile(path).iter_batches(batch_size=PARQUET_BATCH_ROWS)
            return
        yield from _scan_csv(source.files[0], "," if source.kind == "csv" else "\t", as_text)
    except TypeChange:
        raise
    except (pa.ArrowException, OSError) as exc:
        raise LoadError(f"cannot read {source.label}: {str(exc).strip().splitlines()[0]}") from None


class TypeChange(Exception):
    """A CSV column turned out to hold text after numbers: scan again with it read as text."""

    def __init__(self, column: str) -> None:
        super().__init__(column)
        self.column = column


def _scan_csv(path: Path, sep: str, as_text: frozenset[str]) -> Iterator:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from lossadvisor.csv_arrow import FALSE_VALUES, PANDAS_NA, TRUE_VALUES, _count_quotes, _is_temporal

    parse = pacsv.ParseOptions(delimiter=sep, newlines_in_values=_count_quotes(path) > 0)
    read = pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES, use_threads=True)

    def convert(types: dict) -> pacsv.ConvertOptions:
        return pacsv.ConvertOptions(null_values=PANDAS_NA, true_values=TRUE_VALUES, false_values=FALSE_VALUES,
                                    strings_can_be_null=True, column_types=types)

    types = {name: pa.string() for name in as_text}
    reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert(types))
    fixed = {f.name: pa.string() for f in reader.schema if _is_temporal(f.type) and f.name not in types}
    fixed.update({f.name: pa.float64() for f in reader.schema if pa.types.is_null(f.type) and f.name not in types})
    if fixed:
        reader = pacsv.open_csv(path, read_options=read, parse_options=parse,
                                convert_options=convert({**types, **fixed}))
    names = reader.schema.names
    if len(set(names)) != len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise LoadError(f"{path} repeats column name(s) {', '.join(map(repr, repeated))} in its header; "
                        "rename them so each column can be told apart")
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            found = re.search(r"In CSV column #(\d+)", str(exc))
            if found and names[int(found.group(1))] not in as_text:
                raise TypeChange(names[int(found.group(1))]) from None
            raise
        yield batch
