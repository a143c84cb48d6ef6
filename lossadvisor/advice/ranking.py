"""Rules + profile facts + the user's objective → ranked, fully configured loss candidates.

:func:`recommend` is the one entry point (the CLI, ``trial`` and the Python API call it):

    >>> from lossadvisor import Objectives, recommend
    >>> rec = recommend(profile, Objectives.parse("recall", fn_cost=5))
    >>> rec.candidates[0].loss, rec.candidates[0].params
    >>> module = rec.candidates[0].build()      # the configured torch module

The engine reads only profile *facts* (:func:`lossadvisor.advice.conditions.profile_facts`), never
the data. Candidates proposing the same loss with the same parameters are merged; the score
of each comes from its rules' score for the objective, then any ``adjust`` rules.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from lossadvisor.advice.conditions import holds_on, profile_facts
from lossadvisor.advice.functional import order_by_functional
from lossadvisor.advice.objectives import Objectives
from lossadvisor.advice.param_formulas import DERIVATIONS
from lossadvisor.advice.recommendation import Candidate, ParamSource, Recommendation
from lossadvisor.advice.ruleset import Rule, RuleSet, load_rules
from lossadvisor.errors import ConfigError, LossAdvisorError
from lossadvisor.profiling.profile import Profile, profile_of

BASELINES = {"binary": "bce", "multiclass": "cross_entropy", "multilabel": "bce", "regression": "mse",
             "count": "mse", "multitarget": "mse", "segmentation": "cross_entropy"}


def recommend(data: Any, objectives: Objectives | None = None, rules: RuleSet | None = None,
              facts: Mapping[str, Any] | None = None, target: str | None = None,
              profile_options: Mapping[str, Any] | None = None) -> Recommendation:
    """Rank configured losses for a Profile, a profile dict, or a DataFrame (profiled with ``target``).

    ``facts`` add or replace named facts (the CLI's ``--imbalance-ratio`` and friends);
    ``profile_options`` go to ProfileOptions when a DataFrame is profiled (e.g. ``{"noise": False}``).
    """
    profile = as_profile(data, target, profile_options)
    merged = profile_facts(profile)
    merged.update({k: v for k, v in (facts or {}).items() if v is not None})
    rules = rules if rules is not None else load_rules()
    if profile.task == "multitarget" and profile.targets:
        stated = sorted(k for k, v in (facts or {}).items() if v is not None and k.startswith(("target_stats.", "classes.")))
        if stated:
            raise ConfigError(f"{stated[0]} describes one target; this profile measures each of its targets "
                              "(its 'targets' section), so a fact given for all of them is ambiguous")
        return _recommend_per_target(profile, merged, objectives or Objectives(), rules)
    return evaluate(rules, merged, objectives or Objectives())


def _recommend_per_target(profile: Profile, merged: Mapping[str, Any], objectives: Objectives,
                          rules: RuleSet) -> Recommendation:
    """Multi-target: the rule base per target on its own facts, then the multi-task rules on the rest."""
    from lossadvisor.advice import per_target as PT
    from lossadvisor.losses.cards import get_card

    sections = profile.targets
    PT.check_objective_applies(objectives, [s.kind for s in sections])
    targets = []
    for section in sections:
        own, note = PT.objectives_for(objectives, section.kind)
        rec = evaluate(rules, profile_facts(PT.target_view(profile, section)), own)
        rec = replace(rec, notes=((note,) if note else ()) + rec.notes)
        advice = PT.TargetAdvice(section.name, section.kind, rec)
        targets.append(replace(advice, constant_loss=PT.constant_loss(section, advice.chosen)))
    top_objectives = PT.objectives_for(objectives, "regression")[0]
    top = evaluate(rules, PT.top_level_facts(merged), top_objectives)
    multitask = [PT.with_components(c, targets) for c in top.candidates if get_card(c.loss).inputs == "multitask"]
    weighting_rules = tuple(r for c in multitask if c.loss == "uncertainty_weighted" for r in c.rules)
    dropped = sorted({c.loss for c in top.candidates} - {c.loss for c in multitask})
    notes = list(top.notes)
    notes.append("each target was advised on its own facts (targets); the candidates here combine their "
                 "configured losses" + (f" ({', '.join(dropped)} for all targets at once left out: each target "
                                        "has its own loss)" if dropped else ""))
    return replace(top, candidates=tuple(multitask), notes=tuple(notes), targets=tuple(targets),
                   combinations=PT.combinations(targets, weighting_rules))


def configure_loss(loss: str, data: Any, objectives: Objectives | None = None,
                   rules: RuleSet | None = None) -> tuple[Candidate | None, str]:
    """``loss`` configured the way the rule base would for this data and objective, and how it was.

    The best-ranked candidate for ``loss`` when one of its rules fires; otherwise the best-scored rule
    for ``loss`` (those written for this task first) whose formulas can be computed on these facts;
    (None, why) when no rule can configure ``loss``. ``trial --losses NAME`` uses this, so a loss trialled by
    name carries the same parameters ``recommend`` would give it.
    """
    rules = rules if rules is not None else load_rules()
    rec = recommend(data, objectives, rules)
    for cand in rec.candidates:
        if cand.loss == loss:
            return cand, f"{loss}: configured by rule {cand.rules[0]}, which fires on this data"
    objective = rec.objectives.objective
    task_only = frozenset({"task"})
    proposing = [rule for rule in rules if rule.action == "recommend" and rule.loss == loss]
    # Rules written for this task first, then the others (their formulas may still apply to these facts).
    ranked = sorted(proposing, key=lambda r: (not holds_on(r.when, rec.facts, task_only), -r.score_for(objective)))
    for rule in ranked:
        cand, _ = configure(rule, rec.facts, objective)
        if cand is not None:
            return cand, (f"{loss}: configured with the formulas of rule {rule.id} "
                          "(the rule does not fire on this data)")
    return None, f"{loss}: no rule configures it for these facts; its card's defaults are used"


def facts_read_by(rules: RuleSet, loss: str) -> set[str]:
    """The facts the parameter formulas of the rules recommending ``loss`` read."""
    return {fact for rule in rules if rule.action == "recommend" and rule.loss == loss
            for param in rule.params if param.derive is not None for fact in DERIVATIONS[param.derive].facts}


def as_profile(data: Any, target: str | None = None, options: Mapping[str, Any] | None = None) -> Profile:
    """The Profile the advice reads, at the JSON contract's precision (:meth:`Profile.as_saved`), from a
    Profile, a profile dict (the JSON boundary: converted once, here) or a DataFrame (profiled with ``target``)."""
    if isinstance(data, (Profile, Mapping)):
        return profile_of(data)
    if type(data).__name__ == "DataFrame":
        from lossadvisor.profiling.measure import profile_table

        return profile_table(data, target=target, **(options or {})).as_saved()
    raise ConfigError(f"recommend() takes a Profile, a profile dict or a DataFrame, got {type(data).__name__}")


def evaluate(rules: RuleSet, facts: Mapping[str, Any], objectives: Objectives) -> Recommendation:
    """Fire every rule on the facts and turn the firing ones into ranked candidates."""
    task = facts.get("task")
    if not task:
        raise ConfigError("the task is unknown: give data, --profile, or --task")
    objectives = objectives.for_task(task)
    facts = {**facts, **objectives.facts()}
    proposals: list[Candidate] = []
    adjusts: list[Rule] = []
    notes: list[str] = list(objectives.notes())
    fired: list[str] = []
    for rule in rules:
        if not rule.when.holds(facts):
            continue
        if rule.action == "recommend":
            candidate, problem = configure(rule, facts, objectives.objective)
            if candidate is None:
                notes.append(f"{rule.id} applies but was skipped: {problem}")
                continue
            proposals.append(candidate)
        elif rule.action == "adjust":
            adjusts.append(rule)
        else:
            notes.append(f"{rule.id}: {rule.advice} ({rule.source})")
        fired.append(rule.id)
    # The rules' scores order the candidates; the objective's statistic then decides which block each is in.
    ranked = order_by_functional(_rank(_apply_adjustments(_merge(proposals), adjusts)), objectives, facts)
    counts = facts.get("classes.counts") or {}
    notes.extend(_positive_class_note(task, counts))
    return Recommendation(task=task, objectives=objectives, candidates=ranked, baseline=_baseline(task, ranked),
                          class_order=tuple(str(k) for k in counts), notes=tuple(notes), fired=tuple(fired),
                          facts=facts)


def _positive_class_note(task: str, counts: Mapping[str, Any]) -> list[str]:
    """Binary losses treat the last class in class order as positive; say so when that is the majority."""
    if task != "binary" or len(counts) != 2:
        return []
    (neg, n_neg), (pos, n_pos) = counts.items()
    if n_pos <= n_neg:
        return []
    return [f"binary losses take '{pos}' (last in class order) as the positive class, and it is the majority "
            f"({n_pos} vs {n_neg} rows): pos_weight < 1 down-weights it, which is the same correction as "
            f"up-weighting '{neg}'; encode '{neg}' as 1 if you want it to be the positive class"]


def configure(rule: Rule, facts: Mapping[str, Any], objective: str | None) -> tuple[Candidate | None, str]:
    """Compute a recommend rule's parameters; (None, why) when a needed fact is missing."""
    from lossadvisor.losses.cards import validate_params

    params: dict[str, Any] = {}
    sources: dict[str, ParamSource] = {}
    for param in rule.params:
        if param.derive is None:
            params[param.name] = param.value
            sources[param.name] = ParamSource(rule.id)
            continue
        derivation = DERIVATIONS[param.derive]
        missing = derivation.missing(facts)
        if missing:
            return None, f"parameter '{param.name}' needs {', '.join(missing)}"
        params[param.name] = derivation.compute(facts, **dict(param.options))
        sources[param.name] = ParamSource(rule.id, _with_options(derivation, dict(param.options)),
                                          derivation.used(facts))
    try:
        checked = validate_params(rule.loss, params)
    except LossAdvisorError as exc:
        raise ConfigError(f"{rule.file}: rule {rule.id}: key 'recommend.params': {exc}") from None
    params = {name: checked[name] for name in params}
    return Candidate(loss=rule.loss, params=params, param_sources=sources, score=rule.score_for(objective),
                     rules=(rule.id,), rationale=rule.rationale, source=rule.source, caveats=rule.caveats,
                     confidence=rule.confidence), ""


def _merge(proposals: list[Candidate]) -> list[Candidate]:
    """One candidate per (loss, params): the best-scored rule leads, the others are listed."""
    merged: dict[tuple, Candidate] = {}
    for cand in sorted(proposals, key=lambda c: -c.score):
        key = (cand.loss, repr(sorted(cand.params.items())))
        if key not in merged:
            merged[key] = cand
            continue
        lead = merged[key]
        merged[key] = replace(
            lead, rules=lead.rules + cand.rules,
            rationale=f"{lead.rationale} {cand.rationale}".strip(),
            source=lead.source if cand.source in lead.source else f"{lead.source}; {cand.source}",
            caveats=lead.caveats + tuple(c for c in cand.caveats if c not in lead.caveats))
    return list(merged.values())


def _apply_adjustments(candidates: list[Candidate], adjusts: list[Rule]) -> list[Candidate]:
    out = []
    for cand in candidates:
        for rule in adjusts:
            if cand.loss in rule.adjust_losses:
                cand = replace(cand, score=min(1.0, max(0.0, cand.score + rule.adjust_by)),
                               rules=cand.rules + (rule.id,),
                               caveats=cand.caveats + (f"{rule.id} ({rule.adjust_by:+.2f}): {rule.summary}",))
        out.append(cand)
    return out


def _rank(candidates: list[Candidate]) -> tuple[Candidate, ...]:
    return tuple(sorted(candidates, key=lambda c: (-round(c.score, 6), c.rules[0], c.loss)))


def _baseline(task: str, ranked: tuple[Candidate, ...]) -> Candidate:
    """The plain loss for the task, for comparison (its score is that of the matching candidate, else None)."""
    loss = BASELINES.get(task, "mse")
    for cand in ranked:
        if cand.loss == loss and not cand.params:
            return cand
    return Candidate(loss=loss, params={}, param_sources={}, score=None, rules=(),
                     rationale="The plain loss for this task, shown for comparison.",
                     source="guide 6.1.1", caveats=(), confidence="high")


def _with_options(derivation, given: Mapping[str, Any]) -> str:
    """The formula with the option values it was computed with (the rule's, else the defaults)."""
    import inspect

    defaults = {name: p.default for name, p in inspect.signature(derivation.compute).parameters.items()
                if p.default is not inspect.Parameter.empty}
    values = {name: given.get(name, defaults.get(name)) for name in derivation.options}
    shown = ", ".join(f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
                      for name, value in values.items() if value is not None)
    return f"{derivation.formula}; {shown}" if shown else derivation.formula
