"""Each target of a multi-target table gets its own noise measure: known answers, streaming, advice, checks.

The table: three features; target ``a`` is the sign of f1 (clean), ``b`` the sign of f2 with 30% of its labels
flipped, ``c`` a clean regression on f3. Only ``b`` is noisy, so only ``b`` may read as noisy, fire the
noise-robust rules and fail the noise check.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from lossadvisor.advice.ranking import recommend
from lossadvisor.checks.gate import run_checks
from lossadvisor.checks.outcome import FAILED, PASSED, SKIPPED, Thresholds
from lossadvisor.contracts import validate_document
from lossadvisor.load import LoadOptions
from lossadvisor.profiling.measure import ProfileOptions, profile_table
from lossadvisor.profiling.profile import Profile
from lossadvisor.profiling.streaming import StreamOptions, stream_profile
from lossadvisor.trials.multitarget_heads import configured_heads

NOISE_RULES = {"NOI-001", "NOI-002", "NOI-004"}
FLIP = 0.3


def noisy_targets(n: int = 400, seed: int = 0, flip: float = FLIP) -> tuple[pd.DataFrame, np.ndarray]:
    """The table and the positions of b's flipped labels."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    frame = pd.DataFrame(x, columns=["f1", "f2", "f3"])
    frame["a"] = np.where(x[:, 0] > 0, "yes", "no")
    clean = np.where(x[:, 1] > 0, "up", "down")
    flipped = rng.random(n) < flip
    frame["b"] = np.where(flipped, np.where(clean == "up", "down", "up"), clean)
    frame["c"] = 2 * x[:, 2] + 0.1 * rng.normal(size=n)
    return frame, np.flatnonzero(flipped)


@pytest.fixture(scope="module")
def noisy():
    frame, flipped = noisy_targets()
    return frame, flipped, profile_table(frame, target="a,b,c")


def _sections(profile: Profile) -> dict:
    return {t.name: t for t in profile.targets}


def test_only_the_flipped_column_reads_as_noisy(noisy):
    frame, flipped, profile = noisy
    a, b, c = (_sections(profile)[name] for name in "abc")
    assert len(flipped) / len(frame) == pytest.approx(FLIP, abs=0.03)   # the flips the generator made
    assert b.label_noise.estimated_rate == pytest.approx(len(flipped) / len(frame), abs=0.06)
    low, high = b.label_noise.ci
    assert low <= len(flipped) / len(frame) <= high
    assert a.label_noise.estimated_rate < 0.03 and a.label_noise.ci[1] < 0.05
    assert b.label_noise.rows_used == a.label_noise.rows_used == len(frame)
    # b's suspects are rows whose label was flipped, their 'likely' label the clean one.
    rows = [s.row for s in b.label_noise.suspects]
    assert len(rows) == 10 and set(rows) <= set(flipped.tolist())
    assert all(frame["b"].iloc[s.row] == s.given != s.likely for s in b.label_noise.suspects)
    # The regression target gets the gross-error measure instead, and it is clean.
    assert c.label_noise is None and c.target_stats.contamination.gross_error_fraction < 0.01
    assert not c.target_stats.contamination.contaminated
    # The top-level label_noise stays null (schema 1.0: it described a single target).
    assert profile.label_noise is None
    noisy_warnings = [w.message for w in profile.warnings if w.code == "LABEL_NOISE"]
    assert len(noisy_warnings) == 1 and noisy_warnings[0].startswith("target 'b': an estimated ")


def test_no_target_is_a_feature_of_another():
    """A second target that copies b would predict every flipped label; it must not clean b's estimate."""
    frame, flipped = noisy_targets(n=300, seed=1)
    frame["d"] = frame["b"].map({"up": 1, "down": 0})   # b again, coded 0/1
    profile = profile_table(frame[["f1", "f2", "f3", "b", "d"]], target="b,d")
    rates = {t.name: t.label_noise.estimated_rate for t in profile.targets}
    assert rates["b"] == pytest.approx(len(flipped) / len(frame), abs=0.08)
    assert rates["d"] == pytest.approx(rates["b"], abs=0.02)  # the same labels, the same features


