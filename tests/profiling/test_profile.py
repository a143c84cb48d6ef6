"""The typed Profile: ``Profile.from_dict(d).to_dict() == d`` for every profile JSON, and a pandas-free import."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from lossadvisor.load import LoadOptions, load_dataset
from lossadvisor.profiling.class_sections import ClassBalance, LabelNoise
from lossadvisor.profiling.group_measure import measure_groups
from lossadvisor.profiling.measure import ProfileOptions, profile_dataset, profile_table
from lossadvisor.profiling.profile import Profile
from lossadvisor.profiling.streaming import stream_profile
from lossadvisor.profiling.value_sections import MaskStats, TargetStats

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_PROFILES = sorted((ROOT / "tests/golden/outputs").glob("profile_*.json"))
TABLES = {"imbalanced_binary.csv": None, "noisy_multiclass.csv": None, "clean_balanced.csv": None,
          "heavy_tail_regression.csv": None, "counts.csv": "visits", "timeseries.csv": "demand",
          "multilabel.csv": "labels", "groups_binary.csv": None, "multitarget.csv": "rating,price,kind"}


def _round_trips(data: dict) -> None:
    data = json.loads(json.dumps(data))   # what a saved profile reads back as (tuples become lists)
    again = Profile.from_dict(data).to_dict()
    assert again == data
    assert json.dumps(again) == json.dumps(data)   # same keys in the same order, so the same bytes


def test_golden_profiles_cover_every_section():
    assert len(GOLDEN_PROFILES) == 9
    sections = {key for path in GOLDEN_PROFILES for key, value in json.loads(path.read_text()).items() if value}
    assert {"classes", "label_noise", "target_stats", "feature_outliers", "masks", "overview", "targets"} <= sections


@pytest.mark.parametrize("path", GOLDEN_PROFILES, ids=lambda p: p.stem)
def test_every_golden_profile_round_trips(path):
    _round_trips(json.loads(path.read_text()))


@pytest.mark.parametrize("name", sorted(TABLES))
def test_sample_profiles_round_trip_in_memory_and_streaming(name):
    path, target = str(ROOT / "sample_data" / name), TABLES[name]
    options = ProfileOptions(seed=0, noise=False)
    _round_trips(profile_table(path, target=target, noise=False).to_dict())
    load = LoadOptions(target=tuple(target.split(",")) if target else ())
    streamed = stream_profile(path, load, options).to_dict()
    assert streamed["sampling"]["mode"] == "streaming"
    _round_trips(streamed)


def test_groups_section_round_trips():
    dataset = load_dataset(str(ROOT / "sample_data/groups_binary.csv"), LoadOptions())
    options = ProfileOptions(seed=0, noise=False)
    profile = profile_dataset(dataset, options)
    profile = replace(profile, groups=measure_groups(dataset, profile, "region", options))
    data = profile.to_dict()
    assert list(data)[-1] == "groups" and data["groups"]["groups"]
    typed = Profile.from_dict(json.loads(json.dumps(data)))
    assert typed.groups.counts == profile.groups.counts
    _round_trips(data)


def test_masks_profile_round_trips_and_keeps_its_summaries():
    dataset = load_dataset(None, LoadOptions(masks=ROOT / "sample_data/masks"))
    data = profile_dataset(dataset, ProfileOptions(seed=0, noise=False)).to_dict()
    _round_trips(data)
    masks = Profile.from_dict(data).masks
    assert isinstance(masks, MaskStats) and masks.n_masks == data["masks"]["n_masks"] > 0
    assert masks.foreground_fraction == data["masks"]["foreground_fraction"]
    assert masks.object_sizes == data["masks"]["object_sizes"]


def test_typed_sections_hold_the_saved_values():
    data = json.loads((ROOT / "tests/golden/outputs/profile_imbalanced_binary.json").read_text())
    profile = Profile.from_dict(data)
    assert isinstance(profile.classes, ClassBalance) and isinstance(profile.label_noise, LabelNoise)
    assert profile.classes.counts == data["classes"]["counts"]
    assert profile.classes.majority == data["classes"]["majority"]
    assert profile.classes.positive == data["classes"]["positive"]
    assert profile.label_noise.ci == tuple(data["label_noise"]["ci"])
    assert profile.label_noise.summary == data["label_noise"]["summary"]
    assert profile.target == tuple(data["target"]) and profile.rows == data["rows"]
    stats = Profile.from_dict(json.loads((ROOT / "tests/golden/outputs/profile_counts.json").read_text())).target_stats
    assert isinstance(stats, TargetStats) and stats.minimum <= stats.median <= stats.maximum


def test_multilabel_proportions_use_the_profile_rows():
    data = json.loads((ROOT / "tests/golden/outputs/profile_multilabel.json").read_text())
    classes = Profile.from_dict(data).classes
    assert classes.rows == data["rows"]
    assert sum(classes.counts.values()) > data["rows"]   # several labels per row: rows, not the count sum
    assert classes.proportions == pytest.approx({k: v / data["rows"] for k, v in classes.counts.items()})


def test_a_partial_profile_reads_missing_keys_as_none():
    profile = Profile.from_dict({"schema_version": "1.0", "task": "binary", "classes": {"counts": {"a": 90, "b": 10}}})
    assert profile.task == "binary" and profile.rows is None and profile.label_noise is None
    assert profile.classes.imbalance_ratio is None and profile.classes.minority == "b"
    assert profile.classes.proportions == {"a": 0.9, "b": 0.1}
    assert profile.structure is None and profile.warnings == ()


def test_unknown_keys_of_a_newer_minor_version_are_written_back():
    data = json.loads((ROOT / "tests/golden/outputs/profile_counts.json").read_text())
    data["per_target"] = {"visits": {"note": "a later section"}}
    profile = Profile.from_dict(data)
    assert profile.extra == {"per_target": {"visits": {"note": "a later section"}}}
    _round_trips(data)


def test_importing_the_profile_type_imports_no_pandas_sklearn_or_torch():
    code = ("import sys, json\n"
            "from lossadvisor.profiling.profile import Profile\n"
            "from lossadvisor.profiling.saved_profile import read_profile\n"
            "p = read_profile('tests/golden/outputs/profile_noisy_multiclass.json')\n"
            "assert p.task == 'multiclass' and p.classes.counts and p.label_noise is not None\n"
            "print(json.dumps(sorted(m for m in ('pandas', 'sklearn', 'torch', 'scipy') if m in sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(result.stdout) == []
