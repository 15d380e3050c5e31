"""The replay's compiled conditions (`bits.compile_condition`) agree with `python.holds`.

The replay never sees an event's JSON when it counts: each log row carries a mask
with one bit per event filter it matches, computed by DuckDB (`Plan.mask_sql`,
from `sql.filters_sql`) or by `python.filters_match`, and its `History` keeps the
times and masks of the customer's past events. These tests build that history
exactly so (both ways, and check the two masks are the same), feed it the events
up to each moment in time order, as the replay does, and compare the predicate
with `python.holds` given the whole history, future included.

The strategies extend those of `test_agreement_values.py` with the values the
replay's old "missing" marker got wrong: absent keys, null, "", 0, false, numeric
strings, lists and nested objects, `exists` both ways and `ne` on a missing key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjo_cli import model as m
from cjo_cli.conditions.bits import (
    BitMoment,
    BitRegistry,
    History,
    compile_condition,
    required_bits,
)
from cjo_cli.conditions.python import HistoryEvent, Moment, filters_match, holds
from cjo_cli.conditions.sql import SqlScope, condition_sql
from cjo_cli.engine.replay_plan import Plan
from cjo_cli.model.clock import SECOND, to_datetime
from cjo_cli.model.conditions import Value
from cjo_cli.model.timing import Duration, parse_duration
from tests.conditions.strategies import (
    DAY,
    HOUR,
    NOW,
    conditions,
    filters,
    history_events,
    nows,
    properties,
)
from tests.conftest import examples

# --- masks, computed as production does ----------------------------------------------


def python_mask(event: HistoryEvent, registry: BitRegistry) -> int:
    """The event's bits from `python.filters_match` (Spark's way)."""
    mask = 0
    for index, event_filter in enumerate(registry.filters):
        if event.event == event_filter.event and filters_match(
            event.properties, event_filter.where
        ):
            mask |= 1 << index
    return mask


def duckdb_masks(
    con: duckdb.DuckDBPyConnection, events: Sequence[HistoryEvent], registry: BitRegistry
) -> list[int]:
    """The events' bits from DuckDB, by the SQL of `Plan.mask_sql` (from `filters_sql`
    over the JSON text of the properties); and `Plan.matched_sql`, which the feed keeps
    rows by, holds exactly for the rows of some bit."""
    assert len(registry.filters) <= 62  # one BIGINT column, as the plan's first one
    if not events:
        return []
    if not registry.filters:
        return [0] * len(events)
    plan = Plan((), {}, tuple(registry.filters), (), 0, 0)
    (mask,) = plan.mask_sql()
    matched = plan.matched_sql()
    rows = [[n, e.event, json.dumps(e.properties)] for n, e in enumerate(events)]
    con.execute("CREATE OR REPLACE TEMP TABLE log (n INTEGER, event VARCHAR, properties JSON)")
    con.executemany("INSERT INTO log VALUES (?, ?, ?)", rows)
    found = con.execute(
        f"SELECT n, {mask.text}, {matched.text} FROM log ORDER BY n",
        [*mask.params, *matched.params],
    ).fetchall()
    assert [kept for _, _, kept in found] == [bits != 0 for _, bits, _ in found]
    return [bits for _, bits, _ in found]


def compile_all(condition: m.Condition) -> tuple[Any, BitRegistry, tuple[int, ...]]:
    registry = BitRegistry()
    counted: set[int] = set()
    predicate = compile_condition(condition, registry, counted)
    return predicate, registry, tuple(sorted(counted))


def replay(
    condition: m.Condition,
    events: Sequence[HistoryEvent],
    masks: Sequence[int],
    counted: tuple[int, ...],
    predicate: Any,
    moments: Sequence[int],
    props: dict[str, Any],
    traits: dict[str, Any],
) -> list[bool]:
    """The predicate at each moment (ascending), the history fed as the replay feeds it:
    in time order (equal times in any order), up to the moment, only rows with a
    counted bit."""
    order = sorted(range(len(events)), key=lambda n: events[n].ts)  # stable: any order
    history = History()
    counted_bits = sum(counted)
    fed = 0
    answers = []
    for now in moments:
        while fed < len(order) and events[order[fed]].ts <= now:
            n = order[fed]
            if masks[n] & counted_bits:
                history.add(events[n].ts, masks[n] & counted_bits)
            fed += 1
        answers.append(predicate(BitMoment(now, lambda: props, traits, history)))
    assert all(t <= moments[-1] for t in history.times)  # never the future
    return answers


# --- the property tests ----------------------------------------------------------------


class Case(NamedTuple):
    condition: m.Condition
    events: list[HistoryEvent]
    moments: list[int]
    props: dict[str, Any]
    traits: dict[str, Any]


cases = st.builds(Case, conditions(), history_events, nows, properties, properties)


def assert_replay_agrees(case: Case, masks_of: Callable[[BitRegistry], list[int]]) -> None:
    """The compiled condition, its history fed the rows' masks (`masks_of` the registry)
    as the replay feeds it, gives `python.holds`'s answer at every moment."""
    predicate, registry, counted = compile_all(case.condition)
    condition, events, moments, props, traits = case
    answers = replay(
        condition, events, masks_of(registry), counted, predicate, moments, props, traits
    )
    expected = [holds(condition, Moment(now, props, traits, events)) for now in moments]
    assert answers == expected, (condition, moments)


