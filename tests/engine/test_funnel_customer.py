"""`FunnelProgram.attempt` (the funnel of one customer, in Python, for executors with no
DuckDB) equals `engine.funnels.run_funnel` customer by customer: level, step times,
exclusion and breakdown group, on small hand-made logs. Times are seconds after
`funnel_helpers.EPOCH`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings

from cjo_cli.engine.funnel_customer import Attempt, EventRow, FunnelProgram, json_text_value
from cjo_cli.engine.funnel_result import NONE_LABEL, FunnelOptions, parse_breakdown
from cjo_cli.engine.funnel_sql import breakdown_label_sql
from cjo_cli.engine.funnels import run_funnel
from cjo_cli.events.tables import CREATE_CUSTOMERS
from cjo_cli.model import (
    AllOf,
    AttributeCondition,
    Breakdown,
    EventCondition,
    EventFilter,
    Exclusion,
    Funnel,
    FunnelStep,
    Not,
    Persona,
    PropertyFilter,
)
from cjo_cli.model.clock import SECOND, to_us
from tests.engine.funnel_helpers import EPOCH, any_step, ev, funnel, load
from tests.engine.funnel_reference import LogEvent, counted_attempt, excluded
from tests.engine.test_funnel_clean import busy_logs, excluding_funnels

BASE = to_us(EPOCH)
SIGNED_UP = Persona("signed", "signed", segment=EventCondition("signup"))
GOLD = Persona(
    "gold",
    "gold",
    segment=AllOf((AttributeCondition("tier", "eq", "gold"), Not(EventCondition("refund")))),
)
PERSONAS = {p.id: p for p in (SIGNED_UP, GOLD)}
TRAITS = {"a": {"tier": "gold"}, "b": {"tier": "silver"}, "c": {"tier": "gold"}}


def us(seconds: int) -> int:
    return BASE + seconds * SECOND


def rows_of(log: Sequence[LogEvent]) -> dict[str, list[EventRow]]:
    found: dict[str, list[EventRow]] = {}
    for e in log:
        row = EventRow(us(e.ts), e.event, json.dumps(e.properties))
        found.setdefault(e.customer_id, []).append(row)
    return found


def program(f: Funnel, options: FunnelOptions) -> FunnelProgram:
    persona = PERSONAS.get(f.persona) if f.persona else None
    breakdown = parse_breakdown(f, options)
    key = breakdown.key if breakdown is not None and breakdown.by == "property" else None
    attribution = breakdown.attribution if breakdown is not None else "first_touch"
    return FunnelProgram(f, persona, options.since_us, options.until_us, key, attribution)


def python_attempts(
    f: Funnel, log: Sequence[LogEvent], options: FunnelOptions
) -> dict[str, Attempt]:
    counted = program(f, options)
    found = {}
    for customer, rows in rows_of(log).items():
        attempt = counted.attempt(rows, TRAITS.get(customer))
        if attempt is not None:
            found[customer] = attempt
    return found


def duckdb_run(
    f: Funnel, log: Sequence[LogEvent], options: FunnelOptions
) -> tuple[dict[str, tuple[int, tuple[int, ...], bool]], dict[str | None, list[int]]]:
    con = connection(log)
    full = FunnelOptions(
        options.since_us, options.until_us, options.breakdown, True, dict(PERSONAS)
    )
    result = run_funnel(con, f, full)
    customers = customer_table(con)
    groups = {g.label: [s.customers for s in g.steps] for g in result.groups}
    return customers, groups


_LOADED: dict[int, tuple[Sequence[LogEvent], duckdb.DuckDBPyConnection]] = {}


def connection(log: Sequence[LogEvent]) -> duckdb.DuckDBPyConnection:
    """The log loaded with the customers' traits, once per log (a run leaves only
    `funnel_customers`, emptied here)."""
    if id(log) not in _LOADED:
        con = load(log)
        con.execute(CREATE_CUSTOMERS)
        for customer, traits in TRAITS.items():
            con.execute("INSERT INTO customers VALUES (?, ?)", [customer, json.dumps(traits)])
        _LOADED[id(log)] = (log, con)
    con = _LOADED[id(log)][1]
    con.execute("DROP TABLE IF EXISTS funnel_customers")
    return con


def customer_table(
    con: duckdb.DuckDBPyConnection,
) -> dict[str, tuple[int, tuple[int, ...], bool]]:
    rows = con.execute(
        "SELECT customer_id, level, excluded, list_transform(step_times, lambda x: epoch_us(x)) "
        "FROM funnel_customers"
    ).fetchall()
    return {c: (level, tuple(times), excluded) for c, level, excluded, times in rows}


def python_groups(f: Funnel, attempts: Mapping[str, Attempt]) -> dict[str | None, list[int]]:
    groups: dict[str | None, list[int]] = {}
    for attempt in attempts.values():
        if attempt.excluded:
            continue
        counts = groups.setdefault(attempt.value or NONE_LABEL, [0] * len(f.steps))
        for step in range(attempt.level):
            counts[step] += 1
    return groups


def compare(f: Funnel, log: Sequence[LogEvent], options: FunnelOptions) -> dict[str, Attempt]:
    found = python_attempts(f, log, options)
    customers, groups = duckdb_run(f, log, options)
    mine = {
        c: (a.level, tuple(t for t in a.times if t is not None), a.excluded)
        for c, a in found.items()
    }
    assert mine == customers
    for attempt in found.values():
        assert len(attempt.times) == len(f.steps)
        assert all(t is None for t in attempt.times[attempt.level :])
    if parse_breakdown(f, options) is not None:
        assert python_groups(f, found) == groups
    return found


# ---- the logs --------------------------------------------------------------------

SHOP = [
    ev("a", "signup", 0),
    ev("a", "view", 1, channel="web"),
    ev("a", "cart", 2, channel="app"),
    ev("a", "buy", 3, channel="app", amount=10),
    ev("b", "view", 0, channel="app"),
    ev("b", "signup", 1),
    ev("b", "view", 2, channel="web"),
    ev("b", "other", 3),
    ev("b", "cart", 4),
    ev("c", "view", 0),
    ev("c", "view", 0, channel="store"),
    ev("c", "cart", 0, channel="web"),
    ev("c", "refund", 1),
    ev("c", "buy", 2, amount=0),
    ev("d", "cart", 0),
    ev("d", "view", 5, channel=7),
    ev("d", "view", 5, channel="x"),
    ev("d", "buy", 6, amount="12"),
]

FUNNELS: dict[str, Funnel] = {
    "ordered": funnel("view", "cart", "buy"),
    "strict": funnel("view", "cart", "buy", order="strict"),
    "unordered": funnel("view", "cart", "buy", order="unordered"),
    "repeated": funnel("view", "view", "cart"),
    "window": funnel("view", "cart", window=2),
    "persona": funnel("view", "cart", persona="signed"),
    "persona unordered": funnel("cart", "view", order="unordered", persona="signed"),
    "traits": funnel("view", "cart", persona="gold"),
    "exclusion": funnel(
        "view", "cart", "buy", exclusions=(Exclusion(EventFilter("refund"), 1, 3),)
    ),
    "exclusion open": funnel(
        "view", "cart", "buy", exclusions=(Exclusion(EventFilter("other"), 2, 3),)
    ),
    "first touch": funnel("view", "cart", "buy", breakdown=Breakdown("property", "channel")),
    "last touch": funnel(
        "view", "cart", "buy", breakdown=Breakdown("property", "channel", "last_touch")
    ),
    "step 2": funnel(
        "view", "cart", "buy", breakdown=Breakdown("property", "channel", "step", step=2)
    ),
    "first touch after step 1": funnel(
        "signup", "view", breakdown=Breakdown("property", "channel", "first_touch")
    ),
    "last touch unordered": funnel(
        "view",
        "cart",
        order="unordered",
        breakdown=Breakdown("property", "channel", "last_touch"),
    ),
    # `any` steps: a signup or a view, then a cart or a buy (the buy also fills step 3).
    "any": Funnel(
        "f",
        "f",
        (
            any_step("signup", "view"),
            any_step("cart", "buy"),
            FunnelStep(EventFilter("buy"), "buy"),
        ),
    ),
    # c's buy has amount 0; d's "12" is a number as text.
    "where": Funnel(
        "f",
        "f",
        (
            FunnelStep(EventFilter("view"), "view"),
            FunnelStep(EventFilter("buy", (PropertyFilter("amount", "gt", 0),)), "paid"),
        ),
    ),
}


@pytest.mark.parametrize("name", list(FUNNELS))
def test_equals_run_funnel(name: str) -> None:
    compare(FUNNELS[name], SHOP, FunnelOptions())


@pytest.mark.parametrize(("since", "until"), [(1, None), (None, 3), (2, 2)])
@pytest.mark.parametrize("name", ["ordered", "strict", "unordered", "persona", "exclusion"])
def test_equals_run_funnel_on_a_slice(name: str, since: int | None, until: int | None) -> None:
    options = FunnelOptions(
        since_us=None if since is None else us(since),
        until_us=None if until is None else us(until),
    )
    compare(FUNNELS[name], SHOP, options)


@pytest.mark.parametrize("by", ["channel", "channel:last_touch", "amount", "missing"])
def test_equals_run_funnel_with_by(by: str) -> None:
    compare(FUNNELS["ordered"], SHOP, FunnelOptions(breakdown=by))


# ---- worked by hand ------------------------------------------------------------------


def test_persona_as_of_step_1() -> None:
    # a signed up before its view: view 1, cart 2. b's first view (0) is before its
    # signup, the second (2) after: the attempt starts there. c and d never signed up.
    found = compare(FUNNELS["persona"], SHOP, FunnelOptions())
    assert {c: (a.level, a.times) for c, a in found.items()} == {
        "a": (2, (us(1), us(2))),
        "b": (2, (us(2), us(4))),
    }


def test_traits_and_history_in_the_persona() -> None:
    # gold: a (no refund) and c, but c's refund at 1 is after its view at 0: as of the
    # view, c has no refund, so c is in.
    found = compare(FUNNELS["traits"], SHOP, FunnelOptions())
    assert {c: a.level for c, a in found.items()} == {"a": 2, "c": 2}


def test_exclusions() -> None:
    # c: view 0, cart 0, buy 2 with a refund at 1 in between: excluded.
    found = compare(FUNNELS["exclusion"], SHOP, FunnelOptions())
    assert {c: a.excluded for c, a in found.items()} == {
        "a": False,
        "b": False,
        "c": True,
        "d": False,
    }
    # b's attempt stops at the cart (4); "other" at 3 lies before the cart, so an
    # exclusion between steps 2 and 3 only looks after it: b stays.
    found = compare(FUNNELS["exclusion open"], SHOP, FunnelOptions())
    assert not any(a.excluded for a in found.values())


@pytest.mark.parametrize(
    ("name", "values"),
    [
        # The view that starts each attempt: a web (1), b app (0), c the smaller of two
        # values at its instant (None is skipped: store), d the smaller of "7" and "x".
        ("first touch", {"a": "web", "b": "app", "c": "store", "d": "7"}),
        # The last step event that has a channel: a's buy (app); b's cart has none, its
        # view at 0 has app; c's buy has none, its cart web; d's view (d's cart comes
        # before its views).
        ("last touch", {"a": "app", "b": "app", "c": "web", "d": "7"}),
        # Step 2's event: a's cart (app), b's (no channel), c's (web); d has no step 2.
        ("step 2", {"a": "app", "b": None, "c": "web", "d": None}),
        # The signups (step 1) have no channel: the views' count.
        ("first touch after step 1", {"a": "web", "b": "web"}),
    ],
)
def test_breakdown_value(name: str, values: dict[str, str | None]) -> None:
    found = compare(FUNNELS[name], SHOP, FunnelOptions())
    assert {c: a.value for c, a in found.items()} == values


def test_no_breakdown_no_value() -> None:
    found = python_attempts(FUNNELS["ordered"], SHOP, FunnelOptions())
    assert {a.value for a in found.values()} == {None}


def test_event_names() -> None:
    assert program(FUNNELS["exclusion"], FunnelOptions()).event_names() == {
        "view",
        "cart",
        "buy",
        "refund",
    }
    assert program(FUNNELS["persona"], FunnelOptions()).event_names() == {
        "view",
        "cart",
        "signup",
    }
    # Strict adjacency reads every event.
    assert program(FUNNELS["strict"], FunnelOptions()).event_names() is None


def test_never_entered() -> None:
    counted = program(FUNNELS["ordered"], FunnelOptions())
    assert counted.attempt([]) is None
    assert counted.attempt([EventRow(0, "cart", "{}"), EventRow(1, "buy", "")]) is None


def test_rows_in_any_order() -> None:
    counted = program(FUNNELS["first touch"], FunnelOptions())
    rows = rows_of(SHOP)["a"]
    assert counted.attempt(rows[::-1]) == counted.attempt(rows)
    assert counted.attempt(rows) == Attempt(3, (us(1), us(2), us(3)), False, "web")


# ---- json_text_value -------------------------------------------------------------------

JSON_VALUES = [
    None,
    "web",
    "",
    'é"x',
    0,
    7,
    -3,
    12345678901234567890,
    1.5,
    1.0,
    -0.0,
    0.1,
    123456.789,
    1e15,
    True,
    False,
    [1, "é"],
    {"a": 1, "b": [True, None]},
    {},
]


_JSON = duckdb.connect()


def duckdb_text(value: Any) -> str | None:
    """The label the DuckDB engine gives the value (`funnel_sql.breakdown_label_sql`)."""
    con = _JSON
    text = json.dumps({"v": value}, ensure_ascii=False)
    label, params = breakdown_label_sql("p", "/v")
    ((found,),) = con.execute(
        f"SELECT {label} FROM (SELECT ?::JSON AS p)", [*params, text]
    ).fetchall()
    return found  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("web", "web"),
        ("", ""),
        (7, "7"),
        (1.5, "1.5"),
        (True, "true"),
        (False, "false"),
        ([1, "é"], '[1,"é"]'),
        ({"a": 1, "b": [True, None]}, '{"a":1,"b":[true,null]}'),
    ],
)
def test_json_text_value(value: Any, text: str | None) -> None:
    assert json_text_value(value) == text


@pytest.mark.parametrize("value", JSON_VALUES, ids=repr)
def test_json_text_value_is_duckdbs(value: Any) -> None:
    assert json_text_value(value) == duckdb_text(value)


@pytest.mark.parametrize("value", [1e16, 1e-7], ids=repr)
def test_json_text_value_of_floats_in_exponent_form(value: float) -> None:
    assert json_text_value(value) == duckdb_text(value)


def test_breakdown_group_of_a_large_float() -> None:
    log = [ev("a", "view", 0, channel=1e16), ev("a", "cart", 1)]
    compare(FUNNELS["first touch"], log, FunnelOptions())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_logs, excluding_funnels())
def test_attempts_equal_the_reference_with_exclusions(log: list[LogEvent], f: Funnel) -> None:
    # The counted attempt, exclusion preference included: the reference's, customer by
    # customer.
    found = python_attempts(f, log, FunnelOptions())
    by_customer: dict[str, list[LogEvent]] = {}
    for e in log:
        by_customer.setdefault(e.customer_id, []).append(e)
    expected = {}
    for customer, events in by_customer.items():
        attempt = counted_attempt(f, events)
        if attempt:
            times = tuple(us(e.ts) for e in attempt)
            expected[customer] = (len(attempt), times, excluded(f, events, attempt))
    mine = {
        c: (a.level, tuple(t for t in a.times if t is not None), a.excluded)
        for c, a in found.items()
    }
    assert mine == expected


def test_all_steps_one_program_per_value() -> None:
    # SHOP's channels: a program per value counts the customers DuckDB puts in that
    # value's group (steps filled only by that value's events; `(none)`: no channel).
    f = funnel("view", "cart", "buy")
    with pytest.raises(ValueError, match="one FunnelProgram per value"):
        FunnelProgram(f, None, None, None, "channel", "all_steps")
    _, groups = duckdb_run(f, SHOP, FunnelOptions(breakdown="channel:all_steps"))
    rows = rows_of(SHOP)
    probe = FunnelProgram(f, None, None, None, "channel", "all_steps", only_value=NONE_LABEL)
    assert probe.values(rows["c"]) == ["(none)", "store", "web"]
    found: dict[str | None, list[int]] = {}
    for customer_rows in rows.values():
        for value in probe.values(customer_rows):
            program = FunnelProgram(f, None, None, None, "channel", "all_steps", value)
            attempt = program.attempt(customer_rows)
            if attempt is None or attempt.excluded:
                continue
            counts = found.setdefault(value, [0, 0, 0])
            for step in range(attempt.level):
                counts[step] += 1
    assert found == groups
