"""Every log reader, fed random bytes, random lines and random JSON values in every
field it reads: it either refuses the file with an EventLogError (exit 2) or reads it,
and then read + rejected is exactly the file's rows. Nothing else may escape.

Generated values lean on the shapes that broke readers before (issue 14): times at
and past the ends of the range, nan and inf, offsets past ±14:00, ids that are arrays,
GA4 params with repeated or missing keys, control characters and lone surrogates.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjo_cli.events.load import load_events
from cjo_cli.events.parquet_view import scan_parquet
from cjo_cli.events.tables import EventLogError, connect

FIELDS = {
    "jsonl": {"customer_id": (), "event": (), "ts": (), "properties": ()},
    "segment": {"type": (), "userId": (), "anonymousId": (), "event": (), "timestamp": ()},
    "mixpanel": {"event": (), "properties": ("distinct_id", "time")},
    "amplitude": {"event_type": (), "event_time": (), "user_id": (), "device_id": ()},
    "ga4": {"event_name": (), "event_timestamp": (), "user_pseudo_id": (), "event_params": ()},
}

TIMES = st.sampled_from(
    [
        "2026-08-01T10:00:00Z",
        "2026-08-01 10:00:00",
        "1970-01-01T00:00:00Z",
        "2099-12-31T23:59:59.999999Z",
        "2100-01-01T00:00:00Z",
        "infinity",
        "-infinity",
        "10000-01-01",
        "-0001-01-01",
        "2026-08-01T00:00:00+25:00",
        "2026-08-01T00:00:00+14:00",
        "2026-13-45",
        "nan",
        "inf",
        "1785578400",
        "1785578400000000",
        "9223372036854775807",
        "99999999999999999999",
        "",
    ]
)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1785578400, 1785578400123, 1e17, -1e17, 0]),
)
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "Cc")), max_size=12
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | NUMBERS | TEXT | TIMES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
GA4_PARAMS = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "key": st.sampled_from(["a", "b", None, 1]),
                "value": st.fixed_dictionaries(
                    {},
                    optional={
                        "string_value": JSON_VALUES,
                        "int_value": JSON_VALUES,
                        "double_value": JSON_VALUES,
                    },
                ),
            }
        ),
        JSON_VALUES,
    ),
    max_size=3,
)


def _value(name: str) -> st.SearchStrategy[Any]:
    if name in ("ts", "timestamp", "event_time", "time", "event_timestamp"):
        return st.one_of(TIMES, JSON_VALUES)
    if name == "event_params":
        return st.one_of(GA4_PARAMS, JSON_VALUES)
    if name == "type":
        return st.sampled_from(["track", "page", "screen", "identify", "alias", 3])
    return JSON_VALUES


@st.composite
def records(draw: st.DrawFn, fmt: str) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for name, nested in FIELDS[fmt].items():
        if draw(st.booleans()) or nested:
            if nested:
                inner = {key: draw(_value(key)) for key in nested if draw(st.integers(0, 4))}
                record[name] = inner if draw(st.integers(0, 5)) else draw(JSON_VALUES)
            else:
                record[name] = draw(_value(name))
    return record


@st.composite
def json_lines_files(draw: st.DrawFn, fmt: str) -> bytes:
    lines: list[bytes] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 9))
        if kind <= 6:
            lines.append(json.dumps(draw(records(fmt)), ensure_ascii=draw(st.booleans())).encode())
        elif kind == 7:
            lines.append(draw(TEXT).encode("utf-8", "surrogatepass"))
        else:
            lines.append(draw(st.binary(max_size=20)))
    return b"\n".join(lines) + draw(st.sampled_from([b"", b"\n", b"\r\n"]))


def rows_of(data: bytes) -> int:
    """The file's rows as the reader defines them: every line that is not blank, and
    every line that is not UTF-8 text."""
    rows = 0
    for raw in data.removeprefix(b"\xef\xbb\xbf").split(b"\n"):
        try:
            if raw.decode("utf-8").strip():
                rows += 1
        except UnicodeDecodeError:
            rows += 1
    return rows


def check(path: Path, fmt: str, expected_rows: int | None) -> None:
    con = connect()
    try:
        summary = load_events(con, [(path, fmt)])
    except EventLogError:
        return  # refused as a whole, with a message: exit 2
    if expected_rows is not None:
        assert summary.read + summary.rejected == expected_rows
    ((events,),) = con.execute("SELECT count(*) FROM events").fetchall()
    assert events == summary.read


FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(data=st.data())
def test_json_readers_lose_nothing_and_never_crash(tmp_path: Path, data: st.DataObject) -> None:
    fmt = data.draw(st.sampled_from(sorted(FIELDS)))
    content = data.draw(json_lines_files(fmt))
    path = tmp_path / "log.jsonl"
    path.write_bytes(content)
    check(path, fmt, rows_of(content))


@FUZZ
@given(content=st.binary(max_size=300), fmt=st.sampled_from([*sorted(FIELDS), "csv"]))
def test_random_bytes_are_rows_or_a_refusal(tmp_path: Path, content: bytes, fmt: str) -> None:
    path = tmp_path / f"log.{fmt}"
    path.write_bytes(content)
    check(path, fmt, rows_of(content) if fmt != "csv" else None)


CSV_CELLS = st.one_of(TIMES, TEXT, NUMBERS.map(str))


@FUZZ
@given(
    rows=st.lists(st.lists(CSV_CELLS, min_size=4, max_size=4), max_size=10),
    extra=st.lists(TEXT.filter(lambda t: t not in ("customer_id", "event", "ts")), max_size=3),
)
def test_csv_rows_lose_nothing(tmp_path: Path, rows: list[list[str]], extra: list[str]) -> None:
    header = ["customer_id", "event", "ts", "properties", *dict.fromkeys(extra)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row + ["x"] * (len(header) - 4))
    path = tmp_path / "log.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", errors="surrogatepass")
    blank = sum(1 for row in rows if len(header) == 1 and not row[0].strip())
    check(path, "csv", len(rows) - blank)


PARQUET_COLUMNS = st.sampled_from(
    [
        pa.string(),
        pa.int64(),
        pa.float64(),
        pa.bool_(),
        pa.timestamp("us"),
        pa.timestamp("us", tz="UTC"),
        pa.list_(pa.int64()),
        pa.struct([("a", pa.int64())]),
    ]
)


def _parquet_values(kind: pa.DataType) -> st.SearchStrategy[Any]:
    if kind == pa.string():
        return st.one_of(st.none(), TIMES, TEXT)
    if kind == pa.int64():
        return st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))
    if kind == pa.float64():
        return st.one_of(st.none(), st.floats())
    if kind == pa.bool_():
        return st.one_of(st.none(), st.booleans())
    if pa.types.is_timestamp(kind):
        return st.one_of(st.none(), st.integers(-(2**62), 2**62))
    if pa.types.is_list(kind):
        return st.one_of(st.none(), st.lists(st.integers(-5, 5), max_size=2))
    return st.one_of(st.none(), st.fixed_dictionaries({"a": st.integers(-5, 5)}))


@FUZZ
@given(data=st.data())
def test_parquet_in_place_and_copied_agree_and_lose_nothing(
    tmp_path: Path, data: st.DataObject
) -> None:
    size = data.draw(st.integers(0, 6))
    columns: dict[str, pa.Array] = {}
    for name in ("customer_id", "event", "ts", "properties"):
        kind = data.draw(PARQUET_COLUMNS) if data.draw(st.integers(0, 3)) else pa.string()
        values = data.draw(st.lists(_parquet_values(kind), min_size=size, max_size=size))
        if pa.types.is_timestamp(kind):
            columns[name] = pa.array(values, pa.int64()).cast(kind)
        else:
            columns[name] = pa.array(values, kind)
    path = tmp_path / "log.parquet"
    pq.write_table(pa.table(columns), path)
    outcomes = []
    for read in ("view", "copy"):
        con = connect()
        try:
            if read == "view":
                summary = scan_parquet(con, [path])
            else:
                summary = load_events(con, [(path, "parquet")])
        except EventLogError as exc:
            outcomes.append(("refused", str(exc)))
            continue
        assert summary.read + summary.rejected == size
        outcomes.append(
            (
                "read",
                con.execute('SELECT "row", reason FROM rejects ORDER BY "row"').fetchall(),
                con.execute(
                    'SELECT "row", customer_id, event, ts, properties::VARCHAR FROM events '
                    'ORDER BY "row"'
                ).fetchall(),
            )
        )
    assert outcomes[0] == outcomes[1]
