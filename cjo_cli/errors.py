"""One exception hierarchy and the exit codes every command shares."""

from __future__ import annotations

import signal
from collections.abc import Sequence

from cjo_cli.findings import Finding

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_SIGNAL_BASE = 128
"""A run stopped by signal N exits 128 + N, as shells report it: 130 for Ctrl-C
(SIGINT), 143 for SIGTERM."""


class CjoError(Exception):
    """An error the CLI reports in one line and turns into an exit code."""

    exit_code = EXIT_USAGE


class UsageError(CjoError):
    """The command line asks for something that cannot be done."""


class InputError(CjoError):
    """An input file cannot be read at all (missing, unreadable, not UTF-8...)."""


class OutputError(CjoError):
    """A file cannot be written: its directory is missing or read-only, the disk is full..."""


def cannot_write(path: object, exc: OSError) -> OutputError:
    """The one-line error for an OSError while writing `path`: the path and the reason."""
    return OutputError(f"cannot write {path}: {exc.strerror or exc}")


class Stopped(BaseException):
    """A signal (Ctrl-C, SIGTERM) stops the run. Raised from the signal handler and a
    BaseException, as KeyboardInterrupt is, so that no `except Exception` keeps it from
    unwinding: every `with` and `finally` on the way up removes its temporary files."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = EXIT_SIGNAL_BASE + signum
        words = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}
        name = signal.Signals(signum)
        super().__init__(words.get(name, f"stopped by {name.name}"))


class WorkspaceInvalid(CjoError):
    """Workspace files with errors: a command that needs the model cannot run on them.
    The CLI prints the findings and exits 1, as `cjo validate` would."""

    exit_code = EXIT_FINDINGS

    def __init__(self, what: str, findings: Sequence[Finding]) -> None:
        self.what = what
        self.findings = tuple(findings)
        super().__init__(f"{what} has {len(self.findings)} error(s); fix them first")
