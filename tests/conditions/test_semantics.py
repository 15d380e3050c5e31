"""The comparison rules of `cjo_cli.conditions.semantics`, one table, two compilers.

Every row of `CASES` is (value, op, wanted, expected): the value of the key `k`
(`MISSING`: the key is not in the object), the comparison, and what the module
docstring says it gives. Each row is evaluated by `python.value_matches` and by
the SQL of `sql.value_sql` over a one-row DuckDB query; both must say `expected`.
"""

from __future__ import annotations

import copy
import json
import math
import pickle
from typing import Any

import duckdb
import pytest

from cjo_cli.conditions.python import value_matches
from cjo_cli.conditions.semantics import MISSING, NumberCompare, lower
from cjo_cli.conditions.sql import value_sql
from cjo_cli.model.conditions import Value

KEY = "k"


def case(value: Any, op: str, wanted: Value, expected: bool, rule: str) -> Any:
    shown = "MISSING" if value is MISSING else json.dumps(value, ensure_ascii=False)
    return pytest.param(value, op, wanted, expected, id=f"{rule}: {shown} {op} {wanted!r}")


CASES = [
    # --- a value is absent when the key is missing or its value is null -----------------
    case(MISSING, "eq", None, True, "absent"),
    case(None, "eq", None, True, "absent"),
    case("", "eq", None, False, "absent"),
    case(0, "eq", None, False, "absent"),
    case(0.0, "eq", None, False, "absent"),
    case(False, "eq", None, False, "absent"),
    case([], "eq", None, False, "absent"),
    case({}, "eq", None, False, "absent"),
    case("null", "eq", None, False, "absent"),
    case(MISSING, "ne", None, False, "absent"),
    case(None, "ne", None, False, "absent"),
    case("", "ne", None, True, "absent"),
    case(0, "ne", None, True, "absent"),
    case(False, "ne", None, True, "absent"),
    case("", "eq", "", True, "empty string is a string"),
    case(MISSING, "eq", "", False, "empty string is a string"),
    case(None, "eq", "", False, "empty string is a string"),
    case(0, "eq", "", False, "empty string is a string"),
    case(False, "eq", "", False, "empty string is a string"),
    case(0, "eq", 0, True, "zero is a number"),
    case(0.0, "eq", 0, True, "zero is a number"),
    case("0", "eq", 0, True, "zero is a number"),
    case("-0", "eq", 0, True, "zero is a number"),
    case("", "eq", 0, False, "zero is a number"),
    case(MISSING, "eq", 0, False, "zero is a number"),
    case(None, "eq", 0, False, "zero is a number"),
    case(False, "eq", False, True, "false is a boolean"),
    case(0, "eq", False, False, "false is a boolean"),
    case("", "eq", False, False, "false is a boolean"),
    case("false", "eq", False, False, "false is a boolean"),
    case(MISSING, "eq", False, False, "false is a boolean"),
    case(None, "eq", False, False, "false is a boolean"),
    # --- exists, both ways -------------------------------------------------------------
    case(MISSING, "exists", True, False, "exists"),
    case(None, "exists", True, False, "exists"),
    case("", "exists", True, True, "exists"),
    case(0, "exists", True, True, "exists"),
    case(False, "exists", True, True, "exists"),
    case([], "exists", True, True, "exists"),
    case({}, "exists", True, True, "exists"),
    case({"a": None}, "exists", True, True, "exists"),
    case(MISSING, "exists", False, True, "exists"),
    case(None, "exists", False, True, "exists"),
    case("", "exists", False, False, "exists"),
    case(0, "exists", False, False, "exists"),
    case(False, "exists", False, False, "exists"),
    case([None], "exists", False, False, "exists"),
    # --- a string matches a string property equal to it --------------------------------
    case("skincare", "eq", "skincare", True, "string eq"),
    case("Skincare", "eq", "skincare", False, "string eq"),
    case("skincare ", "eq", "skincare", False, "string eq"),
    case("スキンケア", "eq", "スキンケア", True, "string eq"),
    case("5", "eq", "5", True, "string eq"),
    case(5, "eq", "5", False, "string eq"),
    case("5.0", "eq", "5", False, "string eq"),
    case(["skincare"], "eq", "skincare", False, "string eq"),
    # --- a number matches a number, or a plain decimal string, numerically -------------
    case(12000, "gte", 10000, True, "numeric"),
    case(12000.0, "eq", 12000, True, "numeric"),
    case(9999.5, "gte", 10000, False, "numeric"),
    case("12000", "gte", 10000, True, "numeric string"),
    case("12000", "eq", 12000.0, True, "numeric string"),
    case("5.0", "eq", 5, True, "numeric string"),
    case("-1.5", "lt", 0, True, "numeric string"),
    case("00012", "eq", 12, True, "numeric string"),
    case("1e3", "eq", 1000, True, "numeric string"),
    case("1E3", "eq", 1000, True, "numeric string"),
    case("2.5e-1", "eq", 0.25, True, "numeric string"),
    case("12\n", "eq", 12, False, "not a number: trailing newline"),
    case("12\n", "gt", 0, False, "not a number: trailing newline"),
    case(" 7", "eq", 7, False, "not a number: leading space"),
    case("7 ", "eq", 7, False, "not a number: trailing space"),
    case("+7", "eq", 7, False, "not a number: plus sign"),
    case(".5", "eq", 0.5, False, "not a number: no integer part"),
    case("1.", "eq", 1, False, "not a number: no fraction digits"),
    case("12,000", "gte", 10000, False, "not a number: thousands separator"),
    case("1_000", "eq", 1000, False, "not a number: underscore"),
    case("0x10", "eq", 16, False, "not a number: hex"),
    case("inf", "gt", 0, False, "not a number: inf"),
    case("Infinity", "gt", 0, False, "not a number: Infinity"),
    case("NaN", "ne", 0, True, "not a number: NaN"),
    case("１２", "eq", 12, False, "not a number: fullwidth digits"),
    case("١٢", "eq", 12, False, "not a number: Arabic-Indic digits"),
    case("", "lt", 1, False, "not a number: empty"),
    case("abc 12", "gt", 0, False, "not a number: text"),
    case([12000], "gte", 10000, False, "not a number: list"),
    case({"v": 1}, "eq", 1, False, "not a number: object"),
    # --- booleans are never numbers ----------------------------------------------------
    case(True, "eq", 1, False, "bool is not a number"),
    case(False, "eq", 0, False, "bool is not a number"),
    case(True, "gt", 0, False, "bool is not a number"),
    case(True, "gte", 1, False, "bool is not a number"),
    case(False, "lt", 1, False, "bool is not a number"),
    case(True, "between", (0, 2), False, "bool is not a number"),
    case(1, "eq", True, False, "number is not a bool"),
    case(1.0, "eq", True, False, "number is not a bool"),
    case(0, "eq", False, False, "number is not a bool"),
    case("true", "eq", True, False, "text is not a bool"),
    case(True, "eq", True, True, "bool eq"),
    case(True, "eq", False, False, "bool eq"),
    case(True, "eq", "true", False, "bool is not text"),
    # --- ne is the negation of eq ------------------------------------------------------
    case(MISSING, "ne", "skincare", True, "ne on a missing key"),
    case(MISSING, "ne", 5, True, "ne on a missing key"),
    case(MISSING, "ne", True, True, "ne on a missing key"),
    case(MISSING, "ne", "", True, "ne on a missing key"),
    case(None, "ne", "skincare", True, "ne on null"),
    case("skincare", "ne", "skincare", False, "ne"),
    case("makeup", "ne", "skincare", True, "ne"),
    case("5", "ne", 5, False, "ne"),
    case(5, "ne", "5", True, "ne"),
    case(1, "ne", True, True, "ne"),
    # --- in is eq to any member --------------------------------------------------------
    case("makeup", "in", ("makeup", "fragrance"), True, "in"),
    case("fragrance", "in", ("makeup", "fragrance"), True, "in"),
    case("skincare", "in", ("makeup", "fragrance"), False, "in"),
    case(MISSING, "in", ("makeup", None), True, "in"),
    case(None, "in", ("makeup", None), True, "in"),
    case(MISSING, "in", ("makeup",), False, "in"),
    case("5", "in", (5, 6), True, "in"),
    case(5, "in", ("5", "6"), False, "in"),
    case(1, "in", (True,), False, "in"),
    case(True, "in", (1,), False, "in"),
    case("makeup", "in", (), False, "in: no members"),
    case(MISSING, "in", (), False, "in: no members"),
    case("makeup", "in", "makeup", True, "in: a single value"),
    # --- order: numbers numerically, strings by code points ----------------------------
    case(5, "gt", 4, True, "order"),
    case(5, "gt", 5, False, "order"),
    case(5, "gte", 5, True, "order"),
    case(5, "lt", 5, False, "order"),
    case(5, "lte", 5, True, "order"),
    case("10", "gt", 9, True, "order: numeric string as a number"),
    case("10", "gt", "9", False, "order: text bound compares text"),
    case("10", "lt", "9", True, "order: text bound compares text"),
    case(10, "gt", "9", False, "order: a number is not text"),
    case("b", "gt", "a", True, "code points"),
    case("B", "gt", "a", False, "code points: upper before lower"),
    case("a", "lt", "ab", True, "code points: prefix first"),
    case("a", "gte", "a", True, "code points"),
    case("é", "gt", "z", True, "code points: not a locale collation"),
    case("スキン", "gt", "スキ", True, "code points: Japanese"),
    case("あ", "lt", "ア", True, "code points: hiragana before katakana"),
    case("漢", "gt", "ア", True, "code points: kanji after katakana"),
    case("😀", "gt", "｡", True, "code points: not UTF-16 order"),
    case(MISSING, "lt", "a", False, "order: absent compares with nothing"),
    case(None, "gt", 0, False, "order: absent compares with nothing"),
    # --- between is inclusive ----------------------------------------------------------
    case(1, "between", (1, 5), True, "between inclusive"),
    case(5, "between", (1, 5), True, "between inclusive"),
    case(3.5, "between", (1, 5), True, "between"),
    case(0, "between", (1, 5), False, "between"),
    case(5.5, "between", (1, 5), False, "between"),
    case("5", "between", (1, 5), True, "between: numeric string"),
    case("b", "between", ("a", "c"), True, "between: text"),
    case("c", "between", ("a", "c"), True, "between inclusive: text"),
    case("d", "between", ("a", "c"), False, "between: text"),
    case(3, "between", (5, 1), False, "between: reversed bounds hold nothing"),
    case(3, "between", (1, "z"), False, "between: mixed bounds hold nothing"),
    case("b", "between", (1, "z"), False, "between: mixed bounds hold nothing"),
    case(3, "between", (1, 2, 5), False, "between: three bounds"),
    case(3, "between", 3, False, "between: not a pair"),
    # --- a null, boolean or list bound compares with nothing ---------------------------
    case(5, "gt", None, False, "bad bound: null"),
    case(5, "lt", None, False, "bad bound: null"),
    case(None, "lte", None, False, "bad bound: null"),
    case(MISSING, "gte", None, False, "bad bound: null"),
    case(True, "gt", False, False, "bad bound: bool"),
    case(True, "gte", True, False, "bad bound: bool"),
    case(2, "gt", True, False, "bad bound: bool"),
    case(0, "lt", True, False, "bad bound: bool"),
    case(5, "gt", (1,), False, "bad bound: list"),
    case(5, "lte", (10, 20), False, "bad bound: list"),
    case(5, "between", (None, 10), False, "bad bound: null"),
    case(5, "between", (0, True), False, "bad bound: bool"),
    # --- contains: a string containing the text, a list with an eq member --------------
    case("skin care", "contains", "care", True, "contains text"),
    case("skincare", "contains", "Care", False, "contains text"),
    case("skincare", "contains", "", True, "contains text: empty needle"),
    case("スキンケア", "contains", "ケア", True, "contains text: Japanese"),
    case("150", "contains", 5, True, "contains: number as text"),
    case("150", "contains", 6, False, "contains: number as text"),
    case("x1.5y", "contains", 1.5, True, "contains: number as text"),
    case("true story", "contains", True, True, "contains: bool as JSON text"),
    case("True story", "contains", True, False, "contains: bool as JSON text"),
    case("nullable", "contains", None, True, "contains: null as JSON text"),
    case(150, "contains", 5, False, "contains: a number is not text"),
    case(MISSING, "contains", "", False, "contains: absent"),
    case(None, "contains", "", False, "contains: absent"),
    case({"care": 1}, "contains", "care", False, "contains: not in objects"),
    case(["a", 3], "contains", 3, True, "contains list member"),
    case(["a", "3"], "contains", 3, True, "contains list member: numeric string"),
    case([3], "contains", "3", False, "contains list member: text wants text"),
    case(["skincare"], "contains", "skincare", True, "contains list member"),
    case(["skincare"], "contains", "care", False, "contains list member: eq, not substring"),
    case([["a"]], "contains", "a", False, "contains list member: not nested"),
    case([None], "contains", None, True, "contains list member: null"),
    case([], "contains", None, False, "contains list member: empty list"),
    case([True], "contains", 1, False, "contains list member: bool is not a number"),
    case([1], "contains", True, False, "contains list member: number is not a bool"),
    case([False], "contains", False, True, "contains list member: bool"),
    case(False, "contains", None, False, "contains: a bool is neither"),
]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def document(value: Any) -> str:
    """The JSON object holding `value` under KEY (MISSING: without KEY)."""
    return json.dumps({"other": KEY} if value is MISSING else {"other": KEY, KEY: value})


