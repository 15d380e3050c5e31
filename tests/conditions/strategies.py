"""Hypothesis strategies for the condition language, shared by the agreement tests:
values JSON can hold (absent keys, null, "", 0, false, numeric strings, lists and
nested objects), filters with every op (`exists` both ways, `ne`/`eq` null often),
condition trees, and event times at the edges of the `within` windows."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from cjo_cli import model as m
from cjo_cli.conditions.python import HistoryEvent
from cjo_cli.model.clock import SECOND, to_us
from cjo_cli.model.conditions import Value

NOW = to_us(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
HOUR = 3600 * SECOND
DAY = 24 * HOUR
WITHINS = [m.Duration(3600, "1h"), m.Duration(3 * 86400, "3d")]
EVENTS = ["product_view", "purchase", "refund"]
KEYS = ["coupon", "cart_value", "category", "flag", "tags", "weird key", "名前"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, 5, 150, 10000, 12000, -3]),
    st.integers(-3, 20000),
    st.sampled_from([0.0, 0.5, 1.0, 1.5, 10000.0, -2.25]),
    st.sampled_from(
        ["", "0", "1", "5", "12000", "10000", "1.5", "-3", "1e3", "12\n", " 7", "x", "A", "B"]
    ),
    st.sampled_from(["skincare", "skin care", "abc 12", "null", "true", "スキン", "スキンケア"]),
)
# Property values: anything JSON has, nested objects included.
json_values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.sampled_from(["a", "coupon"]), scalars, max_size=2),
    st.lists(st.lists(scalars, max_size=2), max_size=2),
)
properties = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4)


@st.composite
def filters(draw: st.DrawFn) -> m.PropertyFilter:
    op = draw(st.sampled_from(m.OPS))
    value: Value
    if op == "in":
        value = tuple(draw(st.lists(scalars, max_size=3)))
    elif op == "between":
        value = (draw(scalars), draw(scalars))
    elif op == "exists":
        value = draw(st.booleans())
    elif op in ("eq", "ne"):
        value = draw(st.one_of(st.none(), scalars))  # `eq null`, `ne null` often
    else:
        value = draw(scalars)
    return m.PropertyFilter(draw(st.sampled_from(KEYS)), op, value)


# A few fixed filters, so that trees often repeat one and share its bit.
COMMON = [
    (),
    (m.PropertyFilter("coupon", "exists", True),),
    (m.PropertyFilter("coupon", "exists", False),),
    (m.PropertyFilter("coupon", "ne", None),),
    (m.PropertyFilter("category", "ne", "skincare"),),
]
wheres = st.one_of(st.sampled_from(COMMON), st.lists(filters(), max_size=2).map(tuple), st.just(()))


@st.composite
def conditions(draw: st.DrawFn, depth: int = 0) -> m.Condition:
    kinds = ["event", "event", "property", "attribute"]
    if depth < 3:
        kinds += ["all", "any", "not"]
    kind = draw(st.sampled_from(kinds))
    if kind == "event":
        low = draw(st.integers(0, 3))
        high = draw(st.one_of(st.none(), st.integers(low, 4)))
        within = draw(st.one_of(st.none(), st.sampled_from(WITHINS)))
        return m.EventCondition(draw(st.sampled_from(EVENTS)), draw(wheres), low, high, within)
    if kind in ("property", "attribute"):
        flt = draw(filters())
        if kind == "property":
            return m.PropertyCondition(flt.key, flt.op, flt.value)
        return m.AttributeCondition(flt.key, flt.op, flt.value)
    if kind == "not":
        return m.Not(draw(conditions(depth + 1)))
    items = tuple(draw(st.lists(conditions(depth + 1), max_size=3)))
    return m.AllOf(items) if kind == "all" else m.AnyOf(items)


# Times around the moments evaluated: at the edges of both windows, at now and after it.
OFFSETS = [0, -1, 1, -HOUR, -HOUR + 1, -HOUR - 1, -2 * HOUR, -3 * DAY, -3 * DAY + 1, -80 * HOUR]
OFFSETS += [HOUR, DAY]
times = st.sampled_from([NOW + offset for offset in OFFSETS])
history_events = st.lists(
    st.builds(HistoryEvent, st.sampled_from(EVENTS), times, properties), max_size=10
)
# Moments to evaluate at, in the replay's order (some before, at and after events).
nows = st.lists(
    st.sampled_from([NOW, NOW - HOUR, NOW - 1, NOW + 1, NOW + DAY, NOW - 3 * DAY]),
    min_size=1,
    max_size=3,
).map(sorted)