@settings(max_examples=examples(250), deadline=None)
@given(cases)
def test_bits_agree_with_python(case: Case) -> None:
    assert_replay_agrees(case, lambda registry: [python_mask(e, registry) for e in case.events])


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@settings(max_examples=examples(75), deadline=None)
@given(cases)
def test_duckdb_masks_equal_python_masks_and_agree(
    con: duckdb.DuckDBPyConnection, case: Case
) -> None:
    def masks_of(registry: BitRegistry) -> list[int]:
        masks = duckdb_masks(con, case.events, registry)
        assert masks == [python_mask(e, registry) for e in case.events], registry.filters
        return masks

    assert_replay_agrees(case, masks_of)


@settings(max_examples=examples(75), deadline=None)
@given(st.lists(filters(), max_size=3).map(tuple), st.lists(properties, min_size=1, max_size=6))
def test_duckdb_masks_on_filters_alone(
    con: duckdb.DuckDBPyConnection, where: tuple[m.PropertyFilter, ...], rows: list[dict[str, Any]]
) -> None:
    registry = BitRegistry()
    registry.bit(m.EventFilter("purchase", where))
    for flt in where:  # each filter alone too: many bits per row
        registry.bit(m.EventFilter("purchase", (flt,)))
    events = [HistoryEvent("purchase" if n % 3 else "refund", NOW, p) for n, p in enumerate(rows)]
    masks = duckdb_masks(con, events, registry)
    assert masks == [python_mask(e, registry) for e in events], registry.filters


# --- the bug, worked: six customers and their coupon ---------------------------------

ABSENT = object()
COUPONS: list[tuple[str, Any]] = [
    ("c_absent", ABSENT),
    ("c_null", None),
    ("c_empty", ""),
    ("c_zero", 0),
    ("c_a", "A"),
    ("c_b", "B"),
]
PRESENT = {"c_empty", "c_zero", "c_a", "c_b"}
NOT_PRESENT = {"c_absent", "c_null"}
WORKED = [
    pytest.param("exists", True, PRESENT, id="exists true: 4"),
    pytest.param("exists", False, NOT_PRESENT, id="exists false: 2"),
    pytest.param("eq", None, NOT_PRESENT, id="eq null: 2"),
    pytest.param("ne", None, PRESENT, id="ne null: 4"),
]


def coupon_of(value: Any) -> dict[str, Any]:
    return {"other": 1} if value is ABSENT else {"other": 1, "coupon": value}


def shapes(op: str, wanted: Value) -> list[m.Condition]:
    """The comparison as a split (property), a segment on traits and an event filter."""
    where = (m.PropertyFilter("coupon", op, wanted),)
    return [
        m.PropertyCondition("coupon", op, wanted),
        m.AttributeCondition("coupon", op, wanted),
        m.EventCondition("purchase", where),
        m.EventCondition("purchase", where, within=Duration(3600)),
        m.Not(m.EventCondition("purchase", where, count_min=0, count_max=0)),
    ]


@pytest.fixture(scope="module")
def worked_db() -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    db.execute("SET TimeZone = 'UTC'")
    db.execute(
        "CREATE TABLE events (customer_id VARCHAR, event VARCHAR, ts TIMESTAMPTZ, properties JSON)"
    )
    db.execute("CREATE TABLE moments (customer_id VARCHAR, ts TIMESTAMPTZ, p JSON, t JSON)")
    for customer, value in COUPONS:
        text = json.dumps(coupon_of(value))
        db.execute(
            "INSERT INTO events VALUES (?, 'purchase', ?, ?)",
            [customer, to_datetime(NOW - 60 * SECOND), text],
        )
        db.execute(
            "INSERT INTO moments VALUES (?, ?, ?, ?)", [customer, to_datetime(NOW), text, text]
        )
    return db


