"""Render the loss zoo: the list of losses and one loss's card, as text (rich) or JSON."""

from __future__ import annotations

import io
import json
from typing import Iterable

from lossadvisor.losses.cards import LossCard
from lossadvisor.vocabulary import LOSSES_SCHEMA_VERSION

WIDTH = 100  # the width for files and pipes (report.fit.PIPE_WIDTH); the CLI passes the console's


def _console(buffer: io.StringIO, color: bool, width: int):
    from rich.console import Console

    return Console(file=buffer, soft_wrap=False, width=width, force_terminal=color, no_color=not color)


def render_losses_json(cards: Iterable[LossCard]) -> str:
    rows = [{"name": c.name, "tasks": list(c.tasks), "purpose": c.purpose, "source": c.source} for c in cards]
    return json.dumps({"schema_version": LOSSES_SCHEMA_VERSION, "losses": rows}, indent=2)


def render_losses_text(cards: Iterable[LossCard], color: bool = False, width: int = WIDTH) -> str:
    """One row per loss: name, tasks (``any`` for a loss of every task) and the first sentence of its purpose."""
    from rich.table import Table

    cards = list(cards)
    table = Table(title=f"{len(cards)} losses (lossadvisor explain NAME for a card)")
    for col in ("name", "tasks", "purpose"):
        table.add_column(col, overflow="fold")
    for card in cards:
        tasks = "any" if len(card.tasks) > 6 else ", ".join(card.tasks)
        table.add_row(card.name, tasks, card.purpose.split(". ")[0].rstrip("."))
    buffer = io.StringIO()
    _console(buffer, color, width).print(table)
    return buffer.getvalue()


def render_card_json(card: LossCard) -> str:
    return json.dumps({"schema_version": LOSSES_SCHEMA_VERSION, **card.to_dict()}, indent=2)


def render_card_text(card: LossCard, color: bool = False, width: int = WIDTH) -> str:
    """The card: formula, purpose, pitfalls, inputs, source, torch equivalent, and a table of parameters."""
    from rich.table import Table

    buffer = io.StringIO()
    console = _console(buffer, color, width)
    console.print(f"[bold]{card.name}[/bold]  ({', '.join(card.tasks)})")
    console.print(f"  formula:  {card.formula}", markup=False)
    console.print(f"  purpose:  {card.purpose}", markup=False)
    console.print(f"  pitfalls: {card.pitfalls}", markup=False)
    console.print(f"  estimates: {card.estimates}", markup=False)
    console.print(f"  inputs:   {card.inputs}", markup=False)
    console.print(f"  source:   {card.source}", markup=False)
    if card.torch_equivalent:
        console.print(f"  torch:    {card.torch_equivalent}", markup=False)
    if card.search:
        ranges = "; ".join(f"{s.name} in [{s.low:g}, {s.high:g}]{' (log)' if s.log else ''}" for s in card.search)
        console.print(f"  search:   {ranges} (lossadvisor search)", markup=False)
    if card.params:
        table = Table("parameter", "default", "allowed", "meaning")
        for p in card.params:
            table.add_row(p.name, "required" if p.required else repr(p.default), p.describe(), p.doc)
        console.print(table)
    return buffer.getvalue()
