"""Multilabel trials: iterative stratification, known-answer metrics, rare labels, the CLI and its errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from lossadvisor.trials.encoding import FeatureMatrix
from lossadvisor.trials.multilabel_trial import MultilabelData, MultilabelScorer, prepare_multilabel
from lossadvisor.trials.multilabel_split import iterative_split
from lossadvisor.trials.prepare import DataFacts
from lossadvisor.trials.split import Split
from tests.cli_helpers import run_cli as _run

FAST = ["--seeds", "2", "--epochs", "2", "--bootstrap", "100", "--device", "cpu"]


def _logit(p):
    p = np.asarray(p, dtype=np.float64)
    return np.log(p / (1 - p))


def _hand_scorer() -> MultilabelScorer:
    y = np.array([[1, 0], [0, 1], [1, 0], [0, 0]], dtype=np.float32)
    split = Split(np.array([0]), np.array([0, 1]), np.arange(4), "hand")
    data = MultilabelData(split, FeatureMatrix(np.zeros((4, 1), np.float32), ("x",), ()), y, ("A", "B"), (0, 1))
    return MultilabelScorer(data, ("map", "macro_f1", "micro_f1", "ap:A", "ap:B", "f1:A", "f1:B"))


def test_map_and_f1_by_hand():
    scorer = _hand_scorer()
    scores = np.array([[0.9, 0.2], [0.8, 0.4], [0.3, 0.6], [0.1, 0.1]])
    output, rows, half = _logit(scores), np.arange(4), np.array([0.5, 0.5])
    # A: positives at ranks 1 and 3 → AP = ½·1 + ½·⅔ = 5/6. B: its positive at rank 2 → AP = ½. mAP = 2/3.
    assert scorer.weighted("ap:A", rows, output, "multilabel", half)(None)[0] == pytest.approx(5 / 6)
    assert scorer.weighted("ap:B", rows, output, "multilabel", half)(None)[0] == pytest.approx(0.5)
    assert scorer.weighted("map", rows, output, "multilabel", half)(None)[0] == pytest.approx(2 / 3)
    y = scorer.prepared.y
    assert 5 / 6 == pytest.approx(average_precision_score(y[:, 0], scores[:, 0]))
    # At 0.5: A predicts rows 0, 1 (TP 1, FP 1, FN 1 → F1 ½); B predicts row 2 (TP 0, FP 1, FN 1 → 0).
    assert scorer.weighted("macro_f1", rows, output, "multilabel", half)(None)[0] == pytest.approx(0.25)
    assert scorer.weighted("micro_f1", rows, output, "multilabel", half)(None)[0] == pytest.approx(2 / 6)
    # Weights = a resample: rows 0 and 2 twice, nothing else → A perfect at ranks 1–2... AP 1; B has no positive.
    w = np.array([[2.0, 0.0, 2.0, 0.0]])
    assert scorer.weighted("ap:A", rows, output, "multilabel", half)(w)[0] == pytest.approx(1.0)


def test_thresholds_maximise_validation_f1_per_label():
    scorer = _hand_scorer()
    val_output = _logit(np.array([[0.7, 0.2], [0.6, 0.9]]))  # validation rows 0 (A) and 1 (B)
    assert scorer.threshold(val_output, "multilabel").tolist() == pytest.approx([0.7, 0.9])


def test_iterative_split_spreads_rare_labels_and_is_seeded():
    rng = np.random.default_rng(0)
    y = (rng.random((200, 4)) < [0.5, 0.2, 0.05, 0.025]).astype(int)
    split = iterative_split(y, seed=3)
    parts = [split.train, split.val, split.test]
    assert sorted(np.concatenate(parts).tolist()) == list(range(200))
    assert [len(p) for p in parts] == pytest.approx([120, 40, 40], abs=3)
    for label in range(4):
        assert all(y[p, label].sum() >= 1 for p in parts), label  # even the 2.5% label is in every part
    again = iterative_split(y, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(parts, [again.train, again.val, again.test]))


def _multilabel_frame(n: int = 400, rare: float = 0.02, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    prevalence = np.array([0.4, 0.2, rare])
    logits = x[:, :3] * 2 + np.log(prevalence / (1 - prevalence))
    present = rng.random((n, 3)) < 1 / (1 + np.exp(-logits))
    names = np.array(["common", "medium", "rare"])
    frame = pd.DataFrame(x.round(4), columns=["a", "b", "c", "d"])
    frame["tags"] = ["|".join(names[row]) for row in present]
    return frame


def test_a_label_too_rare_to_score_is_named():
    from lossadvisor.trials.multilabel_trial import _notes
    from lossadvisor.trials.results import TrialOptions

    frame = _multilabel_frame(n=100)
    frame["tags"] = ["rare|common" if i < 2 else ("common" if i % 3 else "medium") for i in range(100)]
    data = prepare_multilabel(frame, "tags", DataFacts("multilabel"), seed=0)
    assert data.labels == ("common", "medium", "rare") and data.scored == (0, 1)
    assert any("too rare to score" in n and "rare (" in n for n in _notes(data, TrialOptions()))


@pytest.fixture(scope="module")
def tags_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("ml") / "tags.csv"
    _multilabel_frame().to_csv(path, index=False)
    return path


def test_cli_json_has_macro_metrics_per_label_and_verdicts(tags_csv):
    result = _run("trial", tags_csv, "--target", "tags", "--losses", "weighted_bce,asymmetric_multilabel",
                  "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["task"] == "multilabel" and data["metric"] == "map" and data["split"] == "iterative stratification"
    assert data["metrics"][:3] == ["map", "macro_f1", "micro_f1"] and "ap:common" in data["metrics"]
    assert [c["label"] for c in data["candidates"]][0] == "bce"
    weighted = data["candidates"][1]
    assert len(weighted["params"]["pos_weight"]) == 3  # one per label, from the training rows
    assert weighted["vs_baseline"]["verdict"] in ("better", "worse", "no significant difference")
    assert weighted["vs_baseline"]["ci"][0] <= weighted["vs_baseline"]["ci"][1]
    again = _run("trial", tags_csv, "--target", "tags", "--losses", "weighted_bce,asymmetric_multilabel",
                 "--format", "json", *FAST)
    strip = lambda out: {k: v for k, v in json.loads(out).items() if k != "seconds"}  # noqa: E731
    assert strip(again.stdout) == strip(result.stdout)  # same seed, same numbers


def test_cli_default_candidates_and_sweep(tags_csv):
    result = _run("trial", tags_csv, "--target", "tags", "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    losses = [c["loss"] for c in json.loads(result.stdout)["candidates"]]
    assert losses[0] == "bce" and "asymmetric_multilabel" in losses
    sweep = _run("trial", tags_csv, "--target", "tags", "--sweep", "asymmetric_multilabel.gamma_neg=1,4",
                 "--metric", "macro_f1", "--format", "json", *FAST)
    assert sweep.exit_code == 0, sweep.output
    data = json.loads(sweep.stdout)
    assert data["metric"] == "macro_f1" and data["sweep"]["values"] == [1.0, 4.0]


@pytest.mark.parametrize("args, message", [
    (["--losses", "cross_entropy"], "does not apply to a multilabel target"),
    (["--metric", "pr_auc"], "does not apply to a multilabel target"),
])
def test_cli_errors(tags_csv, args, message):
    result = _run("trial", tags_csv, "--target", "tags", *args, *FAST)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.stderr


def test_a_single_label_is_refused():
    from lossadvisor.errors import LossAdvisorError

    frame = _multilabel_frame(n=60)
    frame["tags"] = ["only" if i % 2 else "" for i in range(60)]
    with pytest.raises(LossAdvisorError, match="at least 2 labels"):
        prepare_multilabel(frame, "tags", DataFacts("multilabel"), seed=0)
