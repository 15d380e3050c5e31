"""`cjo diff OLD NEW --log FILE`: two versions of a journey replayed on the same log."""

from __future__ import annotations

from pathlib import Path

import typer

from cjo_cli.cli import inputs, options


def diff_command(
    old: str = typer.Argument(
        ..., metavar="OLD", help="The old version: a file, or REV:PATH from git."
    ),
    new: str = typer.Argument(
        ..., metavar="NEW", help="The new version: a file, or REV:PATH from git."
    ),
    logs: list[str] = options.LOGS,
    workspace: Path = options.WORKSPACE,
    log_format: str = options.LOG_FORMAT,
    column_map: list[str] = options.COLUMN_MAP,
    customers: Path | None = options.CUSTOMERS,
    max_rejects: str = options.MAX_REJECTS,
    identity: options.Identity = options.IDENTITY,
    rejects: Path | None = options.REJECTS,
    source_tz: str | None = options.SOURCE_TZ,
    show: int = typer.Option(
        5, "--show", metavar="N", help="How many changed customers to show.", min=0
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Replay two versions of a journey on the same log; show per-step, per-send and goal
    differences and the customers whose path changed.

    Both versions are replayed by the rules of docs/replay.md."""
    from cjo_cli.engine.journey_diff import diff_versions
    from cjo_cli.output import diff_report
    from cjo_cli.spec.versions import load_versions, read_version

    home = inputs.workspace(workspace)
    versions = load_versions(workspace, home, [read_version(old), read_version(new)])
    given = inputs.log_input(
        logs,
        log_format,
        column_map,
        max_rejects,
        customers,
        identity=identity,
        rejects_file=rejects,
        source_tz=source_tz,
    )
    with inputs.database() as con:
        inputs.open_log(con, given, copy=False)
        found = diff_versions(con, versions)
    if as_json:
        typer.echo(diff_report.format_json(found, old, new, show))
    else:
        diff_report.print_diff(found, old, new, show)
