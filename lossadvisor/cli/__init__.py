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

def _version(value: bool) -> None:
    if value:
        from lossadvisor import __version__

        typer.echo(f"lossadvisor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Measure your data, choose and configure the loss function, and prove the choice."""


COMMAND_MODULES = ("profile_cmd", "recommend_cmd", "trial_cmd", "check_cmd", "losses_cmd", "rules_cmd")


def _register_commands() -> None:
    """Import each command module; each registers its commands on `app`."""
    import importlib

    for name in COMMAND_MODULES:
        try:
            importlib.import_module(f"lossadvisor.cli.{name}")
        except ModuleNotFoundError as exc:  # a command not built yet
            if exc.name != f"lossadvisor.cli.{name}":
                raise


_register_commands()


def main() -> None:
    """Console-script entry point."""
    app()
