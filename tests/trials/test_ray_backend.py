"""Trials on Ray: a member's numbers do not depend on its batch-mates, so Ray groups give the local numbers."""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lossadvisor.cli.main import app
from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.prepare import DataFacts
from lossadvisor.trials.ray_backend import split_members
from lossadvisor.trials.results import TrialOptions
from lossadvisor.trials.run import run_trials
from lossadvisor.trials.train_types import TrainConfig

# patience on: members stop at different epochs, so a group that outlives a member must not move it
FAST = TrainConfig(hidden=(16, 16), batch_size=64, epochs=4, patience=1)
SPECS = [CandidateSpec("bce", baseline=True), CandidateSpec("focal", {"gamma": 2.0}),
         CandidateSpec("weighted_bce", {"pos_weight": 3.0})]


def _frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    frame = pd.DataFrame(x, columns=list("abcd"))
    frame["y"] = (x[:, 0] + 0.5 * x[:, 1] + 0.3 * rng.normal(size=n) > 0.8).astype(int)
    return frame


def _per_seed(report) -> dict:
    return {(c.spec.label, s.seed): (dict(s.metrics), s.best_epoch, s.stopped_epoch)
            for c in report.candidates for s in c.seeds}


def _run(**options):
    base = dict(seeds=3, bootstrap=100, device="cpu", train=FAST)
    return run_trials(_frame(), "y", DataFacts(task="binary"), SPECS, TrialOptions(**base, **options))


class _InlineRay(types.ModuleType):
    """Ray's task API run in this process: shows the grouping and merging, without a cluster."""

    def __init__(self) -> None:
        super().__init__("ray")
        self.calls = []

    def is_initialized(self):
        return True

    def cluster_resources(self):
        return {"CPU": 2}

    def put(self, value):
        return value

    def get(self, values):
        return values

    def remote(self, **resources):
        def wrap(function):
            def run(*args):
                self.calls.append(len(args[1]))
                return function(*args)
            return types.SimpleNamespace(remote=run)
        return wrap


def test_split_members_is_contiguous_and_complete():
    assert [list(g) for g in split_members(7, 3)] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [list(g) for g in split_members(2, 5)] == [[0], [1]]


@pytest.mark.parametrize("groups", [2, 9])
def test_member_results_do_not_depend_on_which_members_share_the_batch(monkeypatch, groups):
    local = _per_seed(_run())
    fake = _InlineRay()
    monkeypatch.setitem(sys.modules, "ray", fake)
    grouped = _per_seed(_run(backend="ray", ray_groups=groups))
    assert fake.calls == ([5, 4] if groups == 2 else [1] * 9)
    assert grouped == local


def test_trial_on_a_two_cpu_ray_gives_the_local_per_seed_metrics():
    ray = pytest.importorskip("ray", reason="Ray is not installed here (pip install 'lossadvisor[ray]')")
    local = _run()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = _run(backend="ray")
    finally:
        ray.shutdown()
    assert _per_seed(remote) == _per_seed(local)
    assert [c.comparison.verdict for c in remote.candidates[1:]] == [c.comparison.verdict for c in local.candidates[1:]]


def test_backend_ray_without_ray_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)   # import ray now raises ImportError
    result = CliRunner().invoke(app, ["trial", "sample_data/imbalanced_binary.csv", "--backend", "ray"])
    assert result.exit_code == 2
    assert result.stderr == "error: --backend ray needs Ray, which is not installed: pip install 'lossadvisor[ray]'\n"


def test_address_needs_the_ray_backend():
    result = CliRunner().invoke(app, ["trial", "sample_data/imbalanced_binary.csv", "--address", "auto"])
    assert result.exit_code == 2 and "--address names a Ray cluster" in result.stderr
