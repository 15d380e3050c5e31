"""`cjo schema KIND`: print the published JSON Schema of a document kind."""

from __future__ import annotations

import typer

from cjo_cli.errors import UsageError
from cjo_cli.spec.schema_check import KINDS, schema_text
from cjo_cli.spec.suggest import did_you_mean


def schema(
    kind: str = typer.Argument(..., metavar="KIND", help="One of: " + ", ".join(KINDS) + "."),
) -> None:
    """Print the JSON Schema (draft 2020-12) of a document kind, for editors and other tools."""
    if kind not in KINDS:
        raise UsageError(
            f"unknown kind {kind!r}; one of: {', '.join(KINDS)}{did_you_mean(kind, KINDS)}"
        )
    typer.echo(schema_text(kind), nl=False)
