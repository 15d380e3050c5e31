"""One hostile row never fails a load or slips in: it is a reject with a reason, and
every other row of the file is read (issue 14's reproductions, as data)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cjo_cli.events.customers import load_customers
from cjo_cli.events.load import load_events
from cjo_cli.events.parquet_view import scan_parquet
from cjo_cli.events.tables import EventLogError, connect

GOOD_TS = "2026-08-01T10:00:00Z"
OUT_OF_RANGE = "timestamp out of range (cjo reads 1970-01-01 to 2099-12-31 UTC): "


def canonical(ts: object = GOOD_TS, customer: object = "c1", event: object = "view") -> str:
    return json.dumps({"customer_id": customer, "event": event, "ts": ts})


def mixpanel(time: object, distinct_id: object = "c1") -> str:
    # https://developer.mixpanel.com/reference/raw-event-export: one JSON object per line,
    # `event` and `properties` holding `distinct_id` and `time` (epoch seconds or ms).
    return json.dumps({"event": "view", "properties": {"distinct_id": distinct_id, "time": time}})


def ga4(params: Any, timestamp: object = "1785578400000000") -> str:
    # https://support.google.com/analytics/answer/7029846 (BigQuery export schema):
    # event_timestamp in microseconds, event_params a repeated {key, value} record.
    row = {"event_name": "page_view", "event_timestamp": timestamp, "user_pseudo_id": "p1"}
    if params is not None:
        row["event_params"] = params
    return json.dumps(row)


ROWS = {
    "ts-infinity": ("jsonl", canonical("infinity"), OUT_OF_RANGE + "infinity"),
    "ts-minus-infinity": ("jsonl", canonical("-infinity"), OUT_OF_RANGE + "-infinity"),
    "ts-year-10000": ("jsonl", canonical("10000-01-01"), OUT_OF_RANGE + "10000-01-01"),
    "ts-year-290000": ("jsonl", canonical("290000-01-01"), OUT_OF_RANGE + "290000-01-01"),
    "ts-year-minus-1": ("jsonl", canonical("-0001-01-01"), OUT_OF_RANGE + "-0001-01-01"),
    "ts-before-1970": ("jsonl", canonical("1969-12-31T23:59:59Z"), OUT_OF_RANGE),
    "ts-2100": ("jsonl", canonical("2100-01-01T00:00:00Z"), OUT_OF_RANGE),
    "offset-25h": (
        "jsonl",
        canonical("2026-08-01T00:00:00+25:00"),
        "bad timestamp: offset beyond ±14:00: 2026-08-01T00:00:00+25:00",
    ),
    "offset-14h01": ("jsonl", canonical("2026-08-01T00:00:00-14:01"), "offset beyond ±14:00"),
    "offset-minutes-60": ("jsonl", canonical("2026-08-01T00:00:00+05:60"), "offset beyond"),
    "id-array": ("jsonl", canonical(customer=["a"]), "customer_id is a JSON array"),
    "id-object": ("jsonl", canonical(customer={"a": 1}), "customer_id is a JSON object"),
    "id-boolean": ("jsonl", canonical(customer=True), "customer_id is a JSON boolean"),
    "event-array": ("jsonl", canonical(event=["view"]), "event is a JSON array"),
    "mixpanel-nan": ("mixpanel", mixpanel("nan"), "bad timestamp: nan"),
    "mixpanel-inf": ("mixpanel", mixpanel("inf"), OUT_OF_RANGE + "inf"),
    "mixpanel-1e17": ("mixpanel", mixpanel(1e17), OUT_OF_RANGE),
    "mixpanel-id-array": ("mixpanel", mixpanel(1785578400, ["a"]), "distinct_id is a JSON array"),
    "ga4-duplicate-key": (
        "ga4",
        ga4([{"key": "a", "value": {"int_value": "1"}}, {"key": "a", "value": {"int_value": "2"}}]),
        "event_params names a key twice",
    ),
    "ga4-null-key": (
        "ga4",
        ga4([{"key": None, "value": {"int_value": "1"}}]),
        "an event_params item has no text key",
    ),
    "ga4-not-records": ("ga4", ga4([1, 2]), "an event_params item has no text key"),
    "ga4-null-item": ("ga4", ga4([None]), "an event_params item has no text key"),
    "ga4-params-object": ("ga4", ga4({"a": 1}), "event_params is not a list"),
    "ga4-huge-micros": ("ga4", ga4([], "99999999999999999999"), "bad timestamp"),
    "ga4-max-bigint": ("ga4", ga4([], "9223372036854775807"), OUT_OF_RANGE),
}

GOOD = {
    "jsonl": canonical(),
    "mixpanel": mixpanel(1785578400),
    "ga4": ga4([{"key": "page", "value": {"string_value": "home"}}]),
}


@pytest.mark.parametrize("case", sorted(ROWS))
def test_a_hostile_row_is_a_reject_and_the_rest_is_read(tmp_path: Path, case: str) -> None:
    fmt, hostile, reason = ROWS[case]
    path = tmp_path / "log.jsonl"
    path.write_text(f"{GOOD[fmt]}\n{hostile}\n{GOOD[fmt]}\n", encoding="utf-8")
    con = connect()
    summary = load_events(con, [(path, fmt)])
    assert (summary.read, summary.rejected) == (2, 1)
    ((row, why),) = con.execute('SELECT "row", reason FROM rejects').fetchall()
    assert row == 2
    assert reason in why


@pytest.mark.parametrize(
    "ts",
    [
        "1970-01-01T00:00:00Z",
        "2099-12-31T23:59:59.999999Z",
        "2026-08-01T10:00:00+14:00",
        "2026-08-01T10:00:00-12:00",
        "2026-08-01 10:00:00+0530",
        "2026-08-01",
    ],
)
def test_timestamps_inside_the_range_are_read(tmp_path: Path, ts: str) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(canonical(ts) + "\n", encoding="utf-8")
    assert load_events(connect(), [(path, "jsonl")]).read == 1


def test_a_mapped_id_column_holding_an_array_is_a_reject(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    rows = [
        {"who": "c1", "event": "view", "ts": GOOD_TS},
        {"who": [1], "event": "v", "ts": GOOD_TS},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    con = connect()
    summary = load_events(con, [(path, "jsonl")], {"customer_id": "who"})
    assert (summary.read, summary.rejected) == (1, 1)
    assert con.execute("SELECT reason FROM rejects").fetchall() == [
        ("customer_id is a JSON array, not text or a number",)
    ]


def _parquet(path: Path, **columns: Any) -> Path:
    base: dict[str, Any] = {
        "customer_id": ["a", "b"],
        "event": ["view", "view"],
        "ts": [GOOD_TS, GOOD_TS],
    }
    base.update(columns)
    pq.write_table(pa.table(base), path)
    return path


def test_a_list_properties_column_is_rejected_alike_in_place_and_copied(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "log.parquet", properties=[[1, 2], None])
    seen = []
    for read in ("view", "copy"):
        con = connect()
        if read == "view":
            summary = scan_parquet(con, [path])
        else:
            summary = load_events(con, [(path, "parquet")])
        seen.append(
            (
                summary.read,
                summary.rejected,
                con.execute('SELECT "row", reason FROM rejects').fetchall(),
                con.execute("SELECT customer_id, properties::VARCHAR FROM events").fetchall(),
            )
        )
    assert seen[0] == seen[1] == (1, 1, [(1, "properties is not a JSON object")], [("b", "{}")])


@pytest.mark.parametrize(
    ("values", "kind"),
    [([["a"], ["b"]], "VARCHAR[]"), ([True, False], "BOOLEAN"), ([{"x": 1}, {"x": 2}], "STRUCT")],
    ids=["list", "boolean", "struct"],
)
def test_an_id_column_of_lists_structs_or_booleans_is_refused(
    tmp_path: Path, values: list[Any], kind: str
) -> None:
    path = _parquet(tmp_path / "log.parquet", customer_id=values)
    for read in (
        lambda: scan_parquet(connect(), [path]),
        lambda: load_events(connect(), [(path, "parquet")]),
    ):
        with pytest.raises(
            EventLogError, match=f"column .customer_id. is {re.escape(kind)}.*text or numbers"
        ):
            read()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_hundreds_of_extra_columns_become_properties(tmp_path: Path, fmt: str) -> None:
    extra = {f"x{i}": [str(i), str(i)] for i in range(600)}
    if fmt == "parquet":
        path = _parquet(tmp_path / "wide.parquet", **extra)
    else:
        path = tmp_path / "wide.csv"
        header = ["customer_id", "event", "ts", *extra]
        lines = [",".join(header)] + [
            ",".join([c, "view", GOOD_TS, *(v[0] for v in extra.values())]) for c in "ab"
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = connect()
    assert load_events(con, [(path, fmt)]).read == 2
    ((props,),) = con.execute("SELECT properties FROM events LIMIT 1").fetchall()
    assert json.loads(props)["x599"] == "599"


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-32", "UTF-32")],
)
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_utf16_or_utf32_log_is_refused_with_how_to_convert_it(
    tmp_path: Path, encoding: str, name: str, fmt: str
) -> None:
    path = tmp_path / f"log.{fmt}"
    text = canonical() + "\n" if fmt == "jsonl" else f"customer_id,event,ts\nc1,view,{GOOD_TS}\n"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(EventLogError, match=f"is {name} text; cjo reads UTF-8.*iconv -f {name}"):
        load_events(connect(), [(path, fmt)])


def test_a_customers_csv_with_bytes_that_are_not_utf8_rejects_that_row(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(b"customer_id,tier\nc1,gold\nc2,\xff\xfesilver\nc3,bronze\n")
    con = connect()
    summary = load_customers(con, path)
    assert (summary.customers, summary.rows, summary.rejected) == (2, 3, 1)
    ((row, reason),) = con.execute('SELECT "row", reason FROM rejects').fetchall()
    assert (row, reason) == (3, "not UTF-8 text (byte 0xff at column 4)")


def test_a_utf16_customers_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes("customer_id,tier\nc1,gold\n".encode("utf-16"))
    with pytest.raises(EventLogError, match="UTF-16"):
        load_customers(connect(), path)
