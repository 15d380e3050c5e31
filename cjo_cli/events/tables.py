"""The canonical tables every reader fills, what a load says it read, and its errors.

    events(customer_id, event, ts TIMESTAMPTZ (UTC), properties JSON, file, row)
    rejects(file, row, raw, reason)
    customers(customer_id, traits JSON)

For every file, `read + rejected` equals its rows (blank lines are not rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb

from cjo_cli.errors import InputError

CANONICAL = ("customer_id", "event", "ts", "properties")
REQUIRED = CANONICAL[:3]
MAPPABLE = (*CANONICAL, "anonymous_id")
"""What `--map NAME=SOURCE` may name: the canonical columns, and an anonymous id."""

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

TS_MIN = "1970-01-01T00:00:00Z"
TS_END = "2100-01-01T00:00:00Z"
"""The instants cjo reads, from TS_MIN up to (not including) TS_END. Rows outside
are rejects: years past 9999 or before 1 cannot be shown or computed with, and an
event before 1970 or after 2099 in a customer log is a broken clock, not a visit."""

TS_RANGE_REASON = f"timestamp out of range (cjo reads {TS_MIN[:10]} to 2099-12-31 UTC): "

MAX_OFFSET = "14:00"
"""The widest UTC offset a timestamp may carry (Kiribati's +14:00, as ISO 8601 and
every time-zone database know them); `+25:00` is a typo, not a place."""

# An offset past ±14:00, or with minutes past 59, after a clock time.
_BAD_OFFSET = (
    r"\d:\d\d(:\d\d([.,]\d*)?)?\s*[+-]"
    r"((1[5-9]|[2-9]\d)(:?\d\d)?|14:?(0[1-9]|[1-5]\d)|\d\d:?[6-9]\d)$"
)


def ts_reason(ts: str, ts_text: str | None) -> str:
    """SQL CASE branches rejecting a parsed timestamp `ts` outside the range, or, when
    it was parsed from the text `ts_text`, written with an impossible offset."""
    shown = f"coalesce({ts_text}, CAST({ts} AS VARCHAR))" if ts_text else f"CAST({ts} AS VARCHAR)"
    branches = (
        f"WHEN {ts} < TIMESTAMPTZ '{TS_MIN}' OR {ts} >= TIMESTAMPTZ '{TS_END}' "
        f"THEN '{TS_RANGE_REASON}' || {shown}"
    )
    if ts_text:
        branches += (
            f" WHEN length({ts_text}) > 19 AND regexp_matches({ts_text}, '{_BAD_OFFSET}') "
            f"THEN 'bad timestamp: offset beyond ±{MAX_OFFSET}: ' || {ts_text}"
        )
    return branches


NOT_AN_EVENT = "not an event: "
"""Rejects whose reason starts so are readable rows that are not events (a Segment
identify call): kept in `rejects` so that nothing goes missing, but not held
against the reject limit."""


DUPLICATE = NOT_AN_EVENT + "a duplicate of message "
"""The reason of a row whose vendor message id was read before: a second delivery,
kept in `rejects` (so nothing goes missing) and counted as a duplicate."""


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
    duplicates: int = 0
    """Of those, second deliveries of a message read before (`DUPLICATE`)."""


@dataclass(frozen=True)
class LoadSummary:
    files: tuple[FileSummary, ...]
    merged: int = 0
    """Anonymous ids stitched to a known customer (`identity`)."""
    conflicts: int = 0
    """Of them, those linked to two or more known ids (the first link kept)."""
    properties_checked: bool = True
    """False when a Parquet log read in place was not checked for properties that are
    not JSON objects, because nothing the run computes reads them."""

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

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


def read_in_place(formats: Iterable[str], mapping: Mapping[str, str]) -> bool:
    """Whether a log can be scanned where it lies (`parquet_view`) instead of copied by
    cjo's readers: every file is canonical Parquet and no anonymous id is to be stitched
    (stitching rewrites the events). Only such a log may skip the properties check."""
    given = list(formats)
    return bool(given) and all(fmt == "parquet" for fmt in given) and "anonymous_id" not in mapping


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


def event_property_keys(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Per event name, every property key some event of that name carries."""
    rows = con.execute(
        "SELECT event, list(DISTINCT key) FROM (SELECT event, unnest(json_keys(properties)) "
        "AS key FROM events WHERE json_type(properties) = 'OBJECT') GROUP BY event"
    ).fetchall()
    return {str(event): {str(key) for key in keys} for event, keys in rows}


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


def check_types(types: Mapping[str, str], wanted: Mapping[str, str], file: str) -> None:
    """EventLogError when a typed (Parquet) id or event column holds lists, structs,
    maps or booleans: as text they would be made-up ids, not people or events."""
    for name in ("customer_id", "event"):
        kind = types.get(wanted[name], "VARCHAR")
        if kind == "BOOLEAN" or kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION")):
            column = repr(name) if wanted[name] == name else f"{wanted[name]!r} ({name})"
            raise EventLogError(f"{file}: column {column} is {kind}; it must hold text or numbers")


def reject_rows(
    con: duckdb.DuckDBPyConnection, limit: int | None = None, unreadable_only: bool = False
) -> list[tuple[str, int, str, str]]:
    """(file, row, reason, raw) of the rejects in file and row order; with
    `unreadable_only`, not the readable rows that are not events (nor duplicates)."""
    where = "WHERE NOT starts_with(reason, ?)" if unreadable_only else "WHERE ? IS NOT NULL"
    found = con.execute(
        f'SELECT file, "row", reason, raw FROM rejects {where} ORDER BY file, "row" '
        + ("LIMIT ?" if limit is not None else ""),
        [NOT_AN_EVENT, *([limit] if limit is not None else [])],
    ).fetchall()
    return [(str(f), int(r), str(why), "" if raw is None else str(raw)) for f, r, why, raw in found]
