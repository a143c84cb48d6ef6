"""A fast path for reading CSV and TSV: pyarrow's multithreaded reader, kept to pandas' types.

:func:`lossadvisor.load.read_table` tries this first and falls back to ``pandas.read_csv`` whenever the
result could differ from what pandas would have given, so the profile never depends on which reader ran.
What pyarrow reads differently, and what is done about it:

- timestamps, dates and times: pandas keeps the text, so those columns are read again as text;
- a column with no values at all: pandas makes it float NaN, so it is cast to float;
- anything else where the two could differ goes to pandas, which also gives the usual error messages: an
  odd number of quote characters (an unterminated quote), booleans with missing values (pandas: object
  True/False/NaN), integers past int64 (pandas: uint64 or text), text that pandas would read as numbers,
  empty or repeated header names, ragged rows, bad UTF-8, an empty file, and anything pyarrow refuses.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# pandas' default missing-value markers (pandas.io.parsers STR_NA_VALUES), so both readers agree on NaN.
PANDAS_NA = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
             "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
# pandas' C parser reads exactly these as booleans (pyarrow also reads 1/0, which pandas keeps as integers).
TRUE_VALUES = ["True", "TRUE", "true"]
FALSE_VALUES = ["False", "FALSE", "false"]
PLAIN_SUFFIXES = (".csv", ".tsv", ".tab")


def read_csv_arrow(path: Path, sep: str) -> pd.DataFrame | None:
    """The table as pandas would read it, or None when only pandas can be trusted to read it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if path.suffix.lower() not in PLAIN_SUFFIXES:
        return None   # compressed files go to pandas, which reads them the same way it always has
    try:
        # A quoted value may hold a line break only where the file has a quote character at all; reading
        # with line breaks allowed in values is a third slower, so it is asked for only then.
        quotes = _count_quotes(path)
        if quotes % 2:
            return None   # an unterminated quote: pyarrow reads to the end of the file, pandas refuses
        parse = pacsv.ParseOptions(delimiter=sep, newlines_in_values=quotes > 0)
        table = pacsv.read_csv(path, parse_options=parse, convert_options=_convert_options())
        retyped = {f.name: pa.string() for f in table.schema if _is_temporal(f.type)}
        if retyped:
            table = pacsv.read_csv(path, parse_options=parse, convert_options=_convert_options(retyped))
    except (pa.ArrowException, OSError, ValueError):
        return None
    names = table.column_names
    if table.num_rows == 0 or any(not n for n in names) or len(set(names)) != len(names):
        return None
    columns = []
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_null(field.type):
            column = pa.nulls(len(column), pa.float64())
        elif pa.types.is_boolean(field.type) and column.null_count:
            return None
        elif pa.types.is_string(field.type) and _reads_as_numbers(column):
            return None
        elif pa.types.is_floating(field.type) and _beyond_int64(column):
            return None   # integers past int64 become floats here, uint64 or text in pandas
        elif not (pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
                  or pa.types.is_boolean(field.type) or pa.types.is_string(field.type)):
            return None
        columns.append(column)
    table = pa.table(columns, names=names)
    return table.to_pandas(split_blocks=True, self_destruct=True)


def _convert_options(column_types: dict | None = None):
    import pyarrow.csv as pacsv

    return pacsv.ConvertOptions(null_values=PANDAS_NA, true_values=TRUE_VALUES, false_values=FALSE_VALUES,
                                strings_can_be_null=True, column_types=column_types or {})


def _count_quotes(path: Path, chunk: int = 1 << 24) -> int:
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            count += block.count(b'"')
    return count


def _beyond_int64(column) -> bool:
    import pyarrow.compute as pc

    def beyond(values) -> bool:
        bounds = pc.min_max(values).as_py()
        low, high = bounds["min"], bounds["max"]
        return low is not None and (abs(low) >= 2.0**63 or abs(high) >= 2.0**63)

    # Only a column reaching past ±2^63 at all (or holding ±inf) is looked at again without its infinities.
    return beyond(column) and beyond(pc.filter(column, pc.is_finite(column)))


def _is_temporal(kind) -> bool:
    import pyarrow as pa

    return pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_time(kind)


def _reads_as_numbers(column) -> bool:
    """Whether pandas would read this text column as numbers (it accepts padding spaces; pyarrow does not)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(column)
    try:
        pc.cast(trimmed, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True
