"""`cjo_cli.cli.app.main`, in process: every known error becomes one line and its exit
code; a broken workspace prints its findings and exits 1; anything else is a bug, said
in two lines without a traceback (unless CJO_DEBUG is set); the machine's errors (a full
disk, a read-only directory) exit 2; Ctrl-C and SIGTERM exit 130 and 143 after the
cleanup, whatever error the interrupted code turns them into."""

from __future__ import annotations

import errno
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
import typer

from cjo_cli import __version__
from cjo_cli.cli import app as app_module
from cjo_cli.errors import (
    EXIT_INTERNAL,
    CjoError,
    InputError,
    Stopped,
    UsageError,
    WorkspaceInvalid,
)
from cjo_cli.events.tables import EventLogError
from cjo_cli.findings import Finding, Level
from tests.conftest import REPO, RunCjo

SAMPLE = str(REPO / "samples" / "events.jsonl")

FINDINGS = [
    Finding("journeys/b.yaml", 3, 5, Level.ERROR, "unknown-reference", "no step 'nxt'"),
    Finding("journeys/a.yaml", 1, 1, Level.ERROR, "yaml-syntax", "bad [red]yaml"),
]


def run_main(
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    command: Callable[[], None] | None = None,
) -> int:
    """`main()` with this command line (with `command` as the whole app when given);
    the exit code it ends with."""
    monkeypatch.setattr(sys, "argv", ["cjo", *argv])
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # typer installs its own
    if command is not None:
        fake = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        fake.command()(command)
        monkeypatch.setattr(app_module, "app", fake)
    with pytest.raises(SystemExit) as caught:
        app_module.main()
    code = caught.value.code
    return 0 if code is None else int(code)


def raising(error: BaseException) -> Callable[[], None]:
    def command() -> None:
        raise error

    return command


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("no funnel 'x' (funnels: a)"), 2),
        (InputError("a.jsonl: not UTF-8"), 2),
        (EventLogError("a.jsonl: the file is empty"), 2),
        (CjoError("[red]as written[/] :smile:"), 2),
    ],
)
def test_a_cjo_error_is_one_line_and_its_exit_code(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: CjoError,
    code: int,
) -> None:
    assert run_main(monkeypatch, [], raising(error)) == code
    captured = capsys.readouterr()
    assert captured.err == f"cjo: error: {error}\n"
    assert captured.out == ""


def test_an_error_with_its_own_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Custom(CjoError):
        exit_code = 4

    assert run_main(monkeypatch, [], raising(Custom("odd"))) == 4
    assert capsys.readouterr().err == "cjo: error: odd\n"


