"""The honest figure for fitted scores: leave-one-dataset-out, how often the first choice ties with the best.

For each set *d* in the evidence table, the scores are fitted without *d* (every condition of it:
a noisy copy of *d* is still *d*), ``recommend`` is run on each of *d*'s cases for each measured
objective, and its first choice is looked up in *d*'s measurements. Beside it, on the same cases:
"always the plain baseline" (the task's plain loss, :data:`lossadvisor.advice.ranking.BASELINES`),
the hand-set (prior) scores, the scores fitted on every set (in-sample, an optimistic reference) and
the ceiling "some candidate ``recommend`` lists is tied with the best". A first choice the table did
not measure counts as *not* tied (and is counted separately), so the figure never flatters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from lossadvisor.advice.evidence_table import EvidenceTable, Measurement
from lossadvisor.advice.ranking import evaluate
from lossadvisor.advice.recommendation import Candidate, Recommendation
from lossadvisor.advice.ruleset import RuleSet
from lossadvisor.advice.score_fit import (PRIOR_WEIGHT, EvidenceLinks, FittedScore, case_facts, find_measurement, fit_scores,
                                          index_measurements, link_evidence, objective_for, with_priors,
                                          with_scores)

STRATEGIES = ("fitted", "baseline", "prior", "in_sample", "ceiling")
STRATEGY_LABELS = {"fitted": "fitted, leave-one-dataset-out", "baseline": "always the plain baseline",
                   "prior": "hand-set (prior) scores", "in_sample": "fitted on all sets (in-sample)",
                   "ceiling": "some candidate recommend lists ties (the ceiling)"}


@dataclass(frozen=True)
class Judged:
    """One (set, condition, objective) case: per strategy, True (tied), False (not) or None (not measured)."""

    set: str
    condition: str
    objective: str
    outcomes: tuple[tuple[str, bool | None], ...]
    first_choice: str  # the fitted first choice's loss, for the per-case listing


@dataclass(frozen=True)
class Tally:
    """Per objective (or ``all``) and strategy: cases, ties, and first choices the table lacked."""

    objective: str
    strategy: str
    cases: int
    ties: int
    unmeasured: int

    @property
    def rate(self) -> float:
        return self.ties / self.cases if self.cases else float("nan")


def leave_one_dataset_out(rules: RuleSet, table: EvidenceTable, links: EvidenceLinks,
                          prior_weight: float = PRIOR_WEIGHT) -> tuple[Judged, ...]:
    """Judge every (set, condition, objective) case under each strategy (see the module docstring)."""
    by_case = index_measurements(table.measurements)
    prior_rules = with_priors(rules)
    all_rules = with_scores(rules, fit_scores(rules, links, prior_weight))
    held_out = {d: with_scores(rules, fit_scores(rules, links, prior_weight, leave_out=d)) for d in table.sets}
    objectives_of: dict[tuple[str, str], list[str]] = {}
    for set_, condition, text in by_case:
        objectives_of.setdefault((set_, condition), []).append(text)
    judged = []
    for case in table.cases:
        for text in objectives_of.get((case.set, case.condition), []):
            objectives = objective_for(text, case.task)
            if objectives is None:
                continue
            facts = case_facts(case, objectives)
            rows = by_case[(case.set, case.condition, text)]
            fitted, prior = (evaluate(r, facts, objectives) for r in (held_out[case.set], prior_rules))
            outcomes = {"fitted": _tied(rows, _first(fitted)), "baseline": _tied(rows, prior.baseline),
                        "prior": _tied(rows, _first(prior)),
                        "in_sample": _tied(rows, _first(evaluate(all_rules, facts, objectives))),
                        "ceiling": any(_tied(rows, c) for c in (*prior.candidates, prior.baseline))}
            judged.append(Judged(case.set, case.condition, objectives.label(), tuple(outcomes.items()),
                                 _first(fitted).loss))
    return tuple(judged)


def tally(judged: tuple[Judged, ...], key: Callable[[Judged], str] = lambda j: j.objective.partition(":")[0]
          ) -> tuple[Tally, ...]:
    """Counts per objective name and strategy, then over all cases (objective ``all``)."""
    groups: dict[str, list[Judged]] = {}
    for item in judged:
        groups.setdefault(key(item), []).append(item)
    groups["all"] = list(judged)
    out = []
    for name, items in groups.items():
        for strategy in STRATEGIES:
            values = [dict(item.outcomes)[strategy] for item in items]
            out.append(Tally(name, strategy, len(values), sum(v is True for v in values),
                             sum(v is None for v in values)))
    return tuple(out)


def _first(rec: Recommendation) -> Candidate:
    return rec.candidates[0] if rec.candidates else rec.baseline


def _tied(rows: list[Measurement], candidate: Candidate) -> bool | None:
    row = find_measurement(rows, candidate.loss, candidate.params)
    return None if row is None else row.tied_with_best


@dataclass(frozen=True)
class ScoreFit:
    """A whole fit: the matched evidence, the fitted entries by rule, and (optionally) the judged cases."""

    links: EvidenceLinks
    fitted: dict[str, tuple[FittedScore, ...]]
    judged: tuple[Judged, ...] | None
    prior_weight: float

    @property
    def tallies(self) -> tuple[Tally, ...] | None:
        return None if self.judged is None else tally(self.judged)


def fit_and_judge(rules: RuleSet, table: EvidenceTable, prior_weight: float = PRIOR_WEIGHT,
                  judge: bool = True) -> ScoreFit:
    """Fit every rule's scores on the whole table and, with ``judge``, the leave-one-dataset-out figure."""
    links = link_evidence(rules, table)
    fitted = fit_scores(rules, links, prior_weight)
    judged = leave_one_dataset_out(rules, table, links, prior_weight) if judge else None
    return ScoreFit(links, fitted, judged, prior_weight)
