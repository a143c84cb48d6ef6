"""The ``lossadvisor`` command line: parse, call one function, render, map to an exit code.

Each command lives in its own module and registers itself on :data:`app`.
Exit codes: 0 success, 1 a check or the doctor found problems, 2 bad usage,
bad input, bad configuration or an internal error.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="lossadvisor",
    help="Measure your data, choose and configure the loss function, and prove the choice.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules register themselves on `app` when imported.
from lossadvisor.cli import profile_cmd  # noqa: E402,F401


def _register_optional() -> None:
    import importlib

    for name in ("losses_cmd", "recommend_cmd", "trial_cmd", "check_cmd"):
        try:
            importlib.import_module(f"lossadvisor.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"lossadvisor.cli.{name}":
                raise


_register_optional()


def main() -> None:
    """Console-script entry point."""
    app()
