"""`cjo_cli.cli.app.main`, in process: every known error becomes one line and its exit
code; a broken workspace prints its findings and exits 1; anything else is a bug, said
in two lines without a traceback (unless CJO_DEBUG is set); Ctrl-C exits 130."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
import typer

from cjo_cli import __version__
from cjo_cli.cli import app as app_module
from cjo_cli.errors import (
    EXIT_INTERNAL,
    CjoError,
    InputError,
    UsageError,
    WorkspaceInvalid,
)
from cjo_cli.events.tables import EventLogError
from cjo_cli.findings import Finding, Level

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
        "funnel, map, policy; did you mean 'journey'?\n"
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
    ]


def test_the_real_app_bad_option_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert run_main(monkeypatch, ["report", "--no-such-option"]) == 2
    captured = capsys.readouterr()
    assert "No such option" in captured.err
    assert "Traceback" not in captured.err
