"""--sensitive: per-group profile facts, fairness gaps (fairlearn's definitions), group-aware losses, rules, check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from lossadvisor.errors import LossAdvisorError
from lossadvisor.profiling.group_sections import MIN_GROUP_ROWS
from lossadvisor.profiling.groups import (compare_groups, group_labels, parse_sensitive,
                                          profile_groups)
from lossadvisor.trials.group_metrics import gaps_from_rates, group_rates, measure_group_gaps


def _frame() -> pd.DataFrame:
    # a: 40 rows, 10 positive (25%); b: 40 rows, 20 positive (50%); c: 5 rows (too few to measure)
    group = ["a"] * 40 + ["b"] * 40 + ["c"] * 5
    label = [1] * 10 + [0] * 30 + [1] * 20 + [0] * 20 + [1, 0, 0, 0, 0]
    return pd.DataFrame({"g": group, "x": np.arange(85.0), "y": label})


# --- profile --------------------------------------------------------------------------------------

def test_group_facts_known_answers_and_small_groups_kept():
    calls = []
    facts = profile_groups(_frame(), "y", "binary", ["g"], positive_class="1",
                           noise=lambda rows: calls.append(int(rows.sum())))
    by_name = {g.name: g for g in facts.groups}
    assert [g.name for g in facts.groups] == ["a", "b", "c"]                # largest first, none dropped
    assert (by_name["a"].rows, by_name["a"].base_rate) == (40, 0.25)
    assert by_name["b"].base_rate == 0.5 and by_name["b"].share == pytest.approx(40 / 85)
    assert not by_name["c"].measured and by_name["c"].base_rate is None and by_name["c"].rows == 5
    assert by_name["c"].to_dict()["note"] == f"too few rows to measure (< {MIN_GROUP_ROWS})"
    assert facts.base_rate_gap == pytest.approx(0.25) and facts.base_rate_ratio == pytest.approx(2.0)
    assert calls == []                                                      # 40 rows: too few for a noise estimate
    assert by_name["a"].noise_note.startswith("too few rows for a noise estimate")
    assert facts.counts == {"a": 40, "b": 40, "c": 5}


def test_group_noise_and_model_error_come_from_the_estimator(monkeypatch):
    import lossadvisor.profiling.groups as groups
    from types import SimpleNamespace

    monkeypatch.setattr(groups, "MIN_NOISE_ROWS", 30)
    found = {40: SimpleNamespace(estimated_rate=0.1, oof_accuracy=0.9)}
    facts = profile_groups(_frame(), "y", "binary", ["g"], "1", noise=lambda rows: found[int(rows.sum())])
    a = facts.groups[0]
    assert a.noise_rate == 0.1 and a.model_error == pytest.approx(0.1)
    assert facts.error_ratio == pytest.approx(1.0) and facts.noise_gap == pytest.approx(0.0)


def test_regression_groups_report_the_target_distribution():
    frame = pd.DataFrame({"g": ["u"] * 30 + ["v"] * 30, "y": list(range(30)) + [100.0] * 30})
    facts = profile_groups(frame, "y", "regression", ["g"])
    u, v = facts.groups
    assert u.target["mean"] == pytest.approx(14.5) and u.target["median"] == pytest.approx(14.5)
    assert v.target["std"] == 0.0 and u.class_shares is None


def test_group_labels_cross_columns_and_refuse_bad_names():
    frame = pd.DataFrame({"s": ["F", "M", None], "a": ["old", "old", "young"], "y": [0, 1, 0]})
    assert list(group_labels(frame, ["s", "a"])) == ["s=F|a=old", "s=M|a=old", "s=(missing)|a=young"]
    with pytest.raises(LossAdvisorError, match="--sensitive column 'nope' not found"):
        group_labels(frame, ["nope"])
    with pytest.raises(LossAdvisorError, match="is the target"):
        group_labels(frame, ["y"], ("y",))
    assert parse_sensitive("s, a,s") == ("s", "a")
    with pytest.raises(LossAdvisorError, match="at least one column"):
        parse_sensitive(" , ")


# --- gaps ------------------------------------------------------------------------------------------

Y = np.array([1, 1, 0, 0, 1, 1, 0, 0])
PRED = np.array([1, 0, 0, 0, 1, 1, 1, 0])
G = np.array(["a"] * 4 + ["b"] * 4)


def test_gaps_known_answer():
    # a: selection 1/4, TPR 1/2, FPR 0, error 1/4; b: selection 3/4, TPR 1, FPR 1/2, error 1/4
    member = np.stack([(G == "a"), (G == "b")], axis=1).astype(float)
    rates = group_rates(np.ones((1, 8)), Y, PRED, member)
    gaps = {k: float(v[0]) for k, v in gaps_from_rates(rates, binary=True).items()}
    assert gaps == pytest.approx({"demographic_parity_difference": 0.5, "equalized_odds_difference": 0.5,
                                  "error_rate_gap": 0.0, "worst_group_accuracy": 0.75})


def test_vectorized_gaps_equal_fairlearn_with_weights():
    from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference

    from lossadvisor.trials.group_metrics import fairlearn_gaps

    rng = np.random.default_rng(3)
    y, pred, g = rng.integers(0, 2, 200), rng.integers(0, 2, 200), rng.choice(["p", "q", "r"], 200)
    member = np.stack([g == k for k in ("p", "q", "r")], axis=1).astype(float)
    w = rng.multinomial(200, np.full(200, 1 / 200), size=1).astype(float)
    ours = gaps_from_rates(group_rates(w, y, pred, member), binary=True)
    assert ours["demographic_parity_difference"][0] == pytest.approx(
        demographic_parity_difference(y, pred, sensitive_features=g, sample_weight=w[0]))
    assert ours["equalized_odds_difference"][0] == pytest.approx(
        equalized_odds_difference(y, pred, sensitive_features=g, sample_weight=w[0]))
    plain = gaps_from_rates(group_rates(np.ones((1, 200)), y, pred, member), binary=True)
    for name, value in fairlearn_gaps(y, pred, g).items():
        assert plain[name][0] == pytest.approx(value), name


def test_measure_group_gaps_intervals_comparison_and_small_groups():
    rng = np.random.default_rng(0)
    g = np.array(["big"] * 150 + ["small"] * 50 + ["tiny"] * 5)
    y = rng.integers(0, 2, len(g))
    good = y.copy()
    worse = np.where((g == "small") & (rng.random(len(g)) < 0.5), 1 - y, y)   # errs only on 'small'
    report = measure_group_gaps(g, ["g"], y, [[good, good], [worse, worse]], ["base", "cand"], "binary", 0, 200, 0)
    base, cand = report.candidates
    assert report.small_groups == ("tiny (5 test rows)",)
    assert [s.measured for s in cand.groups] == [True, True, False]
    assert base.gaps["error_rate_gap"].difference == 0.0
    gap = cand.gaps["error_rate_gap"]
    assert gap.difference > 0.3 and gap.ci_low <= gap.difference <= gap.ci_high
    assert cand.versus_baseline["error_rate_gap"].verdict == "worse"           # the gap widened
    assert base.versus_baseline == {}


# --- losses ----------------------------------------------------------------------------------------

def test_group_reweighted_ce_known_value():
    from lossadvisor.losses.registry import build_loss

    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    target = torch.tensor([0, 1 + 2 * 1, 0 + 2 * 1])                    # classes 0, 1, 0; groups 0, 1, 1
    ce = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 0]), reduction="none")
    loss = build_loss("group_reweighted_ce", group_weight=[1.0, 3.0])(logits, target)
    assert loss.item() == pytest.approx(((ce * torch.tensor([1.0, 3.0, 3.0])).sum() / 7).item())
    plain = build_loss("group_reweighted_ce", group_weight=[2.0])(logits, torch.tensor([0, 1, 0]))
    assert plain.item() == pytest.approx(ce.mean().item())                     # one group: CE


def test_group_dro_follows_sagawa_algorithm_1():
    from lossadvisor.losses.registry import build_loss

    loss = build_loss("group_dro", group_counts=[2.0, 1.0], step_size=0.5)
    logits = torch.tensor([[2.0, 0.0], [0.0, 0.0], [0.0, 3.0]], requires_grad=True)
    target = torch.tensor([0, 0, 1 + 2])                                 # group 0: rows 0, 1; group 1: row 2
    ce = torch.nn.functional.cross_entropy(logits.detach(), torch.tensor([0, 0, 1]), reduction="none")
    l0, l1 = ce[:2].mean(), ce[2]
    q = torch.tensor([0.5 * torch.exp(0.5 * l0), 0.5 * torch.exp(0.5 * l1)])
    q = q / q.sum()
    value = loss(logits, target)
    assert value.item() == pytest.approx((q[0] * l0 + q[1] * l1).item(), rel=1e-6)
    assert loss.group_weights[0].tolist() == pytest.approx(q.tolist(), rel=1e-6)
    with torch.no_grad():                                                # evaluation reads q, never moves it
        loss(logits, target)
    assert loss.group_weights[0].tolist() == pytest.approx(q.tolist(), rel=1e-6)
    loss.reset_state()
    assert loss.group_weights.numel() == 0


def test_group_dro_keeps_one_q_per_stacked_member_and_one_group_is_ce():
    from lossadvisor.losses.registry import build_loss

    logits = torch.randn(2, 6, 3, generator=torch.Generator().manual_seed(0), requires_grad=True)
    target = torch.tensor([[0, 1, 2, 3, 4, 5], [3, 4, 5, 0, 1, 2]])
    loss = build_loss("group_dro", group_counts=[3.0, 3.0], step_size=1.0)
    stacked = loss(logits, target)
    assert stacked.shape == (2,) and loss.group_weights.shape == (2, 2)
    singles = []
    for m in range(2):
        one = build_loss("group_dro", group_counts=[3.0, 3.0], step_size=1.0)
        singles.append(one(logits[m], target[m]))
    assert stacked.tolist() == pytest.approx([s.item() for s in singles], rel=1e-6)
    ce = build_loss("group_dro", group_counts=[5.0])(logits[0], torch.tensor([0, 1, 2, 0, 1, 2]))
    assert ce.item() == pytest.approx(torch.nn.functional.cross_entropy(logits[0], torch.tensor([0, 1, 2, 0, 1, 2])).item())


@pytest.mark.parametrize("name", ["group_reweighted_ce", "group_dro"])
def test_group_losses_pass_the_doctor(name):
    from lossadvisor.doctor.examine import doctor_target

    report = doctor_target(name)                       # the card's inputs: class logits (one group)
    assert report.inputs == "class_logits"
    assert report.passed, [c for c in report.checks if not c.passed]


# --- rules, facts, check ---------------------------------------------------------------------------

def test_profile_facts_read_the_groups_section():
    from lossadvisor.advice.conditions import profile_facts
    from lossadvisor.profiling.profile import Profile

    section = profile_groups(_frame(), "y", "binary", ["g"], "1").to_dict()
    facts = profile_facts(Profile.from_dict({"task": "binary", "groups": section}))
    assert facts["groups.n_groups"] == 3 and facts["groups.base_rate_ratio"] == 2.0
    assert facts["groups.counts"] == {"a": 40, "b": 40, "c": 5}
    assert facts["groups.min_share"] == pytest.approx(40 / 85, abs=1e-4)
    assert "groups.n_groups" not in profile_facts(Profile.from_dict({"task": "binary"}))


def test_recommend_proposes_group_aware_losses_when_base_rates_differ():
    from lossadvisor.advice.objectives import Objectives
    from lossadvisor.advice.ranking import recommend

    section = profile_groups(_frame(), "y", "binary", ["g"], "1").to_dict()
    profile = {"task": "binary", "rows": 85, "columns": 3, "target": ["y"], "groups": section,
               "classes": {"counts": {"0": 54, "1": 31}, "n_classes": 2, "imbalance_ratio": 1.74}}
    losses = {c.loss: c for c in recommend(profile, Objectives.parse(None)).candidates}
    assert losses["group_reweighted_ce"].params["group_weight"] == pytest.approx([85 / 120] * 3, rel=1e-5)
    assert losses["group_dro"].params["group_counts"] == [40.0, 40.0, 5.0]


def _group_profile(rows: dict[str, tuple[int, float]]) -> dict:
    groups = [{"group": k, "rows": n, "measured": n >= MIN_GROUP_ROWS,
               "class_shares": {"0": 1 - r, "1": r} if n >= MIN_GROUP_ROWS else None} for k, (n, r) in rows.items()]
    return {"task": "binary", "rows": 1000, "groups": {"groups": groups}}


@pytest.mark.parametrize("current, status, message", [
    ({"a": (500, 0.2), "b": (100, 0.45)}, "passed", "largest group shift 0.05"),
    ({"a": (500, 0.2), "b": (100, 0.6)}, "failed", "group 'b' base rate / class share moved by 0.2"),
    ({"a": (500, 0.2)}, "failed", "'b' (0 rows now)"),
    ({"a": (500, 0.2), "b": (10, 0.4)}, "failed", "'b' (10 rows now)"),
])
def test_group_gap_check(current, status, message):
    from lossadvisor.checks.gate import run_checks
    from lossadvisor.checks.outcome import Thresholds

    baseline = _group_profile({"a": (500, 0.2), "b": (100, 0.4)})
    findings = {f.id: f for f in run_checks(_group_profile(current), Thresholds(max_group_gap=0.1), baseline)}
    assert findings["CHK-GRP-001"].status == status and message in findings["CHK-GRP-001"].message


def test_group_gap_check_is_off_by_default_and_skips_without_groups():
    from lossadvisor.checks.gate import run_checks
    from lossadvisor.checks.outcome import Thresholds

    baseline = _group_profile({"a": (500, 0.2)})
    assert "CHK-GRP-001" not in {f.id for f in run_checks(baseline, Thresholds(), baseline)}
    skipped = {f.id: f for f in run_checks({"task": "binary"}, Thresholds(max_group_gap=0.1), baseline)}["CHK-GRP-001"]
    assert skipped.status == "skipped" and "--sensitive" in skipped.message
    assert compare_groups(None, None) is None


def test_trial_gaps_need_fairlearn(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "fairlearn", None)
    monkeypatch.setitem(sys.modules, "fairlearn.metrics", None)
    with pytest.raises(LossAdvisorError, match=r"pip install 'lossadvisor\[fair\]'"):
        measure_group_gaps(G, ["g"], Y, [[PRED]], ["base"], "binary", 0, 100, 0)


def test_regression_gaps_use_fairlearn_points():
    g = np.array(["a"] * 40 + ["b"] * 40)
    y = np.zeros(80)
    pred = np.r_[np.full(40, 1.0), np.full(40, 3.0)]
    report = measure_group_gaps(g, ["g"], y, [[pred]], ["base"], "regression", 0, 100, 0)
    gaps = report.candidates[0].gaps
    assert gaps["mae_gap"].difference == pytest.approx(2.0) and gaps["worst_group_mae"].difference == pytest.approx(3.0)


def test_group_gaps_with_one_tested_cluster_are_not_compared():
    """A grouped split that tests one group (e.g. one patient) gives no interval for the gaps either."""
    rng = np.random.default_rng(1)
    g = np.array(["a"] * 60 + ["b"] * 60)
    y = rng.integers(0, 2, len(g))
    worse = np.where((g == "b") & (rng.random(len(g)) < 0.5), 1 - y, y)
    one = np.zeros(len(g), dtype=np.int64)
    report = measure_group_gaps(g, ["g"], y, [[y], [worse]], ["base", "cand"], "binary", 0, 100, 0, clusters=one)
    gap = report.candidates[1].gaps["error_rate_gap"]
    assert gap.difference > 0.1 and gap.verdict == "not compared"
    assert report.candidates[1].versus_baseline["error_rate_gap"].verdict == "not compared"
    two = np.arange(len(g)) % 2
    assert measure_group_gaps(g, ["g"], y, [[y], [worse]], ["base", "cand"], "binary", 0, 100, 0,
                              clusters=two).candidates[1].gaps["error_rate_gap"].verdict != "not compared"
