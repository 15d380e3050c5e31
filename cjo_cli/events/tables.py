"""The canonical tables every reader fills, what a load says it read, and its errors.

    events(customer_id, event, ts TIMESTAMPTZ (UTC), properties JSON, file, row)
    rejects(file, row, raw, reason)
    customers(customer_id, traits JSON)

For every file, `read + rejected` equals its rows (blank lines are not rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from cjo_cli.errors import InputError

CANONICAL = ("customer_id", "event", "ts", "properties")
REQUIRED = CANONICAL[:3]

CREATE_TABLES = """
CREATE TABLE IF NOT EXISTS events (
    customer_id VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    properties JSON NOT NULL,
    file VARCHAR NOT NULL,
    "row" BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejects (file VARCHAR, "row" BIGINT, raw VARCHAR, reason VARCHAR);
"""

CREATE_CUSTOMERS = (
    "CREATE TABLE IF NOT EXISTS customers (customer_id VARCHAR PRIMARY KEY, traits JSON NOT NULL)"
)

JSON_SPACE = "' ' || chr(9) || chr(10) || chr(13)"
"""SQL for the characters JSON allows around a value: `trim(x, {JSON_SPACE})`."""

NOT_AN_EVENT = "not an event: "
"""Rejects whose reason starts so are readable rows that are not events (a Segment
identify call): kept in `rejects` so that nothing goes missing, but not held
against the reject limit."""


class EventLogError(InputError):
    """An event log that cannot be read at all, or is mostly garbage."""


class UnknownLogFormat(EventLogError):
    """The format of a file cannot be told from its name and first record."""


class MissingColumns(EventLogError):
    """A tabular log lacks a canonical column (and no mapping names one)."""


@dataclass(frozen=True)
class FileSummary:
    path: str
    format: str
    read: int
    rejected: int
    not_events: int = 0
    """Of the rejected rows, those that were readable but are not events."""


@dataclass(frozen=True)
class LoadSummary:
    files: tuple[FileSummary, ...]

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def unreadable(self) -> int:
        return sum(f.rejected - f.not_events for f in self.files)

    @property
    def formats(self) -> list[str]:
        return sorted({f.format for f in self.files})


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Pin the session to UTC and create the canonical tables."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute(CREATE_TABLES)


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory connection, prepared; commands use `database.open_database`."""
    con = duckdb.connect(":memory:")
    prepare(con)
    return con


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_required(
    columns: Mapping[str, object] | set[str], mapping: Mapping[str, str], file: str
) -> dict[str, str]:
    """The source column of each canonical name; MissingColumns when a required one
    is absent from `columns`."""
    wanted = {name: mapping.get(name, name) for name in CANONICAL}
    missing = [
        f"{name} (column {wanted[name]!r})" for name in REQUIRED if wanted[name] not in columns
    ]
    if missing:
        raise MissingColumns(
            f"{file}: missing column(s) {', '.join(missing)}; found {', '.join(columns)}"
        )
    return wanted


def counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Rows in `events` and in `rejects`."""
    ((read, rejected),) = con.execute(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM rejects)"
    ).fetchall()
    return int(read), int(rejected)


def distinct_events(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every event name the log holds."""
    return {str(name) for (name,) in con.execute("SELECT DISTINCT event FROM events").fetchall()}


def log_span(con: duckdb.DuckDBPyConnection) -> tuple[int | None, int | None]:
    """The first and last event times of the whole log (µs); (None, None) when empty."""
    ((start, end),) = con.execute(
        "SELECT epoch_us(min(ts)), epoch_us(max(ts)) FROM events"
    ).fetchall()
    return (None, None) if end is None else (int(start), int(end))


def log_customers(con: duckdb.DuckDBPyConnection) -> int:
    """Distinct customers in the log."""
    ((count,),) = con.execute("SELECT count(DISTINCT customer_id) FROM events").fetchall()
    return int(count)
