"""The profile's per-target section: each target of a multi-target table measured on its own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lossadvisor.contracts import validate_document
from lossadvisor.errors import LoadError
from lossadvisor.profiling.measure import profile_table
from lossadvisor.profiling.target_measure import measure_target, measure_targets


def three_targets(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Targets a and b Gaussian at different scales; only c heavy-tailed (Student t, 1.5 degrees of freedom)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    frame = pd.DataFrame(x, columns=["f1", "f2", "f3"])
    frame["a"] = 100 * x[:, 0] + 10 * rng.normal(size=n)
    frame["b"] = x[:, 1] + 0.1 * rng.normal(size=n)
    frame["c"] = x[:, 2] + 3 * rng.standard_t(1.5, size=n)
    return frame


def mixed_targets(n: int = 500, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    frame = pd.DataFrame(x, columns=["f1", "f2"])
    frame["fraud"] = np.where(rng.random(n) < 0.08, "yes", "no")
    frame["amount"] = 50 + 20 * x[:, 0] + rng.normal(size=n)
    frame["tier"] = rng.choice(["gold", "silver", "bronze"], size=n, p=[0.2, 0.3, 0.5])
    return frame


def mad(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(np.median(np.abs(values - np.median(values))))


def test_each_target_gets_its_own_stats_and_only_the_third_is_heavy():
    frame = three_targets()
    profile = profile_table(frame, target="a,b,c", noise=False)
    assert profile.task == "multitarget"
    assert [t.name for t in profile.targets] == ["a", "b", "c"]
    assert [t.kind for t in profile.targets] == ["regression"] * 3
    assert [t.target_stats.heavy_tailed for t in profile.targets] == [False, False, True]
    for section in profile.targets:
        assert section.target_stats.mad == pytest.approx(mad(frame[section.name]))
        assert section.classes is None and section.missing == 0
    # The top-level target_stats keep describing the first column (schema 1.0 readers).
    assert profile.target_stats.mad == pytest.approx(mad(frame["a"]))
    codes = [w.code for w in profile.warnings]
    assert "HEAVY_TAIL" in codes
    assert all("target 'c'" in w.message for w in profile.warnings if w.code in ("HEAVY_TAIL", "TARGET_OUTLIERS"))


def test_classification_and_regression_mix():
    frame = mixed_targets()
    profile = profile_table(frame, target="fraud,amount,tier", noise=False)
    fraud, amount, tier = profile.targets
    assert (fraud.kind, amount.kind, tier.kind) == ("binary", "regression", "multiclass")
    assert fraud.classes.counts == {"no": int((frame.fraud == "no").sum()), "yes": int((frame.fraud == "yes").sum())}
    assert fraud.classes.positive == "yes"
    assert tier.classes.counts == frame.tier.value_counts().sort_index().to_dict()
    assert amount.target_stats.mean == pytest.approx(frame.amount.mean())
    # A classification first column: no top-level target_stats (they used to crash on text).
    assert profile.target_stats is None and profile.classes is None
    data = profile.to_dict()
    validate_document(data, "profile", "test")
    assert [t["kind"] for t in data["targets"]] == ["binary", "regression", "multiclass"]
    assert [w.code for w in profile.warnings if w.code == "IMBALANCE"]


def test_missing_values_are_counted_per_target():
    frame = mixed_targets()
    frame.loc[:9, "amount"] = np.nan
    section = measure_target(frame["amount"])
    assert section.missing == 10 and section.target_stats.missing == 10
    assert section.target_stats.mean == pytest.approx(frame.amount.iloc[10:].mean())


def test_single_target_profiles_have_no_targets_key():
    frame = mixed_targets()
    assert "targets" not in profile_table(frame, target="amount", noise=False).to_dict()
    assert "targets" not in profile_table(frame, target="fraud", noise=False).to_dict()


def test_streaming_measures_each_target_on_the_sample(tmp_path):
    frame = three_targets(400)
    path = tmp_path / "three.csv"
    frame.to_csv(path, index=False)
    from lossadvisor.load import LoadOptions
    from lossadvisor.profiling.measure import ProfileOptions
    from lossadvisor.profiling.streaming import stream_profile

    streamed = stream_profile(str(path), LoadOptions(target=("a", "b", "c")), ProfileOptions(noise=False))
    in_memory = profile_table(path, target="a,b,c", noise=False)
    assert [t.to_dict() for t in streamed.targets] == [t.to_dict() for t in in_memory.targets]


def test_errors():
    frame = mixed_targets()
    frame["flat"] = 1.0
    with pytest.raises(LoadError, match="target column 'flat' has a single value"):
        measure_targets(frame, ("amount", "flat"))
    with pytest.raises(LoadError, match="needs two or more target columns"):
        measure_targets(frame, ("amount",))
