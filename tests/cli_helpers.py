"""Helpers the CLI tests share: run a command in-process, and read its one-line error."""

from __future__ import annotations

from typer.testing import CliRunner

from lossadvisor.cli.main import app


def run_cli(*args):
    """``lossadvisor ARGS`` in-process (each argument as a string); the CliRunner result."""
    return CliRunner().invoke(app, [str(a) for a in args])


def one_error_line(result) -> str:
    """The single ``error:`` line of a bad-input run (exit 2, no traceback), for the test to match."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.output
    return lines[0]
