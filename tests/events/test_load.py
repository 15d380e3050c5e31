"""Event-log readers: every format into the canonical table, every bad row into rejects,
and `read + rejected = rows` for every file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cjo_cli.cli.inputs import parse_mapping
from cjo_cli.errors import UsageError
from cjo_cli.events.formats import sniff, with_formats
from cjo_cli.events.load import LoadSummary, load_events
from cjo_cli.events.tables import EventLogError, connect

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "logs"
UTC = dt.UTC


def rows_in(path: Path) -> int:
    """Non-blank lines (JSON lines) — what `read + rejected` must add up to."""
    return sum(1 for line in path.read_bytes().split(b"\n") if line.strip())


def events(con: object, file: str) -> list[tuple[object, ...]]:
    return con.execute(  # type: ignore[attr-defined,no-any-return]
        'SELECT customer_id, event, ts, properties::VARCHAR, "row" FROM events '
        'WHERE file = ? ORDER BY "row"',
        [file],
    ).fetchall()


def rejects(con: object, file: str) -> list[tuple[object, ...]]:
    return con.execute(  # type: ignore[attr-defined,no-any-return]
        'SELECT "row", reason FROM rejects WHERE file = ? ORDER BY "row"', [file]
    ).fetchall()


class Loaded(NamedTuple):
    summary: LoadSummary
    events: list[tuple[object, ...]]
    rejects: list[tuple[object, ...]]


def load_fixture(name: str) -> Loaded:
    """The fixture log `name` loaded on its own: the summary, its rows and its rejects."""
    con = connect()
    summary = load_events(con, with_formats([FIXTURES / name]))
    return Loaded(summary, events(con, str(FIXTURES / name)), rejects(con, str(FIXTURES / name)))


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("canon.jsonl", "jsonl"),
        ("flat.csv", "csv"),
        ("segment.jsonl", "segment"),
        ("mixpanel.jsonl", "mixpanel"),
        ("amplitude.jsonl", "amplitude"),
        ("ga4.jsonl", "ga4"),
    ],
)
def test_formats_are_sniffed(name: str, fmt: str) -> None:
    assert sniff(FIXTURES / name) == fmt


@pytest.mark.parametrize(
    "name", ["canon.jsonl", "segment.jsonl", "mixpanel.jsonl", "amplitude.jsonl", "ga4.jsonl"]
)
def test_nothing_is_lost(name: str) -> None:
    summary = load_fixture(name).summary
    assert summary.read + summary.rejected == rows_in(FIXTURES / name)


def test_canonical_json_lines() -> None:
    _, got, rejected = load_fixture("canon.jsonl")
    assert got[0] == (
        "c1",
        "product_view",
        dt.datetime(2026, 1, 1, 10, tzinfo=UTC),
        '{"category":"skincare"}',
        1,
    )
    # A naive timestamp is UTC; an offset is converted; a number id becomes text.
    assert got[1][2] == dt.datetime(2026, 1, 1, 10, 5, tzinfo=UTC)
    assert got[2][:3] == ("2", "purchase", dt.datetime(2026, 1, 1, 10, 0, tzinfo=UTC))
    assert got[2][4] == 4  # line 3 is blank: not a row, but lines keep their numbers
    assert rejected == [
        (5, "not valid JSON"),
        (6, "not a JSON object"),
        (7, "missing customer id"),
        (8, "missing event name"),
        (9, "bad timestamp: yesterday"),
        (10, "properties is not a JSON object"),
        (12, "not UTF-8 text (byte 0xff at column 1)"),
    ]


def test_csv_with_quotes_multiline_records_and_bad_rows() -> None:
    summary, got, rejected = load_fixture("flat.csv")
    assert (summary.read, summary.rejected) == (5, 2)  # 7 records under the header
    # Columns other than the canonical ones become properties, merged with `properties`.
    assert json.loads(got[0][3]) == {"channel": "instagram", "category": "skincare"}
    assert got[2][1] == "multi\nline"
    assert [row[4] for row in got] == [2, 3, 6, 8, 9]  # the line each record starts on
    assert rejected == [
        (4, "bad timestamp: not a date"),
        (5, "expected 5 columns, found 4"),
    ]


def test_segment() -> None:
    _, got, rejected = load_fixture("segment.jsonl")
    assert got[0][:3] == ("u1", "Order Completed", dt.datetime(2026, 1, 1, 10, tzinfo=UTC))
    assert got[1][:3] == ("a2", "page_view", dt.datetime(2026, 1, 1, 2, tzinfo=UTC))
    assert json.loads(got[1][3]) == {"path": "/", "name": "Home"}
    ((row, reason),) = rejected
    assert row == 3 and reason.startswith("not an event: a Segment identify call")


def test_mixpanel_epoch_seconds_and_milliseconds() -> None:
    _, got, rejected = load_fixture("mixpanel.jsonl")
    assert got[0][:3] == ("d1", "Signed Up", dt.datetime(2026, 1, 1, tzinfo=UTC))
    assert got[1][2] == dt.datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=UTC)
    assert rejected == [(3, "missing timestamp")]


def test_amplitude_user_or_device() -> None:
    got = load_fixture("amplitude.jsonl").events
    assert [(g[0], g[1]) for g in got] == [("dev1", "purchase"), ("amp2", "view")]
    assert got[0][2] == dt.datetime(2026, 1, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert json.loads(got[0][3]) == {"price": 10}


def test_ga4_microseconds_and_event_params() -> None:
    got = load_fixture("ga4.jsonl").events
    assert got[0][:3] == ("p1", "page_view", dt.datetime(2026, 1, 1, 10, tzinfo=UTC))
    assert json.loads(got[0][3]) == {"page_location": "https://x/", "engagement_time_msec": 120}
    assert got[1][0] == "logged_in"  # user_id wins over user_pseudo_id
    assert json.loads(got[1][3]) == {"value": 25.5}


def test_parquet_with_a_column_map(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    table = pa.table(
        {
            "user": ["c1", "c2", None],
            "event": ["a", "b", "c"],
            "ts": pa.array(
                [dt.datetime(2026, 1, 1, 10), dt.datetime(2026, 1, 1, 11), None], pa.timestamp("us")
            ),
            "category": ["x", "y", "z"],
        }
    )
    pq.write_table(table, path)
    con = connect()
    summary = load_events(con, with_formats([path]), mapping=parse_mapping(["customer_id=user"]))
    assert (summary.read, summary.rejected) == (2, 1)
    got = events(con, str(path))
    assert got[0] == ("c1", "a", dt.datetime(2026, 1, 1, 10, tzinfo=UTC), '{"category":"x"}', 1)
    assert rejects(con, str(path)) == [(3, "missing customer id")]


def test_missing_columns_say_which_and_how_to_map(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("user_id,name,time\nc1,a,2026-01-01\n", encoding="utf-8")
    with pytest.raises(EventLogError, match="missing column"):
        load_events(connect(), with_formats([path]))
    summary = load_events(
        connect(),
        with_formats([path]),
        mapping=parse_mapping(["customer_id=user_id", "event=name", "ts=time"]),
    )
    assert (summary.read, summary.rejected) == (1, 0)


@pytest.mark.parametrize("bad", ["customer_id", "who=user", "event=", "ts"])
def test_bad_maps_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_mapping([bad])


def test_unknown_json_shape_asks_for_a_format(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text('{"who": 1}\n', encoding="utf-8")
    with pytest.raises(EventLogError, match="match no known export"):
        sniff(path)


def test_many_lines_cross_chunk_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cjo_cli.events import lines

    monkeypatch.setattr(lines, "CHUNK_BYTES", 1000)
    path = tmp_path / "big.jsonl"
    records = [
        json.dumps(
            {"customer_id": f"c{i % 7}", "event": "e", "ts": f"2026-01-01T00:00:{i % 60:02d}Z"}
        )
        if i % 13
        else "garbage"
        for i in range(1, 501)
    ]
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    con = connect()
    summary = load_events(con, with_formats([path]))
    assert (summary.read, summary.rejected) == (462, 38)
    rows = [r[0] for r in con.execute('SELECT "row" FROM events ORDER BY "row"').fetchall()]
    assert rows == [i for i in range(1, 501) if i % 13]


@pytest.mark.parametrize(
    ("zone", "time", "utc"),
    [
        (None, 1785578400, "2026-08-01 10:00:00"),  # 2026-08-01T10:00 as the export writes it
        ("Asia/Tokyo", 1785578400, "2026-08-01 01:00:00"),
        ("America/New_York", 1785578400, "2026-08-01 14:00:00"),  # EDT, UTC-4
        ("America/New_York", 1767261600, "2026-01-01 15:00:00"),  # EST, UTC-5
    ],
)
def test_mixpanel_local_time_in_a_source_zone(
    tmp_path: Path, zone: str | None, time: int, utc: str
) -> None:
    # Older Mixpanel projects export `time` as the project's wall time in epoch form
    # (https://docs.mixpanel.com/docs/orgs-and-projects/managing-projects#manage-timezones).
    path = tmp_path / "mixpanel.jsonl"
    path.write_text(
        json.dumps({"event": "buy", "properties": {"distinct_id": "u", "time": time}}) + "\n",
        encoding="utf-8",
    )
    con = connect()
    load_events(con, [(path, "mixpanel")], source_tz=zone)
    assert con.execute("SELECT strftime(ts, '%Y-%m-%d %H:%M:%S') FROM events").fetchall() == [
        (utc,)
    ]
