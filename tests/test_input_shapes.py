"""Shapes real files have, each answered with one precise line (bugs the fuzzer found, kept as tests)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lossadvisor.cli.main import app


def _cli(*args, stdin=None):
    result = CliRunner().invoke(app, [str(a) for a in args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _one_error_line(err: str, message: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
    assert "internal error" not in err


@pytest.mark.parametrize(("lines", "message"), [
    ('{"x": 1, "label": "a"}\n{"x": 2, "label": {"k": 1}}\n', "line 2: 'label' holds an object"),
    ('{"x": {"a": 1}, "label": "a"}\n', "line 1: 'x' holds an object"),
    ('{"x": 1, "label": "a"}\nnull\n', "line 2: expected one JSON object per line, got null"),
    ('{"x": 1, "label": "a"}\n[1, 2]\n', "line 2: expected one JSON object per line, got a list"),
    ("1\n2\n", "line 1: expected one JSON object per line, got a number"),
    ('{"x": 1, "label": "a"}\n{"x": \n', "line 2 is not valid JSON"),
    ("\n\n", "file is empty"),
])
def test_json_lines_rows_that_are_not_flat_objects(tmp_path: Path, lines: str, message: str) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(lines)
    code, _, err = _cli("profile", path, "--no-noise")
    assert code == 2
    _one_error_line(err, message)


def test_json_lines_with_blank_lines_and_list_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"x": 1, "label": "a", "s": [1]}\n\n{"x": 2, "label": "b", "s": []}\n{"x": 3, "label": "b", "s": [2]}\n')
    code, out, err = _cli("profile", path, "--no-noise", "--format", "json")
    assert code == 0, err
    assert '"rows": 3' in out


def test_parquet_bytes_columns_are_decoded_or_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "label": [b"cat", b"dog", b"cat", b"dog"]}).to_parquet(path)
    code, out, err = _cli("profile", path, "--no-noise", "--format", "json")
    assert code == 0, err
    assert '"cat": 2' in out
    pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "blob": [b"\x00\xff"] * 4, "label": ["a", "b", "a", "b"]}).to_parquet(path)
    code, _, err = _cli("profile", path, "--no-noise")
    assert code == 2
    _one_error_line(err, "column 'blob' holds raw bytes that are not text")


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


@pytest.mark.parametrize(("array", "message"), [
    (np.zeros((4, 4), dtype=[("a", "i4"), ("b", "f4")]), "its values are not numbers"),
    (np.full((4, 4), "1"), "its values are not numbers"),
    (np.array([[0.0, 1.0], [np.nan, 1.0]]), "it holds NaN or infinite values"),
    (np.array([[0.0, 1.0], [np.inf, 1.0]], dtype=np.float32), "it holds NaN or infinite values"),
    (np.array([[0.0, 1.5], [1.0, 1.0]]), "it holds values that are not whole numbers"),
    (np.array([[0.0, 1e12], [1.0, 1.0]]), "its values are too large to be class labels"),
    (np.array([0, 1, 1]), "a mask needs two dimensions or more"),
])
def test_masks_that_are_not_label_images_are_refused(tmp_path: Path, array, message) -> None:
    folder = tmp_path / "masks"
    folder.mkdir()
    (folder / "m.npy").write_bytes(_npy(array))
    code, _, err = _cli("profile", "--masks", folder)
    assert code == 2
    _one_error_line(err, f"mask m.npy is not an integer label image: {message}")


@pytest.mark.parametrize(("name", "data"), [("m.npy", b""), ("m.npy", b"\x93NUMPY\x01\x00garbage"), ("m.png", b"\x89PNG\r\n")])
def test_broken_mask_files_are_refused(tmp_path: Path, name: str, data: bytes) -> None:
    folder = tmp_path / "masks"
    folder.mkdir()
    (folder / name).write_bytes(data)
    code, _, err = _cli("profile", "--masks", folder)
    assert code == 2
    _one_error_line(err, f"cannot read mask {name}: ")


def test_whole_float_and_bool_masks_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "masks"
    folder.mkdir()
    (folder / "a.npy").write_bytes(_npy(np.array([[0.0, 1.0], [0.0, 0.0]], dtype=np.float32)))
    (folder / "b.npy").write_bytes(_npy(np.array([[False, True], [False, False]])))
    code, out, err = _cli("profile", "--masks", folder, "--format", "json")
    assert code == 0, err
    assert '"foreground_fraction": 0.25' in out


def test_a_rule_file_with_control_characters_gets_one_line(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(b"- id: X\x02\n")
    code, _, err = _cli("rules", "validate", path)
    assert code == 2
    _one_error_line(err, "not valid YAML: unacceptable character #x0002")


@pytest.mark.parametrize(("args", "flag"), [
    (("recommend", "--task", "count", "--dispersion", "inf"), "--dispersion"),
    (("recommend", "--task", "regression", "--kurtosis", "nan"), "--kurtosis"),
    (("recommend", "--task", "binary", "--imbalance-ratio", "nan"), "--imbalance-ratio"),
    (("recommend", "--task", "binary", "--fn-cost", "inf"), "--fn-cost"),
    (("recommend", "--task", "regression", "--over-cost", "-inf"), "--over-cost"),
    (("check", "--profile", "p.json", "--max-imbalance", "inf"), "--max-imbalance"),
    (("check", "--profile", "p.json", "--max-noise", "nan"), "--max-noise"),
    (("trial", "x.csv", "--budget", "inf"), "--budget"),
])
def test_nan_and_infinite_numeric_options_are_refused_by_name(args, flag) -> None:
    code, _, err = _cli(*args)
    assert code == 2
    _one_error_line(err, f"{flag} must be a finite number, got")


SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.mark.parametrize("command", ["profile", "recommend", "check", "trial"])
@pytest.mark.parametrize(("args", "message"), [
    (("clean_balanced.csv", "--task", "binary"),
     "--task binary needs a target with two classes; column 'label' has 3 (setosa, versicolor, virginica)"),
    (("noisy_multiclass.csv", "--task", "regression"),
     "--task regression needs a numeric target; column 'label' holds text such as"),
    (("noisy_multiclass.csv", "--task", "count"), "--task count needs a numeric target"),
    (("noisy_multiclass.csv", "--task", "multitarget"), "--task multitarget needs two or more target columns"),
    (("noisy_multiclass.csv", "--positive-class", "owl"),
     "--positive-class applies to a binary target; column 'label' has 4 classes (cat, dog, fox, owl)"),
    (("imbalanced_binary.csv", "--positive-class", "nope"), "--positive-class 'nope' is not a label; labels are: fraud, ok"),
    (("multilabel.csv", "--target", "labels", "--label-separator", ""), "--label-separator is empty"),
    (("imbalanced_binary.csv", "--seed", "-1"), "'--seed': -1 is not in the range 0<=x<=4294967295"),
    (("imbalanced_binary.csv", "--seed", str(2**32)), "'--seed': 4294967296 is not in the range"),
])
def test_options_that_contradict_the_data_are_refused_the_same_way_by_every_command(command, args, message) -> None:
    code, _, err = _cli(command, SAMPLES / args[0], *args[1:], "--no-noise")
    assert code == 2
    _one_error_line(err, message)


@pytest.mark.parametrize("flag", ["--losses", "--sweep"])
@pytest.mark.parametrize("value", ["", " ", ","])
def test_trial_empty_loss_lists_name_the_losses_that_exist(flag, value) -> None:
    code, _, err = _cli("trial", SAMPLES / "imbalanced_binary.csv", flag, value)
    assert code == 2
    _one_error_line(err, f"{flag} is empty; name losses from: cross_entropy, ")
    assert "focal" in err


def test_list_values_from_json_lines_read_like_the_csv_text_of_a_list(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"x": 1, "target": [1, 2]}\n{"x": 2, "target": [3]}\n{"x": 3, "target": [[1], 2]}\n')
    code, out, err = _cli("profile", path, "--no-noise", "--format", "json")
    assert code == 0, err
    assert '"[1, 2]": 1' in out and '"[[1], 2]": 1' in out


def test_float16_masks_do_not_warn(tmp_path: Path) -> None:
    import warnings

    folder = tmp_path / "masks"
    folder.mkdir()
    (folder / "m.npy").write_bytes(_npy(np.full((3, 3), 2.0, dtype=np.float16)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, _, err = _cli("profile", "--masks", folder)
    assert code == 0, err


@pytest.mark.parametrize(("when", "recommend", "message"), [
    ("{fact: [task], eq: binary}", "{loss: focal}", "rule MY-1: key 'fact' must be a fact name (a string), got list"),
    ("{fact: {a: 1}, eq: binary}", "{loss: focal}", "rule MY-1: key 'fact' must be a fact name (a string), got dict"),
    ("{fact: task, eq: binary}", "{loss: focal, params: {gamma: {derive: {a: 1}}}}",
     "rule MY-1: key 'recommend.params.gamma.derive' must be a formula name (a string), got dict"),
    ("{fact: task, eq: binary}", "{loss: focal, params: {gamma: {derive: [1]}}}",
     "rule MY-1: key 'recommend.params.gamma.derive' must be a formula name (a string), got list"),
])
def test_rule_fields_of_the_wrong_type_are_refused_with_the_rule_id(tmp_path: Path, when, recommend, message) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(f"- id: MY-1\n  summary: s\n  source: guide\n  when: {when}\n  recommend: {recommend}\n")
    for args in (("rules", "validate", path), ("recommend", "--task", "binary", "--rules", path)):
        code, _, err = _cli(*args)
        assert code == 2
        _one_error_line(err, message)
