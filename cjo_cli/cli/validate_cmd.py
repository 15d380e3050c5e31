"""`cjo validate [PATHS...]`: schema and semantic checks, for people, CI and pre-commit."""

from __future__ import annotations

import os
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cjo_cli import __version__
from cjo_cli.cli import inputs, options
from cjo_cli.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError
from cjo_cli.findings import Finding, Level
from cjo_cli.spec.yaml_loader import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES, Limits

if TYPE_CHECKING:
    from cjo_cli.spec.workspace import ValidationResult


class Format(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


def validate(
    # Plain strings: typer's per-item Path conversion is slow for the thousand file
    # names a pre-commit run may pass.
    given: list[str] = typer.Argument(
        None,
        metavar="PATHS",
        help="Files or directories to check (default: ./journeys).",
        show_default=False,
    ),
    output_format: Format | None = typer.Option(
        None,
        "--format",
        "-f",
        help="Output format; github when GITHUB_ACTIONS=true, else text.",
        show_default=False,
    ),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    workspace: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        metavar="DIR",
        help="The workspace directory that references resolve against "
        "(default: the nearest directory named journeys or holding a .cjo-workspace file).",
        file_okay=False,
    ),
    max_bytes: int = typer.Option(
        DEFAULT_MAX_BYTES, metavar="BYTES", help="Largest YAML file read, in bytes.", min=1
    ),
    max_depth: int = typer.Option(
        DEFAULT_MAX_DEPTH, metavar="N", help="Deepest nesting allowed.", min=1
    ),
    max_nodes: int = typer.Option(
        DEFAULT_MAX_NODES,
        metavar="N",
        help="Most nodes a document may expand to (caps alias bombs).",
        min=1,
    ),
    logs: list[str] = typer.Option(
        None,
        "--log",
        metavar="FILE",
        help="An event log file or glob (repeat for several): also warn about funnel, entry "
        "and goal events it never contains.",
        show_default=False,
    ),
    log_format: str = options.LOG_FORMAT,
    max_rejects: str = options.MAX_REJECTS,
    column_map: list[str] = options.COLUMN_MAP,
) -> None:
    """Check journeys, funnels, maps and the rest: schema and semantic rules, all findings.

    The documents and the condition language: docs/language.md; in CI and pre-commit:
    docs/ci.md."""
    from cjo_cli.output.findings_formats import (
        format_github,
        format_json,
        format_sarif,
        format_text,
        summary_line,
    )
    from cjo_cli.spec.rules import rule_levels, rule_summaries
    from cjo_cli.spec.workspace import validate_paths

    paths = [Path(item) for item in given or ()]
    if not paths:
        default = Path("journeys")
        if not default.is_dir():
            raise UsageError(
                "no paths given and no ./journeys directory here; give files or directories"
            )
        paths = [default]
    if output_format is None:
        github = os.environ.get("GITHUB_ACTIONS", "").lower() == "true"
        output_format = Format.github if github else Format.text
    limits = Limits(max_bytes=max_bytes, max_depth=max_depth, max_nodes=max_nodes)
    result = validate_paths(paths, workspace=workspace, limits=limits, keep_model=bool(logs))
    if result.files_checked == 0 and not result.findings:
        shown = ", ".join(str(p) for p in paths)
        raise UsageError(f"no *.yaml or *.yml files in {shown}")
    findings: list[Finding] = list(result.findings)
    if logs:
        findings = sorted(
            [*findings, *_log_findings(result, logs, log_format, column_map or [], max_rejects)]
        )
    if strict:
        findings = [replace(f, level=Level.ERROR) for f in findings]
    if output_format is Format.json:
        typer.echo(format_json(findings, result.files_checked))
    elif output_format is Format.sarif:
        typer.echo(format_sarif(findings, rule_summaries(), __version__, levels=rule_levels()))
    elif output_format is Format.github:
        if findings:
            typer.echo(format_github(findings))
        typer.echo(summary_line(findings, result.files_checked), err=True)
    else:
        if findings:
            typer.echo(format_text(findings))
        typer.echo(summary_line(findings, result.files_checked), err=True)
    if result.unreadable:
        raise typer.Exit(EXIT_USAGE)
    failing = any(f.level is Level.ERROR for f in findings)
    raise typer.Exit(EXIT_FINDINGS if failing else EXIT_OK)


def _log_findings(
    result: ValidationResult,
    logs: list[str],
    log_format: str,
    column_map: list[str],
    max_rejects: str,
) -> list[Finding]:
    """Read the logs (this is the only path of `validate` that imports duckdb)."""
    from cjo_cli.events.tables import distinct_events, event_property_keys
    from cjo_cli.spec.rules.log_events import events_missing_from_log

    given = inputs.log_input(logs, log_format, column_map, max_rejects)
    with inputs.database() as con:
        inputs.open_log(con, given, copy=False)
        seen = distinct_events(con)
        keys = event_property_keys(con)
    return events_missing_from_log(result.workspace, seen, result.reported, keys)