def test_streaming_estimates_each_target_on_its_sample_and_names_file_rows(tmp_path):
    frame, flipped = noisy_targets(n=600, seed=2)
    path = tmp_path / "noisy.csv"
    frame.to_csv(path, index=False)
    profile = stream_profile(str(path), LoadOptions(target=("a", "b", "c")), ProfileOptions(seed=0),
                             StreamOptions(sample_rows=400))
    assert profile.sampling.sample_rows == 400
    assert any("label_noise" in s and s.startswith("targets") for s in profile.sampling.from_sample)
    a, b, c = (_sections(profile)[name] for name in "abc")
    assert b.label_noise.rows_used == 400 and b.label_noise.estimated_rate > 0.2
    assert a.label_noise.estimated_rate < 0.05
    assert c.target_stats.contamination.rows_used == 400
    # Suspects are numbered by their row in the file, not in the sample.
    assert set(s.row for s in b.label_noise.suspects) <= set(flipped.tolist())
    assert all(frame["b"].iloc[s.row] == s.given for s in b.label_noise.suspects)
    assert profile.target_stats is None   # the first target is a class column


def test_first_numeric_target_carries_its_contamination_at_the_top_level():
    frame, _ = noisy_targets(n=300, seed=3)
    profile = profile_table(frame, target="c,a")
    assert profile.target_stats.contamination is not None
    assert profile.target_stats.contamination == profile.targets[0].target_stats.contamination


def test_gross_errors_are_measured_per_numeric_target():
    """e is c's twin with 8% of its values pushed 8-12 robust σ away: only e reads as contaminated."""
    rng = np.random.default_rng(5)
    n = 400
    x = rng.normal(size=(n, 2))
    frame = pd.DataFrame(x, columns=["f1", "f2"])
    frame["c"] = 2 * x[:, 0] + 0.2 * rng.normal(size=n)
    e = x[:, 1] + 0.2 * rng.normal(size=n)
    wrong = rng.choice(n, size=int(0.08 * n), replace=False)
    e[wrong] += rng.choice([-1, 1], size=len(wrong)) * rng.uniform(8, 12, size=len(wrong)) * 1.4826 * np.median(
        np.abs(e - np.median(e)))
    frame["e"] = e
    profile = profile_table(frame, target="c,e")
    c, e_section = (t.target_stats.contamination for t in profile.targets)
    assert not c.contaminated and c.gross_error_fraction < 0.01
    assert e_section.contaminated and e_section.gross_error_fraction == pytest.approx(0.08, abs=0.02)
    # e's measured contamination puts a median loss first under the default RMSE objective; c keeps MSE.
    chosen = {t.name: t.chosen.loss for t in recommend(profile).targets}
    assert chosen["c"] == "mse" and chosen["e"] in ("quantile", "mae")


def test_no_noise_switches_every_estimate_off(noisy):
    frame, _, _ = noisy
    profile = profile_table(frame, target="a,b,c", noise=False)
    assert all(t.label_noise is None for t in profile.targets)
    assert profile.targets[2].target_stats.contamination is None
    assert not {"LABEL_NOISE", "NOISE_UNAVAILABLE"} & {w.code for w in profile.warnings}


def test_a_class_target_without_signal_says_why():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"f1": rng.normal(size=300), "coin": rng.choice(["h", "t"], 300),
                          "y": rng.normal(size=300)})
    profile = profile_table(frame, target="coin,y")
    coin = profile.targets[0].label_noise
    assert coin is None or coin.estimated_rate is None or not coin.reliable
    assert any(w.message.startswith("target 'coin': ") and w.code.startswith(("NOISE", "CLASS_OVERLAP"))
               for w in profile.warnings)


