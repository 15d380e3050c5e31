"""The condition language as data: what text counts as a number, and walking a tree."""

from __future__ import annotations

import pytest

from cjo_cli.model.conditions import (
    NUMBER,
    OPS,
    AllOf,
    AnyOf,
    AttributeCondition,
    Condition,
    EventCondition,
    EventFilter,
    Not,
    PropertyCondition,
    PropertyFilter,
    events_named,
    leaves,
)
from cjo_cli.model.timing import Duration


@pytest.mark.parametrize(
    ("text", "is_number"),
    [
        ("12000", True),
        ("0", True),
        ("-1", True),
        ("-1.5", True),
        ("1e3", True),
        ("1E3", True),
        ("2.5e-3", True),
        ("7E+10", True),
        ("007", True),
        ("12\n", False),  # `$` would take it; fullmatch does not
        ("\n12", False),
        (" 12", False),
        ("12 ", False),
        ("+1", False),
        ("1.", False),
        (".5", False),
        ("1e", False),
        ("1.5.2", False),
        ("1,000", False),
        ("1_000", False),
        ("0x1F", False),
        ("inf", False),
        ("NaN", False),
        ("--1", False),
        ("", False),
        ("١٢", False),  # Arabic-Indic digits are not [0-9]
    ],
)
def test_number(text: str, is_number: bool) -> None:
    assert (NUMBER.fullmatch(text) is not None) is is_number


def test_ops() -> None:
    assert OPS == ("eq", "ne", "in", "gt", "gte", "lt", "lte", "between", "exists", "contains")


VIEW = EventCondition("view", (PropertyFilter("category", "eq", "skincare"),), count_min=3)
BUY = EventCondition("buy", within=Duration(86400, "1d"))
AGE = AttributeCondition("age", "gte", 20)
CART = PropertyCondition("cart_value", "gt", 100)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (None, []),
        (VIEW, [VIEW]),
        (AGE, [AGE]),
        (CART, [CART]),
        (AllOf(()), []),
        (AllOf((VIEW, Not(BUY))), [VIEW, BUY]),
        (AnyOf((AGE, AllOf((CART, AnyOf((BUY,)))), VIEW)), [AGE, CART, BUY, VIEW]),
        (Not(Not(Not(VIEW))), [VIEW]),
        (AllOf((VIEW, VIEW)), [VIEW, VIEW]),
    ],
)
def test_leaves_in_order(condition: Condition | None, expected: list[Condition]) -> None:
    assert list(leaves(condition)) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (VIEW, {"view"}),
        (AGE, set()),
        (CART, set()),
        (AllOf((AGE, CART)), set()),
        (AnyOf((VIEW, Not(BUY), AGE, AllOf((EventCondition("view"),)))), {"view", "buy"}),
    ],
)
def test_events_named(condition: Condition, expected: set[str]) -> None:
    assert events_named(condition) == expected


def test_conditions_are_values() -> None:
    assert EventCondition("view") == EventCondition("view", (), 1, None, None)
    assert EventFilter("buy", (PropertyFilter("amount", "gt", 0),)) == EventFilter(
        "buy", (PropertyFilter("amount", "gt", 0),)
    )
    every: object = AllOf((VIEW,))
    assert every != AnyOf((VIEW,))
    assert hash(Not(VIEW)) == hash(Not(VIEW))
    # Durations compare by length, not by how they were written.
    assert EventCondition("e", within=Duration(86400, "1d")) == EventCondition(
        "e", within=Duration(86400, "24h")
    )
