"""The in-memory fast paths give exactly what the plain pandas ways gave: the CSV reader and the overview's hashing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lossadvisor import csv_arrow
from lossadvisor.load import load_dataset, read_table
from lossadvisor.profiling import overview as O

SAMPLES = sorted(Path(__file__).resolve().parents[2].joinpath("sample_data").glob("*.csv"))

TRICKY = {
    "dates_stay_text": "when,v,label\n2020-01-01,1,0\n2020-01-02 10:00:00,2,1\n2020-01-03,3,0\n",
    "empty_column_is_float_nan": "a,empty,label\n1,,0\n2,,1\n",
    "bool_without_missing": "flag,label\nTrue,0\nfalse,1\nTRUE,0\n",
    "zero_one_stays_int": "flag,label\n1,0\n0,1\n",
    "pandas_missing_markers": "c,label\nNone,0\n<NA>,1\nn/a,0\nx,1\nNULL,0\n",
    "padded_numbers": "a,label\n 1,0\n2 ,1\n3,0\n",
    "quoted_line_break": 'a,label\n"one\ntwo",1\nplain,0\n',
    "quoted_commas": 'a,b,label\n"x, y",1.5,0\nz,-0.0,1\n',
    "inf_and_nan": "a,label\ninf,0\n-inf,1\nNaN,0\n1e3,1\n",
    "byte_order_mark": "\ufeffa,label\n1,0\n2,1\n",
    "late_text_after_numbers": "x,label\n" + "".join(f"{i},{i % 2}\n" for i in range(50_000)) + "abc,1\n",
}
FALLBACK = {
    "bool_with_missing": "flag,label\nTrue,0\n,1\nFalse,0\n",
    "beyond_int64": "u,label\n18446744073709551615,0\n1,1\n",
    "ragged": "a,b,label\n1,2,0\n3,4,1,5\n",
    "repeated_header": "a,a,label\n1,2,0\n",
    "empty_header_name": ",b,label\n1,2,0\n",
    "header_only": "a,label\n",
    "not_utf8": None,
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_arrow_reader_gives_pandas_frame_exactly(tmp_path, name):
    path = tmp_path / f"{name}.csv"
    path.write_text(TRICKY[name], encoding="utf-8")
    fast = csv_arrow.read_csv_arrow(path, ",")
    assert fast is not None, "the fast path should apply here"
    pd.testing.assert_frame_equal(fast, pd.read_csv(path), check_exact=True)


@pytest.mark.parametrize("name", sorted(FALLBACK))
def test_arrow_reader_declines_where_types_could_differ(tmp_path, name):
    path = tmp_path / f"{name}.csv"
    if FALLBACK[name] is None:
        path.write_bytes(b"a,label\n\xff\xfe,0\n")
    else:
        path.write_text(FALLBACK[name], encoding="utf-8")
    assert csv_arrow.read_csv_arrow(path, ",") is None


def test_tsv_fast_path_matches_pandas(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("x\ty\tlabel\n1.5\ta\t0\n2.5\tb\t1\n", encoding="utf-8")
    pd.testing.assert_frame_equal(read_table(path), pd.read_csv(path, sep="\t"), check_exact=True)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_data_reads_identically(path):
    fast = csv_arrow.read_csv_arrow(path, ",")
    assert fast is not None
    pd.testing.assert_frame_equal(fast, pd.read_csv(path), check_exact=True)


def test_fallback_still_gives_the_usual_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,label\n1,2,0\n3,4,1,5\n", encoding="utf-8")
    from lossadvisor.errors import LoadError

    with pytest.raises(LoadError, match="malformed CSV"):
        load_dataset(path)


def _tricky_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "f": [0.0, -0.0, np.nan, float("nan"), 1.5, 0.0, np.nan, 1.5],
        "o": ["a", "a", None, np.nan, 1, "1", None, 1],
        "i": [1, 1, 2, 2, 3, 4, 2, 3],
        "b": [True, True, False, False, True, True, False, True],
    })


def test_duplicates_equal_pandas_duplicated():
    frame = _tricky_frame()
    expected = int(frame.duplicated().sum())
    assert expected == 4   # rows 1 (0.0 = -0.0), 3 (NaN = None), 6 (again) and 7 (a copy of 4)
    assert O.profile_overview(frame).duplicate_rows == expected


def test_duplicates_stay_exact_when_every_row_collides(monkeypatch):
    frame = _tricky_frame()
    monkeypatch.setattr(O, "row_hashes", lambda keys: np.zeros(len(keys), dtype=np.uint64))
    assert O.profile_overview(frame).duplicate_rows == int(frame.duplicated().sum())


def test_constant_columns_and_distinct_counts_match_nunique():
    frame = pd.DataFrame({"c": [2.0] * 4, "cn": [np.nan] * 4, "half": [1.0, np.nan, 1.0, 1.0],
                          "s": ["x", "x", "x", "x"], "s2": ["x", None, "x", "x"], "z": [0.0, -0.0, 0.0, 0.0],
                          "y": [1, 2, 1, 2]})
    overview = O.profile_overview(frame)
    expected = tuple(c for c in frame.columns if frame[c].nunique(dropna=False) <= 1)
    assert overview.constant_columns == expected == ("c", "cn", "s", "z")
    assert overview.distinct == {"s": 1, "s2": 1}
