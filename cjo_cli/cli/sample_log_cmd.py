"""`cjo sample-log DIR`: write the seeded event log of the sample beauty store."""

from __future__ import annotations

from pathlib import Path

import typer


def sample_log(
    directory: Path = typer.Argument(
        Path("cjo-sample-log"), metavar="DIR", help="Where to write the files."
    ),
    customers: int = typer.Option(2000, metavar="N", help="How many customers.", min=1),
    seed: int = typer.Option(
        7, metavar="N", help="The random seed; the same seed gives the same files."
    ),
) -> None:
    """Write a realistic event log for the sample workspace: events.jsonl (canonical, with a
    few messy rows), segment.jsonl (the same history as Segment calls) and customers.csv."""
    from cjo_cli.sample_log import write_sample

    for name, rows in write_sample(directory, customers, seed).items():
        typer.echo(f"{directory / name}: {rows:,} rows")
