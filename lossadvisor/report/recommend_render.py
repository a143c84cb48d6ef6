"""Render a Recommendation as rich text, JSON, markdown, or a runnable Python snippet.

Renderers only format what the engine decided; they compute nothing.
"""

from __future__ import annotations

import json
from typing import Any

from lossadvisor.advice.recommendation import Candidate, Recommendation


def render_json(rec: Recommendation, top: int = 3) -> str:
    """The versioned JSON contract (schema_version 1.0)."""
    return json.dumps(rec.to_dict(top=top), indent=2, ensure_ascii=False)


def _params_text(params: dict[str, Any]) -> str:
    if not params:
        return "(defaults)"
    return ", ".join(f"{k}={_short(v)}" for k, v in params.items())


def _short(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "[" + ", ".join(f"{c['loss']}×{c.get('weight', 1.0):g}" for c in value) + "]"
    if isinstance(value, list):
        shown = ", ".join(f"{x:.4g}" if isinstance(x, float) else str(x) for x in value[:6])
        return f"[{shown}{', …' if len(value) > 6 else ''}]"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _score(score: float | None) -> str:
    return "–" if score is None else f"{score:.2f}"


def _header(rec: Recommendation) -> str:
    objective = rec.objectives.label() + (" (assumed)" if rec.objectives.assumed else "")
    text = f"task: {rec.task}   objective: {objective}   budget: {rec.objectives.budget}"
    if rec.class_order:
        text += f"\nclass order: {', '.join(rec.class_order)}"
        if rec.task == "binary":
            text += f" (positive class: {rec.class_order[-1]})"
    return text


def render_text(rec: Recommendation, top: int = 3, width: int = 100) -> str:
    """Rich text: a ranked table, then each candidate's reasons."""
    import io

    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None, highlight=False,
                      markup=False, emoji=False)  # data text ("[a=1]", ":smile:") must print as is
    console.print(_header(rec))
    table = Table(title="Recommended losses", title_justify="left", show_lines=False)
    for column in ("#", "loss", "parameters", "score", "rules"):
        table.add_column(column, overflow="fold")
    for rank, cand in enumerate(rec.top(top), 1):
        table.add_row(str(rank), cand.loss, _params_text(dict(cand.params)), f"{cand.score:.2f}", ", ".join(cand.rules))
    if rec.targets:
        _print_per_target(console, rec, table)
    else:
        base = rec.baseline
        table.add_row("base", base.loss, _params_text(dict(base.params)), _score(base.score), "plain baseline")
        console.print(table)
    for rank, cand in enumerate(rec.top(top), 1):
        console.print(f"\n{rank}. {cand.loss}  [{cand.confidence} confidence]")
        for line in _details(cand):  # wrapped by the console, continuation lines indented like the first
            console.print(Padding(Text(line), (0, 0, 0, 3)))
    if rec.notes:
        console.print("\nNotes:")
        for note in rec.notes:
            console.print(f" - {note}")
    return buffer.getvalue()


def _target_rows(rec: Recommendation) -> list[tuple[str, ...]]:
    """One row per target: its kind, its own top loss with parameters, and the rules that fired for it."""
    return [(t.name, t.kind, t.chosen.loss, _params_text(dict(t.chosen.params)),
             ", ".join(r for r in t.recommendation.fired)) for t in rec.targets]


def _combination_rows(rec: Recommendation) -> list[tuple[str, ...]]:
    rows = []
    for c in rec.combinations:
        weights = "learned" if c.weights is None else ", ".join(f"{t.name} {w:.4g}" for t, w in zip(rec.targets, c.weights))
        rows.append((c.name + (" (baseline)" if c.baseline else ""), weights, c.formula, ", ".join(c.rules) or "–"))
    return rows


def _print_per_target(console, rec: Recommendation, table) -> None:
    """Multi-target: the plain sum as the baseline row, then each target's loss and the combinations."""
    from rich.table import Table

    table.add_row("base", "sum", "the per-target losses, weights 1", "–", "plain baseline")
    console.print(table)
    per_target = Table(title="Per-target losses (each target advised on its own facts)", title_justify="left")
    for column in ("target", "kind", "loss", "parameters", "rules fired"):
        per_target.add_column(column, overflow="fold")
    for row in _target_rows(rec):
        per_target.add_row(*row)
    console.print(per_target)
    combos = Table(title="Combinations (trial --target a,b,c compares them)", title_justify="left")
    for column in ("combination", "weights", "formula", "rules"):
        combos.add_column(column, overflow="fold")
    for row in _combination_rows(rec):
        combos.add_row(*row)
    console.print(combos)


def _details(cand: Candidate) -> list[str]:
    lines = [f"why: {cand.rationale}", f"source: {cand.source}"]
    for name, src in cand.param_sources.items():
        if src.formula is None:
            continue
        facts = ", ".join(f"{k}={_short(v if not isinstance(v, dict) else list(v.values()))}" for k, v in src.facts.items())
        lines.append(f"{name} = {_short(cand.params[name])}  from {src.formula}  [{facts}]")
    lines.extend(f"caveat: {c}" for c in cand.caveats)
    return lines


