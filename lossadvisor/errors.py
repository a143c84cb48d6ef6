"""Errors that the CLI turns into one line on stderr and exit code 2."""

from __future__ import annotations


class LossAdvisorError(Exception):
    """A problem with the user's input, options or configuration (exit code 2)."""


class LoadError(LossAdvisorError):
    """The data could not be read, or does not have what was asked for."""


class ConfigError(LossAdvisorError):
    """A configuration or rule file is malformed."""
