"""Loading: formats by extension, target resolution, and the input errors."""

from __future__ import annotations

import pandas as pd
import pytest

from lossadvisor.errors import LoadError
from lossadvisor.load import LoadOptions, find_masks, load_dataset, parse_target, read_table

FRAME = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "label": ["a", "b", "a", "b"]})


@pytest.mark.parametrize("name,writer", [
    ("t.csv", lambda f, p: f.to_csv(p, index=False)),
    ("t.tsv", lambda f, p: f.to_csv(p, index=False, sep="\t")),
    ("t.parquet", lambda f, p: f.to_parquet(p)),
    ("t.jsonl", lambda f, p: f.to_json(p, orient="records", lines=True)),
    ("t.csv.gz", lambda f, p: f.to_csv(p, index=False)),
])
def test_every_format_reads_back_the_same_table(tmp_path, name, writer):
    path = tmp_path / name
    writer(FRAME, path)
    pd.testing.assert_frame_equal(read_table(path), FRAME, check_dtype=False)


def test_default_target_name_is_found_case_insensitively(tmp_path):
    path = tmp_path / "t.csv"
    FRAME.rename(columns={"label": "Outcome"}).to_csv(path, index=False)
    assert load_dataset(path).target == ("Outcome",)


def test_several_targets_are_comma_separated():
    assert parse_target("a, b,c") == ("a", "b", "c")
    assert parse_target(None) == ()


@pytest.mark.parametrize("content,message", [
    ("", "file is empty"),
    ("x,label\n", "no rows"),
    ('x,label\n1,"a\n', "malformed CSV"),
])
def test_bad_files_raise_a_load_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(LoadError, match=message):
        load_dataset(path)


def test_missing_target_lists_the_columns(tmp_path):
    path = tmp_path / "t.csv"
    FRAME.to_csv(path, index=False)
    with pytest.raises(LoadError, match="columns are: x, label"):
        load_dataset(path, LoadOptions(target=("nope",)))


def test_single_class_and_all_nan_targets_are_refused(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"x": [1, 2], "label": ["a", "a"]}).to_csv(path, index=False)
    with pytest.raises(LoadError, match="single value"):
        load_dataset(path)
    pd.DataFrame({"x": [1, 2], "label": [None, None]}).to_csv(path, index=False)
    with pytest.raises(LoadError, match="entirely missing"):
        load_dataset(path)


def test_mask_folder_without_masks_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(LoadError, match="no masks"):
        find_masks(tmp_path)


def test_unknown_extension_and_unknown_task(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_text("x")
    with pytest.raises(LoadError, match="cannot tell the format"):
        read_table(path)
    with pytest.raises(LoadError, match="unknown task"):
        LoadOptions(task="ranking")


def test_loading_never_modifies_the_file(tmp_path):
    path = tmp_path / "t.csv"
    FRAME.to_csv(path, index=False)
    before = path.read_bytes()
    load_dataset(path)
    assert path.read_bytes() == before


def test_empty_target_option_and_non_utf8_files_given_as_utf8_are_refused(tmp_path):
    with pytest.raises(LoadError, match="--target is empty"):
        parse_target(" , ")
    path = tmp_path / "latin1.csv"
    path.write_bytes("x,label\n1,caf\xe9\n2,th\xe9\n".encode("latin-1"))
    assert load_dataset(path).encoding == "cp1252"  # detected and read (tests/test_text_decoding.py)
    with pytest.raises(LoadError, match="is not valid UTF-8 text .*; check --encoding"):
        load_dataset(path, LoadOptions(encoding="utf-8"))


def test_a_repeated_header_name_is_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("a,a,label\n1,2,x\n3,4,y\n")
    with pytest.raises(LoadError, match="repeats column name\\(s\\) 'a'"):
        load_dataset(path)
