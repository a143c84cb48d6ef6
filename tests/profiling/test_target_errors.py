"""Known answers for the gross-target-error fact: a tail the features predict is not contamination."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lossadvisor.profiling.contamination import CONTAMINATED_FRACTION, TargetContamination
from lossadvisor.profiling.measure import profile_table
from lossadvisor.profiling.profile import Profile
from lossadvisor.profiling.target_errors import local_residual_z, measure_contamination, robust_z


def lognormal_frame(n: int = 1200, seed: int = 0, gross: float = 0.0) -> pd.DataFrame:
    """A lognormal target driven by the features; ``gross`` of the rows get y ± (5–10) × 1.4826 MAD."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = np.exp(1.0 + X @ np.array([0.8, 0.5, 0.3, 0.0]) + 0.4 * rng.normal(size=n))
    if gross:
        k = round(gross * n)
        rows = rng.choice(n, k, replace=False)
        sigma = 1.4826 * np.median(np.abs(y - np.median(y)))
        y[rows] += rng.choice([-1, 1], k) * (5 + 5 * rng.random(k)) * sigma
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(4)])
    frame["target"] = y
    return frame


def _measure(frame: pd.DataFrame, **kw) -> TargetContamination | None:
    X = frame.drop(columns="target").to_numpy()
    return measure_contamination(X, frame["target"].to_numpy(), **kw)


def test_a_tail_the_features_predict_is_not_contamination() -> None:
    frame = lognormal_frame()
    assert (np.abs(robust_z(frame["target"].to_numpy())) > 3.5).mean() > 0.05   # a real heavy tail
    found = _measure(frame)
    assert found is not None and not found.contaminated
    assert found.gross_error_fraction < 0.015
    assert found.explained_outlier_share > 0.85


def test_five_percent_gross_errors_are_found() -> None:
    found = _measure(lognormal_frame(gross=0.05))
    assert found is not None and found.contaminated
    assert found.gross_error_fraction == pytest.approx(0.05, abs=0.015)
    assert found.explained_outlier_share < 0.7


def test_same_seed_same_numbers() -> None:
    frame = lognormal_frame(n=400, gross=0.05)
    assert _measure(frame, seed=3) == _measure(frame, seed=3)


def test_not_measurable_is_none_not_clean() -> None:
    frame = lognormal_frame(n=150)
    assert _measure(frame) is None                                     # too few rows
    assert measure_contamination(np.empty((500, 0)), np.arange(500.0)) is None   # no feature
    assert measure_contamination(np.ones((500, 2)), np.full(500, 3.0)) is None   # no spread


def test_nonfinite_targets_are_left_out() -> None:
    frame = lognormal_frame(n=600, gross=0.05)
    y = frame["target"].to_numpy().copy()
    y[:50] = np.nan
    found = measure_contamination(frame.drop(columns="target").to_numpy(), y)
    assert found is not None and found.rows_used == 550


def test_sample_cap_bounds_the_rows_used() -> None:
    found = _measure(lognormal_frame(n=900), sample_cap=500)
    assert found is not None and found.rows_used == 500


def test_local_scale_follows_the_spread_of_each_prediction_decile() -> None:
    predicted = np.repeat([1.0, 100.0], 100)
    residual = np.tile(np.r_[-1.0, 1.0], 100) * np.repeat([1.0, 100.0], 100)
    residual[0] = 10.0       # outlying for the small predictions, ordinary for the large ones
    z = local_residual_z(residual, predicted, bins=2)
    assert abs(z[0]) > 5 and np.all(np.abs(z[100:]) < 2)


def test_contamination_round_trips_through_the_profile_json() -> None:
    profile = profile_table(lognormal_frame(gross=0.05), target="target").to_dict()
    section = profile["target_stats"]["contamination"]
    assert section["contaminated"] is True and section["rows_used"] == 1200
    assert TargetContamination.from_dict(section).to_dict() == section
    assert Profile.from_dict(profile).to_dict() == profile
    assert Profile.from_dict(profile).target_stats.contamination.contaminated is True
    assert section["gross_error_fraction"] >= CONTAMINATED_FRACTION


def test_no_noise_leaves_it_unmeasured() -> None:
    profile = profile_table(lognormal_frame(n=300), target="target", noise=False).to_dict()
    assert profile["target_stats"]["contamination"] is None


def test_a_streaming_profile_measures_it_on_the_sample(tmp_path) -> None:
    from lossadvisor.load import LoadOptions
    from lossadvisor.profiling.measure import ProfileOptions
    from lossadvisor.profiling.streaming import StreamOptions, stream_profile

    path = tmp_path / "gross.csv"
    lognormal_frame(n=1500, gross=0.05).to_csv(path, index=False)
    streamed = stream_profile(str(path), LoadOptions(), ProfileOptions(), StreamOptions(sample_rows=1000)).to_dict()
    section = streamed["target_stats"]["contamination"]
    assert section["rows_used"] == 1000 and section["contaminated"] is True
    assert "target_stats.contamination" in streamed["sampling"]["from_sample"]
    unmeasured = stream_profile(str(path), LoadOptions(), ProfileOptions(noise=False)).to_dict()
    assert unmeasured["target_stats"]["contamination"] is None
