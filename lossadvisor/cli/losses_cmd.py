"""`lossadvisor losses` and `lossadvisor explain LOSS`: the loss zoo and each loss's card.

Both read the torch-free cards (:mod:`lossadvisor.losses.cards`) and import no torch.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from lossadvisor.cli.options import guarded, write_output
from lossadvisor.report.fit import output_width


class Format(str, Enum):
    text = "text"
    json = "json"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)]


@guarded
def losses_command(fmt: FormatOpt = Format.text) -> None:
    """List every loss in the zoo: name, tasks and purpose."""
    from lossadvisor.losses.cards import LOSS_CARDS
    from lossadvisor.report.losses_render import render_losses_json, render_losses_text

    cards = LOSS_CARDS.values()
    text = (render_losses_json(cards) if fmt is Format.json
            else render_losses_text(cards, sys.stdout.isatty(), output_width()))
    write_output(text, None)


@guarded
def explain_command(loss: Annotated[str, typer.Argument(help="Loss name, e.g. focal.")],
                    fmt: FormatOpt = Format.text) -> None:
    """Print a loss's card: formula, parameters, purpose, pitfalls and source."""
    from lossadvisor.losses.cards import get_card
    from lossadvisor.report.losses_render import render_card_json, render_card_text

    card = get_card(loss.strip().lower().replace("-", "_"))  # `explain Focal-Tversky` finds focal_tversky
    write_output(render_card_json(card) if fmt is Format.json
                 else render_card_text(card, sys.stdout.isatty(), output_width()), None)
