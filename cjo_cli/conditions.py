"""The condition language (SPEC §2) compiled two ways: parameterised SQL and a Python predicate.

Both follow one definition, and the tests hold them to it under hypothesis:

- a property value is compared by the type of the condition's value: a string
  matches a string property equal to it; a number matches a number property,
  or a string property that is a plain decimal number ("12000"), numerically;
  true/false match a boolean property; null matches a missing or null one;
- `ne` is the negation of `eq` (so a missing property is `ne` anything);
  `in` is `eq` to any member; `gt/gte/lt/lte` compare numbers numerically and
  strings by code points; `between [low, high]` is inclusive;
- `exists: true` holds for a present, non-null property (`false`: the opposite);
- `contains` holds for a string property containing the value's text, or a
  list property with a member `eq` to the value;
- an event condition counts the customer's events of that name that match its
  `where`, at or before the moment of evaluation and, with `within`, after that
  moment minus the period; it holds when the count is within `count` (default:
  at least one).

SQL never contains a value: values, keys and event names are parameters.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cjo_cli.model.conditions import (
    NUMBER,
    AllOf,
    AnyOf,
    AttributeCondition,
    Condition,
    EventCondition,
    PropertyCondition,
    PropertyFilter,
    Value,
)

_NUMBER_SQL = NUMBER.pattern
_MISSING: Any = object()


# ---- Python ----------------------------------------------------------------


def _number_of(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and NUMBER.match(value):
        return float(value)
    return None


def _eq(value: Any, wanted: Any) -> bool:
    if wanted is None:
        return value is _MISSING or value is None
    if isinstance(wanted, bool):
        return isinstance(value, bool) and value == wanted
    if isinstance(wanted, (int, float)):
        number = _number_of(value)
        return number is not None and number == float(wanted)
    return isinstance(value, str) and value == wanted


def _order(value: Any, wanted: Any) -> int | None:
    """-1, 0, 1 comparing value with wanted, or None when they do not compare."""
    if isinstance(wanted, bool) or wanted is None:
        return None
    if isinstance(wanted, (int, float)):
        number = _number_of(value)
        if number is None:
            return None
        return (number > wanted) - (number < wanted)
    if isinstance(value, str) and not isinstance(value, bool):
        return int(value > wanted) - int(value < wanted)
    return None


def value_matches(value: Any, op: str, wanted: Value) -> bool:
    """Whether a property value (`_MISSING` when absent) satisfies `op wanted`."""
    if op == "eq":
        return _eq(value, wanted)
    if op == "ne":
        return not _eq(value, wanted)
    if op == "in":
        members = wanted if isinstance(wanted, tuple) else (wanted,)
        return any(_eq(value, member) for member in members)
    if op == "exists":
        present = value is not _MISSING and value is not None
        return present if wanted is not False else not present
    if op == "contains":
        if isinstance(value, str):
            return _text(wanted) in value
        if isinstance(value, list):
            return any(_eq(item, wanted) for item in value)
        return False
    if op == "between":
        low, high = wanted if isinstance(wanted, tuple) and len(wanted) == 2 else (None, None)
        lower, upper = _order(value, low), _order(value, high)
        return lower is not None and upper is not None and lower >= 0 and upper <= 0
    order = _order(value, wanted)
    if order is None:
        return False
    return {"gt": order > 0, "gte": order >= 0, "lt": order < 0, "lte": order <= 0}[op]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def filters_match(properties: Mapping[str, Any], where: Sequence[PropertyFilter]) -> bool:
    return all(value_matches(properties.get(f.key, _MISSING), f.op, f.value) for f in where)


@dataclass(frozen=True)
class HistoryEvent:
    event: str
    ts: dt.datetime
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Moment:
    """What a condition is evaluated against: one customer at one moment."""

    now: dt.datetime
    properties: Mapping[str, Any] = field(default_factory=dict)
    traits: Mapping[str, Any] = field(default_factory=dict)
    history: Sequence[HistoryEvent] = ()
    """The customer's events (any order); those after `now` are ignored."""


