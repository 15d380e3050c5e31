"""GA4's BigQuery export as Parquet gives the events its JSON-lines export gives.

The schema follows https://support.google.com/analytics/answer/7029846 (BigQuery
Export schema): `event_params` and `user_properties` repeated {key, value{string_value,
int_value, float_value, double_value}}, `device`, `geo`, `traffic_source`,
`ecommerce` records and repeated `items`; INT64 columns are numbers in Parquet and
strings in BigQuery's JSON export.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cjo_cli.events.formats import sniff
from cjo_cli.events.load import load_events
from cjo_cli.events.tables import connect

VALUE = pa.struct(
    [
        ("string_value", pa.string()),
        ("int_value", pa.int64()),
        ("float_value", pa.float64()),
        ("double_value", pa.float64()),
    ]
)
PARAMS = pa.list_(pa.struct([("key", pa.string()), ("value", VALUE)]))
SCHEMA = pa.schema(
    [
        ("event_date", pa.string()),
        ("event_timestamp", pa.int64()),
        ("event_name", pa.string()),
        ("event_params", PARAMS),
        ("user_id", pa.string()),
        ("user_pseudo_id", pa.string()),
        ("user_properties", PARAMS),
        (
            "device",
            pa.struct(
                [
                    ("category", pa.string()),
                    ("operating_system", pa.string()),
                    ("web_info", pa.struct([("browser", pa.string())])),
                ]
            ),
        ),
        ("geo", pa.struct([("country", pa.string()), ("city", pa.string())])),
        (
            "traffic_source",
            pa.struct([("name", pa.string()), ("medium", pa.string()), ("source", pa.string())]),
        ),
        ("platform", pa.string()),
        (
            "ecommerce",
            pa.struct([("purchase_revenue", pa.float64()), ("transaction_id", pa.string())]),
        ),
        ("items", pa.list_(pa.struct([("item_id", pa.string()), ("quantity", pa.int64())]))),
    ]
)


def param(key: str, **value: Any) -> dict[str, Any]:
    full = {"string_value": None, "int_value": None, "float_value": None, "double_value": None}
    return {"key": key, "value": full | value}


ROWS: list[dict[str, Any]] = [
    {
        "event_date": "20260801",
        "event_timestamp": 1785578460000000,
        "event_name": "view_item",
        "event_params": [
            param("page_location", string_value="/p/s1"),
            param("ga_session_id", int_value=7),
        ],
        "user_id": None,
        "user_pseudo_id": "1234.5678",
        "user_properties": [],
        "device": {
            "category": "mobile",
            "operating_system": "iOS",
            "web_info": {"browser": "Safari"},
        },
        "geo": {"country": "Japan", "city": "Osaka"},
        "traffic_source": {"name": "summer", "medium": "cpc", "source": "google"},
        "platform": "WEB",
        "ecommerce": None,
        "items": [{"item_id": "s1", "quantity": 1}],
    },
    {
        "event_date": "20260801",
        "event_timestamp": 1785579000000000,
        "event_name": "purchase",
        "event_params": [param("value", double_value=42.5), param("value", double_value=1.0)],
        "user_id": "u-1",
        "user_pseudo_id": "1234.5678",
        "user_properties": [],
        "device": None,
        "geo": None,
        "traffic_source": None,
        "platform": "WEB",
        "ecommerce": {"purchase_revenue": 42.5, "transaction_id": "T1"},
        "items": [],
    },
    {
        "event_date": "20260801",
        "event_timestamp": 1785579600000000,
        "event_name": "purchase",
        "event_params": [param("value", double_value=10.0)],
        "user_id": "u-1",
        "user_pseudo_id": "1234.5678",
        "user_properties": [],
        "device": None,
        "geo": None,
        "traffic_source": None,
        "platform": "WEB",
        "ecommerce": {"purchase_revenue": 10.0, "transaction_id": "T2"},
        "items": [],
    },
]


def _json_line(row: dict[str, Any]) -> str:
    # BigQuery's JSON export writes INT64 as strings.
    copy = dict(row, event_timestamp=str(row["event_timestamp"]))
    return json.dumps(copy)


def read(path: Path) -> tuple[Any, ...]:
    con = connect()
    summary = load_events(con, [(path, sniff(path))])
    events = con.execute(
        'SELECT customer_id, event, ts, properties::VARCHAR, "row" FROM events ORDER BY "row"'
    ).fetchall()
    reasons = con.execute('SELECT "row", reason FROM rejects ORDER BY "row"').fetchall()
    return summary.read, summary.rejected, summary.merged, events, reasons


def test_ga4_parquet_gives_what_ga4_json_lines_give(tmp_path: Path) -> None:
    parquet = tmp_path / "events_20260801.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS, schema=SCHEMA), parquet)
    lines = tmp_path / "events_20260801.jsonl"
    lines.write_text("".join(_json_line(row) + "\n" for row in ROWS), encoding="utf-8")
    assert sniff(parquet) == sniff(lines) == "ga4"
    from_parquet, from_lines = read(parquet), read(lines)
    assert from_parquet == from_lines
    read_count, rejected, merged, events, reasons = from_parquet
    # The repeated `value` key is a reject; the anonymous view is stitched to u-1.
    assert (read_count, rejected, merged) == (2, 1, 1)
    assert reasons == [(2, "event_params names a key twice")]
    assert [customer for customer, *_ in events] == ["u-1", "u-1"]
    properties = json.loads(events[0][3])
    assert properties["traffic_source.source"] == "google"
    assert properties["device.browser"] == "Safari"
    assert properties["ga_session_id"] == 7


def test_a_ga4_parquet_file_without_the_suffix_is_sniffed_by_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "export-000000000000"
    pq.write_table(pa.Table.from_pylist(ROWS[:1], schema=SCHEMA), path)
    assert sniff(path) == "ga4"
    assert read(path)[0] == 1
