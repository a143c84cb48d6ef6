"""Fit each rule's score per objective from the evidence table: a shrunk rate of "tied with the best".

A rule's score ranks its candidate against the others (:mod:`lossadvisor.advice.ranking`), so the
number it should carry is the chance that its loss is among the best when the rule fires. For a
rule *r* and an objective *o*, the **cases** are the (set, condition) pairs of the evidence table
where *r*'s condition holds on the case's profile facts with *o* as the objective, and where the
loss *r* configures there (the same parameters, from the same facts) was measured under *o*. With
*n* such cases, *t* of them tied with the best, and the hand-set score *p* as the prior:

    score(r, o) = p + (t − e) / (m + n)

where *e* = Σ bᵢ is the number of ties an average measured loss would have had on those cases (bᵢ is
the share of case i's measured losses tied with the best). The evidence moves a score by the rule's
**excess** tie rate over the other losses measured on the same cases, shrunk toward zero by *m*
pseudo-cases (the posterior mean of the excess under a prior centred on 0 worth m cases). Why not
the raw tie rate: most losses tie with the best on most sets (88% of the committed table), so a raw
rate puts every measured rule near 0.9 while rules the table cannot measure keep hand-set priors of
0.3–0.8, and the ranking would then favour whatever was measured; the excess keeps fitted and
unmeasured rules on the prior's scale. ``adjust`` rules (CAL-001's −0.15 under calibration) shift a
loss's score at ranking time whatever its fitted value, and the excess is measured against the other
losses of the same case, so they need no correction here. :data:`PRIOR_WEIGHT` m = 4: the hand-set
score's place counts as much as four measured cases. Objectives the table never measured, and rules
that never fire on it, keep the prior; the ``default`` entry stays the prior's. Scores are rounded to
3 places and kept in [0, 1].

The prior is the rule's ``score_prior`` (the hand-set score, justified by the papers and guide
sections in its ``source``); a rule without one uses its ``score``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any, Mapping

from lossadvisor.advice.evidence_table import Case, EvidenceTable, Measurement
from lossadvisor.advice.objectives import Objectives
from lossadvisor.advice.ranking import configure
from lossadvisor.advice.ruleset import Rule, RuleSet
from lossadvisor.errors import ConfigError, LossAdvisorError
from lossadvisor.vocabulary import OBJECTIVES

PRIOR_WEIGHT = 4.0
DIGITS = 3
BARE_QUANTILE = 0.9  # the evidence benchmark writes its pinball objective as a bare ``quantile``, scored at τ = 0.9
_REL_TOL, _ABS_TOL = 1e-3, 1e-6  # params in the table may be rounded; 1e-3 still tells sqrt from full weights


@dataclass(frozen=True)
class Link:
    """A rule that fired on a case under an objective, and whether its measured loss tied with the best."""

    rule: str
    objective: str
    set: str
    condition: str
    tied: bool
    base: float = 0.0  # the share of the case's measured losses tied with the best (an average loss's chance)


@dataclass(frozen=True)
class EvidenceLinks:
    """Every rule firing matched to its measurement; the firings whose loss was not measured; skipped objectives."""

    links: tuple[Link, ...]
    unmeasured: tuple[tuple[str, str, str, str], ...]  # (rule, objective, set, condition)
    skipped_objectives: tuple[str, ...]


@dataclass(frozen=True)
class FittedScore:
    """One (rule, objective) entry: the prior, the evidence count and ties, and the fitted score."""

    rule: str
    objective: str
    prior: float
    n: int
    ties: int
    score: float
    expected: float = 0.0  # ties an average measured loss would have had on the same cases


def prior_of(rule: Rule) -> tuple[tuple[str, float], ...]:
    """The rule's prior score table: ``score_prior`` where given, else its ``score``."""
    return rule.prior if rule.prior is not None else rule.scores


def objective_for(text: str, task: str) -> Objectives | None:
    """The table's objective as the engine's Objectives for this task; None for one the rules do not rank by.

    ``fbeta:B`` and ``quantile:Q`` carry their level; a bare ``quantile`` is read at :data:`BARE_QUANTILE`.
    """
    name = text.partition(":")[0].strip().lower()
    if name not in OBJECTIVES:
        return None
    if text.strip().lower() == "quantile":
        text = f"quantile:{BARE_QUANTILE:g}"
    try:
        return Objectives.parse(text).for_task(task)
    except ConfigError:
        return None


def link_evidence(rules: RuleSet, table: EvidenceTable) -> EvidenceLinks:
    """Match every recommend rule that fires on a case (with each measured objective) to its measurement."""
    by_case = index_measurements(table.measurements)
    objectives_of: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (set_, condition, objective) in by_case:
        objectives_of[(set_, condition)].append(objective)
    links, unmeasured, skipped = [], [], set()
    proposers = [rule for rule in rules if rule.action == "recommend"]
    for case in table.cases:
        for text in objectives_of.get((case.set, case.condition), []):
            objectives = objective_for(text, case.task)
            if objectives is None:
                skipped.add(text)
                continue
            facts = case_facts(case, objectives)
            rows = by_case[(case.set, case.condition, text)]
            for rule in proposers:
                if not rule.when.holds(facts):
                    continue
                candidate, _ = configure(rule, facts, objectives.objective)
                if candidate is None:
                    continue  # a formula lacks a fact: recommend skips the rule here too
                row = find_measurement(rows, candidate.loss, candidate.params)
                if row is None:
                    unmeasured.append((rule.id, objectives.objective, case.set, case.condition))
                    continue
                base = sum(r.tied_with_best for r in rows) / len(rows)
                links.append(Link(rule.id, objectives.objective, case.set, case.condition, row.tied_with_best, base))
    return EvidenceLinks(tuple(links), tuple(unmeasured), tuple(sorted(skipped)))


