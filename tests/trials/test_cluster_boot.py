"""The cluster (group) bootstrap of grouped trials (trials.stats.draw_weights, trials.cluster_boot)."""

from __future__ import annotations

import numpy as np
import pytest

from lossadvisor.trials import metrics as M
from lossadvisor.trials.cluster_boot import resampling_note, resampling_summary, cluster_codes
from lossadvisor.trials.stats import draw_weights, paired_bootstrap, replicate_scores


def _old_replicate_scores(scores, n_rows, n_boot, seed):
    """The row bootstrap exactly as it was before groups: the ungrouped path must draw the same numbers."""
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, len(scores)))
    for start in range(0, n_boot, 100):
        b = min(100, n_boot - start)
        weights = rng.multinomial(n_rows, np.full(n_rows, 1.0 / n_rows), size=b).astype(np.float32)
        for j, score in enumerate(scores):
            out[start : start + b, j] = score(weights)
    return out


def _duplicated_table(n_groups: int = 30, copies: int = 4, seed: int = 0):
    """Binary labels and two members' scores, one distinct row per group, each group ``copies`` identical rows."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_groups)
    a, b = y + rng.normal(0, 0.8, n_groups), y + rng.normal(0, 0.8, n_groups)
    clusters = np.repeat(np.arange(n_groups), copies)
    return y, a, b, clusters


def test_ungrouped_replicates_are_the_row_bootstrap_they_always_were():
    rng = np.random.default_rng(3)
    y, s = rng.integers(0, 2, 57), rng.random(57)
    scores = [lambda w: M.roc_auc(y, s, w), lambda w: M.accuracy(y, (s > 0.5).astype(int), w)]
    new = replicate_scores(scores, 57, n_boot=250, seed=4)
    assert np.array_equal(new, _old_replicate_scores(scores, 57, 250, 4))
    assert np.array_equal(new, replicate_scores(scores, 57, n_boot=250, seed=4, clusters=None))


def test_every_row_weighs_its_groups_draw_count():
    clusters = np.array([2, 0, 0, 1, 2, 2, 1, 3])
    weights = draw_weights(np.random.default_rng(0), 8, 500, clusters)
    assert weights.shape == (500, 8) and weights.dtype == np.float32
    counts = np.stack([weights[:, np.flatnonzero(clusters == g)[0]] for g in range(4)], axis=1)
    assert np.array_equal(weights, counts[:, clusters])      # rows of a group share one weight
    assert np.all(counts.sum(axis=1) == 4)                     # each replicate draws 4 of the 4 groups
    assert np.all(counts == np.round(counts)) and counts.min() >= 0
    # Each group is drawn once per replicate on average (multinomial(4, 1/4 each)).
    assert counts.mean(axis=0) == pytest.approx([1.0] * 4, abs=0.15)


def test_group_bootstrap_of_copies_is_the_row_bootstrap_of_the_distinct_rows():
    # Every group is 4 identical copies of one row: drawing groups is drawing the distinct rows, so
    # replicate by replicate the metric equals the row bootstrap of the de-duplicated table.
    y, a, b, clusters = _duplicated_table()
    dup = [lambda w, s=s: M.roc_auc(y[clusters], s[clusters], w) for s in (a, b)]
    dup += [lambda w: M.accuracy(y[clusters], (a[clusters] > 0.5).astype(int), w)]
    distinct = [lambda w, s=s: M.roc_auc(y, s, w) for s in (a, b)]
    distinct += [lambda w: M.accuracy(y, (a > 0.5).astype(int), w)]
    grouped = replicate_scores(dup, len(clusters), n_boot=300, seed=5, clusters=clusters)
    assert np.allclose(grouped, replicate_scores(distinct, len(y), n_boot=300, seed=5), equal_nan=True)


def test_group_interval_is_wider_than_the_row_interval_on_copies():
    # Row resampling of 4 copies per group sees 120 "independent" rows; the truth has 30 (width ~ 1/sqrt(n)).
    y, a, b, clusters = _duplicated_table()
    scores = [lambda w, s=s: M.accuracy(y[clusters], (s[clusters] > 0.5).astype(int), w) for s in (a, b)]
    widths = {}
    for name, groups in (("rows", None), ("groups", clusters)):
        reps = replicate_scores(scores, len(clusters), n_boot=2000, seed=1, clusters=groups)
        comp = paired_bootstrap(reps[:, [0]], reps[:, [1]], [0.0], [0.0], True, seed=1)
        widths[name] = comp.ci_high - comp.ci_low
    assert widths["groups"] / widths["rows"] == pytest.approx(2.0, rel=0.25)


def test_group_labels_of_any_kind_give_the_same_replicates_as_their_codes():
    y, a, _, clusters = _duplicated_table(n_groups=12, copies=3)
    labels = np.array([f"patient-{100 - g}" for g in clusters])   # sorted order differs from the codes' order
    score = [lambda w: M.accuracy(y[clusters], (a[clusters] > 0.5).astype(int), w)]
    by_codes = replicate_scores(score, len(clusters), 200, 2, np.unique(labels, return_inverse=True)[1])
    assert np.array_equal(replicate_scores(score, len(clusters), 200, 2, labels), by_codes)


def test_same_seed_same_numbers_and_another_seed_other_numbers():
    y, a, _, clusters = _duplicated_table()
    score = [lambda w: M.roc_auc(y[clusters], a[clusters], w)]
    one = replicate_scores(score, len(clusters), 200, 7, clusters)
    assert np.array_equal(one, replicate_scores(score, len(clusters), 200, 7, clusters))
    assert not np.array_equal(one, replicate_scores(score, len(clusters), 200, 8, clusters))


def test_clusters_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match="one group per row"):
        replicate_scores([lambda w: np.zeros(len(w))], 5, 10, 0, np.zeros(4, dtype=int))


def test_cluster_codes_number_the_tested_rows_groups_densely():
    groups = np.array(["b", "a", "c", "b", "d", "a"])
    assert cluster_codes(None, np.arange(6)) is None
    assert cluster_codes(groups, np.array([0, 2, 3, 4])).tolist() == [0, 1, 0, 2]   # b, c, b, d
    assert cluster_codes(groups, np.arange(6)).tolist() == [1, 0, 2, 1, 3, 0]


def test_the_report_says_groups_were_resampled_and_how_many():
    clusters = np.repeat(np.arange(12), 5)
    assert resampling_summary(None) is None and resampling_note(None) is None
    assert resampling_summary(clusters) == {"unit": "groups", "groups_tested": 12, "rows_tested": 60}
    note = resampling_note(clusters)
    assert note.startswith("intervals resample whole groups (cluster bootstrap")
    assert "12 group(s) tested (60 rows)" in note and "rough" not in note
    few = resampling_note(np.repeat(np.arange(4), 5))
    assert "4 group(s) tested (20 rows)" in few and "with under 10 groups tested the interval is rough" in few


def test_one_row_per_group_is_exactly_the_row_bootstrap():
    y, a, _, _ = _duplicated_table(n_groups=40, copies=1)
    scores = [lambda w: M.roc_auc(y, a, w)]
    singletons = np.array([f"row-{i:02d}" for i in range(40)])   # every row its own group, codes in row order
    assert np.array_equal(replicate_scores(scores, 40, 300, 9, singletons), replicate_scores(scores, 40, 300, 9))


def test_sensitive_group_gaps_resample_the_split_groups_too():
    pytest.importorskip("fairlearn")
    from lossadvisor.trials.group_metrics import measure_group_gaps

    rng = np.random.default_rng(0)
    patients = np.repeat(np.arange(40), 5)               # 40 patients × 5 rows, sex constant per patient
    sex = np.where(patients % 2 == 0, "f", "m")
    y = rng.integers(0, 2, len(patients))
    wrong = (rng.random(40) < np.where(np.arange(40) % 2 == 0, 0.1, 0.3))[patients]   # a patient is read well or badly
    pred = np.where(wrong, 1 - y, y)
    args = (sex, ["sex"], y, [[pred]], ["base"], "binary", 0, 400, 0)
    rows = measure_group_gaps(*args).candidates[0].gaps["error_rate_gap"]
    grouped = measure_group_gaps(*args, clusters=patients).candidates[0].gaps["error_rate_gap"]
    assert grouped.difference == rows.difference                     # the point estimate does not move
    assert (grouped.ci_high - grouped.ci_low) > 1.5 * (rows.ci_high - rows.ci_low)
    singles = measure_group_gaps(*args, clusters=np.arange(len(y))).candidates[0].gaps["error_rate_gap"]
    assert (singles.ci_low, singles.ci_high) == (rows.ci_low, rows.ci_high)   # one row per group: the row bootstrap


def test_one_tested_group_gives_no_interval_and_the_note_says_why():
    y, a, b, _ = _duplicated_table(n_groups=12, copies=1)
    scores = [lambda w, s=s: M.accuracy(y, (s > 0.5).astype(int), w) for s in (a, b)]
    reps = replicate_scores(scores, 12, 100, 0, np.zeros(12, dtype=int))
    assert reps.shape == (100, 2) and np.isnan(reps).all()
    comp = paired_bootstrap(reps[:, [0]], reps[:, [1]], [0.8], [0.6], True, seed=0)
    assert comp.verdict == "not compared" and comp.difference == pytest.approx(0.2)
    note = resampling_note(np.zeros(12, dtype=int))
    assert note.startswith("only 1 group tested (12 rows)") and "not compared" in note and "--folds" in note
