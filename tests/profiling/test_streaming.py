"""The streaming profile: sketches with known answers, equality with the in-memory profile, determinism, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lossadvisor.cli.main import app
from lossadvisor.load import LoadOptions
from lossadvisor.profiling.measure import ProfileOptions, profile_table
from lossadvisor.profiling import stream_read
from lossadvisor.profiling.sketches import (
    HLL_STANDARD_ERROR, BottomK, DistinctCounter, Moments, _bit_length, row_keys, value_hashes,
)
from lossadvisor.profiling.streaming import StreamOptions, stream_profile

runner = CliRunner()


# --- sketches ---------------------------------------------------------------------------------------

def test_moments_merge_equals_one_pass_and_pandas():
    values = np.random.default_rng(0).standard_t(4, size=10_001) * 3 + 7
    merged = Moments()
    for part in np.array_split(values, 7):
        merged = merged.merge(Moments.of(part))
    series = pd.Series(values)
    assert merged.count == len(values)
    assert merged.mean == pytest.approx(series.mean(), rel=1e-12)
    assert math.sqrt(merged.variance) == pytest.approx(series.std(), rel=1e-10)
    assert merged.skewness == pytest.approx(series.skew(), rel=1e-9)
    assert merged.kurtosis == pytest.approx(series.kurt(), rel=1e-9)
    assert (merged.minimum, merged.maximum) == (values.min(), values.max())


def test_bit_length_is_exact_at_powers_of_two():
    values = np.array([0, 1, 2, 3, 2**52 - 1, 2**53 + 1, 2**63, 2**64 - 1], dtype=np.uint64)
    assert _bit_length(values).tolist() == [0, 1, 2, 2, 52, 54, 64, 64]


def test_distinct_counter_is_exact_below_the_cap_and_close_past_it():
    small = DistinctCounter()
    small.update(value_hashes(pd.Series([1.0, -0.0, 0.0, np.nan, 1.0, 2.0])))
    assert small.is_exact and small.count == 3
    big = DistinctCounter()
    for start in range(0, 300_000, 50_000):
        big.update(value_hashes(pd.Series(np.arange(start, start + 50_000))))
        big.update(value_hashes(pd.Series(np.arange(start, start + 1_000))))   # repeats add nothing
    assert not big.is_exact
    assert abs(big.count / 300_000 - 1) < 3 * HLL_STANDARD_ERROR


def test_bottom_k_sample_does_not_depend_on_batch_sizes():
    frame = pd.DataFrame({"x": np.arange(10_000)})

    def sample(sizes, seed=3):
        keeper, start = BottomK(500), 0
        for size in sizes:
            keeper.update(frame.iloc[start:start + size], start, seed)
            start += size
        return keeper.result()

    rows, positions = sample([10_000])
    assert len(rows) == 500 and np.all(np.diff(positions) > 0)
    assert rows["x"].tolist() == positions.tolist()
    assert sample([1, 999, 3_000, 6_000])[1].tolist() == positions.tolist()
    assert sample([10_000], seed=4)[1].tolist() != positions.tolist()
    expected = np.sort(np.argsort(row_keys(0, 10_000, 3))[:500])
    assert positions.tolist() == expected.tolist()


# --- streaming against in memory -----------------------------------------------------------------

def _table(rows: int = 3_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    frame = pd.DataFrame(x.round(3), columns=["a", "b", "c"])
    frame.loc[rng.random(rows) < 0.1, "b"] = np.nan
    frame["city"] = rng.choice(["north", "south", "east", None], size=rows)
    frame["const"] = 5
    frame["user_id"] = rng.integers(0, rows // 4, size=rows)
    frame["label"] = np.where(x[:, 0] + rng.normal(scale=0.5, size=rows) > 1.2, "yes", "no")
    frame.loc[rng.random(rows) < 0.02, "label"] = None
    return pd.concat([frame, frame.iloc[:40]], ignore_index=True)   # 40 duplicate rows


@pytest.fixture()
def small_blocks(monkeypatch):
    monkeypatch.setattr(stream_read, "CSV_BLOCK_BYTES", 8_192)
    monkeypatch.setattr(stream_read, "PARQUET_BATCH_ROWS", 500)


EXACT_KEYS = ("rows", "columns", "target", "task", "overview", "classes", "target_nonfinite")


def test_streaming_equals_in_memory_when_the_sample_holds_every_row(tmp_path, small_blocks):
    path = tmp_path / "t.csv"
    _table().to_csv(path, index=False)
    memory = profile_table(path, seed=1).to_dict()
    streamed = stream_profile(str(path), LoadOptions(), ProfileOptions(seed=1)).to_dict()
    for key in EXACT_KEYS + ("label_noise", "feature_outliers", "structure", "warnings"):
        assert streamed[key] == memory[key], key
    assert memory["overview"]["duplicate_rows"] == 40
    assert streamed["sampling"]["rows_scanned"] == 3_040 and streamed["sampling"]["from_sample"] == []
    assert memory["sampling"] is None


def test_counts_stay_exact_when_only_a_sample_is_kept(tmp_path, small_blocks):
    path = tmp_path / "t.parquet"
    _table(6_000).to_parquet(path, index=False)
    memory = profile_table(path, seed=0, noise=False).to_dict()
    streamed = stream_profile(str(path), LoadOptions(), ProfileOptions(seed=0, noise=False),
                              StreamOptions(sample_rows=1_000)).to_dict()
    for key in EXACT_KEYS:
        assert streamed[key] == memory[key], key
    assert streamed["sampling"]["sample_rows"] == 1_000
    assert "feature_outliers" in streamed["sampling"]["from_sample"]
    assert streamed["feature_outliers"]["fraction"] == pytest.approx(memory["feature_outliers"]["fraction"], abs=0.02)


def test_regression_moments_exact_and_quantiles_within_the_stated_rank_error(tmp_path, small_blocks, monkeypatch):
    from lossadvisor.profiling import stream_pass

    monkeypatch.setattr(stream_pass, "TALLY_CAP", 500)   # too many target values to tally: sample quantiles
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x": rng.normal(size=8_000)})
    frame["y"] = np.round(frame["x"] * 2 + rng.standard_t(3, size=8_000), 4)
    path = tmp_path / "r.csv"
    frame.to_csv(path, index=False)
    memory = profile_table(path, target="y", seed=0, noise=False).to_dict()["target_stats"]
    result = stream_profile(str(path), LoadOptions(target=("y",)), ProfileOptions(seed=0, noise=False),
                            StreamOptions(sample_rows=2_000)).to_dict()
    streamed = result["target_stats"]
    for key in ("mean", "std", "skewness", "kurtosis", "min", "max", "zero_fraction", "missing", "nonfinite"):
        assert streamed[key] == pytest.approx(memory[key], rel=1e-6, abs=1e-9), key
    error = float(result["sampling"]["approximate"]["target_quantiles"].split("±")[1].split()[0])
    values = np.sort(frame["y"].to_numpy())
    for name, value in streamed["quantiles"].items():
        rank = np.searchsorted(values, value, side="right") / len(values)
        assert abs(rank - int(name[1:]) / 100) <= error + 1 / len(values), name
    exact = stream_profile(str(path), LoadOptions(target=("y",)), ProfileOptions(seed=0, noise=False),
                           StreamOptions(sample_rows=2_000, exact=True)).to_dict()["target_stats"]
    assert exact["quantiles"] == memory["quantiles"] and exact["mad"] == memory["mad"]


def test_same_seed_same_profile_and_another_seed_another_sample(tmp_path, small_blocks):
    path = tmp_path / "t.csv"
    _table(4_000).to_csv(path, index=False)

    def run(seed):
        return stream_profile(str(path), LoadOptions(), ProfileOptions(seed=seed, noise=False),
                              StreamOptions(sample_rows=800)).to_dict()

    first, again, other = run(0), run(0), run(1)
    assert json.dumps(first) == json.dumps(again)
    assert first["feature_outliers"] != other["feature_outliers"] or first["structure"] != other["structure"]
    assert first["classes"] == other["classes"]


def test_parquet_folder_and_glob_equal_the_single_file(tmp_path, small_blocks):
    frame = _table(3_000)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(frame)), 3)):
        frame.iloc[part].to_parquet(folder / f"part-{i}.parquet", index=False)
    whole = tmp_path / "whole.parquet"
    frame.to_parquet(whole, index=False)
    options = ProfileOptions(seed=0, noise=False)
    single = stream_profile(str(whole), LoadOptions(), options).to_dict()
    for source in (str(folder), str(folder / "*.parquet")):
        parts = stream_profile(source, LoadOptions(), options).to_dict()
        for key in EXACT_KEYS + ("feature_outliers",):
            assert parts[key] == single[key], (source, key)


def test_a_column_that_turns_to_text_after_the_first_block_is_read_as_text(tmp_path, small_blocks):
    path = tmp_path / "late.csv"
    rows = [f"{i},{i % 2}" for i in range(3_000)] + ["abc,1"]
    path.write_text("x,label\n" + "\n".join(rows) + "\n")
    memory = profile_table(path, noise=False).to_dict()
    streamed = stream_profile(str(path), LoadOptions(), ProfileOptions(noise=False)).to_dict()
    assert streamed["overview"] == memory["overview"]


# --- command line ----------------------------------------------------------------------------------

def test_profile_stream_cli_writes_the_sampling_section():
    result = runner.invoke(app, ["profile", "sample_data/imbalanced_binary.csv", "--stream", "--no-noise",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sampling"]["mode"] == "streaming" and data["rows"] == data["sampling"]["rows_scanned"]


def test_stream_above_zero_streams_and_the_default_does_not():
    streamed = runner.invoke(app, ["profile", "sample_data/counts.csv", "--target", "visits", "--stream-above", "0",
                                   "--format", "json"])
    assert streamed.exit_code == 0 and json.loads(streamed.stdout)["sampling"] is not None
    memory = runner.invoke(app, ["profile", "sample_data/counts.csv", "--target", "visits", "--format", "json"])
    assert json.loads(memory.stdout)["sampling"] is None


@pytest.mark.parametrize("args, message", [
    (["profile", "sample_data/counts.csv", "--exact"], "--exact applies only when streaming"),
    (["profile", "nowhere/*.parquet"], "no files match"),
    (["profile", "missing.csv", "--stream"], "file not found"),
    (["profile", "sample_data/lossadvisor-check.yaml", "--stream"], "cannot stream"),
    (["profile", "sample_data/masks", "--stream"], "no Parquet files"),
    (["trial", "sample_data/counts.csv", "--stream"], "trial fits its models in memory"),
    (["profile", "-", "--stream"], "stdin and masks are read into memory"),
    (["check", "sample_data/counts.csv", "--stream", "--target", "nope"], "target column 'nope' not found"),
])
def test_streaming_errors_are_one_line_and_exit_2(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_recommend_and_check_stream_too():
    rec = runner.invoke(app, ["recommend", "sample_data/imbalanced_binary.csv", "--stream", "--no-noise",
                              "--format", "json"])
    assert rec.exit_code == 0, rec.output
    assert json.loads(rec.stdout)["candidates"]
    check = runner.invoke(app, ["check", "sample_data/clean_balanced.csv", "--stream", "--format", "json"])
    assert check.exit_code in (0, 1), check.output
