"""Each check passes at its limit and fails just past it, on hand-written profile dicts."""

from __future__ import annotations

import copy

import pytest

from lossadvisor.checks.gate import CHECKS, check_profile, run_checks
from lossadvisor.checks.outcome import CheckResult, Finding, Thresholds


def binary_profile(**changes) -> dict:
    """A small profile dict per docs/profile-schema.md: 1000 rows, 950 'ok' and 50 'fraud'."""
    profile = {
        "schema_version": "1.0",
        "source": "data.csv",
        "rows": 1000,
        "columns": 3,
        "target": ["label"],
        "task": "binary",
        "overview": {
            "column_kinds": {"amount": "numeric", "merchant": "categorical", "label": "categorical"},
            "missing_fraction": {"amount": 0.1, "merchant": 0.0, "label": 0.0},
            "duplicate_rows": 20,
            "duplicate_fraction": 0.02,
        },
        "classes": {
            "counts": {"ok": 950, "fraud": 50},
            "proportions": {"ok": 0.95, "fraud": 0.05},
            "n_classes": 2,
            "majority": "ok",
            "minority": "fraud",
            "imbalance_ratio": 19.0,
        },
        "label_noise": {"estimated_rate": 0.04, "ci": [0.02, 0.07], "reliable": True, "note": ""},
        "target_stats": None,
        "target_nonfinite": {"label": {"nan": 0, "posinf": 0, "neginf": 0}},
        "masks": None,
    }
    profile.update(changes)
    return profile


def regression_profile(**stats) -> dict:
    profile = binary_profile(task="regression", target=["y"], classes=None, label_noise=None)
    profile["target_stats"] = {"median": 1.0, "outlier_fraction": 0.01, **stats}
    profile["target_nonfinite"] = {"y": {"nan": 0, "posinf": 0, "neginf": 0}}
    return profile


def finding(findings: tuple[Finding, ...], check_id: str) -> Finding:
    matches = [f for f in findings if f.id == check_id]
    assert len(matches) == 1, f"{check_id} not reported"
    return matches[0]


def status(profile: dict, check_id: str, baseline: dict | None = None, **limits) -> str:
    return finding(run_checks(profile, Thresholds(**limits), baseline), check_id).status


@pytest.mark.parametrize(
    "check_id, limits_pass, limits_fail",
    [
        ("CHK-ROWS-001", {"min_rows": 1000}, {"min_rows": 1001}),
        ("CHK-ROWS-002", {"min_rows_per_class": 50}, {"min_rows_per_class": 51}),
        ("CHK-IMB-001", {"max_imbalance": 19}, {"max_imbalance": 18.9}),
        ("CHK-NOISE-001", {"max_noise": 0.07}, {"max_noise": 0.069}),
        ("CHK-NOISE-001", {"max_noise": 0.04, "noise_bound": "point"}, {"max_noise": 0.039, "noise_bound": "point"}),
        ("CHK-MISS-001", {"max_missing": 0.1}, {"max_missing": 0.09}),
        ("CHK-DUP-001", {"max_duplicates": 0.02}, {"max_duplicates": 0.019}),
        ("CHK-EXP-001", {"expect_task": "binary"}, {"expect_task": "multiclass"}),
        ("CHK-EXP-002", {"expect_target": ("label",)}, {"expect_target": ("is_fraud",)}),
    ],
)
def test_check_passes_at_its_limit_and_fails_past_it(check_id, limits_pass, limits_fail):
    profile = binary_profile()
    assert status(profile, check_id, **limits_pass) == "passed"
    assert status(profile, check_id, **limits_fail) == "failed"


def test_failure_message_carries_observed_value_and_limit():
    profile = binary_profile()
    profile["classes"]["imbalance_ratio"] = 52.0
    imbalance = finding(run_checks(profile, Thresholds(max_imbalance=20)), "CHK-IMB-001")
    assert imbalance.message.startswith("imbalance ratio 52.0 exceeds the maximum 20")
    assert (imbalance.observed, imbalance.limit, imbalance.level) == (52.0, 20, "error")