def render_markdown(rec: Recommendation, top: int = 3) -> str:
    """A markdown report for pull requests and notebooks."""
    out = ["# Loss recommendation", "", _header(rec).replace("\n", "  \n"), "",
           "| # | loss | parameters | score | rules |", "|---|---|---|---|---|"]
    for rank, cand in enumerate(rec.top(top), 1):
        out.append(f"| {rank} | `{cand.loss}` | {_params_text(dict(cand.params))} | {cand.score:.2f} | "
                   f"{', '.join(cand.rules)} |")
    if rec.targets:
        out.append("| base | `sum` | the per-target losses, weights 1 | – | plain baseline |")
        out += ["", "## Per-target losses", "", "| target | kind | loss | parameters | rules fired |",
                "|---|---|---|---|---|"]
        out += [f"| {row[0]} | {row[1]} | `{row[2]}` | {row[3]} | {row[4]} |" for row in _target_rows(rec)]
        out += ["", "## Combinations", "", "| combination | weights | formula | rules |", "|---|---|---|---|"]
        out += [f"| `{row[0]}` | {row[1]} | {row[2]} | {row[3]} |" for row in _combination_rows(rec)]
    else:
        base = rec.baseline
        out.append(f"| base | `{base.loss}` | {_params_text(dict(base.params))} | {_score(base.score)} | plain baseline |")
    for rank, cand in enumerate(rec.top(top), 1):
        out += ["", f"## {rank}. `{cand.loss}`", ""]
        out += [f"- {line}" for line in _details(cand)]
    if rec.notes:
        out += ["", "## Notes", ""] + [f"- {note}" for note in rec.notes]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- python snippet

_DEMO_INPUTS = {
    "binary_logits": "logits = torch.randn(8)\ntarget = torch.randint(0, 2, (8,)).float()",
    "class_logits": "logits = torch.randn(8, {k})\ntarget = torch.randint(0, {k}, (8,))",
    "multilabel_logits": "logits = torch.randn(8, {k})\ntarget = torch.randint(0, 2, (8, {k})).float()",
    "segmentation_logits": "logits = torch.randn(2, {k}, 16, 16)\ntarget = torch.randint(0, {k}, (2, 16, 16))",
    "regression": "logits = torch.randn(8)\ntarget = torch.randn(8)",
    "log_mean": "logits = torch.randn(8)  # log of the predicted mean\ntarget = torch.poisson(torch.ones(8) * 2)",
    "mean_logvar": "logits = torch.randn(8, 2)  # mean, log-variance\ntarget = torch.randn(8)",
}


def render_python(rec: Recommendation, index: int = 0) -> str:
    """A runnable snippet that builds the chosen loss, and the plain-torch form where one exists."""
    from lossadvisor.losses.cards import get_card, validate_params

    cand = rec.candidates[index] if rec.candidates else rec.baseline
    card = get_card(cand.loss)
    args = ", ".join([repr(cand.loss)] + [f"{k}={v!r}" for k, v in cand.params.items()])
    lines = [
        f'"""Loss recommended by lossadvisor: {cand.loss} for a {rec.task} task, objective {rec.objectives.label()}.',
        "",
        f"Rules: {', '.join(cand.rules) or 'baseline'}. Source: {cand.source}.",
    ]
    if rec.class_order:
        lines.append(f"Class order (per-class parameters follow it): {', '.join(rec.class_order)}.")
    lines += [f'Input: {card.inputs}."""', "", "import torch", "", "from lossadvisor import build_loss", ""]
    for name, src in cand.param_sources.items():
        if src.formula is not None:
            lines.append(f"# {name}: {src.formula}")
    lines.append(f"loss_fn = build_loss({args})")
    if card.torch_equivalent:
        full = validate_params(cand.loss, dict(cand.params))
        lines += ["", "# The same loss in plain torch:", f"plain_loss_fn = {card.torch_equivalent.format(**full)}"]
    inputs = card.inputs
    if rec.task == "multilabel" and inputs == "binary_logits":  # BCE-family: one logit per label and row
        inputs = "multilabel_logits"
    demo = _DEMO_INPUTS.get(inputs)
    if demo:
        k = max(len(rec.class_order), _per_class_length(cand.params), 2)
        lines += ["", 'if __name__ == "__main__":']
        lines += ["    " + line for line in demo.format(k=k).splitlines()]
        lines.append('    print("loss:", float(loss_fn(logits, target)))')
        if card.torch_equivalent:
            lines.append('    print("plain torch:", float(plain_loss_fn(logits, target)))')
    return "\n".join(lines) + "\n"


def _per_class_length(params: dict[str, Any]) -> int:
    lengths = [len(v) for v in params.values() if isinstance(v, list) and v and not isinstance(v[0], dict)]
    return max(lengths, default=0)