def case_facts(case: Case, objectives: Objectives) -> dict[str, Any]:
    """The facts ``recommend`` would judge the rules on: the profile's, plus the objective's."""
    return {**case.facts, **objectives.facts()}


def index_measurements(rows: tuple[Measurement, ...]) -> dict[tuple[str, str, str], list[Measurement]]:
    """Measurements by (set, condition, objective), in table order."""
    index: dict[tuple[str, str, str], list[Measurement]] = defaultdict(list)
    for row in rows:
        index[(row.set, row.condition, row.objective)].append(row)
    return dict(index)


def find_measurement(rows: list[Measurement], loss: str, params: Mapping[str, Any]) -> Measurement | None:
    """The row measuring ``loss`` with these parameters (card defaults filled on both sides), if any."""
    wanted = _normalised(loss, params)
    for row in rows:
        if row.loss == loss and _same(_normalised(loss, row.params), wanted):
            return row
    return None


def fit_scores(rules: RuleSet, links: EvidenceLinks, prior_weight: float = PRIOR_WEIGHT,
               leave_out: str | None = None) -> dict[str, tuple[FittedScore, ...]]:
    """Each recommend rule's fitted entries, by rule ID, from the links (without set ``leave_out``)."""
    if not prior_weight > 0:
        raise ConfigError(f"the prior weight m must be > 0, got {prior_weight}")
    counts: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for link in links.links:
        if link.set != leave_out:
            tally = counts[(link.rule, link.objective)]
            tally[0] += 1
            tally[1] += link.tied
            tally[2] += link.base
    measured = [o for o in OBJECTIVES if any(key[1] == o for key in counts)]
    fitted: dict[str, tuple[FittedScore, ...]] = {}
    for rule in rules:
        if rule.action != "recommend":
            continue
        prior = dict(prior_of(rule))
        entries = []
        for objective in [*prior, *(o for o in measured if o not in prior)]:
            p = prior.get(objective, prior["default"])
            n, ties, expected = counts.get((rule.id, objective), (0, 0, 0.0)) if objective != "default" else (0, 0, 0.0)
            if n == 0 and objective not in prior:
                continue
            entries.append(_fitted(rule.id, objective, p, int(n), int(ties), expected, prior_weight))
        fitted[rule.id] = tuple(entries)
    return fitted


def _fitted(rule: str, objective: str, p: float, n: int, ties: int, expected: float, m: float) -> FittedScore:
    """One entry: the prior plus the shrunk excess of ties over an average measured loss, in [0, 1]."""
    if n == 0:
        return FittedScore(rule, objective, p, 0, 0, p)
    score = p + (ties - expected) / (m + n)
    return FittedScore(rule, objective, p, n, ties, round(min(1.0, max(0.0, score)), DIGITS), round(expected, DIGITS))


def score_table(entries: tuple[FittedScore, ...]) -> tuple[tuple[str, float], ...]:
    """Fitted entries as a rule's score table (``default`` first)."""
    return tuple((entry.objective, float(entry.score)) for entry in entries)


def with_scores(rules: RuleSet, fitted: Mapping[str, tuple[FittedScore, ...]]) -> RuleSet:
    """The rule set with each fitted rule's score replaced (the others unchanged)."""
    return RuleSet(tuple(replace(rule, scores=score_table(fitted[rule.id])) if rule.id in fitted else rule
                         for rule in rules))


def with_priors(rules: RuleSet) -> RuleSet:
    """The rule set scored by the hand-set priors alone."""
    return RuleSet(tuple(replace(rule, scores=prior_of(rule)) for rule in rules))


def score_drift(rules: RuleSet, fitted: Mapping[str, tuple[FittedScore, ...]]) -> list[str]:
    """One line per rule whose score differs from the fit (empty when the rules are up to date)."""
    drift = []
    for rule in rules:
        if rule.id not in fitted:
            continue
        want, have = dict(score_table(fitted[rule.id])), dict(rule.scores)
        if set(want) != set(have) or any(abs(want[k] - have[k]) > 10 ** -(DIGITS + 1) for k in want):
            drift.append(f"{rule.id}: rules say {_show(have)}; the fit gives {_show(want)}")
    return drift


def _show(table: Mapping[str, float]) -> str:
    return "{" + ", ".join(f"{k}: {v:g}" for k, v in table.items()) + "}"


def _normalised(loss: str, params: Mapping[str, Any]) -> dict[str, Any]:
    from lossadvisor.losses.cards import validate_params

    try:
        return validate_params(loss, dict(params))
    except LossAdvisorError:
        return dict(params)


def _same(a: Any, b: Any) -> bool:
    """Equal, with numbers compared to a relative tolerance and lists/mappings element by element."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=_REL_TOL, abs_tol=_ABS_TOL)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b
