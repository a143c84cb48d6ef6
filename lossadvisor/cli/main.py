"""The ``lossadvisor`` command line: :data:`app` with every command registered, and the entry point.

Each command lives in its own module (``*_cmd.py``: parse, call one library function, render, map to an
exit code) and is registered here, in help order. Exit codes: 0 success, 1 a check or the doctor found problems, 2 bad usage,
bad input, bad configuration or an internal error.
"""

from __future__ import annotations

import sys

import typer
from typer.core import TyperGroup

# click's UsageError, found through typer's public BadParameter (typer may vendor click or depend on it).
UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


class OneLineErrors(TyperGroup):
    """Usage errors (unknown option, bad value) as one `error:` line on stderr and exit 2, like input errors."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except UsageError as exc:
            if not standalone_mode:
                raise
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare `lossadvisor`: the help, not an error
                typer.echo(exc.ctx.get_help())
                sys.exit(0)
            hint = f" (try 'lossadvisor {exc.ctx.command.name} --help')" if exc.ctx and exc.ctx.parent else ""
            from lossadvisor.cli.options import fail

            fail(f"{exc.format_message()}{hint}")
            sys.exit(2)
        except typer.Abort:
            if not standalone_mode:
                raise
            typer.echo("error: aborted", err=True)
            sys.exit(130)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
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


def _register_commands() -> None:
    """Every command, in help order. The command modules import only the CLI's options, so this stays cheap."""
    from lossadvisor.cli.check_cmd import check
    from lossadvisor.cli.doctor_cmd import doctor_command
    from lossadvisor.cli.losses_cmd import explain_command, losses_command
    from lossadvisor.cli.profile_cmd import profile
    from lossadvisor.cli.recommend_cmd import recommend_command
    from lossadvisor.cli.report_cmd import report
    from lossadvisor.cli.rules_cmd import rules_app
    from lossadvisor.cli.search_cmd import search
    from lossadvisor.cli.trial_cmd import trial

    app.command("profile")(profile)
    app.command("recommend")(recommend_command)
    app.command("trial")(trial)
    app.command("search")(search)
    app.command("check")(check)
    app.command("report")(report)
    app.command("losses")(losses_command)
    app.command("explain")(explain_command)
    app.command("doctor")(doctor_command)
    app.add_typer(rules_app, name="rules")


_register_commands()


def main() -> None:
    """Console-script entry point.

    Python warnings never reach the user's terminal: numerical ones are handled where they arise
    (and tests run the CLI with warnings as errors to keep it so); this filter is the safety net.
    ``python -W ...`` or PYTHONWARNINGS still shows them. A reader that closes the pipe early
    (`| head`) ends the program quietly (exit 141, as for any tool cut off by SIGPIPE).
    """
    import warnings

    if not sys.warnoptions:
        warnings.simplefilter("ignore")
    try:
        app()
    except SystemExit:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            from lossadvisor.cli.options import close_broken_pipe

            sys.exit(close_broken_pipe())
        raise