def test_a_broken_workspace_prints_its_findings_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = WorkspaceInvalid("the workspace", FINDINGS)
    assert run_main(monkeypatch, [], raising(error)) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "journeys/a.yaml:1:1: error: bad [red]yaml [yaml-syntax]",
        "journeys/b.yaml:3:5: error: no step 'nxt' [unknown-reference]",
        "cjo: the workspace has 2 error(s); fix them first",
    ]
    assert captured.out == ""


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (KeyError("funnel"), "cjo: internal error: KeyError: 'funnel'"),
        (
            ZeroDivisionError("division by zero"),
            "cjo: internal error: ZeroDivisionError: division by zero",
        ),
        (RuntimeError(), "cjo: internal error: RuntimeError: "),
    ],
)
def test_an_unexpected_exception_is_a_bug_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: Exception,
    line: str,
) -> None:
    monkeypatch.delenv("CJO_DEBUG", raising=False)
    assert run_main(monkeypatch, [], raising(error)) == EXIT_INTERNAL == 3
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        line,
        "This is a bug in cjo; rerun with CJO_DEBUG=1 for the traceback and report it.",
    ]
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_cjo_debug_lets_the_exception_through(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CJO_DEBUG", "1")
    monkeypatch.setattr(sys, "argv", ["cjo"])
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    fake = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    fake.command()(raising(ZeroDivisionError("boom")))
    monkeypatch.setattr(app_module, "app", fake)
    with pytest.raises(ZeroDivisionError, match="boom"):
        app_module.main()
    assert "This is a bug" not in capsys.readouterr().err


def test_cjo_debug_does_not_change_known_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CJO_DEBUG", "1")
    assert run_main(monkeypatch, [], raising(UsageError("bad"))) == 2
    assert capsys.readouterr().err == "cjo: error: bad\n"


def test_ctrl_c_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main(monkeypatch, [], raising(KeyboardInterrupt())) == 130
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_ctrl_c_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main(monkeypatch, [], raising(KeyboardInterrupt())) == 130
    assert capsys.readouterr().err == "cjo: interrupted\n"


def test_the_real_app_unknown_schema_kind(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main(monkeypatch, ["schema", "journy"]) == 2
    assert capsys.readouterr().err == (
        "cjo: error: unknown kind 'journy'; one of: phases, touchpoint, persona, journey, "
        "funnel, map, policy, test; did you mean 'journey'?\n"
    )


def test_the_real_app_version(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main(monkeypatch, ["--version"]) == 0
    assert capsys.readouterr().out == f"cjo {__version__}\n"


def test_the_real_app_has_every_command() -> None:
    names = [info.name for info in app_module.app.registered_commands]
    assert names == [
        "demo",
        "validate",
        "schema",
        "sample-log",
        "init",
        "map",
        "report",
        "simulate",
        "diff",
        "test",
    ]


def test_the_real_app_bad_option_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert run_main(monkeypatch, ["report", "--no-such-option"]) == 2
    captured = capsys.readouterr()
    assert "No such option" in captured.err
    assert "Traceback" not in captured.err


STOPS: dict[int, tuple[int, str]] = {
    signal.SIGINT: (130, "interrupted"),
    signal.SIGTERM: (143, "terminated"),
}


class NotHandled(BaseException):
    """What a signal raises in these tests when main() has not installed its own handler:
    the default for SIGTERM would end pytest itself."""


def fallback(signum: int, frame: object) -> None:
    raise NotHandled(signum)


@pytest.fixture
def fallback_handlers() -> Iterator[None]:
    previous = {signum: signal.signal(signum, fallback) for signum in STOPS}
    yield
    for signum, handler in previous.items():
        signal.signal(signum, handler)


@pytest.mark.usefixtures("fallback_handlers")
@pytest.mark.parametrize("signum", list(STOPS), ids=lambda signum: signal.Signals(signum).name)
def test_a_signal_unwinds_the_command_and_exits_128_plus_its_number(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], signum: int
) -> None:
    cleaned: list[str] = []

    def command() -> None:
        try:
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the handler raises before this ends
        finally:
            cleaned.append("temporary files removed")

    code, word = STOPS[signum]
    assert run_main(monkeypatch, [], command) == code
    assert cleaned == ["temporary files removed"]
    captured = capsys.readouterr()
    assert captured.err == f"cjo: {word}\n"
    assert captured.out == ""
    # main() gives the handlers back: a test (or a caller) keeps its own
    assert signal.getsignal(signum) is fallback


@pytest.mark.usefixtures("fallback_handlers")
@pytest.mark.parametrize(
    "surfacing",
    [
        RuntimeError("Query interrupted"),  # what DuckDB makes of the handler's exception
        EventLogError("big.parquet: not a readable Parquet file (Query interrupted)"),
        SystemExit(0),
    ],
    ids=["duckdb", "a-reader-s-error", "exit-0"],
)
@pytest.mark.parametrize("signum", list(STOPS), ids=lambda signum: signal.Signals(signum).name)
def test_after_a_signal_whatever_surfaces_is_the_stop(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    signum: int,
    surfacing: BaseException,
) -> None:
    def command() -> None:
        try:
            os.kill(os.getpid(), signum)
            time.sleep(5)
        except Stopped:
            raise surfacing from None

    code, word = STOPS[signum]
    assert run_main(monkeypatch, [], command) == code
    assert capsys.readouterr().err == f"cjo: {word}\n"


@pytest.mark.usefixtures("fallback_handlers")
def test_a_second_ctrl_c_does_not_cut_the_cleanup_short(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cleaned: list[str] = []

    def command() -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        finally:
            os.kill(os.getpid(), signal.SIGINT)  # impatient
            time.sleep(0.05)
            cleaned.append("temporary files removed")

    assert run_main(monkeypatch, [], command) == 130
    assert cleaned == ["temporary files removed"]
    assert capsys.readouterr().err == "cjo: interrupted\n"


def test_duckdb_s_interrupt_exception_is_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = duckdb.InterruptException("INTERRUPT Error: Interrupted!")
    assert run_main(monkeypatch, [], raising(error)) == 130
    assert capsys.readouterr().err == "cjo: interrupted\n"


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            OSError(errno.ENOSPC, "No space left on device", "out/report.html"),
            "cjo: error: out/report.html: No space left on device",
        ),
        (PermissionError(errno.EACCES, "Permission denied"), "cjo: error: Permission denied"),
        (
            duckdb.IOException('IO Error: Could not write file "out/x": No space left on device'),
            'cjo: error: IO Error: Could not write file "out/x": No space left on device',
        ),
        (
            duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate 256 KiB"),
            "cjo: error: Out of Memory Error: failed to allocate 256 KiB",
        ),
    ],
    ids=["full-disk", "permission", "duckdb-io", "duckdb-memory"],
)
def test_the_machine_s_errors_are_usage_errors_not_bugs(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: Exception,
    line: str,
) -> None:
    assert run_main(monkeypatch, [], raising(error)) == 2
    assert capsys.readouterr().err == f"{line}\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--db", "{ro}/out.duckdb"],
        ["report", "--html", "{ro}/report.html"],
        ["simulate", "--db", "{ro}/out.duckdb"],
    ],
)
def test_the_real_app_read_only_output_directory(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
) -> None:
    """Found before the work, not after it. (chmod does not stop root: the check is
    told the directory is read-only.)"""
    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: Path(path) != ro and real_access(path, mode)
    )
    args = [arg.format(ro=ro) for arg in argv]
    assert run_main(monkeypatch, [*args, "-w", str(REPO / "journeys"), "--log", SAMPLE]) == 2
    err = capsys.readouterr().err
    assert (
        err.splitlines()[-1] == f"cjo: error: {args[1]} {args[2]}: directory {ro} is not writable"
    )
    assert list(ro.iterdir()) == []


@pytest.mark.parametrize("command", ["report", "simulate"])
def test_the_real_app_db_that_cannot_be_created(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: str,
) -> None:
    """Past the checks, the file system still refuses (read-only, full)."""
    out = tmp_path / "out.duckdb"
    out.write_bytes(b"earlier")

    def mkdtemp(**given: object) -> str:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    argv = [command, "--db", str(out), "-w", str(REPO / "journeys"), "--log", SAMPLE]
    assert run_main(monkeypatch, argv) == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last == f"cjo: error: cannot write {out}: Read-only file system"
    assert out.read_bytes() == b"earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["out.duckdb"]


def test_an_error_message_quoting_a_hostile_path_escapes_it(
    run_cjo: RunCjo, tmp_path: Path
) -> None:
    # The message names the file as given; the terminal must see the escape, not obey it.
    result = run_cjo("report", "-w", "journeys", "--log", str(tmp_path / "a\x1b]0;pwned\x07.jsonl"))
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "a\\x1b]0;pwned\\x07.jsonl: no such file" in result.stderr
