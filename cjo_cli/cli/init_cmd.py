"""`cjo init [DIR]`: scaffold a workspace, and the CI files at the repository's top level."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cjo_cli.errors import OutputError, UsageError

if TYPE_CHECKING:
    from cjo_cli.scaffold import Layout


def init(
    directory: Path | None = typer.Argument(
        None,
        metavar="DIR",
        help="The workspace folder to create (default: journeys).",
        show_default=False,
    ),
) -> None:
    """Create a workspace with one document of each kind and editor schemas, and put a
    GitHub Actions workflow and a pre-commit config that run `cjo validate` on it at the
    top of the git repository it is in.

    Outside a git repository, the CI files go into the current directory when DIR is
    below it, else beside DIR. Existing files are never overwritten (each is named), and
    no sample document goes into a folder that holds YAML already. More: docs/ci.md."""
    from cjo_cli import scaffold

    workspace = directory if directory is not None else scaffold.DEFAULT_WORKSPACE
    _check_target(workspace)
    where = scaffold.layout(workspace)
    files = scaffold.plan(where)
    # A folder the user named is theirs to point anywhere; the default `journeys` is not.
    links = scaffold.linked(files, workspace if directory is not None else Path("."), where.root)
    if links:
        shown = ", ".join(str(path) for path in links)
        raise UsageError(
            f"{shown}: a symbolic link; cjo init writes into real directories only, "
            "nothing was written"
        )
    todo = scaffold.sort_out(where, files)
    try:
        scaffold.write(todo.write)
    except OSError as exc:  # a read-only directory, a full disk
        written = len(scaffold.existing(todo.write))
        before = f" ({written} files were written before it)" if written else ""
        where_failed = exc.filename or workspace
        raise OutputError(f"cannot write {where_failed}: {exc.strerror or exc}{before}") from None
    for planned in todo.write:
        typer.echo(f"created {planned.path}")
    for path in todo.existing:
        typer.echo(f"skipped {path}: it exists, left as it is")
    if todo.documents_left:
        typer.echo(f"skipped the sample documents: {workspace} holds YAML files already")
    typer.echo("")
    typer.echo(_where_ci_went(where))
    pre_commit = where.root / ".pre-commit-config.yaml"
    if pre_commit in todo.existing and not _mentions_the_hook(pre_commit):
        typer.echo(f"to check on commit, add this to the repos of {pre_commit}:")
        typer.echo(scaffold.pre_commit_config(where).split("repos:\n", 1)[1].rstrip())
    typer.echo(
        f"next: cjo validate {workspace} && cjo test {workspace}   "
        "(and `pre-commit install` to check on commit)"
    )


def _where_ci_went(where: Layout) -> str:
    """Where the CI files are, and why there: they only work from a repository's top."""
    root = "the current directory" if where.root == Path(".") else str(where.root)
    checked = "." if where.inside == "." else f"{where.inside}/"
    if where.repository:
        return (
            f"CI files: in {root}, the top of the git repository, where GitHub and "
            f"pre-commit read them; they check {checked}"
        )
    return (
        f"CI files: in {root}, as no git repository holds {where.workspace}. GitHub and "
        "pre-commit read them at the top of a repository: `git init` there, or move them "
        f"to the top of yours and change the path {checked} in them"
    )


def _mentions_the_hook(config: Path) -> bool:
    """Whether a pre-commit config someone already has runs cjo's hook (a regular file
    only: a FIFO would block the read)."""
    if config.is_symlink() or not config.is_file():
        return False
    try:
        return "cjo-validate" in config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _check_target(directory: Path) -> None:
    if directory.is_symlink() and not directory.exists():
        target = os.readlink(directory)
        raise UsageError(f"{directory}: a symbolic link to {target}, which does not exist")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: not a directory")