def holds(condition: Condition, moment: Moment) -> bool:
    """Evaluate a condition in Python."""
    if isinstance(condition, PropertyCondition):
        return value_matches(
            moment.properties.get(condition.property, _MISSING), condition.op, condition.value
        )
    if isinstance(condition, AttributeCondition):
        return value_matches(
            moment.traits.get(condition.attribute, _MISSING), condition.op, condition.value
        )
    if isinstance(condition, EventCondition):
        start = (
            moment.now - dt.timedelta(seconds=condition.within.seconds)
            if condition.within is not None
            else None
        )
        count = sum(
            1
            for item in moment.history
            if item.event == condition.event
            and item.ts <= moment.now
            and (start is None or item.ts > start)
            and filters_match(item.properties, condition.where)
        )
        upper_ok = condition.count_max is None or count <= condition.count_max
        return count >= condition.count_min and upper_ok
    if isinstance(condition, AllOf):
        return all(holds(item, moment) for item in condition.items)
    if isinstance(condition, AnyOf):
        return any(holds(item, moment) for item in condition.items)
    return not holds(condition.item, moment)


# ---- SQL -------------------------------------------------------------------


@dataclass
class Sql:
    """A SQL boolean expression and its parameters, in order."""

    text: str
    params: list[Any] = field(default_factory=list)


def json_path(key: str) -> str:
    """The JSONPath of a top-level key, for a parameter (`$."cart value"`)."""
    return "$." + json.dumps(key, ensure_ascii=False)


_NUMBER_TYPES = "('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT', 'INTEGER')"


def _eq_sql(column: str, path: str, member: Any) -> Sql:
    """The property at `path` of JSON `column` is `eq` to `member`."""
    node = f"json_extract({column}, ?)"
    kind = f"json_type({node})"
    text = f"json_extract_string({column}, ?)"
    if member is None:
        return Sql(f"coalesce({kind} = 'NULL', true)", [path])
    if isinstance(member, bool):
        return Sql(
            f"coalesce({kind} = 'BOOLEAN' AND {text} = ?, false)",
            [path, path, "true" if member else "false"],
        )
    if isinstance(member, (int, float)):
        return _numeric_sql(column, path, "=", float(member))
    return Sql(f"coalesce({kind} = 'VARCHAR' AND {text} = ?, false)", [path, path, member])


def _numeric_sql(column: str, path: str, symbol: str, bound: float) -> Sql:
    kind = f"json_type(json_extract({column}, ?))"
    text = f"json_extract_string({column}, ?)"
    return Sql(
        f"coalesce(({kind} IN {_NUMBER_TYPES} OR ({kind} = 'VARCHAR' AND "
        f"regexp_full_match({text}, ?))) AND try_cast({text} AS DOUBLE) {symbol} ?, false)",
        [path, path, path, _NUMBER_SQL, path, bound],
    )


def _order_sql(column: str, path: str, symbol: str, bound: Any) -> Sql:
    if isinstance(bound, bool) or bound is None:
        return Sql("false")
    if isinstance(bound, (int, float)):
        return _numeric_sql(column, path, symbol, float(bound))
    kind = f"json_type(json_extract({column}, ?))"
    text = f"json_extract_string({column}, ?)"
    return Sql(f"coalesce({kind} = 'VARCHAR' AND {text} {symbol} ?, false)", [path, path, bound])


