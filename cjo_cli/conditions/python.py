"""The condition language evaluated in Python, on parsed JSON values (docs/language.md).

Comparisons mean what `semantics` says; this module only evaluates its
primitive tests. An event condition counts the customer's events of that name
that match its `where`, at or before the moment of evaluation and, with
`within`, after that moment minus the period; it holds when the count is within
`count` (default: at least one).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cjo_cli.conditions import semantics as s
from cjo_cli.model import conditions as c
from cjo_cli.model.clock import SECOND


def number_of(value: Any) -> float | None:
    """The value as a number when conditions compare it as one, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:  # JSON allows integers past a double's range
            return math.inf if value > 0 else -math.inf
    if isinstance(value, float):
        return value
    if isinstance(value, str) and c.NUMBER.fullmatch(value):
        return float(value)
    return None


def _compare(left: Any, symbol: str, right: Any) -> bool:
    if symbol == "=":
        return bool(left == right)
    if symbol == "<":
        return bool(left < right)
    if symbol == "<=":
        return bool(left <= right)
    if symbol == ">":
        return bool(left > right)
    return bool(left >= right)


def passes(test: s.Test, value: Any) -> bool:
    """Whether a value (`MISSING` when the key is absent) passes a primitive test."""
    if isinstance(test, s.Absent):
        return value is s.MISSING or value is None
    if isinstance(test, s.TextIs):
        return isinstance(value, str) and value == test.text
    if isinstance(test, s.BoolIs):
        return isinstance(value, bool) and value == test.value
    if isinstance(test, s.NumberCompare):
        number = number_of(value)
        return number is not None and _compare(number, test.symbol, test.bound)
    if isinstance(test, s.TextCompare):
        return isinstance(value, str) and _compare(value, test.symbol, test.bound)
    if isinstance(test, s.TextContains):
        return isinstance(value, str) and test.needle in value
    if isinstance(test, s.ListHas):
        return isinstance(value, list) and any(passes(test.member, item) for item in value)
    if isinstance(test, s.Either):
        return any(passes(item, value) for item in test.tests)
    if isinstance(test, s.Both):
        return all(passes(item, value) for item in test.tests)
    if isinstance(test, s.Negate):
        return not passes(test.test, value)
    assert isinstance(test, s.Constant)
    return test.value


def _typed(wanted: c.Value) -> Any:
    """A cache key that tells apart what Python holds equal: True and 1, 1 and 1.0,
    0.0 and -0.0 (`contains` looks for their text)."""
    if isinstance(wanted, tuple):
        return tuple(_typed(item) for item in wanted)
    return (type(wanted).__name__, repr(wanted))


_LOWERED: dict[tuple[str, Any], s.Test] = {}
"""Lowered comparisons, by op and typed value (the workspace has few of them)."""


def value_matches(value: Any, op: str, wanted: c.Value) -> bool:
    """Whether a value (`MISSING` when the key is absent) satisfies `op wanted`."""
    key = (op, _typed(wanted))
    test = _LOWERED.get(key)
    if test is None:
        test = _LOWERED[key] = s.lower(op, wanted)
    return passes(test, value)


def filters_match(properties: Mapping[str, Any], where: Sequence[c.PropertyFilter]) -> bool:
    """Whether an event's properties satisfy every `where` entry."""
    return all(value_matches(properties.get(f.key, s.MISSING), f.op, f.value) for f in where)


@dataclass(frozen=True)
class HistoryEvent:
    event: str
    ts: int
    """Microseconds since the epoch, UTC."""
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Moment:
    """What a condition is evaluated against: one customer at one instant."""

    now: int
    """Microseconds since the epoch, UTC."""
    properties: Mapping[str, Any] = field(default_factory=dict)
    """The properties of the event being evaluated."""
    traits: Mapping[str, Any] = field(default_factory=dict)
    history: Sequence[HistoryEvent] = ()
    """The customer's events (any order); those after `now` are ignored."""


def event_count(condition: c.EventCondition, moment: Moment) -> int:
    """How many of the customer's events an event condition counts at this moment."""
    start = None if condition.within is None else moment.now - condition.within.seconds * SECOND
    return sum(
        1
        for item in moment.history
        if item.event == condition.event
        and item.ts <= moment.now
        and (start is None or item.ts > start)
        and filters_match(item.properties, condition.where)
    )


def count_holds(condition: c.EventCondition, count: int) -> bool:
    """Whether a count of matching events is within the condition's `count`."""
    return count >= condition.count_min and (
        condition.count_max is None or count <= condition.count_max
    )


def holds(condition: c.Condition, moment: Moment) -> bool:
    """Evaluate a condition in Python."""
    if isinstance(condition, c.PropertyCondition):
        value = moment.properties.get(condition.property, s.MISSING)
        return value_matches(value, condition.op, condition.value)
    if isinstance(condition, c.AttributeCondition):
        value = moment.traits.get(condition.attribute, s.MISSING)
        return value_matches(value, condition.op, condition.value)
    if isinstance(condition, c.EventCondition):
        return count_holds(condition, event_count(condition, moment))
    if isinstance(condition, c.AllOf):
        return all(holds(item, moment) for item in condition.items)
    if isinstance(condition, c.AnyOf):
        return any(holds(item, moment) for item in condition.items)
    return not holds(condition.item, moment)
