"""The customers file: traits typed from CSV, JSON lines and Segment identify calls, merged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cjo_cli.conditions.sql import SqlScope, condition_sql
from cjo_cli.events.customers import csv_value, load_customers
from cjo_cli.events.tables import EventLogError, connect
from cjo_cli.model import AttributeCondition
from tests.conftest import REPO


def traits(con: object) -> dict[str, dict[str, object]]:
    rows = con.execute("SELECT customer_id, traits FROM customers ORDER BY 1").fetchall()  # type: ignore[attr-defined]
    return {customer: json.loads(value) for customer, value in rows}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("FALSE", False),
        ("28", 28),
        ("-3", -3),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("028a", "028a"),
        ("東京", "東京"),
        ("12,000", "12,000"),
    ],
)
def test_csv_values_are_typed(text: str, value: object) -> None:
    assert csv_value(text) == value
    assert type(csv_value(text)) is type(value)


def test_csv_customers(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "customer_id,age,newsletter,city\nc1,28,true,東京\nc2,,false,\n,40,true,x\nc3,1\nc1,29,,\n",
        encoding="utf-8",
    )
    con = connect()
    summary = load_customers(con, path)
    assert (summary.customers, summary.rows, summary.rejected) == (2, 5, 2)
    assert traits(con) == {
        "c1": {"age": 29, "newsletter": True, "city": "東京"},  # the later row wins, key by key
        "c2": {"newsletter": False},
    }
    reasons = con.execute('SELECT "row", reason FROM rejects ORDER BY 1').fetchall()
    assert reasons == [(4, "missing customer id"), (5, "expected 4 columns, found 2")]


def test_segment_identify_calls_merge_in_time_order(tmp_path: Path) -> None:
    path = tmp_path / "identify.jsonl"
    lines = [
        {
            "type": "identify",
            "userId": "u1",
            "traits": {"plan": "pro"},
            "timestamp": "2026-02-01T00:00:00Z",
        },
        {
            "type": "identify",
            "userId": "u1",
            "traits": {"plan": "free", "age": 30},
            "timestamp": "2026-01-01T00:00:00Z",
        },
        {"type": "track", "userId": "u1", "event": "x", "timestamp": "2026-01-01T00:00:00Z"},
        {
            "type": "identify",
            "anonymousId": "a9",
            "traits": {"newsletter": True},
            "timestamp": "2026-01-01T00:00:00Z",
        },
    ]
    path.write_text(
        "\n".join(json.dumps(line) for line in lines) + "\nnot json\n", encoding="utf-8"
    )
    con = connect()
    summary = load_customers(con, path)
    assert (summary.customers, summary.rows, summary.rejected, summary.skipped) == (2, 5, 1, 1)
    assert traits(con) == {"u1": {"plan": "pro", "age": 30}, "a9": {"newsletter": True}}


def test_flat_and_nested_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"customer_id": "c1", "traits": {"age": 28}}\n'
        '{"customer_id": 2, "age": 41, "vip": true}\n',
        encoding="utf-8",
    )
    con = connect()
    load_customers(con, path)
    assert traits(con) == {"2": {"age": 41, "vip": True}, "c1": {"age": 28}}


def test_attribute_conditions_read_the_traits() -> None:
    con = connect()
    load_customers(con, REPO / "samples" / "customers.csv")
    condition = AttributeCondition("loyalty_member", "eq", True)
    sql = condition_sql(condition, SqlScope(traits="c.traits", customer="c.customer_id"))
    ((members,),) = con.execute(
        f"SELECT count(*) FROM customers c WHERE {sql.text}", sql.params
    ).fetchall()
    ((total,),) = con.execute("SELECT count(*) FROM customers").fetchall()
    assert total == 2000
    assert 0 < members < total


def test_a_customers_file_needs_customer_ids(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("user,age\nu1,3\n", encoding="utf-8")
    with pytest.raises(EventLogError, match="customer_id"):
        load_customers(connect(), path)
