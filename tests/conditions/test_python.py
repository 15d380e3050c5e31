"""`cjo_cli.conditions.python` on its own: numbers, event windows, counts, trees.

The comparisons themselves are `test_semantics.py`'s; the agreement with SQL and
with the replay's bits is `test_agreement_values.py`'s and `test_bits.py`'s.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from cjo_cli.conditions.python import (
    HistoryEvent,
    Moment,
    count_holds,
    event_count,
    filters_match,
    holds,
    number_of,
    passes,
    value_matches,
)
from cjo_cli.conditions.semantics import (
    MISSING,
    Absent,
    Both,
    Constant,
    Either,
    Negate,
    TextIs,
)
from cjo_cli.model.conditions import (
    AllOf,
    AnyOf,
    AttributeCondition,
    EventCondition,
    Not,
    PropertyCondition,
    PropertyFilter,
)
from cjo_cli.model.timing import Duration
from tests.conditions.strategies import DAY, HOUR, NOW

# --- number_of -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(10**400, math.inf, id="10**400"),
        pytest.param(-(10**400), -math.inf, id="-10**400"),
        pytest.param(2**1024, math.inf, id="2**1024"),
    ],
)
def test_ints_beyond_a_double_are_infinite(value: int, expected: float) -> None:
    assert number_of(value) == expected


@pytest.mark.parametrize(
    ("value", "op", "wanted", "expected"),
    [
        pytest.param(10**400, "gt", 5, True, id="10**400 gt 5"),
        pytest.param(10**400, "lt", 1e308, False, id="10**400 lt 1e308"),
        pytest.param(-(10**400), "lt", -1e308, True, id="-10**400 lt -1e308"),
    ],
)
def test_ints_beyond_a_double_compare_as_infinite(
    value: int, op: str, wanted: Any, expected: bool
) -> None:
    assert value_matches(value, op, wanted) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0.0),
        (3, 3.0),
        (-7, -7.0),
        (2**63, float(2**63)),
        (2**1023, float(2**1023)),
        (1.5, 1.5),
        (-0.0, 0.0),
        (math.inf, math.inf),
        ("12000", 12000.0),
        ("-1.5", -1.5),
        ("0", 0.0),
        ("-0", 0.0),
        ("00012", 12.0),
        ("1e3", 1000.0),
        ("1E-2", 0.01),
        ("2.5e+1", 25.0),
        ("1e400", math.inf),
        ("-1e400", -math.inf),
    ],
)
def test_number_of_numbers_and_plain_decimal_strings(value: Any, expected: float) -> None:
    number = number_of(value)
    assert isinstance(number, float)
    assert number == expected


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        None,
        MISSING,
        [],
        [1],
        {},
        {"v": 1},
        "",
        "12\n",
        "\n12",
        " 7",
        "7 ",
        "+7",
        ".5",
        "1.",
        "1e",
        "e3",
        "1,000",
        "1_000",
        "0x10",
        "inf",
        "-inf",
        "nan",
        "Infinity",
        "１２",
        "١٢",
        "12abc",
        "--1",
    ],
)
def test_number_of_anything_else_is_none(value: Any) -> None:
    assert number_of(value) is None


# --- event conditions: the window is (now - within, now] ------------------------------


def purchases(*times: int, **properties: Any) -> list[HistoryEvent]:
    return [HistoryEvent("purchase", ts, dict(properties)) for ts in times]


HOUR_WINDOW = EventCondition("purchase", within=Duration(3600, "1h"))


@pytest.mark.parametrize(
    ("ts", "counted"),
    [
        (NOW - HOUR, False),  # exactly `within` ago: outside
        (NOW - HOUR - 1, False),
        (NOW - HOUR + 1, True),  # a microsecond later: inside
        (NOW - 1, True),
        (NOW, True),  # at the moment itself: inside
        (NOW + 1, False),  # the future never counts
        (NOW + DAY, False),
    ],
)
def test_within_is_half_open(ts: int, counted: bool) -> None:
    moment = Moment(NOW, history=purchases(ts))
    assert event_count(HOUR_WINDOW, moment) == int(counted)
    assert holds(HOUR_WINDOW, moment) is counted


@pytest.mark.parametrize(
    ("ts", "counted"), [(NOW - 400 * DAY, True), (NOW, True), (NOW + 1, False)]
)
def test_without_within_all_the_past_counts_and_no_future(ts: int, counted: bool) -> None:
    condition = EventCondition("purchase")
    moment = Moment(NOW, history=purchases(ts))
    assert event_count(condition, moment) == int(counted)
    assert holds(condition, moment) is counted


def test_future_events_never_count_even_with_no_lower_bound() -> None:
    history = purchases(NOW + 1, NOW + HOUR, NOW + DAY)
    assert event_count(EventCondition("purchase"), Moment(NOW, history=history)) == 0
    never = EventCondition("purchase", count_min=0, count_max=0)
    assert holds(never, Moment(NOW, history=history)) is True
    assert holds(never, Moment(NOW + DAY, history=history)) is False


def test_event_count_is_per_name_and_where() -> None:
    history = [
        HistoryEvent("purchase", NOW - 3, {"category": "skincare"}),
        HistoryEvent("purchase", NOW - 2, {"category": "makeup"}),
        HistoryEvent("purchase", NOW - 1, {}),
        HistoryEvent("product_view", NOW - 1, {"category": "skincare"}),
    ]
    moment = Moment(NOW, history=history)
    skincare = (PropertyFilter("category", "eq", "skincare"),)
    assert event_count(EventCondition("purchase"), moment) == 3
    assert event_count(EventCondition("purchase", skincare), moment) == 1
    assert event_count(EventCondition("product_view", skincare), moment) == 1
    assert event_count(EventCondition("refund"), moment) == 0
    no_category = (PropertyFilter("category", "exists", False),)
    assert event_count(EventCondition("purchase", no_category), moment) == 1
    not_skincare = (PropertyFilter("category", "ne", "skincare"),)
    assert event_count(EventCondition("purchase", not_skincare), moment) == 2


def test_history_order_does_not_matter() -> None:
    history = purchases(NOW - 2 * HOUR, NOW - HOUR + 1, NOW - 5, NOW, NOW + 5)
    condition = EventCondition("purchase", count_min=3, count_max=3, within=Duration(3600))
    rng = random.Random(7)
    for _ in range(10):
        rng.shuffle(history)
        assert event_count(condition, Moment(NOW, history=history)) == 3
        assert holds(condition, Moment(NOW, history=history)) is True


# --- count: min and max are inclusive --------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "found", "expected"),
    [
        (1, None, 0, False),  # the default: at least one
        (1, None, 1, True),
        (1, None, 50, True),
        (2, 3, 1, False),
        (2, 3, 2, True),
        (2, 3, 3, True),
        (2, 3, 4, False),
        (0, 0, 0, True),  # "never did"
        (0, 0, 1, False),
        (0, None, 0, True),
        (0, None, 9, True),
        (3, 3, 3, True),
        (3, 3, 2, False),
        (3, 3, 4, False),
    ],
)
def test_count_bounds(low: int, high: int | None, found: int, expected: bool) -> None:
    condition = EventCondition("purchase", count_min=low, count_max=high)
    assert count_holds(condition, found) is expected
    moment = Moment(NOW, history=purchases(*(NOW - i for i in range(found))))
    assert event_count(condition, moment) == found
    assert holds(condition, moment) is expected


def test_count_is_within_the_window_only() -> None:
    history = purchases(NOW - 2 * DAY, NOW - 2 * HOUR, NOW - HOUR, NOW - 1, NOW + 1)
    twice_in_an_hour = EventCondition("purchase", count_min=2, count_max=2, within=Duration(3600))
    assert holds(twice_in_an_hour, Moment(NOW, history=history)) is False  # only NOW - 1
    assert holds(twice_in_an_hour, Moment(NOW + 1, history=history)) is True
    assert holds(twice_in_an_hour, Moment(NOW - HOUR, history=history)) is False
    assert holds(twice_in_an_hour, Moment(NOW - HOUR - 1, history=history)) is False


# --- trees -----------------------------------------------------------------------------

YES = PropertyCondition("k", "exists", False)  # holds on the empty moment
NO = PropertyCondition("k", "exists", True)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (AllOf(()), True),  # every one of none
        (AnyOf(()), False),  # at least one of none
        (Not(AllOf(())), False),
        (Not(AnyOf(())), True),
        (AllOf((YES,)), True),
        (AllOf((NO,)), False),
        (AllOf((YES, YES)), True),
        (AllOf((YES, NO)), False),
        (AnyOf((YES,)), True),
        (AnyOf((NO,)), False),
        (AnyOf((NO, YES)), True),
        (AnyOf((NO, NO)), False),
        (Not(YES), False),
        (Not(NO), True),
        (Not(Not(YES)), True),
        (AllOf((AnyOf(()), YES)), False),
        (AnyOf((AllOf(()), NO)), True),
        (AllOf((Not(AnyOf(())), AnyOf((NO, AllOf(()))))), True),
    ],
)
def test_holds_on_trees(condition: Any, expected: bool) -> None:
    assert holds(condition, Moment(NOW)) is expected


def test_primitive_either_and_both_of_nothing() -> None:
    for value in (MISSING, None, "", 0, [], {}):
        assert passes(Either(()), value) is False
        assert passes(Both(()), value) is True
        assert passes(Negate(Either(())), value) is True
        assert passes(Constant(True), value) is True
        assert passes(Constant(False), value) is False
    assert passes(Absent(), MISSING) and passes(Absent(), None)
    assert not passes(Absent(), "")
    assert passes(Both((TextIs("a"), Negate(Absent()))), "a")


def test_property_reads_the_event_and_attribute_reads_the_traits() -> None:
    moment = Moment(NOW, properties={"plan": "gold"}, traits={"tier": "vip"})
    assert holds(PropertyCondition("plan", "eq", "gold"), moment) is True
    assert holds(PropertyCondition("tier", "eq", "vip"), moment) is False
    assert holds(PropertyCondition("tier", "exists", False), moment) is True
    assert holds(AttributeCondition("tier", "eq", "vip"), moment) is True
    assert holds(AttributeCondition("plan", "eq", "gold"), moment) is False
    assert holds(AttributeCondition("plan", "ne", "gold"), moment) is True  # absent: ne


def test_a_null_value_is_not_a_missing_key_but_both_are_absent() -> None:
    for traits in ({}, {"coupon": None}):
        moment = Moment(NOW, traits=traits)
        assert holds(AttributeCondition("coupon", "exists", False), moment) is True
        assert holds(AttributeCondition("coupon", "eq", None), moment) is True
        assert holds(AttributeCondition("coupon", "ne", None), moment) is False
        assert holds(AttributeCondition("coupon", "ne", "A"), moment) is True


def test_filters_match() -> None:
    props = {"category": "skincare", "cart_value": "12000"}
    assert filters_match(props, []) is True
    assert filters_match({}, []) is True
    both = [PropertyFilter("category", "eq", "skincare"), PropertyFilter("cart_value", "gt", 1e4)]
    assert filters_match(props, both) is True
    assert filters_match(props, [*both, PropertyFilter("coupon", "exists", True)]) is False
    assert filters_match(props, [*both, PropertyFilter("coupon", "exists", False)]) is True


def test_moment_and_history_event_defaults() -> None:
    event = HistoryEvent("purchase", NOW)
    assert dict(event.properties) == {}
    moment = Moment(NOW)
    assert dict(moment.properties) == {} and dict(moment.traits) == {}
    assert list(moment.history) == []
    assert holds(EventCondition("purchase"), Moment(NOW, history=[event])) is True
