"""Multi-target trials train each head with the loss recommend configured for that target."""

from __future__ import annotations

import json
import math
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from lossadvisor.cli.main import app
from lossadvisor.losses.registry import build_loss
from lossadvisor.profiling.measure import profile_table
from lossadvisor.advice.ranking import recommend
from lossadvisor.trials.multitarget import MultiTargetLoss, TargetSpec, prepare_multitarget
from lossadvisor.trials.multitarget_heads import HeadLoss, configured_heads, constant_loss, head_form
from lossadvisor.trials.multitarget_run import MultiTargetScorer, combiner_candidates
from lossadvisor.trials.prepare import DataFacts
from tests.profiling.test_target_measure import three_targets

FAST = ["--seeds", "2", "--epochs", "2", "--bootstrap", "100", "--device", "cpu"]


def visits_frame(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """An imbalanced binary target, a Poisson count target and a heavy-tailed real target."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    frame = pd.DataFrame(x.round(4), columns=["f1", "f2", "f3"])
    frame["churn"] = np.where(x[:, 0] + rng.normal(size=n) > 2.0, "yes", "no")
    frame["visits"] = rng.poisson(np.exp(0.5 + 0.4 * x[:, 1]))
    frame["spend"] = (x[:, 2] + 3 * rng.standard_t(1.5, size=n)).round(4)
    return frame


def test_head_forms():
    assert head_form("huber", False) == "mean" and head_form("poisson", False) == "log_mean"
    assert head_form("weighted_bce", True) == "binary_logit" and head_form("focal", True) == "logits"
    assert head_form("mse", True) is None and head_form("cross_entropy", False) is None
    assert head_form("gaussian_nll", False) is None  # two outputs per target: not a tabular head here


def test_configured_heads_losses_by_hand():
    specs = [TargetSpec("churn", "classification", 2, classes=("no", "yes"), loss="weighted_bce",
                        params={"pos_weight": 3.0}),
             TargetSpec("visits", "regression", 1, mean=2.0, std=1.0, loss="poisson")]
    output = torch.tensor([[0.2, 1.2, 0.3]])   # churn logits (2), visits head
    target = torch.tensor([[1.0, 4.0]])
    z = 1.2 - 0.2                               # binary logit z1 − z0
    churn = -3.0 * math.log(1 / (1 + math.exp(-z)))   # weighted BCE on a positive row
    eta, y = 0.3, 4.0 / 2.0                     # log mean in units of the training mean; count / mean
    visits = math.exp(eta) - y * eta            # Poisson NLL with a log link
    assert float(MultiTargetLoss(specs, "sum")(output, target)) == pytest.approx(churn + visits, rel=1e-5)


def test_log_link_heads_predict_in_the_columns_units():
    """The visits head's output 0.3 is log(μ / training mean): μ = 2·e^0.3, as in table trials."""
    specs = (TargetSpec("visits", "regression", 1, mean=2.0, std=1.0, loss="poisson"),)
    data = SimpleNamespace(targets=specs, y=np.array([[4.0], [1.0]]))
    score = MultiTargetScorer(data, ("r2:visits",))._target_score(0, data.y, np.array([[0.3], [0.3]]))
    pred = 2.0 * math.exp(0.3)
    assert score(None)[0] == pytest.approx(1 - ((4 - pred) ** 2 + (1 - pred) ** 2) / 4.5)


def test_a_large_count_heads_constant_loss_is_scale_free():
    """Poisson on a count with mean ≈ 55: L₀ = 1 on count / mean (with an offset log ȳ it would be
    ȳ(1 − log ȳ) < 0, and the 1/L₀ weight and Kendall's log σ² would have no sense)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    frame["n"] = rng.poisson(np.exp(4.0 + 0.4 * x[:, 0]))
    frame["r"] = x[:, 1] + rng.normal(size=300)
    heads = [HeadLoss("n", "count", "poisson"), HeadLoss("r", "regression", "mse")]
    data = prepare_multitarget(frame, ("n", "r"), DataFacts("multitarget"), 0, heads)
    count, real = data.targets
    assert count.mean > 50 and count.constant_loss == pytest.approx(1.0, rel=1e-5)
    assert real.constant_loss == pytest.approx(frame.r[data.split.train].var(ddof=0), rel=1e-4)
    weights = combiner_candidates(["scale_weights"], data)[1].params["weights"]
    assert weights[0] == pytest.approx(1.0) and weights[1] == pytest.approx(1 / real.constant_loss, rel=1e-5)


def test_constant_loss_known_answers():
    y = np.array([0.0, 0.0, 0.0, 1.0])
    entropy = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert constant_loss(build_loss("bce"), "binary_logit", y, 2) == pytest.approx(entropy, rel=1e-5)
    assert constant_loss(build_loss("cross_entropy"), "logits", y, 2) == pytest.approx(entropy, rel=1e-5)
    counts = np.array([1.0, 3.0])   # trained as counts / 2: the constant is η = 0, e⁰ − 1·0 = 1
    assert constant_loss(build_loss("poisson"), "log_mean", counts, 1) == pytest.approx(1.0, rel=1e-5)
    p = 1.5                          # Tweedie at η = 0 on a mean-1 target: 1/(p − 1) + 1/(2 − p)
    assert constant_loss(build_loss("tweedie", power=p), "log_mean", counts, 1) == pytest.approx(
        1 / (p - 1) + 1 / (2 - p), rel=1e-5)
    values = np.array([0.0, 1.0, 2.0, 10.0])
    assert constant_loss(build_loss("mae"), "mean", values, 1) == pytest.approx(np.mean(np.abs(values - 1.5)))
    assert constant_loss(build_loss("mse"), "mean", values, 1) == pytest.approx(values.var())


def test_each_head_gets_its_targets_configured_loss():
    frame = visits_frame()
    profile = profile_table(frame, target="churn,visits,spend", noise=False)
    rec = recommend(profile)
    heads, notes = configured_heads(profile.to_dict(), None, None)
    assert notes == ()
    assert [(h.name, h.kind) for h in heads] == [("churn", "binary"), ("visits", "count"), ("spend", "regression")]
    for head, advice in zip(heads, rec.targets):
        assert (head.loss, dict(head.params)) == (advice.chosen.loss, dict(advice.chosen.params))
    # churn's imbalance fires the imbalance rules; the fitted scores (docs/score-fit.md) pick which correction
    assert heads[0].loss in ("weighted_bce", "class_balanced", "focal", "logit_adjusted") and heads[1].loss == "poisson"
    data = prepare_multitarget(frame, ("churn", "visits", "spend"), DataFacts("multitarget"), 0, heads)
    churn, visits, spend = data.targets
    assert churn.classes == ("no", "yes") and dict(churn.params) == dict(heads[0].params)
    assert visits.form == "log_mean" and visits.mean == pytest.approx(frame.visits[data.split.train].mean())
    assert spend.loss == heads[2].loss and dict(spend.params) == dict(heads[2].params)
    positives = frame.churn[data.split.train].eq("yes").mean()
    entropy = -(positives * math.log(positives) + (1 - positives) * math.log(1 - positives))
    assert churn.constant_loss != pytest.approx(entropy)   # weighted: not the plain entropy
    assert all(np.isfinite(t.constant_loss) and t.constant_loss > 0 for t in data.targets)


def test_cli_trial_names_each_heads_loss_and_what_moved(tmp_path):
    path = tmp_path / "visits.csv"
    visits_frame().to_csv(path, index=False)
    result = CliRunner().invoke(app, ["trial", str(path), "--target", "churn,visits,spend", "--format", "json", *FAST])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["metrics"] == ["combined", "macro_f1:churn", "r2:visits", "r2:spend"]
    losses = next(n for n in data["notes"] if n.startswith("each target's loss: "))
    assert re.search(r"churn: (weighted_bce|class_balanced|focal|logit_adjusted)\(", losses) and "visits: poisson" in losses
    assert "configured by recommend on each target's own facts" in losses
    moved = [n for n in data["notes"] if " vs sum: helped " in n]
    assert len(moved) == 2 and all(all(m in n for m in data["metrics"][1:]) for n in moved)


def test_without_configuration_the_trial_measures_each_target():
    frame = three_targets(300)
    data = prepare_multitarget(frame, ("a", "b", "c"), DataFacts("multitarget"), 0)
    assert [t.loss for t in data.targets] == ["mse", "mse", "huber"]
    assert all(t.rules == () for t in data.targets)
