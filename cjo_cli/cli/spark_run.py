"""The Spark side of `cjo report` and `cjo simulate --engine spark`: start the session,
read the logs with cjo's readers on the workers, say what was read and rejected."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from cjo_cli.errors import UsageError

if TYPE_CHECKING:
    from cjo_cli.spark.read import SparkLog


@dataclass
class SparkInput:
    log: SparkLog
    traits: dict[str, dict[str, Any]]


def refuse_duckdb_options(**given: object) -> None:
    """Options that only the embedded engine has are an error with --engine spark."""
    used = [name for name, value in given.items() if value not in (None, False, [], ())]
    if used:
        flags = ", ".join(f"--{name.replace('_', '-')}" for name in used)
        raise UsageError(f"{flags}: only with --engine duckdb (the embedded engine)")


@contextmanager
def spark_input(
    logs: list[Path],
    log_format: str,
    column_map: list[str],
    max_rejects: str,
    customers: Path | None,
    master: str,
    conf: list[str],
) -> Iterator[SparkInput]:
    """A session with the logs read (and the customers' traits); stopped afterwards."""
    from cjo_cli.cli.report_cmd import check_log_options
    from cjo_cli.events.customers import read_traits
    from cjo_cli.events.load import check_rejects
    from cjo_cli.spark.read import read_events
    from cjo_cli.spark.session import parse_conf, spark_session

    mapping = check_log_options(logs, log_format, column_map)
    settings = parse_conf(conf)
    err = Console(stderr=True, highlight=False)
    traits: dict[str, dict[str, Any]] = {}
    if customers is not None:
        traits, people = read_traits(customers)
        err.print(f"customers: {people.customers:,}")
    err.print(f"spark: starting {master}")
    session = spark_session(master, settings)
    try:
        log = read_events(session, logs, log_format, mapping)
        err.print(f"log: read {log.summary.read:,}, rejected {log.summary.rejected:,}")
        check_rejects(log.summary, max_rejects)
        yield SparkInput(log, traits)
    finally:
        session.stop()
