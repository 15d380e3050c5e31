"""Conditions and event filters as a person reads them, for the HTML flow's split
labels and wait arrows: `cart_value ≥ 10000`, `review_submitted with rating ≥ 4 within
7d`, `not (vip = true)`.

Close to the YAML (the same names, values and durations as written) so that the label
can be found in the journey file, but with symbols in place of `op: gte`. Plain text:
the caller escapes it.
"""

from __future__ import annotations

from cjo_cli.model import conditions as c

_SYMBOLS: dict[str, str] = {
    "eq": "=",
    "ne": "≠",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
}


def value_text(value: c.Value) -> str:
    """A value as YAML writes it: `true`, `null`, `3`, `2.5`, `makeup, fragrance`."""
    if isinstance(value, tuple):
        return ", ".join(value_text(item) for item in value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def comparison_text(name: str, op: c.Op, value: c.Value) -> str:
    """`name` compared with `value` by `op`."""
    if op in _SYMBOLS:
        return f"{name} {_SYMBOLS[op]} {value_text(value)}"
    if op == "in":
        return f"{name} in ({value_text(value)})"
    if op == "between" and isinstance(value, tuple) and len(value) == 2:
        return f"{name} {value_text(value[0])}–{value_text(value[1])}"
    if op == "exists":
        return f"{name} is set" if value is not False else f"{name} is not set"
    return f"{name} {op} {value_text(value)}"


def filter_text(event_filter: c.EventFilter) -> str:
    """An event with its property filters: `email_click with campaign = loyalty`."""
    if not event_filter.where:
        return event_filter.event
    where = " and ".join(comparison_text(f.key, f.op, f.value) for f in event_filter.where)
    return f"{event_filter.event} with {where}"


def _count_text(condition: c.EventCondition) -> str:
    low, high = condition.count_min, condition.count_max
    if (low, high) == (1, None):
        return ""
    if high is None:
        return f" ≥ {low} times"
    if low == high:
        return f" {low} times" if low != 1 else " once"
    return f" {low}–{high} times"


def condition_text(condition: c.Condition) -> str:
    """The whole condition on one line; `and` and `or` inside another get parentheses."""
    if isinstance(condition, c.EventCondition):
        event = filter_text(c.EventFilter(condition.event, condition.where))
        if (condition.count_min, condition.count_max) == (0, 0):
            text = f"no {event}"
        else:
            text = event + _count_text(condition)
        return text + (f" within {condition.within}" if condition.within is not None else "")
    if isinstance(condition, c.AttributeCondition):
        return comparison_text(condition.attribute, condition.op, condition.value)
    if isinstance(condition, c.PropertyCondition):
        return comparison_text(condition.property, condition.op, condition.value)
    if isinstance(condition, c.Not):
        return f"not ({condition_text(condition.item)})"
    joiner = " and " if isinstance(condition, c.AllOf) else " or "
    return joiner.join(_nested(item) for item in condition.items)


def _nested(condition: c.Condition) -> str:
    text = condition_text(condition)
    return f"({text})" if isinstance(condition, (c.AllOf, c.AnyOf)) else text
