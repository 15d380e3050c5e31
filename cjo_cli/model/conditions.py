"""The condition language (docs/language.md) as data: segments, filters, splits, funnels.

These are plain values; turning them into SQL or into a Python predicate is
the engines' job, so that both read the same model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from cjo_cli.model.timing import Duration

Op = Literal["eq", "ne", "in", "gt", "gte", "lt", "lte", "between", "exists", "contains"]
OPS: tuple[Op, ...] = ("eq", "ne", "in", "gt", "gte", "lt", "lte", "between", "exists", "contains")
Scalar = str | int | float | bool | None
# A text value that conditions compare as a number ("12000", "-1.5", "1e3"): exports
# often carry numbers as text (every CSV does). Match it whole (`fullmatch`, SQL's
# `regexp_full_match`): with `$`, Python would also take "12\n".
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
Value = Scalar | tuple[Scalar, ...]


@dataclass(frozen=True)
class PropertyFilter:
    """One `where` entry: the event property `key` compared with `value` by `op`."""

    key: str
    op: Op
    value: Value


@dataclass(frozen=True)
class EventCondition:
    """The customer has events named `event` matching `where`, `count` times, `within` a period."""

    event: str
    where: tuple[PropertyFilter, ...] = ()
    count_min: int = 1
    count_max: int | None = None
    within: Duration | None = None


@dataclass(frozen=True)
class AttributeCondition:
    """A trait of the customer's profile compared with a value."""

    attribute: str
    op: Op
    value: Value = None


@dataclass(frozen=True)
class PropertyCondition:
    """A property of the event being evaluated (entry, split) compared with a value."""

    property: str
    op: Op
    value: Value = None


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = EventCondition | AttributeCondition | PropertyCondition | AllOf | AnyOf | Not


@dataclass(frozen=True)
class EventFilter:
    """An event name with property filters: entry, goal, exit_on, wait_for, funnel steps."""

    event: str
    where: tuple[PropertyFilter, ...] = ()


def leaves(condition: Condition | None) -> Iterator[Condition]:
    """The event, attribute and property conditions inside a condition tree."""
    if condition is None:
        return
    if isinstance(condition, (AllOf, AnyOf)):
        for item in condition.items:
            yield from leaves(item)
    elif isinstance(condition, Not):
        yield from leaves(condition.item)
    else:
        yield condition


def events_named(condition: Condition) -> set[str]:
    """Every event name a condition looks at (for deciding which log rows matter)."""
    return {leaf.event for leaf in leaves(condition) if isinstance(leaf, EventCondition)}