def test_saved_profile_round_trips_and_meets_the_contract(noisy):
    data = json.loads(json.dumps(noisy[2].to_dict()))
    validate_document(data, "profile", "test")
    assert Profile.from_dict(data).to_dict() == data
    assert [t["label_noise"] is None for t in data["targets"]] == [False, False, True]
    # A profile written before the per-target estimate (no label_noise key) reads as not measured.
    for section in data["targets"]:
        del section["label_noise"]
    assert all(t.label_noise is None for t in Profile.from_dict(data).targets)


def test_noise_rules_fire_for_the_noisy_target_only(noisy):
    profile = noisy[2]
    rec = recommend(profile)
    fired = {t.name: set(t.recommendation.fired) for t in rec.targets}
    assert NOISE_RULES <= fired["b"]
    assert not fired["a"] & NOISE_RULES and not fired["c"] & NOISE_RULES
    by_name = {t.name: t for t in rec.targets}
    assert by_name["b"].chosen.loss in ("gce", "sce", "bootstrap")
    assert by_name["a"].chosen.loss == "bce"
    assert recommend(json.loads(json.dumps(profile.to_dict()))).to_dict() == rec.to_dict()
    # The multi-target trial's heads follow each target's own advice.
    heads = {h.name: h.loss for h in configured_heads(profile, None, None)[0]}
    assert heads["b"] == by_name["b"].chosen.loss and heads["a"] == "bce"


def _by_target(findings, check_id: str) -> dict:
    return {f.target: f for f in findings if f.id == check_id}


def test_check_runs_the_target_level_checks_per_target(noisy):
    findings = run_checks(noisy[2])
    noise = _by_target(findings, "CHK-NOISE-001")
    assert set(noise) == {"a", "b", "c"}
    assert (noise["a"].status, noise["b"].status, noise["c"].status) == (PASSED, FAILED, SKIPPED)
    assert noise["b"].message.startswith("target 'b': label-noise rate (upper bound) ")
    assert noise["b"].observed == pytest.approx(noisy[2].targets[1].label_noise.ci[1], abs=1e-6)
    assert noise["c"].message == "target 'c': label noise is not estimated for a regression target"
    imbalance = _by_target(findings, "CHK-IMB-001")
    assert [imbalance[n].status for n in "abc"] == [PASSED, PASSED, SKIPPED]
    outliers = _by_target(findings, "CHK-TGT-002")
    assert [outliers[n].status for n in "abc"] == [SKIPPED, SKIPPED, PASSED]
    # Table-level checks run once, for no target.
    assert [f.target for f in findings if f.id in ("CHK-ROWS-001", "CHK-TGT-001", "CHK-DUP-001")] == [None] * 3
    assert [f.id for f in findings if f.status == FAILED] == ["CHK-NOISE-001"]
    # A limit above b's upper bound passes every target.
    loose = _by_target(run_checks(noisy[2], Thresholds(max_noise=0.5)), "CHK-NOISE-001")
    assert {n: f.status for n, f in loose.items()} == {"a": PASSED, "b": PASSED, "c": SKIPPED}


def test_drift_checks_compare_each_target_with_the_baselines_same_target(noisy):
    current = noisy[2].to_dict()
    baseline = json.loads(json.dumps(current))
    baseline["targets"][1]["label_noise"]["estimated_rate"] = 0.01   # b was clean last time
    findings = run_checks(current, Thresholds(), baseline)
    increase = _by_target(findings, "CHK-DRF-005")
    assert increase["b"].status == FAILED and increase["a"].status == PASSED
    expected = current["targets"][1]["label_noise"]["estimated_rate"] - 0.01
    assert increase["b"].observed == pytest.approx(expected)
    assert _by_target(findings, "CHK-DRF-001")["b"].status == PASSED   # the class mix did not move
    # A target the baseline lacks is skipped and says so; a single-target baseline of that column counts.
    single = profile_table(noisy[0], target="b", noise=False).to_dict()
    shifted = _by_target(run_checks(current, Thresholds(), single), "CHK-DRF-001")
    assert shifted["a"].status == SKIPPED and shifted["a"].message == \
        "target 'a': the baseline has no target of this name"
    assert shifted["b"].status == PASSED and shifted["b"].observed == pytest.approx(0.0)
