"""`lossadvisor profile`: output formats, the JSON contract, and every input error path."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from lossadvisor.cli.main import app
from tests.conftest import SAMPLE_DATA

CONTRACT = {
    "schema_version": str, "rows": int, "columns": int, "target": list, "task": str, "warnings": list,
}
SECTIONS = ("overview", "structure", "classes", "label_noise", "target_stats", "feature_outliers", "masks")


def _json(runner, *args):
    result = runner.invoke(app, ["profile", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _assert_contract(data):
    for key, kind in CONTRACT.items():
        assert isinstance(data[key], kind), key
    for key in SECTIONS:
        assert key in data  # present, possibly null
    assert isinstance(data["structure"]["type"], str)
    for warning in data["warnings"]:
        assert set(warning) == {"code", "severity", "message"}


def test_json_contract_for_a_classification_file(runner):
    data = _json(runner, str(SAMPLE_DATA / "imbalanced_binary.csv"))
    _assert_contract(data)
    assert data["task"] == "binary" and data["target"] == ["label"]
    assert isinstance(data["classes"]["counts"], dict)
    assert data["classes"]["imbalance_ratio"] == pytest.approx(50, rel=0.1)
    noise = data["label_noise"]
    assert isinstance(noise["suspects"], list) and isinstance(noise["oof_accuracy"], float)
    assert noise["estimated_rate"] is None or isinstance(noise["estimated_rate"], float)
    assert len(noise["ci"]) == 2 if noise["ci"] else True
    assert data["target_stats"] is None and data["masks"] is None
    assert "IMBALANCE" in {w["code"] for w in data["warnings"]}


def test_json_contract_for_regression_and_masks(runner):
    data = _json(runner, str(SAMPLE_DATA / "heavy_tail_regression.csv"))
    _assert_contract(data)
    stats = data["target_stats"]
    for key in ("outlier_fraction", "skewness", "kurtosis", "mad", "zero_fraction"):
        assert isinstance(stats[key], float), key
    assert isinstance(stats["is_count"], bool) and stats["outlier_fraction"] > 0.02
    assert data["classes"] is None and data["label_noise"] is None
    masks = _json(runner, "--masks", str(SAMPLE_DATA / "masks"))
    _assert_contract(masks)
    assert masks["task"] == "segmentation" and masks["structure"]["type"] == "segmentation"
    assert masks["masks"]["foreground_fraction"] == pytest.approx(0.01, abs=0.005)
    assert masks["masks"]["empty_fraction"] == pytest.approx(0.2)


def test_markdown_and_output_file(runner, tmp_path):
    out = tmp_path / "p.md"
    result = runner.invoke(app, ["profile", str(SAMPLE_DATA / "counts.csv"), "--target", "visits",
                                 "--format", "markdown", "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("# lossadvisor profile") and "OVERDISPERSED" in text


def test_text_report_names_the_task_and_warnings(runner):
    result = runner.invoke(app, ["profile", str(SAMPLE_DATA / "timeseries.csv"), "--target", "demand"])
    assert result.exit_code == 0, result.output
    assert "regression" in result.stdout and "timeseries" in result.stdout


def test_stdin_csv(runner, binary_csv):
    result = runner.invoke(app, ["profile", "-", "--no-noise", "--format", "json"], input=binary_csv.read_text())
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == 300


@pytest.mark.parametrize("setup,args,message", [
    (None, ["missing.csv"], "file not found"),
    ("empty", ["{p}"], "file is empty"),
    ("malformed", ["{p}"], "malformed CSV"),
    ("ok", ["{p}", "--target", "nope"], "columns are: a, label"),
    ("no_default", ["{p}"], "pass --target COL"),
    ("one_class", ["{p}"], "single value"),
    ("all_nan", ["{p}"], "entirely missing"),
    ("ok", ["{p}", "--time-column", "when"], "--time-column 'when' not found"),
    ("empty_masks", ["--masks", "{d}"], "no masks"),
    (None, [], "no data given"),
])
def test_bad_input_gives_one_line_and_exit_2(runner, tmp_path, setup, args, message):
    path = tmp_path / "data.csv"
    contents = {
        "empty": "", "malformed": 'a,label\n1,"x\n', "ok": "a,label\n1,x\n2,y\n",
        "no_default": "a,b\n1,2\n", "one_class": "a,label\n1,x\n2,x\n", "all_nan": "a,label\n1,\n2,\n",
    }
    if setup in contents:
        path.write_text(contents[setup])
    masks = tmp_path / "masks"
    masks.mkdir()
    args = [a.format(p=path, d=masks) for a in args]
    result = runner.invoke(app, ["profile", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_nonfinite_features_tiny_classes_and_high_cardinality_are_warnings(runner, tmp_path):
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({"a": rng.normal(size=n), "code": [f"c{i % 150}" for i in range(n)],
                          "label": ["x"] * 200 + ["y"] * 197 + ["z"] * 3})
    frame.loc[:4, "a"] = np.inf
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    before = path.read_bytes()
    result = runner.invoke(app, ["profile", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    codes = {w["code"] for w in json.loads(result.stdout)["warnings"]}
    assert {"NONFINITE_FEATURES", "TINY_CLASS", "HIGH_CARDINALITY"} <= codes
    assert path.read_bytes() == before


def test_positive_class_option_reaches_the_profile(runner, binary_csv):
    data = _json(runner, str(binary_csv), "--no-noise", "--positive-class", "0")
    assert data["classes"]["positive"] == "0" and list(data["classes"]["counts"]) == ["1", "0"]
    result = runner.invoke(app, ["profile", str(binary_csv), "--no-noise", "--positive-class", "7"])
    assert result.exit_code == 2 and "is not a label" in result.stderr


def test_a_noise_estimate_that_cannot_be_made_says_so(runner, tmp_path):
    path = tmp_path / "ids_only.csv"
    pd.DataFrame({"user_id": range(60), "label": ["a", "b"] * 30}).to_csv(path, index=False)
    data = _json(runner, str(path))
    assert data["label_noise"] is None
    assert "NOISE_UNAVAILABLE" in {w["code"] for w in data["warnings"]}


def test_same_seed_same_profile(runner):
    path = str(SAMPLE_DATA / "noisy_multiclass.csv")
    first, again = _json(runner, path, "--seed", "7"), _json(runner, path, "--seed", "7")
    assert first == again
    assert first["label_noise"]["estimated_rate"] == pytest.approx(0.2, abs=0.03)  # 20% of labels were flipped


def test_extreme_values_give_no_numpy_warnings_and_no_nan_in_messages(runner, tmp_path):
    # Bug: a target reaching ±1e308 printed numpy overflow warnings on stderr and "excess kurtosis nan";
    # an all-inf feature column printed "All-NaN slice encountered".
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    y[:3], y[3], y[4] = np.inf, 1e308, -1e308
    frame = pd.DataFrame({"a": np.full(200, np.inf), "b": rng.normal(size=200), "y": y})
    path = tmp_path / "extreme.csv"
    frame.to_csv(path, index=False)
    result = runner.invoke(app, ["profile", str(path), "--no-noise"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "HEAVY_TAIL" in result.stdout and "nan" not in result.stdout.lower()
    assert "NONFINITE_FEATURES 200 feature values are ±inf" in result.stdout
