"""The `cjo` command: a typer app whose commands live one per module."""

from __future__ import annotations

import os
import sys

import typer

from cjo_cli import __version__
from cjo_cli.cli import (
    demo_cmd,
    diff_cmd,
    init_cmd,
    map_cmd,
    report_cmd,
    sample_log_cmd,
    schema_cmd,
    simulate_cmd,
    validate_cmd,
)
from cjo_cli.errors import EXIT_INTERNAL, CjoError, WorkspaceInvalid

app = typer.Typer(
    name="cjo",
    help="Customer journey orchestration as code: validate, replay and measure journeys in YAML.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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


app.command("demo")(demo_cmd.demo)
app.command("validate")(validate_cmd.validate)
app.command("schema")(schema_cmd.schema)
app.command("sample-log")(sample_log_cmd.sample_log)
app.command("init")(init_cmd.init)
app.command("map")(map_cmd.map_command)
app.command("report")(report_cmd.report)
app.command("simulate")(simulate_cmd.simulate_command)
app.command("diff")(diff_cmd.diff_command)


def main() -> None:
    """Entry point: every known error becomes one line and its exit code, never a traceback."""
    try:
        app(standalone_mode=True)
    except WorkspaceInvalid as exc:
        from cjo_cli.output.findings_formats import format_text

        typer.echo(format_text(list(exc.findings)), err=True)
        typer.echo(f"cjo: {exc}", err=True)
        sys.exit(exc.exit_code)
    except CjoError as exc:
        typer.echo(f"cjo: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except SystemExit as exc:
        if exc.code == 130:  # typer turns Ctrl-C inside a command into exit 130, silently
            typer.echo("cjo: interrupted", err=True)
        raise
    except KeyboardInterrupt:
        typer.echo("cjo: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("CJO_DEBUG"):
            raise
        typer.echo(
            f"cjo: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in cjo; rerun with CJO_DEBUG=1 for the traceback and report it.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
