"""The canonical tables and what a load says about them."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from cjo_cli.errors import InputError
from cjo_cli.events.tables import (
    CANONICAL,
    NOT_AN_EVENT,
    REQUIRED,
    EventLogError,
    MissingColumns,
    UnknownLogFormat,
    check_required,
    connect,
    counts,
    distinct_events,
    log_customers,
    log_span,
    prepare,
    quote_identifier,
)

UTC = dt.UTC

SAME = {name: name for name in CANONICAL}


def add_event(con: duckdb.DuckDBPyConnection, customer: str, event: str, ts: str) -> None:
    con.execute(
        "INSERT INTO events VALUES (?, ?, ?::TIMESTAMPTZ, '{}', 'log.jsonl', 1)",
        [customer, event, ts],
    )


def test_names() -> None:
    assert CANONICAL == ("customer_id", "event", "ts", "properties")
    assert REQUIRED == ("customer_id", "event", "ts")
    assert NOT_AN_EVENT == "not an event: "
    assert issubclass(UnknownLogFormat, EventLogError)
    assert issubclass(MissingColumns, EventLogError)
    assert issubclass(EventLogError, InputError)


def test_prepare_pins_utc_and_creates_the_tables() -> None:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    prepare(con)
    assert con.execute("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
    columns = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name IN ('events', 'rejects') ORDER BY table_name, ordinal_position"
    ).fetchall()
    assert columns == [
        ("events", "customer_id", "VARCHAR", "NO"),
        ("events", "event", "VARCHAR", "NO"),
        ("events", "ts", "TIMESTAMP WITH TIME ZONE", "NO"),
        ("events", "properties", "JSON", "NO"),
        ("events", "file", "VARCHAR", "NO"),
        ("events", "row", "BIGINT", "NO"),
        ("rejects", "file", "VARCHAR", "YES"),
        ("rejects", "row", "BIGINT", "YES"),
        ("rejects", "raw", "VARCHAR", "YES"),
        ("rejects", "reason", "VARCHAR", "YES"),
    ]
    # A naive timestamp is read as UTC, and times come back in UTC.
    add_event(con, "c1", "e", "2026-01-01 10:00:00")
    ((ts,),) = con.execute("SELECT ts FROM events").fetchall()
    assert ts == dt.datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert ts.utcoffset() == dt.timedelta(0)


def test_prepare_twice_keeps_the_rows() -> None:
    con = connect()
    add_event(con, "c1", "e", "2026-01-01")
    prepare(con)
    assert counts(con) == (1, 0)


@pytest.mark.parametrize(
    ("columns", "mapping", "wanted"),
    [
        (
            {"customer_id": 0, "event": 1, "ts": 2},
            {},
            {
                "customer_id": "customer_id",
                "event": "event",
                "ts": "ts",
                "properties": "properties",
            },
        ),
        (
            {"user": 0, "action": 1, "at": 2, "props": 3},
            {"customer_id": "user", "event": "action", "ts": "at", "properties": "props"},
            {"customer_id": "user", "event": "action", "ts": "at", "properties": "props"},
        ),
        (
            {"user", "event", "ts"},
            {"customer_id": "user"},
            {"customer_id": "user", "event": "event", "ts": "ts", "properties": "properties"},
        ),
    ],
)
def test_check_required(
    columns: dict[str, object] | set[str], mapping: dict[str, str], wanted: dict[str, str]
) -> None:
    assert check_required(columns, mapping, "log.csv") == wanted


@pytest.mark.parametrize(
    ("columns", "mapping", "message"),
    [
        (
            {"event": 0, "ts": 1},
            {},
            "log.csv: missing column(s) customer_id (column 'customer_id'); found event, ts",
        ),
        (
            {"customer_id": 0, "event": 1, "ts": 2},
            {"customer_id": "user"},
            "log.csv: missing column(s) customer_id (column 'user'); found customer_id, event, ts",
        ),
        (
            {"properties": 0},
            {"ts": "when"},
            "log.csv: missing column(s) customer_id (column 'customer_id'), "
            "event (column 'event'), ts (column 'when'); found properties",
        ),
    ],
)
def test_check_required_names_what_is_missing(
    columns: dict[str, object], mapping: dict[str, str], message: str
) -> None:
    with pytest.raises(MissingColumns, match="^" + re.escape(message) + "$"):
        check_required(columns, mapping, "log.csv")


def test_properties_is_not_required() -> None:
    wanted = check_required({"customer_id": 0, "event": 1, "ts": 2}, {"properties": "p"}, "x")
    assert wanted["properties"] == "p"


def test_counts_distinct_events_and_customers() -> None:
    con = connect()
    assert counts(con) == (0, 0)
    assert distinct_events(con) == set()
    assert log_customers(con) == 0
    add_event(con, "c1", "view", "2026-01-01")
    add_event(con, "c1", "view", "2026-01-02")
    add_event(con, "c2", "buy", "2026-01-03")
    add_event(con, "c3", "Add To Cart", "2026-01-04")
    con.execute("INSERT INTO rejects VALUES ('log.jsonl', 9, 'x', 'not valid JSON')")
    assert counts(con) == (4, 1)
    assert distinct_events(con) == {"view", "buy", "Add To Cart"}
    assert log_customers(con) == 3


def test_log_span() -> None:
    con = connect()
    assert log_span(con) == (None, None)
    add_event(con, "c1", "e", "2026-01-01T00:00:00.000001Z")
    assert log_span(con) == (1767225600000001, 1767225600000001)
    add_event(con, "c2", "e", "2025-12-31T23:00:00-02:00")
    add_event(con, "c3", "e", "1970-01-01T00:00:00Z")
    assert log_span(con) == (0, 1767229200000000)


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("ts", '"ts"'),
        ("cart value", '"cart value"'),
        ('say "hi"', '"say ""hi"""'),
        ('"', '""""'),
        ("", '""'),
        ("a'b", '"a\'b"'),
    ],
)
def test_quote_identifier(name: str, quoted: str) -> None:
    assert quote_identifier(name) == quoted


@pytest.mark.parametrize("name", ['say "hi"', 'x"); DROP TABLE events; --', "a'b", "日本"])
def test_quoted_identifiers_name_the_column(name: str) -> None:
    con = connect()
    con.execute(f"CREATE TABLE t ({quote_identifier(name)} INTEGER)")
    con.execute("INSERT INTO t VALUES (42)")
    assert con.execute(f"SELECT {quote_identifier(name)} FROM t").fetchall() == [(42,)]
    ((column,),) = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 't'"
    ).fetchall()
    assert column == name
    assert counts(con) == (0, 0)  # events is still there
