"""The condition language: the SQL compilation and the Python predicate agree, everywhere
hypothesis looks, and both follow the documented definition on worked cases."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli.conditions.python import HistoryEvent, Moment, filters_match, holds
from cjo_cli.conditions.sql import SqlScope, condition_sql, value_sql
from cjo_cli.model import (
    OPS,
    AllOf,
    AnyOf,
    AttributeCondition,
    Condition,
    Duration,
    EventCondition,
    Not,
    PropertyCondition,
    PropertyFilter,
)
from cjo_cli.model.clock import SECOND, to_datetime, to_us
from tests.conftest import examples

UTC = dt.UTC
KEYS = ["cart_value", "category", "flag", "tags", "weird key", "名前"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 20000),
    st.sampled_from([0.5, 1.5, 10000.0, -2.25]),
    st.sampled_from(
        ["12000", "10000", "1.5", "-3", "x", "skincare", "", "abc 12", "1e3", " 7", "スキン"]
    ),
)
json_values = st.one_of(scalars, st.lists(scalars, max_size=3))
properties = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4)


@st.composite
def filters(draw: st.DrawFn) -> PropertyFilter:
    op = draw(st.sampled_from(OPS))
    if op == "in":
        value: Any = tuple(draw(st.lists(scalars, min_size=1, max_size=3)))
    elif op == "between":
        value = (draw(scalars), draw(scalars))
    elif op == "exists":
        value = draw(st.booleans())
    else:
        value = draw(scalars)
    return PropertyFilter(draw(st.sampled_from(KEYS)), op, value)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def sql_says(con: duckdb.DuckDBPyConnection, props: dict[str, Any], flt: PropertyFilter) -> bool:
    sql = value_sql("p", flt.key, flt.op, flt.value)
    ((result,),) = con.execute(
        f"SELECT {sql.text} FROM (SELECT ?::JSON AS p)", [*sql.params, json.dumps(props)]
    ).fetchall()
    return bool(result)


@settings(max_examples=examples(200), deadline=None)
@given(properties, filters())
def test_sql_and_python_agree_on_property_filters(
    props: dict[str, Any], flt: PropertyFilter
) -> None:
    connection = duckdb.connect()
    expected = filters_match(props, [flt])
    assert sql_says(connection, props, flt) is expected, (props, flt)


WORKED = [
    ({"cart_value": 12000}, PropertyFilter("cart_value", "gte", 10000), True),
    ({"cart_value": "12000"}, PropertyFilter("cart_value", "gte", 10000), True),  # CSV text
    ({"cart_value": "12,000"}, PropertyFilter("cart_value", "gte", 10000), False),
    ({"cart_value": 9999.5}, PropertyFilter("cart_value", "gte", 10000), False),
    ({}, PropertyFilter("cart_value", "gte", 10000), False),
    ({"category": "skincare"}, PropertyFilter("category", "eq", "skincare"), True),
    ({"category": "Skincare"}, PropertyFilter("category", "eq", "skincare"), False),
    ({}, PropertyFilter("category", "ne", "skincare"), True),
    ({"category": None}, PropertyFilter("category", "eq", None), True),
    ({"flag": True}, PropertyFilter("flag", "eq", True), True),
    ({"flag": "true"}, PropertyFilter("flag", "eq", True), False),
    ({"category": "makeup"}, PropertyFilter("category", "in", ("makeup", "fragrance")), True),
    ({"cart_value": 5}, PropertyFilter("cart_value", "between", (1, 5)), True),
    ({"tags": ["a", 3]}, PropertyFilter("tags", "contains", 3), True),
    ({"category": "skin care"}, PropertyFilter("category", "contains", "care"), True),
    ({"flag": None}, PropertyFilter("flag", "exists", True), False),
    ({"flag": 0}, PropertyFilter("flag", "exists", True), True),
    ({"category": "b"}, PropertyFilter("category", "gt", "a"), True),
    ({"tags": False}, PropertyFilter("tags", "contains", None), False),  # found by hypothesis
    ({"tags": [None]}, PropertyFilter("tags", "contains", None), True),
]


@pytest.mark.parametrize(("props", "flt", "expected"), WORKED)
def test_worked_cases(
    con: duckdb.DuckDBPyConnection, props: dict[str, Any], flt: PropertyFilter, expected: bool
) -> None:
    assert filters_match(props, [flt]) is expected
    assert sql_says(con, props, flt) is expected


NOW = to_us(dt.datetime(2026, 3, 1, 12, tzinfo=UTC))
HOUR = 3600 * SECOND
EVENTS = ["product_view", "purchase"]


@st.composite
def conditions(draw: st.DrawFn, depth: int = 0) -> Condition:
    kinds = ["event", "property", "attribute"] + (["all", "any", "not"] if depth < 2 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "event":
        low = draw(st.integers(0, 3))
        high = draw(st.one_of(st.none(), st.integers(low, 4)))
        within = draw(st.one_of(st.none(), st.sampled_from([Duration(3600), Duration(86400 * 3)])))
        where = tuple(draw(st.lists(filters(), max_size=1)))
        return EventCondition(draw(st.sampled_from(EVENTS)), where, low, high, within)
    if kind == "property":
        flt = draw(filters())
        return PropertyCondition(flt.key, flt.op, flt.value)
    if kind == "attribute":
        flt = draw(filters())
        return AttributeCondition(flt.key, flt.op, flt.value)
    if kind == "not":
        return Not(draw(conditions(depth + 1)))
    items = tuple(draw(st.lists(conditions(depth + 1), min_size=1, max_size=3)))
    return AllOf(items) if kind == "all" else AnyOf(items)


history = st.lists(
    st.builds(
        HistoryEvent,
        st.sampled_from(EVENTS),
        st.sampled_from([NOW - h * HOUR for h in (0, 1, 2, 30, 80)] + [NOW + HOUR]),
        properties,
    ),
    max_size=6,
)


@settings(max_examples=examples(150), deadline=None)
@given(conditions(), history, properties, properties)
def test_sql_and_python_agree_on_conditions(
    condition: Condition, events: list[HistoryEvent], props: dict[str, Any], traits: dict[str, Any]
) -> None:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(
        "CREATE TABLE events (customer_id VARCHAR, event VARCHAR, ts TIMESTAMPTZ, properties JSON)"
    )
    for item in events:
        connection.execute(
            "INSERT INTO events VALUES ('c1', ?, ?, ?)",
            [item.event, to_datetime(item.ts), json.dumps(item.properties)],
        )
    connection.execute(  # someone else's events never count
        "INSERT INTO events VALUES ('c2', 'purchase', ?, '{}'), ('c2', 'product_view', ?, '{}')",
        [to_datetime(NOW), to_datetime(NOW)],
    )
    scope = SqlScope("q.properties", "q.traits", "q.customer_id", "q.ts", "events")
    sql = condition_sql(condition, scope)
    ((result,),) = connection.execute(
        f"SELECT {sql.text} FROM (SELECT 'c1' AS customer_id, ?::TIMESTAMPTZ AS ts, "
        "?::JSON AS properties, ?::JSON AS traits) q",
        [*sql.params, to_datetime(NOW), json.dumps(props), json.dumps(traits)],
    ).fetchall()
    expected = holds(condition, Moment(NOW, props, traits, events))
    assert bool(result) is expected


def test_event_condition_window_is_half_open() -> None:
    seen = [HistoryEvent("purchase", NOW - 72 * HOUR)]
    three_days = EventCondition("purchase", within=Duration(3 * 86400))
    assert holds(three_days, Moment(NOW, history=seen)) is False  # exactly 3 days ago: outside
    assert holds(three_days, Moment(NOW - SECOND, history=seen)) is True
    assert holds(EventCondition("purchase"), Moment(NOW - 96 * HOUR, history=seen)) is False