@pytest.mark.parametrize(("op", "wanted", "picked"), WORKED)
def test_the_coupon_bug_worked(
    worked_db: duckdb.DuckDBPyConnection, op: str, wanted: Value, picked: set[str]
) -> None:
    scope = SqlScope("m.p", "m.t", "m.customer_id", "m.ts", "events")
    for condition in shapes(op, wanted):
        predicate, registry, counted = compile_all(condition)
        by_python: set[str] = set()
        by_bits: set[str] = set()
        by_bits_from_sql: set[str] = set()
        for customer, value in COUPONS:
            data = coupon_of(value)
            events = [HistoryEvent("purchase", NOW - 60 * SECOND, data)]
            if holds(condition, Moment(NOW, data, data, events)):
                by_python.add(customer)
            python_masks = [python_mask(e, registry) for e in events]
            sql_masks = duckdb_masks(worked_db, events, registry)
            assert sql_masks == python_masks, (customer, condition)
            for masks, found in ((python_masks, by_bits), (sql_masks, by_bits_from_sql)):
                if replay(condition, events, masks, counted, predicate, [NOW], data, data)[0]:
                    found.add(customer)
        sql = condition_sql(condition, scope)
        by_sql = {
            customer
            for (customer,) in worked_db.execute(
                f"SELECT m.customer_id FROM moments m WHERE {sql.text}", sql.params
            ).fetchall()
        }
        assert by_python == picked, ("python", condition)
        assert by_sql == picked, ("sql", condition)
        assert by_bits == picked, ("bits", condition)
        assert by_bits_from_sql == picked, ("bits, masks from SQL", condition)


# --- the history itself ----------------------------------------------------------------


def test_history_counts_only_the_window_and_its_bits() -> None:
    history = History()
    one, two = 1, 2
    for ts, mask in [(NOW - 2 * HOUR, one), (NOW - HOUR, one | two), (NOW - 1, two), (NOW, one)]:
        history.add(ts, mask)
    assert history.count(one, None) == 3
    assert history.count(two, None) == 2
    assert history.count(one, NOW - HOUR) == 1  # after `since`: NOW - HOUR itself is out
    assert history.count(one, NOW - HOUR - 1) == 2
    assert history.count(two, NOW - HOUR - 1) == 2
    assert history.count(4, None) == 0
    assert history.count(4, NOW - DAY) == 0


def test_the_history_holds_the_bits_it_is_given() -> None:
    # The replay gives it only the bits that conditions count (`Plan.history_bits`).
    history = History()
    history.add(NOW - 1, 1)
    assert history.count(1, None) == 1 and history.count(1, NOW - HOUR) == 1
    assert history.count(2, None) == 0 and history.count(2, NOW - HOUR) == 0


def test_equal_filters_share_a_bit() -> None:
    where = (m.PropertyFilter("coupon", "exists", True),)
    condition = m.AllOf(
        (
            m.EventCondition("purchase", where),
            m.Not(m.EventCondition("purchase", where, count_min=2)),
            m.EventCondition("purchase", (m.PropertyFilter("coupon", "exists", False),)),
            m.EventCondition("refund"),
        )
    )
    _, registry, counted = compile_all(condition)
    assert registry.filters == [
        m.EventFilter("purchase", where),
        m.EventFilter("purchase", (m.PropertyFilter("coupon", "exists", False),)),
        m.EventFilter("refund"),
    ]
    assert counted == (1, 2, 4)


# --- the events a condition cannot hold without (`required_bits`) -----------------------


@settings(max_examples=examples(150), deadline=None)
@given(cases)
def test_a_condition_never_holds_without_its_required_events(case: Case) -> None:
    # The replay skips an audience's checks until the customer has an event of every
    # required mask: that is exact only if the condition is false before then.
    predicate, registry, counted = compile_all(case.condition)
    required = required_bits(case.condition, registry)
    masks = [python_mask(e, registry) for e in case.events]
    answers = replay(
        case.condition,
        case.events,
        masks,
        counted,
        predicate,
        case.moments,
        case.props,
        case.traits,
    )
    for now, answer in zip(case.moments, answers, strict=True):
        past = [mask for e, mask in zip(case.events, masks, strict=True) if e.ts <= now]
        if answer:
            for need in required:
                assert any(mask & need for mask in past), (case.condition, now)


E = m.EventCondition
VIP = m.AttributeCondition("vip", "eq", True)


def _required(condition: m.Condition) -> list[set[str]]:
    """The condition's required masks, as sets of event names."""
    registry = BitRegistry()
    compile_condition(condition, registry, set())
    return [
        {f.event for n, f in enumerate(registry.filters) if need >> n & 1}
        for need in required_bits(condition, registry)
    ]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (E("buy"), [{"buy"}]),
        (E("buy", within=parse_duration("30d")), [{"buy"}]),
        (E("buy", count_min=0, count_max=2), []),
        (m.Not(E("buy")), []),
        (VIP, []),
        (m.AllOf((E("buy"), m.Not(E("buy", within=parse_duration("45d"))))), [{"buy"}]),
        (m.AllOf((E("buy"), E("view", count_min=3))), [{"buy"}, {"view"}]),
        (m.AnyOf((E("buy"), E("view"))), [{"buy", "view"}]),
        (m.AnyOf((E("buy"), VIP)), []),
        (m.AnyOf((m.AllOf((E("a"), E("b"))), E("c"))), [{"a", "c"}]),
    ],
)
def test_required_events_worked(condition: m.Condition, expected: list[set[str]]) -> None:
    assert _required(condition) == expected
