"""`lossadvisor rules list | show ID | validate PATH | facts | docs`: the rule base, browsable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lossadvisor.cli.options import guarded, write_output
from lossadvisor.report.fit import output_width, wrap_text

rules_app = typer.Typer(help="Browse, show and validate the rule base.", no_args_is_help=True)

RulesOpt = Annotated[Optional[Path], typer.Option("--rules", help="Extra rules that add or override by ID.")]


@rules_app.command("list")
@guarded
def list_rules(rules: RulesOpt = None) -> None:
    """One line per rule: ID, action, loss and summary."""
    from lossadvisor.advice.ruleset import load_rules
    from lossadvisor.report.rules_render import render_rule_list

    write_output(render_rule_list(load_rules(rules), output_width()), None)


@rules_app.command("show")
@guarded
def show_rule(rule_id: Annotated[str, typer.Argument(help="Rule ID, e.g. IMB-001.")], rules: RulesOpt = None) -> None:
    """Print one rule, as `ruff rule CODE` does."""
    from lossadvisor.advice.ruleset import load_rules
    from lossadvisor.report.rules_render import render_rule

    write_output(wrap_text(render_rule(load_rules(rules).get(rule_id), heading="#"), output_width()), None)


@rules_app.command("validate")
@guarded
def validate_rules(path: Annotated[Path, typer.Argument(help="A rule file or a folder of *.yaml rule files.")]) -> None:
    """Check a rule file or folder: keys, facts, losses, parameters, duplicate IDs (exit 2 on a problem)."""
    from lossadvisor.advice.ruleset import load_rules

    ruleset = load_rules(path, include_shipped=False)
    write_output(f"ok: {len(ruleset)} rules in {path}", None)


@rules_app.command("facts")
@guarded
def list_facts() -> None:
    """The named facts a rule's `when:` may read."""
    from lossadvisor.report.rules_render import render_facts

    write_output(render_facts(width=output_width()), None)


@rules_app.command("docs")
@guarded
def rules_docs(output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to a file.")] = None) -> None:
    """Generate the rule reference (docs/rules.md) from the rule files."""
    from lossadvisor.advice.ruleset import load_rules, shipped_rules_dir
    from lossadvisor.report.rules_render import render_docs

    write_output(render_docs(load_rules(), shipped_rules_dir()), output)
