"""Score each candidate's seeds on the test rows and compare candidates by a paired bootstrap.

The bootstrap resamples test rows, or whole groups when the caller passes each test row's group
(``clusters``; :mod:`lossadvisor.trials.cluster_boot`).

Split from :mod:`lossadvisor.trials.run`, which calls these once training is done.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.diagnostics import diagnose, grad_norm_summary
from lossadvisor.trials.evaluate import Scorer
from lossadvisor.trials.results import CandidateResult, SeedResult, TrialOptions
from lossadvisor.trials.stats import Comparison, WeightedScore, mean_sd, paired_bootstrap, replicate_scores
from lossadvisor.trials.train_types import Member, MemberTrace


def score_candidate(spec: CandidateSpec, traces: list[MemberTrace], members: list[Member], scorer: Scorer) -> CandidateResult:
    """One candidate's test metrics per seed, their mean and sd, diagnostics and curves (no comparison yet)."""
    seeds = []
    for member, trace in zip(members, traces):
        if trace.val_output is None or trace.test_output is None:
            seeds.append(SeedResult(member.seed, {}, None, None, trace.diverged_epoch, trace.stopped_epoch))
            continue
        values, threshold = scorer.test_metrics(trace.val_output, trace.test_output, member.form)
        seeds.append(SeedResult(member.seed, values, threshold, trace.best_epoch, trace.diverged_epoch, trace.stopped_epoch))
    summary = {name: mean_sd([s.metrics.get(name, math.nan) for s in seeds]) for name in scorer.metric_names}
    curves = tuple({"train_loss": t.train_loss, "val_loss": t.val_loss, "val_score": t.val_score} for t in traces)
    return CandidateResult(spec, tuple(seeds), summary, None, tuple(diagnose(traces)), grad_norm_summary(traces), curves)


def compare_candidates(results: list[CandidateResult], by_candidate: list[list[int]], base_index: int,
                 traces: list[MemberTrace], members: list[Member], scorer: Scorer,
                 options: TrialOptions,
                 clusters: np.ndarray | None = None) -> tuple[list[CandidateResult], int | None]:
    """Each candidate against the baseline and against the best candidate, paired by seed and test rows.

    ``clusters``: the group of each test row (``scorer.prepared.split.test`` order) when the split kept
    groups whole: the bootstrap then resamples groups (:func:`lossadvisor.trials.stats.draw_weights`).
    """
    rows, name = scorer.prepared.split.test, scorer.primary.name
    scored = [i for i, t in enumerate(traces) if t.test_output is not None]  # diverged-from-start members have none
    scorers = {i: scorer.weighted(name, rows, traces[i].test_output, members[i].form,
                                  scorer.threshold(traces[i].val_output, members[i].form)) for i in scored}
    return compare_scored(results, by_candidate, base_index, scorers, len(rows), scorer.primary.higher_is_better,
                          name, options, getattr(scorer.primary, "margin", 0.0), clusters)


def compare_scored(results: list[CandidateResult], by_candidate: list[list[int]], base_index: int,
                   scorers: dict[int, WeightedScore], n_rows: int, higher_is_better: bool, name: str,
                   options: TrialOptions, margin: float = 0.0,
                   clusters: np.ndarray | None = None) -> tuple[list[CandidateResult], int | None]:
    """The comparisons from each scored member's primary metric as a function of row weights.

    ``by_candidate[c]`` lists candidate c's members in seed order (pairs are made by position);
    ``scorers`` has the members that have predictions; ``margin``: the smallest difference that counts
    (stats.verdict; the primary metric's, 0 for tables). Shared by the single split and cross-fitting
    (:mod:`lossadvisor.trials.crossfit`, where a member is one seed's out-of-fold predictions).
    ``clusters``: a group label per scored row to resample whole groups (cluster bootstrap); None: rows.
    """
    scored = list(scorers)
    column = {i: j for j, i in enumerate(scored)}
    replicates = replicate_scores([scorers[i] for i in scored], n_rows, options.bootstrap, options.seed, clusters)
    points = {i: float(scorers[i](None)[0]) for i in scored}

    def compare(c: int, reference: int) -> Comparison:
        pairs = [(i, b) for i, b in zip(by_candidate[c], by_candidate[reference]) if i in column and b in column]
        return paired_bootstrap(
            replicates[:, [column[i] for i, _ in pairs]], replicates[:, [column[b] for _, b in pairs]],
            [points[i] for i, _ in pairs], [points[b] for _, b in pairs],
            higher_is_better, options.seed, margin,
        )

    sign = 1.0 if higher_is_better else -1.0
    means = [sign * r.summary[name][0] for r in results]
    ranked = [c for c in range(len(results)) if np.isfinite(means[c])]
    best = max(ranked, key=lambda c: means[c]) if ranked else None
    out = list(results)
    for c in range(len(results)):
        out[c] = replace(
            out[c],
            comparison=None if c == base_index else compare(c, base_index),
            versus_best=None if best is None else compare(c, best),
        )
    return out, best
