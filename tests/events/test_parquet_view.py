"""Parquet read in place: the `events` view holds exactly the rows the copying reader
(`load.load_events`) accepts, and `rejects` the same rows with the same reasons."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cjo_cli.events.load import load_events
from cjo_cli.events.parquet_view import scan_parquet
from cjo_cli.events.tables import (
    EventLogError,
    FileSummary,
    MissingColumns,
    connect,
    counts,
    log_span,
)

UTC = dt.UTC
T0 = "2026-01-01T10:00:00Z"

# (customer_id, event, ts, properties, channel): one row for each rule of _REASON.
MIXED = [
    ("c1", "view", T0, '{"a": 1}', "web"),
    ("", "view", T0, None, "web"),
    ("   ", "view", T0, None, "web"),
    (None, "view", T0, None, "web"),
    ("c2", "", T0, None, "web"),
    ("c2", "  ", T0, None, "web"),
    ("c2", None, T0, None, "web"),
    ("c2", "view", "", None, "web"),
    ("c2", "view", "   ", None, "web"),
    ("c2", "view", None, None, "web"),
    ("c2", "view", "yesterday", None, "web"),
    ("c2", "view", "2026-01-01 10:00:00", "[1]", "web"),
    ("c2", "view", "2026-01-01 10:00:00", "not json", "web"),
    ("c2", "view", "2026-01-01 10:00:00", '"text"', "web"),
    ("c2", "view", "2026-01-01 10:00:00", "5", "web"),
    ("c2", "view", "2026-01-01 10:00:00", "", "web"),
    ("c2", "view", "2026-01-01 10:00:00", '  {"b": 2}', "web"),
    ("c2", "view", "2026-01-01 10:00:00", '{"channel": "own"}', "web"),
    ("c3", "buy", "2026-01-02T09:00:00+09:00", '{"n": [1, 2]}', None),
    ("\t", "view", T0, None, "web"),  # a tab is not blank to trim()
]


def write_table(path: Path, columns: dict[str, Any], **options: Any) -> Path:
    pq.write_table(pa.table(columns), path, **options)
    return path


def mixed(path: Path, rows: list[tuple[Any, ...]] = MIXED) -> Path:
    names = ["customer_id", "event", "ts", "properties", "channel"]
    return write_table(path, {name: [row[i] for row in rows] for i, name in enumerate(names)})


def contents(con: duckdb.DuckDBPyConnection) -> tuple[list[Any], list[Any]]:
    events = con.execute(
        'SELECT customer_id, event, ts, properties::VARCHAR, file, "row" FROM events '
        'ORDER BY file, "row"'
    ).fetchall()
    rejects = con.execute('SELECT file, "row", raw, reason FROM rejects ORDER BY file, "row"')
    return events, rejects.fetchall()


def both(
    paths: list[Path], mapping: dict[str, str] | None = None
) -> tuple[tuple[list[Any], list[Any]], tuple[list[Any], list[Any]]]:
    copied = connect()
    load_events(copied, [(path, "parquet") for path in paths], mapping)
    viewed = connect()
    scan_parquet(viewed, paths, mapping)
    return contents(copied), contents(viewed)


def test_the_view_accepts_and_rejects_what_the_copy_does(tmp_path: Path) -> None:
    copied, viewed = both([mixed(tmp_path / "log.parquet")])
    assert viewed == copied
    events, rejects = viewed
    assert [(row, reason) for _, row, _, reason in rejects] == [
        (2, "missing customer id"),
        (3, "missing customer id"),
        (4, "missing customer id"),
        (5, "missing event name"),
        (6, "missing event name"),
        (7, "missing event name"),
        (8, "missing timestamp"),
        (9, "missing timestamp"),
        (10, "missing timestamp"),
        (11, "bad timestamp: yesterday"),
        (12, "properties is not a JSON object"),
        (13, "properties is not a JSON object"),
        (14, "properties is not a JSON object"),
        (15, "properties is not a JSON object"),
    ]
    assert [row for *_, row in events] == [1, 16, 17, 18, 19, 20]


def test_accepted_rows_and_their_properties(tmp_path: Path) -> None:
    path = mixed(tmp_path / "log.parquet")
    con = connect()
    scan_parquet(con, [path])
    events, rejects = contents(con)
    got = {row: (cid, event, ts, json.loads(props)) for cid, event, ts, props, _, row in events}
    # Extra columns become properties; a property of the same name wins over the column.
    assert got[1] == (
        "c1",
        "view",
        dt.datetime(2026, 1, 1, 10, tzinfo=UTC),
        {"a": 1, "channel": "web"},
    )
    assert got[16][3] == {"channel": "web"}  # empty properties text: only the extras
    assert got[17][3] == {"b": 2, "channel": "web"}
    assert got[18][3] == {"channel": "own"}
    assert got[19] == (
        "c3",
        "buy",
        dt.datetime(2026, 1, 2, tzinfo=UTC),
        {"n": [1, 2], "channel": None},
    )
    assert got[20][0] == "\t"
    assert all(file == str(path) for *_, file, _ in events)
    # `raw` is every column as text, in file order.
    assert rejects[0][2] == ",view,2026-01-01T10:00:00Z,,web"
    assert rejects[9][2] == "c2,view,yesterday,,web"


@pytest.mark.parametrize("reader", ["copy", "view"])
@pytest.mark.parametrize("text", ["null", " null "])
def test_null_properties_keep_the_extra_columns(tmp_path: Path, reader: str, text: str) -> None:
    path = mixed(tmp_path / "log.parquet", [("c1", "view", T0, text, "web")])
    con = connect()
    if reader == "copy":
        load_events(con, [(path, "parquet")])
    else:
        scan_parquet(con, [path])
    ((props,),) = con.execute("SELECT properties::VARCHAR FROM events").fetchall()
    assert json.loads(props) == {"channel": "web"}


def test_properties_with_leading_whitespace_other_than_spaces(tmp_path: Path) -> None:
    rows = [("c1", "view", T0, '\n{"b": 2}', "web"), ("c1", "view", T0, '\t{"b": 3}', "web")]
    copied, viewed = both([mixed(tmp_path / "log.parquet", rows)])
    assert copied[1] == []
    assert viewed == copied


def test_typed_columns_row_groups_and_proven_present_columns(tmp_path: Path) -> None:
    # Statistics prove customer_id and event never empty, so the view skips those checks;
    # the result is still the same as the copy's.
    stamps: list[dt.datetime | None] = [dt.datetime(2026, 1, 1, h, tzinfo=UTC) for h in range(6)]
    stamps[3] = None
    path = write_table(
        tmp_path / "typed.parquet",
        {
            "customer_id": pa.array([1, 2, 3, 4, 5, 6], pa.int64()),
            "event": ["a", "b", "c", "d", "e", "f"],
            "ts": pa.array(stamps, pa.timestamp("us", tz="UTC")),
            "properties": pa.array([None, '{"k": 1}', None, None, None, "null"], pa.string()),
        },
        row_group_size=2,
    )
    copied, viewed = both([path])
    assert viewed == copied
    events, rejects = viewed
    assert [(cid, row) for cid, _, _, _, _, row in events] == [
        ("1", 1),
        ("2", 2),
        ("3", 3),
        ("5", 5),
        ("6", 6),
    ]
    assert [(row, raw, reason) for _, row, raw, reason in rejects] == [
        (4, "4,d,,", "missing timestamp")
    ]
    assert [json.loads(props) for _, _, _, props, _, _ in events] == [{}, {"k": 1}, {}, {}, {}]


def test_a_naive_timestamp_column_is_utc(tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "naive.parquet",
        {
            "customer_id": ["c1"],
            "event": ["e"],
            "ts": pa.array([dt.datetime(2026, 3, 1, 12)], pa.timestamp("ms")),
        },
    )
    con = connect()
    scan_parquet(con, [path])
    assert log_span(con) == (1772366400000000, 1772366400000000)


def test_a_column_mapping(tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "mapped.parquet",
        {
            "user": ["u1", ""],
            "action": ["view", "buy"],
            "at": ["2026-01-01", "2026-01-02"],
            "props": ['{"x": 1}', None],
            "customer_id": ["not the id", "either"],
        },
    )
    mapping = {"customer_id": "user", "event": "action", "ts": "at", "properties": "props"}
    copied, viewed = both([path], mapping)
    assert viewed == copied
    ((cid, event, _, props, _, row),) = viewed[0]
    assert (cid, event, row) == ("u1", "view", 1)
    # The unmapped column named customer_id is just another property.
    assert json.loads(props) == {"x": 1, "customer_id": "not the id"}
    assert [(row, reason) for _, row, _, reason in viewed[1]] == [(2, "missing customer id")]


@pytest.mark.parametrize(
    ("columns", "mapping", "message"),
    [
        (
            {"event": ["e"], "ts": ["2026-01-01"]},
            None,
            "missing column(s) customer_id (column 'customer_id'); found event, ts",
        ),
        (
            {"customer_id": ["c"], "name": ["e"]},
            None,
            "missing column(s) event (column 'event'), ts (column 'ts'); found customer_id, name",
        ),
        (
            {"customer_id": ["c"], "event": ["e"], "ts": ["2026-01-01"]},
            {"ts": "time"},
            "missing column(s) ts (column 'time'); found customer_id, event, ts",
        ),
    ],
)
def test_missing_columns_are_named(
    tmp_path: Path, columns: dict[str, list[str]], mapping: dict[str, str] | None, message: str
) -> None:
    path = write_table(tmp_path / "log.parquet", columns)
    with pytest.raises(MissingColumns, match=re.escape(f"{path}: {message}")):
        scan_parquet(connect(), [path], mapping)


def test_several_files_read_plus_rejected_is_rows_per_file(tmp_path: Path) -> None:
    first = mixed(tmp_path / "a.parquet")
    second = mixed(
        tmp_path / "b.parquet",
        [("d1", "e", T0, None, "x"), ("", "e", T0, None, "y"), ("d2", "e", "bad", None, "z")],
    )
    # A third file with its columns in another order and one extra column.
    third = write_table(
        tmp_path / "c.parquet",
        {"ts": [T0, T0], "event": ["e", "f"], "customer_id": ["x1", "x2"], "extra": [1, 2]},
    )
    seen: list[FileSummary] = []
    con = connect()
    summary = scan_parquet(con, [first, second, third], on_file=seen.append)
    assert [(f.path, f.format, f.read, f.rejected) for f in summary.files] == [
        (str(first), "parquet", 6, 14),
        (str(second), "parquet", 1, 2),
        (str(third), "parquet", 2, 0),
    ]
    assert list(summary.files) == seen
    for file, rows in ((first, len(MIXED)), (second, 3), (third, 2)):
        ((read, rejected),) = con.execute(
            "SELECT (SELECT count(*) FROM events WHERE file = ?), "
            "(SELECT count(*) FROM rejects WHERE file = ?)",
            [str(file), str(file)],
        ).fetchall()
        assert read + rejected == rows
    assert counts(con) == (summary.read, summary.rejected)
    # Row numbers count within each file.
    assert con.execute(
        'SELECT "row", reason FROM rejects WHERE file = ? ORDER BY "row"', [str(second)]
    ).fetchall() == [(2, "missing customer id"), (3, "bad timestamp: bad")]
    # A column only some files have is null (that is, absent) in the others' rows.
    assert con.execute(
        'SELECT "row", properties::VARCHAR FROM events WHERE file = ? ORDER BY "row"',
        [str(third)],
    ).fetchall() == [(1, '{"channel":null,"extra":1}'), (2, '{"channel":null,"extra":2}')]


def test_events_becomes_a_view(tmp_path: Path) -> None:
    con = connect()
    scan_parquet(con, [mixed(tmp_path / "log.parquet")])
    ((kind,),) = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'events'"
    ).fetchall()
    assert kind == "VIEW"


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.parquet"
    with pytest.raises(EventLogError, match=re.escape(f"{path}: no such file")):
        scan_parquet(connect(), [path])


def test_a_file_that_is_not_parquet(tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_text("customer_id,event,ts\n", encoding="utf-8")
    with pytest.raises(EventLogError, match=re.escape(f"{path}: not a readable Parquet file")):
        scan_parquet(connect(), [path])


def test_a_required_column_missing_from_one_of_several_files(tmp_path: Path) -> None:
    good = write_table(
        tmp_path / "good.parquet",
        {"customer_id": ["c1"], "event": ["e"], "ts": ["2026-01-01"]},
    )
    lacking = write_table(
        tmp_path / "lacking.parquet", {"user": ["u1"], "event": ["e"], "ts": ["2026-01-02"]}
    )
    con = connect()
    try:
        scan_parquet(con, [good, lacking])
    except MissingColumns as exc:
        assert str(lacking) in str(exc)
        return
    assert con.execute("SELECT count(*) FROM events WHERE customer_id IS NULL").fetchall() == [(0,)]


def test_properties_unchecked_keep_the_rows_and_only_them(tmp_path: Path) -> None:
    # Without check_properties (a report whose funnels never read them), the four rows
    # whose properties are not JSON objects are events; every other reject stays.
    con = connect()
    summary = scan_parquet(con, [mixed(tmp_path / "log.parquet")], check_properties=False)
    events, rejects = contents(con)
    assert [row for _, row, _, _ in rejects] == list(range(2, 12))
    assert [row for *_, row in events] == [1, 12, 13, 14, 15, 16, 17, 18, 19, 20]
    assert not summary.properties_checked
    assert (summary.read, summary.rejected) == (10, 10)
    assert scan_parquet(connect(), [mixed(tmp_path / "log.parquet")]).properties_checked


def test_no_pass_over_the_rows_when_every_check_is_proven_unneeded(tmp_path: Path) -> None:
    # Ids, names and times proven present and in range by the statistics, properties
    # unchecked: the reject pass reads no row (a broken text would otherwise be found).
    path = write_table(
        tmp_path / "log.parquet",
        {
            "customer_id": ["c1", "c2"],
            "event": ["view", "buy"],
            "ts": pa.array([dt.datetime(2026, 1, 1, tzinfo=UTC)] * 2, pa.timestamp("us", "UTC")),
            "properties": ['{"a": 1}', "not json"],
        },
    )
    con = connect()
    summary = scan_parquet(con, [path], check_properties=False)
    assert (summary.read, summary.rejected) == (2, 0)
    assert con.execute("SELECT count(*) FROM cjo_parquet_rejects").fetchall() == [(0,)]
    assert scan_parquet(connect(), [path]).rejected == 1