def test_rows_per_class_names_each_small_class():
    profile = binary_profile()
    profile["classes"]["counts"] = {"ok": 990, "fraud": 4, "chargeback": 6}
    small = finding(run_checks(profile, Thresholds(min_rows_per_class=10)), "CHK-ROWS-002")
    assert small.status == "failed"
    assert small.message == "2 classes have fewer rows than the minimum 10: 'fraud' (4), 'chargeback' (6)"
    assert small.observed == 4


def test_noise_upper_bound_is_the_default_and_the_point_estimate_is_reported_too():
    noise = finding(run_checks(binary_profile(), Thresholds(max_noise=0.05)), "CHK-NOISE-001")
    assert noise.status == "failed" and noise.observed == 0.07
    assert noise.message == "label-noise rate (upper bound) 0.07 exceeds the maximum 0.05; point estimate 0.04"
    point = finding(run_checks(binary_profile(), Thresholds(max_noise=0.05, noise_bound="point")), "CHK-NOISE-001")
    assert point.status == "passed" and point.observed == 0.04


def test_noise_check_is_skipped_when_not_measured_or_abstained():
    assert status(binary_profile(label_noise=None), "CHK-NOISE-001") == "skipped"
    abstained = binary_profile(label_noise={"estimated_rate": None, "ci": None, "note": "too few rows"})
    skipped = finding(run_checks(abstained, Thresholds()), "CHK-NOISE-001")
    assert skipped.status == "skipped" and "too few rows" in skipped.message


def test_target_finite_counts_nan_and_inf():
    profile = regression_profile()
    assert status(profile, "CHK-TGT-001") == "passed"
    profile["target_nonfinite"] = {"y": {"nan": 2, "posinf": 1, "neginf": 0}}
    bad = finding(run_checks(profile, Thresholds()), "CHK-TGT-001")
    assert bad.status == "failed" and bad.observed == 3
    assert bad.message == "3 NaN or inf values in the target, more than the maximum 0: 'y' (3)"
    assert status(profile, "CHK-TGT-001", max_nonfinite_target=3) == "passed"


def test_target_finite_falls_back_to_the_missing_fraction_of_the_target():
    profile = binary_profile(target_nonfinite=None)
    profile["overview"]["missing_fraction"]["label"] = 0.005
    bad = finding(run_checks(profile, Thresholds()), "CHK-TGT-001")
    assert bad.status == "failed" and bad.observed == 5 and "missing values in the target" in bad.message


def test_outlier_fraction_applies_to_numeric_targets_only():
    assert status(regression_profile(outlier_fraction=0.05), "CHK-TGT-002", max_outlier_fraction=0.05) == "passed"
    assert status(regression_profile(outlier_fraction=0.051), "CHK-TGT-002", max_outlier_fraction=0.05) == "failed"
    assert status(binary_profile(), "CHK-TGT-002") == "skipped"


def test_class_checks_are_skipped_not_passed_on_regression():
    findings = run_checks(regression_profile(), Thresholds())
    for check_id in ("CHK-ROWS-002", "CHK-IMB-001", "CHK-NOISE-001"):
        assert finding(findings, check_id).status == "skipped"
        assert "regression" in finding(findings, check_id).message


def test_missing_check_names_the_worst_columns():
    profile = binary_profile()
    profile["overview"]["missing_fraction"] = {"amount": 0.31, "merchant": 0.25, "label": 0.0}
    missing = finding(run_checks(profile, Thresholds(max_missing=0.2)), "CHK-MISS-001")
    assert missing.status == "failed" and missing.observed == 0.31
    assert missing.message == "2 columns exceed the maximum missing fraction 20%: 'amount' 31%, 'merchant' 25%"


def test_mask_only_profile_counts_masks_as_rows():
    profile = binary_profile(rows=0, columns=0, target=[], task="segmentation", classes=None, overview=None,
                             label_noise=None, target_nonfinite=None, masks={"n_masks": 40})
    rows = finding(run_checks(profile, Thresholds(min_rows=50)), "CHK-ROWS-001")
    assert rows.status == "failed" and rows.message == "mask count 40 is below the minimum 50"
    assert status(profile, "CHK-TGT-001") == "skipped"


