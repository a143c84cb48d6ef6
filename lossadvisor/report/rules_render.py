"""Render the rule base: one line per rule, one rule in Markdown, the fact vocabulary, docs/rules.md."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

from lossadvisor.advice.conditions import FACTS
from lossadvisor.advice.functional import principle_markdown
from lossadvisor.advice.param_formulas import DERIVATIONS
from lossadvisor.advice.ruleset import Rule, RuleSet


def render_rule_list(rules: Iterable[Rule], width: int = 100) -> str:
    """One row per rule: ID, the loss it recommends (or its action), and its summary (wrapped to `width`)."""
    return _grid([(rule.id, rule.loss if rule.action == "recommend" else rule.action, rule.summary)
                  for rule in rules], width)


def render_facts(facts: Mapping[str, tuple[str, str]] = FACTS, width: int = 100) -> str:
    """The named facts a rule's `when:` may read: name, kind and meaning (wrapped to `width`)."""
    return _grid([(name, kind, meaning) for name, (kind, meaning) in facts.items()], width)


def _grid(rows: list[tuple[str, str, str]], width: int) -> str:
    """Aligned columns that fit `width`: the last column (prose) wraps under itself."""
    from rich.table import Table

    from lossadvisor.report.fit import plain_console

    console = plain_console(width)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_column(overflow="fold")
    for row in rows:
        grid.add_row(*row)
    console.print(grid)
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())


def render_rule(rule: Rule, heading: str = "#") -> str:
    """A rule in markdown: summary, condition, action, parameters, rationale, source, caveats."""
    out = [f"{heading} {rule.id}: {rule.summary}", "",
           f"- when: `{rule.condition_text}`"]
    if rule.action == "recommend":
        out.append(f"- recommend: `{rule.loss}`")
        for param in rule.params:
            if param.derive is None:
                out.append(f"  - `{param.name}` = `{param.value!r}`")
            else:
                options = ", ".join(f"{k}={v}" for k, v in param.options)
                extra = f" ({options})" if options else ""
                out.append(f"  - `{param.name}` = {DERIVATIONS[param.derive].formula}{extra}")
        scores = ", ".join(f"{name} {value:g}" for name, value in rule.scores)
        prior = ""
        if rule.prior is not None and dict(rule.prior) != dict(rule.scores):
            prior = " (fitted from evidence; hand-set prior " + ", ".join(f"{n} {v:g}" for n, v in rule.prior) + ")"
        out.append(f"- score: {scores}{prior}; confidence {rule.confidence}")
    elif rule.action == "adjust":
        out.append(f"- adjust: score {rule.adjust_by:+g} for {', '.join(f'`{n}`' for n in rule.adjust_losses)}")
    else:
        out.append(f"- advise: {rule.advice}")
    if rule.rationale:
        out.append(f"- why: {rule.rationale}")
    out.append(f"- source: {rule.source}")
    out.extend(f"- caveat: {c}" for c in rule.caveats)
    return "\n".join(out) + "\n"


def render_docs(ruleset: RuleSet, root: Path) -> str:
    """docs/rules.md: every rule, grouped by file (paths relative to ``root``), plus the fact vocabulary."""
    out = ["# The rule base", "",
           "Generated from `rules/*.yaml` by `lossadvisor rules docs -o docs/rules.md`; do not edit by hand.", "",
           "A rule fires when its `when:` condition holds on the profile facts and the objective.",
           "Comparisons on a missing or null fact are false (`ne` and `not_in` included); use",
           "`known: true|false` to test for presence. Candidates are ranked by each rule's score for",
           "the objective; `adjust` rules shift scores and `advise` rules add notes.", "",
           "Each recommend rule's `score` is fitted from the evidence benchmark's table by",
           "`lossadvisor rules fit benchmarks/evidence/results.csv --write`: the hand-set `score_prior` moved by",
           "how much more often than an average measured loss the rule's loss tied with the best where it fires",
           "(procedure and the leave-one-dataset-out figure: [score-fit.md](score-fit.md)). Where the",
           "table has no evidence for a rule and objective, the score is the prior.", ""]
    out += principle_markdown()
    for file in sorted({r.file for r in ruleset}):
        out += [f"## {Path(file).relative_to(root) if Path(file).is_relative_to(root) else file}", ""]
        out += [render_rule(r, heading="###") for r in ruleset if r.file == file]
    out += ["## Facts", "", "| fact | kind | meaning |", "|---|---|---|"]
    out += [f"| `{name}` | {kind} | {meaning} |" for name, (kind, meaning) in FACTS.items()]
    return "\n".join(out) + "\n"
