"""`lossadvisor rules list | show ID | validate PATH | facts | docs`: the rule base, browsable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lossadvisor.cli import app
from lossadvisor.cli.common import guarded, write_output

rules_app = typer.Typer(help="Browse, show and validate the rule base.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

RulesOpt = Annotated[Optional[Path], typer.Option("--rules", help="Extra rules that add or override by ID.")]


@rules_app.command("list")
@guarded
def list_rules(rules: RulesOpt = None) -> None:
    """One line per rule: ID, action, loss and summary."""
    from lossadvisor.ruleset import load_rules

    lines = []
    for rule in load_rules(rules):
        what = rule.loss if rule.action == "recommend" else rule.action
        lines.append(f"{rule.id:<8} {what:<22} {rule.summary}")
    write_output("\n".join(lines), None)


@rules_app.command("show")
@guarded
def show_rule(rule_id: Annotated[str, typer.Argument(help="Rule ID, e.g. IMB-001.")], rules: RulesOpt = None) -> None:
    """Print one rule, as `ruff rule CODE` does."""
    from lossadvisor.ruleset import load_rules

    write_output(render_rule(load_rules(rules).get(rule_id), heading="#"), None)


@rules_app.command("validate")
@guarded
def validate_rules(path: Annotated[Path, typer.Argument(help="A rule file or a folder of *.yaml rule files.")]) -> None:
    """Check a rule file or folder: keys, facts, losses, parameters, duplicate IDs (exit 2 on a problem)."""
    from lossadvisor.ruleset import load_rules

    ruleset = load_rules(path, include_shipped=False)
    write_output(f"ok: {len(ruleset)} rules in {path}", None)


@rules_app.command("facts")
@guarded
def list_facts() -> None:
    """The named facts a rule's `when:` may read."""
    from lossadvisor.conditions import FACTS

    write_output("\n".join(f"{name:<32} {kind:<8} {meaning}" for name, (kind, meaning) in FACTS.items()), None)


@rules_app.command("docs")
@guarded
def rules_docs(output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to a file.")] = None) -> None:
    """Generate the rule reference (docs/rules.md) from the rule files."""
    write_output(render_docs(), output)


def render_rule(rule, heading: str = "#") -> str:
    """A rule in markdown: summary, condition, action, parameters, rationale, source, caveats."""
    from lossadvisor.derive import DERIVATIONS

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
        out.append(f"- score: {scores}; confidence {rule.confidence}")
    elif rule.action == "adjust":
        out.append(f"- adjust: score {rule.adjust_by:+g} for {', '.join(f'`{n}`' for n in rule.adjust_losses)}")
    else:
        out.append(f"- advise: {rule.advice}")
    if rule.rationale:
        out.append(f"- why: {rule.rationale}")
    out.append(f"- source: {rule.source}")
    out.extend(f"- caveat: {c}" for c in rule.caveats)
    return "\n".join(out) + "\n"


def render_docs() -> str:
    """docs/rules.md: every shipped rule, grouped by file, plus the fact vocabulary."""
    from lossadvisor.conditions import FACTS
    from lossadvisor.ruleset import load_rules, shipped_rules_dir

    ruleset = load_rules()
    out = ["# The rule base", "",
           "Generated from `rules/*.yaml` by `lossadvisor rules docs -o docs/rules.md`; do not edit by hand.", "",
           "A rule fires when its `when:` condition holds on the profile facts and the objective.",
           "Comparisons on a missing or null fact are false (`ne` and `not_in` included); use",
           "`known: true|false` to test for presence. Candidates are ranked by each rule's score for",
           "the objective; `adjust` rules shift scores and `advise` rules add notes.", ""]
    root = shipped_rules_dir()
    for file in sorted({r.file for r in ruleset}):
        out += [f"## {Path(file).relative_to(root) if Path(file).is_relative_to(root) else file}", ""]
        out += [render_rule(r, heading="###") for r in ruleset if r.file == file]
    out += ["## Facts", "", "| fact | kind | meaning |", "|---|---|---|"]
    out += [f"| `{name}` | {kind} | {meaning} |" for name, (kind, meaning) in FACTS.items()]
    return "\n".join(out) + "\n"
