"""`cjo_cli.conditions.sql` on its own: no value in the SQL text, keys by JSONPath, `join`.

docs/language.md: conditions compile to parameterised SQL and values never go into SQL text.
Here values, keys and event names are hostile text; the SQL written for them must
be the very text written for a harmless value of the same shape, it must run,
and it must give `python`'s answer.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli import model as m
from cjo_cli.conditions.python import HistoryEvent, Moment, holds, value_matches
from cjo_cli.conditions.semantics import MISSING
from cjo_cli.conditions.sql import Sql, SqlScope, condition_sql, join, value_sql
from cjo_cli.json_pointer import key_pointer
from cjo_cli.model.clock import SECOND, to_datetime
from cjo_cli.model.conditions import Value
from tests.conditions.strategies import NOW
from tests.conftest import examples

# Text that would change the query if it were pasted into it.
DISTINCTIVE = [
    "'; DROP TABLE x; --",
    '$."',
    '$."k',
    "$.k",
    "') OR true --",
    "' OR '1'='1",
    '"; DELETE FROM events; --',
    "x' || 'y",
    "名前'); --",
    "$1 ?",
    "/* */ OR 1=1",
    "x' IS NULL OR '",
]
HOSTILE = [*DISTINCTIVE, "?", "'", '"', "\\", "\\'", 'a"b', "it's", "😀 ' \"", "NULL", "", " "]

# Any text but lone surrogates (no JSON document can hold one).
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
hostile_text = st.one_of(st.sampled_from(HOSTILE), texts)


keys = st.one_of(st.sampled_from(HOSTILE), texts)


@st.composite
def comparisons(draw: st.DrawFn) -> tuple[str, Value]:
    """An op and a value made of hostile text (a boolean for `exists`)."""
    op = draw(st.sampled_from(m.OPS))
    if op == "exists":
        return op, draw(st.booleans())
    if op == "in":
        return op, tuple(draw(st.lists(hostile_text, min_size=1, max_size=3)))
    if op == "between":
        return op, (draw(hostile_text), draw(hostile_text))
    return op, draw(hostile_text)


def harmless(wanted: Value) -> Value:
    """The same shape with every text replaced by "x"."""
    if isinstance(wanted, tuple):
        return tuple(harmless(item) for item in wanted)
    return "x" if isinstance(wanted, str) else wanted


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("CREATE TABLE x (n INTEGER)")
    return connection


def run(con: duckdb.DuckDBPyConnection, sql: Sql, document: dict[str, Any]) -> bool:
    ((result,),) = con.execute(
        f"SELECT {sql.text} FROM (SELECT ?::JSON AS p)", [*sql.params, json.dumps(document)]
    ).fetchall()
    assert isinstance(result, bool), result  # true or false, never NULL
    return result


@settings(max_examples=examples(200), deadline=None)
@given(keys, comparisons(), st.data())
def test_no_value_or_key_in_the_text_and_python_answer(
    con: duckdb.DuckDBPyConnection, key: str, comparison: tuple[str, Value], data: st.DataObject
) -> None:
    op, wanted = comparison
    sql = value_sql("p", key, op, wanted)
    assert sql.text == value_sql("p", "k", op, harmless(wanted)).text
    members = wanted if isinstance(wanted, tuple) else (wanted,)
    for text in (key, *members):
        if text in DISTINCTIVE:
            assert text not in sql.text
    value = data.draw(
        st.one_of(
            st.sampled_from(members),  # often the property is the value itself
            st.sampled_from(members).map(lambda member: [member]),
            st.sampled_from([MISSING, None, 0, True, "", []]),
            hostile_text,
        ),
        label="value",
    )
    document = {} if value is MISSING else {key: value}
    if key != "other":
        document["other"] = "x"
    assert run(con, sql, document) is value_matches(value, op, wanted), document
    assert con.execute("SELECT count(*) FROM x").fetchone() == (0,)  # still there


@pytest.mark.parametrize("text", DISTINCTIVE)
@pytest.mark.parametrize("op", m.OPS)
def test_distinctive_text_as_key_and_value(
    con: duckdb.DuckDBPyConnection, text: str, op: str
) -> None:
    wanted: Value = {"in": (text, "y"), "between": (text, text), "exists": True}.get(op, text)
    sql = value_sql("p", text, op, wanted)
    assert text not in sql.text
    assert sql.text == value_sql("p", "k", op, harmless(wanted)).text
    for document in ({text: text}, {text: [text]}, {"k": text}, {text: None}):
        value = document.get(text, MISSING)
        assert run(con, sql, document) is value_matches(value, op, wanted), document
    assert con.execute("SELECT count(*) FROM x").fetchone() == (0,)


def conditions_with(event: str, key: str, text: str) -> list[m.Condition]:
    where = (m.PropertyFilter(key, "eq", text), m.PropertyFilter(key, "ne", None))
    return [
        m.EventCondition(event, where),
        m.EventCondition(event, where, count_min=0, count_max=1, within=m.Duration(3600)),
        m.PropertyCondition(key, "contains", text),
        m.AttributeCondition(key, "in", (text, "y")),
        m.Not(
            m.AllOf((m.AttributeCondition(key, "gte", text), m.PropertyCondition(key, "lt", text)))
        ),
    ]


@settings(max_examples=examples(50), deadline=None)
@given(hostile_text, keys, hostile_text)
def test_conditions_hold_no_event_key_or_value_in_the_text(
    con: duckdb.DuckDBPyConnection, event: str, key: str, text: str
) -> None:
    scope = SqlScope("q.properties", "q.traits", "q.customer_id", "q.ts", "cjo_events")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cjo_events "
        "(customer_id VARCHAR, event VARCHAR, ts TIMESTAMPTZ, properties JSON)"
    )
    history = [
        HistoryEvent(event, NOW - SECOND, {key: text}),
        HistoryEvent(event, NOW - 2 * 3600 * SECOND, {key: text}),
        HistoryEvent(event + "'", NOW - SECOND, {key: text}),
    ]
    for item in history:
        con.execute(
            "INSERT INTO cjo_events VALUES (?, ?, ?, ?)",
            [text, item.event, to_datetime(item.ts), json.dumps(item.properties)],
        )
    data = {key: text}
    for condition, template in zip(
        conditions_with(event, key, text), conditions_with("e", "k", "x"), strict=True
    ):
        sql = condition_sql(condition, scope)
        assert sql.text == condition_sql(template, scope).text
        for distinctive in {event, key, text} & set(DISTINCTIVE):
            assert distinctive not in sql.text
        ((result,),) = con.execute(
            f"SELECT {sql.text} FROM (SELECT ? AS customer_id, ?::TIMESTAMPTZ AS ts, "
            "?::JSON AS properties, ?::JSON AS traits) q",
            [*sql.params, text, to_datetime(NOW), json.dumps(data), json.dumps(data)],
        ).fetchall()
        assert result is holds(condition, Moment(NOW, data, data, history)), condition
    assert con.execute("SELECT count(*) FROM x").fetchone() == (0,)


# --- keys through key_pointer ----------------------------------------------------------


def test_key_pointer_form() -> None:
    assert key_pointer("cart_value") == "/cart_value"
    assert key_pointer("cart value") == "/cart value"
    assert key_pointer("名前") == "/名前"  # not \\u escapes
    assert key_pointer("a/b") == "/a~1b"
    assert key_pointer("~1") == "/~01"
    assert key_pointer("") == "/"


@pytest.mark.parametrize(
    ("key", "decoys"),
    [
        ("cart value", {"cart": 2, "value": 2}),
        ("cart_value", {"cart value": 2}),
        ('a"b', {"a": 2, "b": 2}),
        ('"', {"": 2}),
        ("it's", {"its": 2}),
        ("a\\b", {"ab": 2, "a\\\\b": 2}),
        ("名前", {"名": 2}),
        ("スキン ケア", {"スキン": 2}),
        ("😀", {"?": 2}),
        ("a.b", {"a": {"b": 2}}),
        ("a[0]", {"a": [2]}),
        ("*", {"x": 2}),
        ("$", {"x": 2}),
        ("$.x", {"x": 2}),
        ('$."', {"$": 2}),
        ("'; DROP TABLE x; --", {"x": 2}),
        (" ", {"": 2}),
        ("\x7f", {"": 2}),
        pytest.param("", {}, id="empty key"),
        pytest.param("\t", {}, id="tab"),
        pytest.param("a\nb", {"a": 2}, id="newline"),
        pytest.param("\x01", {}, id="control character"),
    ],
)
def test_key_pointer_reaches(
    con: duckdb.DuckDBPyConnection, key: str, decoys: dict[str, Any]
) -> None:
    document = {**decoys, key: 1}
    for op, wanted, expected in [
        ("eq", 1, True),
        ("eq", 2, False),
        ("exists", True, True),
        ("exists", False, False),
        ("ne", None, True),
        ("gte", 1, True),
    ]:
        assert value_matches(document.get(key, MISSING), op, wanted) is expected
        assert run(con, value_sql("p", key, op, wanted), document) is expected, (op, wanted)
    absent = dict(decoys)  # the decoys alone: the key is missing
    assert run(con, value_sql("p", key, "exists", False), absent) is True
    assert run(con, value_sql("p", key, "ne", 1), absent) is True


# --- join ------------------------------------------------------------------------------


def test_join_of_nothing_is_its_empty_word() -> None:
    assert join("AND", [], "true") == Sql("true", [])
    assert join("OR", [], "false") == Sql("false", [])


def test_join_of_one_part_is_that_part() -> None:
    part = Sql("x = ? OR y = ?", [1, 2])
    assert join("AND", [part], "true") is part
    assert join("OR", [part], "false") is part


def test_join_of_many_parts_brackets_each_and_keeps_the_parameters_in_order() -> None:
    parts = [Sql("a = ?", [1]), Sql("b = ? OR c = ?", [2, 3]), Sql("true")]
    joined = join("AND", parts, "true")
    assert joined.text == "((a = ?) AND (b = ? OR c = ?) AND (true))"
    assert joined.params == [1, 2, 3]
    assert parts[1].params == [2, 3]  # the parts are not changed


@pytest.mark.parametrize(
    ("word", "values", "expected"),
    [
        ("AND", [], True),
        ("OR", [], False),
        ("AND", [True], True),
        ("AND", [False], False),
        ("OR", [True], True),
        ("OR", [False], False),
        ("AND", [True, True, True], True),
        ("AND", [True, False, True], False),
        ("OR", [False, False, True], True),
        ("OR", [False, False, False], False),
    ],
)
def test_join_runs(
    con: duckdb.DuckDBPyConnection, word: str, values: list[bool], expected: bool
) -> None:
    empty = "true" if word == "AND" else "false"
    # Each part is an OR or an AND itself: without brackets, precedence would change it.
    parts = [Sql("? OR false", [v]) if word == "AND" else Sql("? AND true", [v]) for v in values]
    sql = join(word, parts, empty)
    ((result,),) = con.execute(f"SELECT {sql.text}", sql.params).fetchall()
    assert result is expected


def test_join_brackets_against_precedence(con: duckdb.DuckDBPyConnection) -> None:
    sql = join("AND", [Sql("?", [False]), Sql("? OR ?", [False, True])], "true")
    ((result,),) = con.execute(f"SELECT {sql.text}", sql.params).fetchall()
    assert result is False  # "false AND false OR true" would be true
    sql = join("OR", [Sql("? AND ?", [True, False]), Sql("?", [False])], "false")
    ((result,),) = con.execute(f"SELECT NOT {sql.text}", sql.params).fetchall()
    assert result is True
