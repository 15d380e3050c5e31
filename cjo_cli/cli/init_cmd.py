"""`cjo init [DIR]`: scaffold a new workspace."""

from __future__ import annotations

from pathlib import Path

import typer

from cjo_cli.errors import UsageError


def init(
    directory: Path = typer.Argument(Path("."), help="Where to create the workspace."),
) -> None:
    """Create journeys/ with one of each document kind, editor schemas, a pre-commit
    config and a GitHub Actions workflow that runs `cjo validate`. Refuses to overwrite."""
    from cjo_cli import scaffold

    files = scaffold.plan(directory)
    taken = scaffold.existing(files)
    if taken:
        shown = "\n  ".join(str(path) for path in taken)
        raise UsageError(f"these files exist already, nothing was written:\n  {shown}")
    scaffold.write(files)
    for planned in files:
        typer.echo(f"created {planned.path}")
    workspace = directory / "journeys"
    typer.echo(f"\nnext: cjo validate {workspace}   (and `pre-commit install` to check on commit)")
