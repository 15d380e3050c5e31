"""One exception hierarchy and the exit codes every command shares."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class CjoError(Exception):
    """An error the CLI reports in one line and turns into an exit code."""

    exit_code = EXIT_USAGE


class UsageError(CjoError):
    """The command line asks for something that cannot be done."""


class InputError(CjoError):
    """An input file cannot be read at all (missing, unreadable, not UTF-8...)."""