def test_disabled_checks_are_not_reported():
    ids = {f.id for f in run_checks(binary_profile(), Thresholds(max_imbalance=None, levels={"CHK-DUP-001": "off"}))}
    assert "CHK-IMB-001" not in ids and "CHK-DUP-001" not in ids and "CHK-ROWS-001" in ids
    assert "CHK-EXP-001" not in ids  # expect_task unset
    assert not any(i.startswith(("CHK-DRF", "CHK-SCH")) for i in ids)  # no baseline


def test_level_can_be_changed_by_id_or_name():
    findings = run_checks(binary_profile(), Thresholds(max_imbalance=10, levels={"max-imbalance": "warning"}))
    assert finding(findings, "CHK-IMB-001").level == "warning"
    findings = run_checks(binary_profile(), Thresholds(max_duplicates=0.01, levels={"CHK-DUP-001": "error"}))
    assert finding(findings, "CHK-DUP-001").level == "error"


@pytest.mark.parametrize(
    "limits, strict, expected",
    [
        ({}, False, 0),
        ({"max_imbalance": 10}, False, 1),  # an error fails the gate
        ({"max_duplicates": 0.01}, False, 0),  # a warning alone does not ...
        ({"max_duplicates": 0.01}, True, 1),  # ... unless --strict
    ],
)
def test_exit_code(limits, strict, expected):
    result = check_profile(binary_profile(), Thresholds(strict=strict, **limits))
    assert result.exit_code == expected


def test_all_findings_are_collected_not_just_the_first():
    result = check_profile(binary_profile(), Thresholds(min_rows=5000, max_imbalance=10, max_noise=0.01))
    assert {f.id for f in result.failures("error")} == {"CHK-ROWS-001", "CHK-IMB-001", "CHK-NOISE-001"}
    assert result.counts()["failed_errors"] == 3


def test_check_ids_and_names_are_unique_and_stable():
    ids = [spec.id for spec in CHECKS]
    names = [spec.name for spec in CHECKS]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
    assert ids[:5] == ["CHK-ROWS-001", "CHK-ROWS-002", "CHK-IMB-001", "CHK-NOISE-001", "CHK-TGT-001"]
    assert all(spec.level in ("error", "warning") for spec in CHECKS)


# --- drift checks ------------------------------------------------------------------------

def shifted(profile: dict, proportions: dict[str, float]) -> dict:
    moved = copy.deepcopy(profile)
    moved["classes"]["proportions"] = proportions
    moved["classes"]["counts"] = {k: round(v * 1000) for k, v in proportions.items()}
    return moved


def test_drift_checks_pass_against_an_identical_baseline():
    base = binary_profile()
    findings = run_checks(base, Thresholds(), baseline=copy.deepcopy(base))
    drift = [f for f in findings if f.id.startswith(("CHK-DRF", "CHK-SCH"))]
    assert len(drift) == 10
    assert {f.status for f in drift if f.id != "CHK-DRF-006"} == {"passed"}
    assert finding(findings, "CHK-DRF-006").status == "skipped"  # no numeric target


def test_psi_check_fails_past_its_limit_with_the_observed_value():
    base, now = binary_profile(), shifted(binary_profile(), {"ok": 0.75, "fraud": 0.25})
    psi = finding(run_checks(now, Thresholds(), baseline=base), "CHK-DRF-001")
    # (0.75-0.95) ln(0.75/0.95) + (0.25-0.05) ln(0.25/0.05) = 0.3692
    assert psi.status == "failed" and psi.observed == pytest.approx(0.369166, abs=1e-5)
    assert psi.message == "class-mix population stability index 0.3692 exceeds the maximum 0.25"
    assert status(now, "CHK-DRF-001", baseline=base, max_psi=0.37) == "passed"


def test_new_and_vanished_classes_fail_by_default():
    base = binary_profile()
    now = shifted(base, {"ok": 0.9, "chargeback": 0.1})
    findings = run_checks(now, Thresholds(), baseline=base)
    assert finding(findings, "CHK-DRF-003").message == "1 new classes not in the baseline, more than the maximum 0: 'chargeback'"
    assert finding(findings, "CHK-DRF-004").status == "failed" and "'fraud'" in finding(findings, "CHK-DRF-004").message
    assert status(now, "CHK-DRF-003", baseline=base, max_new_classes=1) == "passed"


