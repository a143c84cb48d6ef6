"""Multi-target trials: per-target measurement, the combined losses by hand, R², the CLI and its errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import r2_score

from lossadvisor.trials.multitarget import MultiTargetLoss, TargetSpec, _measure
from lossadvisor.trials.multitarget_run import r2
from tests.cli_helpers import run_cli as _run

FAST = ["--seeds", "2", "--epochs", "2", "--bootstrap", "100", "--device", "cpu"]


def test_r2_matches_sklearn_and_takes_resample_weights():
    y, pred = np.array([1.0, 2.0, 4.0, 7.0]), np.array([1.5, 2.0, 3.0, 8.0])
    assert r2(y, pred)[0] == pytest.approx(r2_score(y, pred))
    w = np.array([[2.0, 1.0, 0.0, 1.0]])
    expanded = np.array([0, 0, 1, 3])
    assert r2(y, pred, w)[0] == pytest.approx(r2_score(y[expanded], pred[expanded]))


def test_each_target_is_measured_on_its_own():
    rng = np.random.default_rng(0)
    train = np.arange(1000)
    light = pd.Series(rng.normal(size=1000))
    heavy = pd.Series(np.r_[rng.normal(size=950), rng.normal(scale=50, size=50)])
    kinds = pd.Series(rng.choice(["a", "b"], size=1000, p=[0.5, 0.5]))
    spec, _ = _measure("light", light, train)
    assert spec.loss == "mse" and spec.constant_loss == pytest.approx(light.var(ddof=0))
    spec, _ = _measure("heavy", heavy, train)
    mad = np.median(np.abs(heavy - heavy.median()))
    assert spec.loss == "huber" and spec.delta == pytest.approx(1.345 * 1.4826 * mad)
    spec, codes = _measure("kind", kinds, train)
    assert spec.kind == "classification" and spec.classes == ("a", "b") and set(codes) == {0.0, 1.0}
    assert spec.constant_loss == pytest.approx(np.log(2), abs=0.01)  # entropy of a near 50/50 split


def _specs():
    return [TargetSpec("price", "regression", 1, mean=10.0, std=2.0, loss="mse", constant_loss=4.0),
            TargetSpec("kind", "classification", 2, classes=("a", "b"), loss="cross_entropy", constant_loss=0.69)]


def test_combined_losses_by_hand():
    output = torch.tensor([[0.5, 2.0, 0.0, 1.0, 0.5]])  # price head, kind logits (2), log σ² of each target
    target = torch.tensor([[12.0, 0.0]])
    price = (0.5 * 2.0 + 10.0 - 12.0) ** 2  # prediction back in units: 11 → squared error 1
    kind = float(torch.nn.functional.cross_entropy(torch.tensor([[2.0, 0.0]]), torch.tensor([0])))
    assert float(MultiTargetLoss(_specs(), "sum")(output, target)) == pytest.approx(price + kind)
    fixed = MultiTargetLoss(_specs(), "scale_weights", [0.25, 2.0])(output, target)
    assert float(fixed) == pytest.approx(0.25 * price + 2.0 * kind)
    kendall = MultiTargetLoss(_specs(), "uncertainty_weighted")(output, target)
    expected = 0.5 * np.exp(-1.0) * price + 0.5 * 1.0 + 1.0 * np.exp(-0.5) * kind + 0.5 * 0.5
    assert float(kendall) == pytest.approx(expected, rel=1e-5)


@pytest.fixture(scope="module")
def targets_csv(tmp_path_factory):
    rng = np.random.default_rng(1)
    n = 300
    x = rng.normal(size=(n, 3))
    frame = pd.DataFrame(x.round(4), columns=["a", "b", "c"])
    frame["price"] = (10_000 * x[:, 0] + 1000 * rng.normal(size=n) + 50_000).round(1)
    frame["rooms"] = (x[:, 1] + 0.3 * rng.normal(size=n)).round(3)
    frame["kind"] = np.where(x[:, 2] > 0, "flat", "house")
    path = tmp_path_factory.mktemp("mt") / "homes.csv"
    frame.to_csv(path, index=False)
    return path


def test_cli_reports_per_target_metrics_and_what_moved(targets_csv):
    result = _run("trial", targets_csv, "--target", "price,rooms,kind", "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["task"] == "multitarget" and data["metric"] == "combined"
    assert data["metrics"] == ["combined", "r2:price", "r2:rooms", "macro_f1:kind"]
    assert [c["loss"] for c in data["candidates"]] == ["sum", "scale_weights", "uncertainty_weighted"]
    assert len(data["candidates"][1]["params"]["weights"]) == 3
    moved = [n for n in data["notes"] if " vs sum: helped " in n]
    assert len(moved) == 2 and all("r2:price" in n and "macro_f1:kind" in n for n in moved)
    again = _run("trial", targets_csv, "--target", "price,rooms,kind", "--format", "json", *FAST)
    strip = lambda out: {k: v for k, v in json.loads(out).items() if k != "seconds"}  # noqa: E731
    assert strip(again.stdout) == strip(result.stdout)


@pytest.mark.parametrize("args, message", [
    (["--losses", "focal"], "unknown multi-target candidate 'focal'"),
    (["--losses", "sum"], "nothing to compare"),
    (["--sweep", "focal.gamma=1,2"], "do not apply to several targets"),
    (["--metric", "pr_auc"], "does not apply to these targets"),
])
def test_cli_errors(targets_csv, args, message):
    result = _run("trial", targets_csv, "--target", "price,rooms,kind", *args, *FAST)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.stderr
