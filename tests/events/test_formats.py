"""Event-log formats: sniffing a file's format from its name and first record, and the
SQL each JSON format uses to turn a parsed line into the canonical event."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import pytest

from cjo_cli.errors import InputError
from cjo_cli.events import formats
from cjo_cli.events.formats import (
    FORMATS,
    JSON_FORMATS,
    TABULAR_FORMATS,
    sniff,
    sniff_json_keys,
    with_formats,
)
from cjo_cli.events.tables import EventLogError, UnknownLogFormat

UTC = dt.UTC

CANONICAL = {"customer_id": "c1", "event": "view", "ts": "2026-01-01T10:00:00Z", "properties": {}}
SEGMENT = {"type": "track", "event": "Order Completed", "userId": "u1", "timestamp": "2026-01-01"}
SEGMENT_ANONYMOUS = {"type": "page", "anonymousId": "a1", "timestamp": "2026-01-01"}
MIXPANEL = {"event": "Signed Up", "properties": {"distinct_id": "d1", "time": 1767225600}}
AMPLITUDE = {"event_type": "purchase", "device_id": "dev1", "event_time": "2026-01-01 10:00:00"}
GA4 = {"event_name": "page_view", "event_timestamp": "1767261600000000", "user_pseudo_id": "p1"}


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_format_names() -> None:
    assert FORMATS == ("auto", "jsonl", "segment", "mixpanel", "amplitude", "ga4", "csv", "parquet")
    assert set(TABULAR_FORMATS) == {"csv", "parquet"}
    assert all(fmt.name == name for name, fmt in JSON_FORMATS.items())


@pytest.mark.parametrize(
    ("record", "fmt"),
    [
        (CANONICAL, "jsonl"),
        (SEGMENT, "segment"),
        (SEGMENT_ANONYMOUS, "segment"),
        (MIXPANEL, "mixpanel"),
        (AMPLITUDE, "amplitude"),
        (GA4, "ga4"),
    ],
    ids=["jsonl", "segment", "segment-anonymous", "mixpanel", "amplitude", "ga4"],
)
def test_sniff_by_first_record(tmp_path: Path, record: dict[str, object], fmt: str) -> None:
    second = {"anything": "else"}  # only the first record counts
    path = write(tmp_path / "log.json", json.dumps(record) + "\n" + json.dumps(second) + "\n")
    assert sniff(path) == fmt


@pytest.mark.parametrize(
    "before",
    [b"\xef\xbb\xbf", b"\n  \r\n\t\n", b"\r\n"],
    ids=["bom", "blank-lines", "crlf-blank"],
)
def test_sniff_skips_a_bom_and_leading_blank_lines(tmp_path: Path, before: bytes) -> None:
    text = before + json.dumps(GA4).encode() + b"\r\n"
    assert sniff(write(tmp_path / "log.jsonl", text)) == "ga4"


def test_sniff_skips_a_bom_before_a_blank_line(tmp_path: Path) -> None:
    text = b"\xef\xbb\xbf\n" + json.dumps(GA4).encode() + b"\n"
    assert sniff(write(tmp_path / "log.jsonl", text)) == "ga4"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("events.parquet", "parquet"),
        ("EVENTS.PARQUET", "parquet"),
        ("events.csv", "csv"),
        ("Events.TSV", "csv"),
    ],
)
def test_sniff_by_name_without_reading(tmp_path: Path, name: str, fmt: str) -> None:
    # The content does not matter (it is not even read): the name decides.
    path = write(tmp_path / name, b"\xff\xfe not a table")
    assert sniff(path) == fmt


def test_an_empty_file_is_an_event_log_error(tmp_path: Path) -> None:
    path = write(tmp_path / "log.jsonl", "\n   \n\n")
    with pytest.raises(EventLogError) as caught:
        sniff(path)
    assert not isinstance(caught.value, UnknownLogFormat)
    assert str(caught.value) == f"{path}: the file is empty"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json at all\n", "cannot tell the format from the first line (Expecting value"),
        (b"\xff\xff{}\n", "cannot tell the format from the first line ('utf-8' codec"),
        ('[{"customer_id": "c1"}]\n', "the first line is not a JSON object"),
        ('"just a string"\n', "the first line is not a JSON object"),
        (
            '{"zeta": 1, "alpha": 2, "event": "x"}\n',
            "the first record's keys (alpha, event, zeta) match no known export",
        ),
    ],
    ids=["not-json", "not-utf8", "array", "string", "unknown-keys"],
)
def test_unknown_format_names_the_file(tmp_path: Path, text: str | bytes, message: str) -> None:
    path = write(tmp_path / "mystery.jsonl", text)
    with pytest.raises(UnknownLogFormat) as caught:
        sniff(path)
    assert str(caught.value).startswith(f"{path}: {message}")
    assert isinstance(caught.value, InputError)
    assert caught.value.exit_code == 2


def test_unknown_keys_are_shown_sorted_and_at_most_eight(tmp_path: Path) -> None:
    record = {f"k{n}": n for n in range(9, 0, -1)}
    path = write(tmp_path / "wide.jsonl", json.dumps(record) + "\n")
    with pytest.raises(UnknownLogFormat, match=r"\(k1, k2, k3, k4, k5, k6, k7, k8\) match"):
        sniff(path)


def test_a_missing_file_is_an_unknown_format_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    with pytest.raises(UnknownLogFormat, match="^" + re.escape(f"{path}: cannot tell")):
        sniff(path)


@pytest.mark.parametrize(
    ("keys", "properties", "expected"),
    [
        ({"customer_id", "event", "ts"}, set(), "jsonl"),
        ({"customer_id", "event", "ts", "properties"}, {"distinct_id", "time"}, "jsonl"),
        ({"customer_id", "event"}, set(), None),
        ({"type", "userId"}, set(), "segment"),
        ({"type", "anonymousId"}, set(), "segment"),
        ({"type"}, set(), None),
        ({"userId", "anonymousId", "event"}, set(), None),
        ({"event", "properties"}, {"distinct_id", "time"}, "mixpanel"),
        ({"event", "properties"}, {"distinct_id"}, None),
        ({"event"}, {"distinct_id", "time"}, None),
        ({"event_type", "event_time"}, set(), "amplitude"),
        ({"event_type"}, set(), None),
        ({"event_name", "event_timestamp"}, set(), "ga4"),
        ({"event_name"}, set(), None),
        # The vendors' own keys come first: a GA4 row that also has canonical keys is GA4.
        ({"event_name", "event_timestamp", "customer_id", "event", "ts"}, set(), "ga4"),
        ({"event_type", "event_time", "type", "userId"}, set(), "amplitude"),
        ({"type", "userId", "customer_id", "event", "ts"}, set(), "segment"),
        (set(), set(), None),
    ],
)
def test_sniff_json_keys(keys: set[str], properties: set[str], expected: str | None) -> None:
    assert sniff_json_keys(keys, properties) == expected


def test_mixpanel_needs_properties_to_be_an_object(tmp_path: Path) -> None:
    record = {"event": "x", "properties": ["distinct_id", "time"]}
    with pytest.raises(UnknownLogFormat):
        sniff(write(tmp_path / "log.jsonl", json.dumps(record) + "\n"))


def test_with_formats_sniffs_each_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    canon = write(tmp_path / "a.jsonl", json.dumps(CANONICAL) + "\n")
    ga4 = write(tmp_path / "b.jsonl", json.dumps(GA4) + "\n")
    table = write(tmp_path / "c.csv", "customer_id,event,ts\n")
    calls: list[Path] = []
    real = formats.sniff

    def counting(path: Path) -> str:
        calls.append(path)
        return real(path)

    monkeypatch.setattr(formats, "sniff", counting)
    got = with_formats([canon, ga4, table])
    assert got == [(canon, "jsonl"), (ga4, "ga4"), (table, "csv")]
    assert calls == [canon, ga4, table]


def test_with_formats_passes_a_given_format_through(tmp_path: Path) -> None:
    # Nothing is sniffed: the files need not exist, nor match the format.
    paths = [tmp_path / "missing.jsonl", tmp_path / "other.csv"]
    assert with_formats(paths, "segment") == [(paths[0], "segment"), (paths[1], "segment")]
    assert with_formats([], "auto") == []


def test_with_formats_under_auto_raises_for_an_unknown_file(tmp_path: Path) -> None:
    good = write(tmp_path / "a.jsonl", json.dumps(CANONICAL) + "\n")
    bad = write(tmp_path / "b.jsonl", '{"what": 1}\n')
    with pytest.raises(UnknownLogFormat, match=re.escape(str(bad))):
        with_formats([good, bad])


def extract(expression: str, record: object) -> object:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    ((value,),) = con.execute(
        f"SELECT {expression} FROM (SELECT ?::JSON AS j)", [json.dumps(record)]
    ).fetchall()
    return value


@pytest.mark.parametrize(
    ("fmt", "field", "record", "expected"),
    [
        ("segment", "event", {"type": "track", "event": "Buy"}, "Buy"),
        ("segment", "event", {"type": "page", "event": "ignored"}, "page_view"),
        ("segment", "event", {"type": "screen"}, "screen_view"),
        ("segment", "customer_id", {"userId": "u1", "anonymousId": "a1"}, "u1"),
        ("segment", "customer_id", {"userId": None, "anonymousId": "a1"}, "a1"),
        (
            "segment",
            "ts_text",
            {"originalTimestamp": "2026-01-02", "receivedAt": "x"},
            "2026-01-02",
        ),
        ("segment", "ts_text", {"receivedAt": "2026-01-03"}, "2026-01-03"),
        ("amplitude", "customer_id", {"user_id": "u", "device_id": "d"}, "u"),
        ("amplitude", "customer_id", {"user_id": None, "device_id": "d"}, "d"),
        ("ga4", "customer_id", {"user_id": None, "user_pseudo_id": "p"}, "p"),
        ("mixpanel", "customer_id", {"properties": {"distinct_id": 7}}, "7"),
        ("jsonl", "customer_id", {"customer_id": 12}, "12"),
    ],
)
def test_json_format_fields(fmt: str, field: str, record: object, expected: object) -> None:
    assert extract(getattr(JSON_FORMATS[fmt], field), record) == expected


@pytest.mark.parametrize(
    ("fmt", "record", "expected"),
    [
        ("jsonl", {"ts": "2026-01-01 10:00:00"}, dt.datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("jsonl", {"ts": "2026-01-01T10:00:00+09:00"}, dt.datetime(2026, 1, 1, 1, tzinfo=UTC)),
        ("jsonl", {"ts": "yesterday"}, None),
        ("mixpanel", {"properties": {"time": 1767225600}}, dt.datetime(2026, 1, 1, tzinfo=UTC)),
        (
            "mixpanel",
            {"properties": {"time": 1767225600500}},
            dt.datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
        ),
        ("mixpanel", {"properties": {"time": "1767225600"}}, dt.datetime(2026, 1, 1, tzinfo=UTC)),
        (
            "ga4",
            {"event_timestamp": 1767225600000001},
            dt.datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        ),
        ("ga4", {"event_timestamp": "1767225600000000"}, dt.datetime(2026, 1, 1, tzinfo=UTC)),
        ("ga4", {"event_timestamp": "soon"}, None),
    ],
)
def test_json_format_timestamps(fmt: str, record: object, expected: dt.datetime | None) -> None:
    assert extract(JSON_FORMATS[fmt].ts, record) == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"type": "identify", "userId": "u"}, "a Segment identify call"),
        ({"type": "group", "userId": "u"}, "a Segment group call"),
        ({"type": "alias", "userId": "u"}, "a Segment alias call"),
        ({"type": "track", "userId": "u"}, None),
        ({"type": "page", "userId": "u"}, None),
    ],
)
def test_segment_calls_that_are_not_events(record: object, expected: str | None) -> None:
    reason = extract(str(JSON_FORMATS["segment"].skip_reason), record)
    if expected is None:
        assert reason is None
    else:
        assert isinstance(reason, str)
        assert reason.startswith(f"not an event: {expected}")


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"name": "Home", "properties": {"path": "/"}}, {"path": "/", "name": "Home"}),
        ({"name": "Home", "properties": {"name": "own"}}, {"name": "Home"}),
        ({"properties": {"path": "/"}}, {"path": "/"}),
        ({"name": "Home", "properties": [1]}, [1]),  # not an object: left for the reject rule
    ],
)
def test_segment_page_name_joins_the_properties(record: object, expected: object) -> None:
    value = extract(JSON_FORMATS["segment"].properties, record)
    assert json.loads(str(value)) == expected


def test_ga4_event_params_become_a_flat_object() -> None:
    record = {
        "event_params": [
            {"key": "page", "value": {"string_value": "/home"}},
            {"key": "msec", "value": {"int_value": "120"}},
            {"key": "value", "value": {"double_value": 25.5}},
            {"key": "ratio", "value": {"float_value": 0.5}},
        ]
    }
    value = extract(JSON_FORMATS["ga4"].properties, record)
    assert json.loads(str(value)) == {"page": "/home", "msec": 120, "value": 25.5, "ratio": 0.5}


def test_required_keys_identify_each_format() -> None:
    for name, fmt in JSON_FORMATS.items():
        keys = set(fmt.required_keys)
        if name == "segment":
            keys |= {"userId"}
        properties = {"distinct_id", "time"} if name == "mixpanel" else set()
        assert sniff_json_keys(keys, properties) == name