def test_noise_increase_check_compares_point_estimates():
    base = binary_profile()
    now = binary_profile(label_noise={"estimated_rate": 0.10, "ci": [0.08, 0.12], "reliable": True})
    increase = finding(run_checks(now, Thresholds(max_noise_increase=0.05), baseline=base), "CHK-DRF-005")
    assert increase.status == "failed" and increase.observed == pytest.approx(0.06)
    assert status(now, "CHK-DRF-005", baseline=base, max_noise_increase=0.07) == "passed"
    assert status(now, "CHK-DRF-005", baseline=binary_profile(label_noise=None)) == "skipped"


def test_target_shift_check_uses_the_ks_statistic():
    base = regression_profile(sample=[0.0, 1.0, 2.0, 3.0])
    now = regression_profile(sample=[2.0, 3.0, 4.0, 5.0], median=3.5)
    shift = finding(run_checks(now, Thresholds(max_target_shift=0.4), baseline=base), "CHK-DRF-006")
    assert shift.status == "failed" and shift.observed == 0.5
    assert "median 1.0 → 3.5" in shift.message
    assert status(now, "CHK-DRF-006", baseline=base, max_target_shift=0.5) == "passed"


def test_schema_checks_name_the_columns():
    base = binary_profile()
    now = copy.deepcopy(base)
    now["overview"]["column_kinds"] = {"amount": "categorical", "label": "categorical", "country": "categorical"}
    findings = run_checks(now, Thresholds(), baseline=base)
    assert finding(findings, "CHK-SCH-001").level == "warning" and "'country'" in finding(findings, "CHK-SCH-001").message
    assert finding(findings, "CHK-SCH-002").message == "1 baseline columns removed, more than the maximum 0: 'merchant'"
    assert "amount: numeric → categorical" in finding(findings, "CHK-SCH-003").message


def test_check_result_reports_source_and_baseline():
    result = check_profile(binary_profile(), Thresholds(), binary_profile(), baseline_name="base.json")
    assert isinstance(result, CheckResult)
    assert (result.source, result.baseline, result.exit_code) == ("data.csv", "base.json", 0)


def test_json_report_writes_an_infinite_value_as_a_string():
    import json

    from lossadvisor.report.check_render import render_json

    profile = binary_profile()
    profile["classes"]["imbalance_ratio"] = float("inf")
    report = json.loads(render_json(check_profile(profile, Thresholds())))
    imbalance = next(f for f in report["findings"] if f["id"] == "CHK-IMB-001")
    assert imbalance["observed"] == "inf" and imbalance["status"] == "failed"


def test_a_value_just_past_the_limit_is_shown_with_enough_digits_to_differ():
    profile = binary_profile()
    profile["overview"]["duplicate_fraction"] = 0.0500004
    profile["classes"]["imbalance_ratio"] = 20.00001
    findings = run_checks(profile, Thresholds(max_duplicates=0.05, max_imbalance=20))
    assert finding(findings, "CHK-DUP-001").message == "duplicate-row fraction 5.00004% exceeds the maximum 5%"
    assert finding(findings, "CHK-IMB-001").message.startswith("imbalance ratio 20.00001 exceeds the maximum 20")


def test_a_changed_task_fails_against_the_baseline():
    from lossadvisor.checks.outcome import Thresholds
    from lossadvisor.checks.gate import run_checks

    baseline = {"task": "binary", "rows": 500, "columns": 2, "target": ["y"]}
    current = {"task": "multiclass", "rows": 500, "columns": 2, "target": ["y"]}
    found = {f.id: f for f in run_checks(current, Thresholds(), baseline)}
    assert found["CHK-SCH-004"].status == "failed"
    assert found["CHK-SCH-004"].message == "task changed from binary (baseline) to multiclass"
    same = {f.id: f for f in run_checks(baseline, Thresholds(), baseline)}
    assert same["CHK-SCH-004"].status == "passed"
    assert "CHK-SCH-004" not in {f.id for f in run_checks(current, Thresholds(same_task=None), baseline)}