def value_sql(column: str, key: str, op: str, wanted: Value) -> Sql:
    """The property `key` of JSON `column` satisfies `op wanted` (see the module doc)."""
    path = json_path(key)
    if op == "eq":
        return _eq_sql(column, path, wanted)
    if op == "ne":
        inner = _eq_sql(column, path, wanted)
        return Sql(f"NOT ({inner.text})", inner.params)
    if op == "in":
        members = wanted if isinstance(wanted, tuple) else (wanted,)
        return _join("OR", [_eq_sql(column, path, member) for member in members], "false")
    if op == "exists":
        present = Sql(f"coalesce(json_type(json_extract({column}, ?)) <> 'NULL', false)", [path])
        return present if wanted is not False else Sql(f"NOT ({present.text})", present.params)
    if op == "contains":
        kind = f"json_type(json_extract({column}, ?))"
        in_text = Sql(
            f"coalesce({kind} = 'VARCHAR' AND "
            f"contains(json_extract_string({column}, ?), ?), false)",
            [path, path, _text(wanted)],
        )
        member = _eq_sql("json_object('v', item)", "$.v", wanted)
        in_list = Sql(
            f"coalesce({kind} = 'ARRAY' AND list_bool_or(list_transform("
            f"try_cast(json_extract({column}, ?) AS JSON[]), lambda item: {member.text})), false)",
            [path, path, *member.params],
        )
        return _join("OR", [in_text, in_list], "false")
    if op == "between":
        low, high = wanted if isinstance(wanted, tuple) and len(wanted) == 2 else (None, None)
        return _join(
            "AND",
            [_order_sql(column, path, ">=", low), _order_sql(column, path, "<=", high)],
            "true",
        )
    symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
    return _order_sql(column, path, symbol, wanted)


@dataclass(frozen=True)
class SqlScope:
    """Where a compiled condition finds its inputs in the surrounding query.

    Qualify the columns (`e.customer_id`): an event condition is a subquery over
    `events`, where an unqualified `customer_id` would mean its own rows.
    """

    properties: str = "properties"
    traits: str = "traits"
    customer: str = "customer_id"
    now: str = "ts"
    events: str = "events"


def filters_sql(column: str, where: Sequence[PropertyFilter]) -> Sql:
    return _join("AND", [value_sql(column, f.key, f.op, f.value) for f in where], "true")


def condition_sql(condition: Condition, scope: SqlScope = SqlScope()) -> Sql:
    """A condition as a SQL boolean expression over `scope`'s columns."""
    if isinstance(condition, PropertyCondition):
        return value_sql(scope.properties, condition.property, condition.op, condition.value)
    if isinstance(condition, AttributeCondition):
        return value_sql(scope.traits, condition.attribute, condition.op, condition.value)
    if isinstance(condition, EventCondition):
        return _event_sql(condition, scope)
    if isinstance(condition, AllOf):
        return _join("AND", [condition_sql(item, scope) for item in condition.items], "true")
    if isinstance(condition, AnyOf):
        return _join("OR", [condition_sql(item, scope) for item in condition.items], "false")
    inner = condition_sql(condition.item, scope)
    return Sql(f"NOT ({inner.text})", inner.params)


def _event_sql(condition: EventCondition, scope: SqlScope) -> Sql:
    where = filters_sql("cjo_h.properties", condition.where)
    params: list[Any] = [condition.event]
    window = ""
    if condition.within is not None:
        window = f" AND cjo_h.ts > {scope.now} - to_seconds(?)"
        params.append(condition.within.seconds)
    params += where.params
    count = (
        f"(SELECT count(*) FROM {scope.events} cjo_h WHERE cjo_h.customer_id = {scope.customer} "
        f"AND cjo_h.event = ? AND cjo_h.ts <= {scope.now}{window} AND {where.text})"
    )
    params.append(condition.count_min)
    if condition.count_max is None:
        return Sql(f"({count} >= ?)", params)
    params.append(condition.count_max)
    return Sql(f"({count} BETWEEN ? AND ?)", params)


def _join(word: str, parts: list[Sql], empty: str) -> Sql:
    if not parts:
        return Sql(empty)
    if len(parts) == 1:
        return parts[0]
    return Sql(
        "(" + f" {word} ".join(f"({p.text})" for p in parts) + ")",
        [param for p in parts for param in p.params],
    )
