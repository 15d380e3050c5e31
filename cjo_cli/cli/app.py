"""The `cjo` command: a typer app whose commands live one per module."""

from __future__ import annotations

import os
import signal
import sys

import typer

from cjo_cli import __version__
from cjo_cli.cli import (
    demo_cmd,
    diff_cmd,
    init_cmd,
    journey_test_cmd,
    map_cmd,
    report_cmd,
    sample_log_cmd,
    schema_cmd,
    simulate_cmd,
    validate_cmd,
)
from cjo_cli.cli.readable_help import ReadableCommand, ReadableGroup
from cjo_cli.errors import EXIT_INTERNAL, EXIT_USAGE, CjoError, Stopped, WorkspaceInvalid

app = typer.Typer(
    name="cjo",
    help="Customer journey orchestration as code: validate, replay and measure journeys in YAML.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=ReadableGroup,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cjo {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Customer journey orchestration as code."""


# ReadableCommand: `--help` names what to type (FILE, N), not Python types.
app.command("demo", cls=ReadableCommand)(demo_cmd.demo)
app.command("validate", cls=ReadableCommand)(validate_cmd.validate)
app.command("schema", cls=ReadableCommand)(schema_cmd.schema)
app.command("sample-log", cls=ReadableCommand)(sample_log_cmd.sample_log)
app.command("init", cls=ReadableCommand)(init_cmd.init)
app.command("map", cls=ReadableCommand)(map_cmd.map_command)
app.command("report", cls=ReadableCommand)(report_cmd.report)
app.command("simulate", cls=ReadableCommand)(simulate_cmd.simulate_command)
app.command("diff", cls=ReadableCommand)(diff_cmd.diff_command)
app.command("test", cls=ReadableCommand)(journey_test_cmd.run_tests)


def main() -> None:
    """Entry point: every known error becomes one line and its exit code, never a traceback.
    Ctrl-C (SIGINT) and SIGTERM stop the run with 130 and 143, after the cleanup."""
    _received.clear()
    previous = {signum: signal.signal(signum, _stop) for signum in _STOP_SIGNALS}
    try:
        _run()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []
"""The signal that stops this run, once one has arrived."""


def _stop(signum: int, frame: object) -> None:
    """Turn a signal into an exception that unwinds, so that every `with` and `finally`
    removes its temporary files: SIGTERM's default would end Python on the spot."""
    if _received:
        return  # already unwinding: a second Ctrl-C must not cut the cleanup short
    _received.append(signum)
    raise Stopped(signum)


def _run() -> None:
    try:
        app(standalone_mode=True)
    except BaseException as exc:
        stopped = _stopped(exc)
        if stopped is not None:
            typer.echo(f"cjo: {stopped}", err=True)
            sys.exit(stopped.exit_code)
        if isinstance(exc, WorkspaceInvalid):
            from cjo_cli.output.findings_formats import format_text

            typer.echo(format_text(list(exc.findings)), err=True)
            typer.echo(f"cjo: {_shown(exc)}", err=True)
            sys.exit(exc.exit_code)
        if isinstance(exc, CjoError):
            typer.echo(f"cjo: error: {_shown(exc)}", err=True)
            sys.exit(exc.exit_code)
        if isinstance(exc, (OSError, *_duckdb_errors())):
            # The machine's fault, not cjo's: a full disk, a read-only directory...
            typer.echo(f"cjo: error: {_shown(_environment_error(exc))}", err=True)
            sys.exit(EXIT_USAGE)
        if not isinstance(exc, Exception) or os.environ.get("CJO_DEBUG"):
            raise
        typer.echo(
            f"cjo: internal error: {type(exc).__name__}: {_shown(exc)}\n"
            "This is a bug in cjo; rerun with CJO_DEBUG=1 for the traceback and report it.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


def _shown(message: object) -> str:
    """An error message as the terminal shows it: it may quote a path, an id or a value
    from a log, so control characters are escaped (its own line breaks stay)."""
    from cjo_cli.output.text import visible

    return "\n".join(visible(line) for line in str(message).split("\n"))


def _stopped(exc: BaseException) -> Stopped | None:
    """Whether the run was stopped by a signal, whatever surfaced: DuckDB turns the
    handler's exception into RuntimeError("Query interrupted"), and a reader may turn
    that into an error of its own."""
    if _received:
        return Stopped(_received[0])
    if isinstance(exc, Stopped):
        return exc
    # Typer turns a KeyboardInterrupt inside a command into exit 130; DuckDB raises
    # InterruptException when a query is interrupted.
    if isinstance(exc, KeyboardInterrupt) or (isinstance(exc, SystemExit) and exc.code == 130):
        return Stopped(signal.SIGINT)
    duckdb = sys.modules.get("duckdb")  # loaded only by commands that use it
    if duckdb is not None and isinstance(exc, duckdb.InterruptException):
        return Stopped(signal.SIGINT)
    return None


def _duckdb_errors() -> tuple[type[BaseException], ...]:
    """DuckDB's errors that say the machine cannot do it: IO (a full disk, a file another
    process holds) and memory."""
    duckdb = sys.modules.get("duckdb")  # not imported just to check: `cjo validate` never loads it
    if duckdb is None:
        return ()
    return (duckdb.IOException, duckdb.OutOfMemoryException)


def _environment_error(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return str(exc)
