"""One exception hierarchy, and the exit code each kind of error gives."""

from __future__ import annotations

import errno
import signal

import pytest

from cjo_cli.errors import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_SIGNAL_BASE,
    EXIT_USAGE,
    CjoError,
    InputError,
    OutputError,
    Stopped,
    UsageError,
    WorkspaceInvalid,
    cannot_write,
)
from cjo_cli.events.load import MappingNotApplicable
from cjo_cli.events.reject_limit import TooManyRejects
from cjo_cli.events.tables import EventLogError, MissingColumns, UnknownLogFormat
from cjo_cli.findings import Finding, Level


def test_exit_codes() -> None:
    assert (EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL) == (0, 1, 2, 3)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (CjoError, 2),
        (UsageError, 2),
        (InputError, 2),
        (OutputError, 2),
        (EventLogError, 2),
        (UnknownLogFormat, 2),
        (MissingColumns, 2),
        (MappingNotApplicable, 2),
        (TooManyRejects, 2),
        (WorkspaceInvalid, 1),
    ],
)
def test_exit_code_of_each_error(error: type[CjoError], code: int) -> None:
    assert error.exit_code == code
    assert issubclass(error, CjoError)


def test_the_hierarchy() -> None:
    assert issubclass(EventLogError, InputError)
    assert not issubclass(InputError, UsageError)
    assert not issubclass(WorkspaceInvalid, (UsageError, InputError))
    assert str(UsageError("no such journey 'x'")) == "no such journey 'x'"


FINDINGS = [
    Finding("a.yaml", 3, 1, Level.ERROR, "unknown-reference", "journey 'j' refers to ..."),
    Finding("b.yaml", 1, 1, Level.ERROR, "yaml-syntax", "YAML syntax: ..."),
]


@pytest.mark.parametrize(
    ("what", "findings", "message"),
    [
        ("the workspace", FINDINGS, "the workspace has 2 error(s); fix them first"),
        (
            "HEAD~1:journeys/cart.yaml",
            FINDINGS[:1],
            "HEAD~1:journeys/cart.yaml has 1 error(s); fix them first",
        ),
        ("v2.yaml", [], "v2.yaml has 0 error(s); fix them first"),
    ],
)
def test_workspace_invalid(what: str, findings: list[Finding], message: str) -> None:
    error = WorkspaceInvalid(what, findings)
    assert str(error) == message
    assert error.what == what
    assert error.findings == tuple(findings)
    assert isinstance(error.findings, tuple)
    assert error.exit_code == EXIT_FINDINGS


def test_workspace_invalid_keeps_its_own_copy() -> None:
    given = list(FINDINGS)
    error = WorkspaceInvalid("x", given)
    given.clear()
    assert error.findings == tuple(FINDINGS)
    assert str(error) == "x has 2 error(s); fix them first"


def test_an_output_error_names_the_path_and_the_reason() -> None:
    error = cannot_write("out/report.html", OSError(errno.ENOSPC, "No space left on device"))
    assert isinstance(error, OutputError)
    assert str(error) == "cannot write out/report.html: No space left on device"
    assert str(cannot_write("x", OSError("odd"))) == "cannot write x: odd"


@pytest.mark.parametrize(
    ("signum", "code", "message"),
    [
        (signal.SIGINT, 130, "interrupted"),
        (signal.SIGTERM, 143, "terminated"),
        (signal.SIGHUP, 129, "stopped by SIGHUP"),
    ],
)
def test_stopped_by_a_signal(signum: int, code: int, message: str) -> None:
    stopped = Stopped(signum)
    assert (stopped.signum, stopped.exit_code, str(stopped)) == (signum, code, message)
    assert stopped.exit_code == EXIT_SIGNAL_BASE + signum
    # like KeyboardInterrupt: no `except Exception` on the way up stops it
    assert not isinstance(stopped, Exception)