def sql_says(con: duckdb.DuckDBPyConnection, value: Any, op: str, wanted: Value) -> bool:
    sql = value_sql("p", KEY, op, wanted)
    ((result,),) = con.execute(
        f"SELECT {sql.text} FROM (SELECT ?::JSON AS p)", [*sql.params, document(value)]
    ).fetchall()
    assert isinstance(result, bool), result  # never NULL: a condition is true or false
    return result


@pytest.mark.parametrize(("value", "op", "wanted", "expected"), CASES)
def test_rule(
    con: duckdb.DuckDBPyConnection, value: Any, op: str, wanted: Value, expected: bool
) -> None:
    assert value_matches(value, op, wanted) is expected, "python"
    assert sql_says(con, value, op, wanted) is expected, "sql"


def test_the_table_covers_every_op() -> None:
    from cjo_cli.model.conditions import OPS

    assert {c.values[1] for c in CASES} == set(OPS)


@pytest.mark.parametrize("op", ["like", "EQ", "", "not", "regex"])
def test_an_unknown_op_raises(op: str) -> None:
    with pytest.raises(ValueError, match="unknown comparison"):
        lower(op, "x")
    with pytest.raises(ValueError, match="unknown comparison"):
        value_matches("x", op, "x")
    with pytest.raises(ValueError, match="unknown comparison"):
        value_sql("p", KEY, op, "x")


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_missing_survives_pickle(protocol: int) -> None:
    assert pickle.loads(pickle.dumps(MISSING, protocol=protocol)) is MISSING
    row = pickle.loads(pickle.dumps({"coupon": MISSING, "items": [MISSING]}, protocol=protocol))
    assert row["coupon"] is MISSING
    assert row["items"][0] is MISSING
    assert value_matches(row["coupon"], "exists", False) is True
    assert value_matches(row["coupon"], "eq", None) is True


