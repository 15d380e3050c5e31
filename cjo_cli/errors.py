"""One exception hierarchy and the exit codes every command shares."""

from __future__ import annotations

from collections.abc import Sequence

from cjo_cli.findings import Finding

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


class WorkspaceInvalid(CjoError):
    """Workspace files with errors: a command that needs the model cannot run on them.
    The CLI prints the findings and exits 1, as `cjo validate` would."""

    exit_code = EXIT_FINDINGS

    def __init__(self, what: str, findings: Sequence[Finding]) -> None:
        self.what = what
        self.findings = tuple(findings)
        super().__init__(f"{what} has {len(self.findings)} error(s); fix them first")
