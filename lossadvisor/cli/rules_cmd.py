"""`lossadvisor rules list | show ID | validate PATH | facts | docs | fit RESULTS`: the rule base, browsable and fitted."""

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


@rules_app.command("fit")
@guarded
def fit_rules(
    results: Annotated[Path, typer.Argument(help="The evidence table (benchmarks/evidence/results.csv).")],
    facts: Annotated[Optional[Path], typer.Option(
        "--facts", help="Profile facts per case (default: facts.jsonl beside the results).")] = None,
    prior_weight: Annotated[float, typer.Option(
        "--prior-weight", "-m", help="How many measured cases the hand-set prior counts as.")] = 4.0,
    rules_dir: Annotated[Optional[Path], typer.Option(
        "--rules-dir", help="The rule folder to fit and write (default: the shipped rules).")] = None,
    write: Annotated[bool, typer.Option("--write", help="Write the fitted scores into the rule files.")] = False,
    check: Annotated[bool, typer.Option(
        "--check", help="Exit 1 when the rule files' scores differ from the fit.")] = False,
    doc: Annotated[Optional[Path], typer.Option("--doc", help="Write the procedure and figures as Markdown.")] = None,
    lodo: Annotated[bool, typer.Option(
        "--lodo/--no-lodo", help="Measure the leave-one-dataset-out figure.")] = True,
) -> None:
    """Fit each rule's score per objective from an evidence table (docs/score-fit.md explains how)."""
    from lossadvisor.advice.evidence_table import read_evidence
    from lossadvisor.advice.ruleset import load_rules, shipped_rules_dir
    from lossadvisor.advice.score_fit import score_drift
    from lossadvisor.advice.score_lodo import fit_and_judge
    from lossadvisor.advice.score_write import write_scores
    from lossadvisor.errors import ConfigError
    from lossadvisor.report.score_fit_render import render_fit_markdown, render_fit_text

    if write and check:
        raise ConfigError("--write and --check exclude each other: --check reports drift, --write removes it")
    folder = rules_dir if rules_dir is not None else shipped_rules_dir()
    rules = load_rules(folder, include_shipped=False)
    table = read_evidence(results, facts if facts is not None else results.parent / "facts.jsonl")
    fit = fit_and_judge(rules, table, prior_weight, judge=lodo)
    write_output(render_fit_text(fit.links, fit.fitted, fit.tallies, prior_weight), None)
    if doc is not None:
        write_output(render_fit_markdown(fit.links, fit.fitted, fit.judged, prior_weight, str(results)), doc)
    if write:
        changed = write_scores(folder, fit.fitted)
        write_output(f"wrote {len(changed)} rule file(s) in {folder}", None)
    drift = score_drift(rules, fit.fitted)
    if check and drift:
        write_output("\n".join(["rules drift from the evidence:", *drift]), None)
        raise typer.Exit(1)
