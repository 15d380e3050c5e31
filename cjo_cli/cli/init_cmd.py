"""`cjo init [DIR]`: scaffold a new workspace."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from cjo_cli.errors import OutputError, UsageError


def init(
    directory: Path = typer.Argument(Path("."), help="Where to create the workspace."),
) -> None:
    """Create journeys/ with one of each document kind, editor schemas, a pre-commit
    config and a GitHub Actions workflow that runs `cjo validate`. Refuses to overwrite."""
    from cjo_cli import scaffold

    _check_target(directory)
    files = scaffold.plan(directory)
    links = scaffold.linked(directory, files)
    if links:
        shown = ", ".join(str(path) for path in links)
        raise UsageError(
            f"{shown}: a symbolic link; cjo init writes into real directories only, "
            "nothing was written"
        )
    taken = scaffold.existing(files)
    if taken:
        shown = "\n  ".join(str(path) for path in taken)
        raise UsageError(f"these files exist already, nothing was written:\n  {shown}")
    try:
        scaffold.write(files)
    except OSError as exc:  # a read-only directory, a full disk
        written = len(scaffold.existing(files))
        before = f" ({written} files were written before it)" if written else ""
        where = exc.filename or directory
        raise OutputError(f"cannot write {where}: {exc.strerror or exc}{before}") from None
    for planned in files:
        typer.echo(f"created {planned.path}")
    workspace = directory / "journeys"
    typer.echo(f"\nnext: cjo validate {workspace}   (and `pre-commit install` to check on commit)")


def _check_target(directory: Path) -> None:
    if directory.is_symlink() and not directory.exists():
        target = os.readlink(directory)
        raise UsageError(f"{directory}: a symbolic link to {target}, which does not exist")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: not a directory")