def test_missing_is_one_value_and_not_null() -> None:
    assert type(MISSING)() is MISSING
    assert copy.copy(MISSING) is MISSING
    assert copy.deepcopy(MISSING) is MISSING
    assert MISSING is not None
    assert repr(MISSING) == "MISSING"


# Python says True == 1 == 1.0, and hash(True) == hash(1) == hash(1.0): anything that
# remembers lowered comparisons by value would confuse them. Each sequence is checked
# twice over, in both orders, so that whichever was remembered first, a confusion shows.
CONFUSABLE = [
    pytest.param(1, "eq", [(True, False), (1, True), (1.0, True)], id="eq True vs 1 vs 1.0 on 1"),
    pytest.param(True, "eq", [(True, True), (1, False), (1.0, False)], id="eq on true"),
    pytest.param(
        False, "eq", [(False, True), (0, False), (0.0, False)], id="eq False vs 0 on false"
    ),
    pytest.param(0, "eq", [(False, False), (0, True), (0.0, True)], id="eq on 0"),
    pytest.param(1, "ne", [(True, True), (1, False), (1.0, False)], id="ne on 1"),
    pytest.param(
        1, "in", [((True,), False), ((1,), True), ((1.0,), True)], id="in True vs 1 vs 1.0"
    ),
    pytest.param(
        "x1y", "contains", [(1, True), (1.0, False), (True, False)], id="contains 1 vs 1.0"
    ),
    pytest.param(
        "x1.0y", "contains", [(1, True), (1.0, True), (True, False)], id="contains on 1.0"
    ),
    pytest.param("true", "contains", [(True, True), (1, False)], id="contains True vs 1"),
    pytest.param([1], "contains", [(True, False), (1, True), (1.0, True)], id="list has 1"),
    pytest.param([True], "contains", [(True, True), (1, False), (1.0, False)], id="list has T"),
    pytest.param(2, "gt", [(True, False), (1, True), (1.0, True)], id="gt True vs 1"),
    pytest.param(
        1, "between", [((True, 2), False), ((1, 2), True), ((1.0, 2.0), True)], id="between"
    ),
    pytest.param(
        "0.0",
        "contains",
        [(0.0, True), (-0.0, False)],
        id="contains 0.0 vs -0.0",
    ),
]


@pytest.mark.parametrize(("value", "op", "sequence"), CONFUSABLE)
def test_true_one_and_one_point_zero_are_not_confused(
    con: duckdb.DuckDBPyConnection, value: Any, op: str, sequence: list[tuple[Value, bool]]
) -> None:
    for wanted, expected in [*sequence, *reversed(sequence), *sequence]:
        assert value_matches(value, op, wanted) is expected, ("python", wanted)
        assert sql_says(con, value, op, wanted) is expected, ("sql", wanted)


def test_a_number_past_a_double_is_infinite_not_an_error() -> None:
    """A YAML integer of 400 digits is a valid bound: it compares as +inf."""
    assert lower("lt", 10**400) == NumberCompare("<", math.inf)
    assert lower("eq", -(10**400)) == NumberCompare("=", -math.inf)
