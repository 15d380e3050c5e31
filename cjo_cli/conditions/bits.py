"""The condition language compiled for the replay: event filters become bits.

Every event filter the replay looks at gets one bit (`BitRegistry`). DuckDB (or
Spark, with `python.filters_match`) computes each log row's bits once, and a
compiled condition only counts bits in the customer's history: it never parses
JSON except for the properties of the event being evaluated, which a
`property` condition reads. Property and attribute comparisons are lowered once
(`semantics.lower`) and evaluated by `python.passes`, so a condition means here
exactly what it means in SQL and in `python.holds`; the tests hold the three equal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cjo_cli.conditions.python import passes
from cjo_cli.conditions.semantics import MISSING, lower
from cjo_cli.model import conditions as c
from cjo_cli.model.clock import SECOND


class BitRegistry:
    """One bit per distinct event filter, in the order first asked for."""

    def __init__(self) -> None:
        self.filters: list[c.EventFilter] = []
        self._index: dict[c.EventFilter, int] = {}

    def bit(self, event_filter: c.EventFilter) -> int:
        found = self._index.get(event_filter)
        if found is None:
            found = len(self.filters)
            self._index[event_filter] = found
            self.filters.append(event_filter)
        return 1 << found

    def registered(self, event_filter: c.EventFilter) -> int:
        """The filter's bit if it has one, else 0 (registers nothing)."""
        found = self._index.get(event_filter)
        return 0 if found is None else 1 << found


class History:
    """The customer's events so far that conditions count: times and bits, in order."""

    __slots__ = ("masks", "times", "totals")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.masks: list[int] = []
        self.totals: dict[int, int] = {}

    def add(self, us: int, mask: int) -> None:
        """An event at `us` with these bits (those that conditions count)."""
        self.times.append(us)
        self.masks.append(mask)
        totals = self.totals
        while mask:
            bit = mask & -mask  # the lowest bit left
            totals[bit] = totals.get(bit, 0) + 1
            mask ^= bit

    def count(self, bit: int, since: int | None) -> int:
        """Events with `bit` after `since` (all of them when None), up to now."""
        if since is None:
            return self.totals.get(bit, 0)
        found = 0
        masks = self.masks
        times = self.times
        index = len(times) - 1
        while index >= 0 and times[index] > since:
            if masks[index] & bit:
                found += 1
            index -= 1
        return found


@dataclass(slots=True)
class BitMoment:
    """What a condition sees in a replay: now, the evaluated event's properties (parsed
    only when asked for), the customer's traits and their history so far. Made at every
    entry check and split (not frozen: a frozen one is slower to make), never changed."""

    now: int
    properties: Callable[[], Mapping[str, Any]]
    traits: Mapping[str, Any]
    history: History


def parse_properties(properties: Any) -> Mapping[str, Any]:
    """An event's properties as the feed passes them (JSON text, a dict or None) as a
    mapping; anything that is not a JSON object is no properties."""
    if properties is None:
        return {}
    if isinstance(properties, dict):
        return properties
    try:
        value = json.loads(properties)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


Predicate = Callable[[BitMoment], bool]


def compile_condition(condition: c.Condition, bits: BitRegistry, counted: set[int]) -> Predicate:
    """A condition as a predicate over bits; the bits of its event conditions are
    registered in `bits` and added to `counted` (the history must keep them)."""
    if isinstance(condition, c.PropertyCondition):
        key, test = condition.property, lower(condition.op, condition.value)
        return lambda m: passes(test, m.properties().get(key, MISSING))
    if isinstance(condition, c.AttributeCondition):
        name, test = condition.attribute, lower(condition.op, condition.value)
        return lambda m: passes(test, m.traits.get(name, MISSING))
    if isinstance(condition, c.EventCondition):
        bit = bits.bit(c.EventFilter(condition.event, condition.where))
        counted.add(bit)
        within = None if condition.within is None else condition.within.seconds * SECOND
        low, high = condition.count_min, condition.count_max

        def event_holds(m: BitMoment) -> bool:
            found = m.history.count(bit, None if within is None else m.now - within)
            return found >= low and (high is None or found <= high)

        return event_holds
    if isinstance(condition, c.AllOf):
        items = [compile_condition(item, bits, counted) for item in condition.items]
        return lambda m: all(item(m) for item in items)
    if isinstance(condition, c.AnyOf):
        items = [compile_condition(item, bits, counted) for item in condition.items]
        return lambda m: any(item(m) for item in items)
    assert isinstance(condition, c.Not)
    inner = compile_condition(condition.item, bits, counted)
    return lambda m: not inner(m)


def required_bits(condition: c.Condition, bits: BitRegistry) -> tuple[int, ...]:
    """Events the condition cannot hold without: each mask names event filters of which
    the customer's history must hold at least one (all masks at once). Empty when the
    condition may hold with no event at all (`not`, a count of zero, traits). Nothing
    is registered: the bits are those `compile_condition` gave the same filters."""
    if isinstance(condition, c.EventCondition):
        bit = bits.registered(c.EventFilter(condition.event, condition.where))
        return (bit,) if bit and condition.count_min >= 1 else ()
    if isinstance(condition, c.AllOf):
        return tuple(mask for item in condition.items for mask in required_bits(item, bits))
    if isinstance(condition, c.AnyOf):
        # Each alternative needs one of its own masks at least: the union covers them all.
        union = 0
        for item in condition.items:
            needed = required_bits(item, bits)
            if not needed:
                return ()
            union |= needed[0]
        return (union,) if union else ()
    return ()


def reads_properties(condition: c.Condition | None) -> bool:
    return any(isinstance(leaf, c.PropertyCondition) for leaf in c.leaves(condition))


def reads_traits(condition: c.Condition | None) -> bool:
    return any(isinstance(leaf, c.AttributeCondition) for leaf in c.leaves(condition))
