"""The over-fitting guard of ``lossadvisor search``: the winner, the rule-configured default and the
baseline retrained with the trial's paired seeds and compared on the test rows, which the search
never scored (it chose by validation rows only; guide 6.1.10 / 6.3.11: judge on held-out data).

Each comparison is the trial's paired bootstrap (rows and seeds resampled together; whole groups
instead of rows when the split kept groups whole, :mod:`lossadvisor.trials.cluster_boot`) of the
best configuration minus the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from lossadvisor.trials.candidates import CandidateSpec
from lossadvisor.trials.prepare import PreparedData
from lossadvisor.trials.results import CandidateResult, TrialOptions
from lossadvisor.trials.search import SearchOutcome
from lossadvisor.trials.stats import Comparison


@dataclass(frozen=True)
class SearchReport:
    """The study, then the held-out comparison of best vs baseline and vs the rule default."""

    task: str
    outcome: SearchOutcome
    baseline: CandidateResult
    default: CandidateResult
    best: CandidateResult
    versus_baseline: Comparison
    versus_default: Comparison
    default_source: str
    test_rows: int
    final_seconds: float
    classes: tuple[str, ...] = ()
    resampling: Mapping[str, Any] | None = None  # grouped split: the intervals resample whole groups (cluster_boot)

    @property
    def full_fit_equivalents(self) -> float:
        """The search's cost in full trial fits (member-epochs / (seeds × epochs))."""
        o = self.outcome
        return o.member_epochs / (o.seeds * o.rungs[-1])


def compare_on_test(prepared: PreparedData, outcome: SearchOutcome, baseline: CandidateSpec, default: CandidateSpec,
                    default_source: str, options: TrialOptions) -> SearchReport:
    """Train baseline, default and best together (paired seeds) and compare them on the test rows."""
    import time

    import torch

    from lossadvisor.trials import metrics as M
    from lossadvisor.trials.cluster_boot import cluster_codes, resampling_summary
    from lossadvisor.trials.compare import compare_candidates, score_candidate
    from lossadvisor.trials.evaluate import Scorer
    from lossadvisor.trials.members import build_loss_module, build_members, fill_data_params, resolve_device, to_tensors
    from lossadvisor.trials.train import train_members

    start = time.perf_counter()
    specs = [fill_data_params(s, prepared) for s in (CandidateSpec(baseline.loss, dict(baseline.params), True),
                                                       default, outcome.best.spec)]
    scorer = Scorer(prepared, M.report_metrics(prepared.task, outcome.metric))
    seeds = [options.seed + i for i in range(options.seeds)]
    device = resolve_device(options.device)
    previous = torch.get_num_threads()
    torch.set_num_threads(options.threads)
    try:
        members = build_members(specs, prepared, seeds, device, build_loss_module)
        tensors = to_tensors(prepared, device, {m.form for m in members})
        sizes = [tensors.x_train.shape[1], *options.train.hidden, prepared.n_classes]
        forms = [m.form for m in members]
        trained = train_members(members, tensors, options.train, sizes,
                                lambda pos, out: scorer.validation_scores([forms[p] for p in pos], out))
    finally:
        torch.set_num_threads(previous)
    traces = trained.traces
    by_candidate = [[i for i, m in enumerate(members) if m.candidate == c] for c in range(len(specs))]
    results = [score_candidate(specs[c], [traces[i] for i in idx], [members[i] for i in idx], scorer)
               for c, idx in enumerate(by_candidate)]
    clusters = cluster_codes(prepared.split_groups, prepared.split.test)  # grouped split: resample groups
    vs_base, _ = compare_candidates(results, by_candidate, 0, traces, members, scorer, options, clusters)
    vs_default, _ = compare_candidates(results, by_candidate, 1, traces, members, scorer, options, clusters)
    return SearchReport(prepared.task, outcome, vs_base[0], vs_base[1], vs_base[2], vs_base[2].comparison,
                        vs_default[2].comparison, default_source, len(prepared.split.test),
                        round(time.perf_counter() - start, 3), tuple(prepared.classes), resampling_summary(clusters))

