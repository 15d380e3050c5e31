"""Journeys compiled for replay (`engine.replay_plan.build_plan`): send priority from
the policy, one bit per distinct event filter shared by every journey, which entry
events' properties the replay needs, and the mask SQL over more than 62 filters."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from cjo_cli.engine.delivery import Cap, JourneyLimit, PlanTouchpoint
from cjo_cli.engine.replay_feed import customer_rows
from cjo_cli.engine.replay_plan import EXIT, SEND, SPLIT, WAIT, WAIT_FOR, Plan, build_plan
from cjo_cli.model import EventFilter, PropertyFilter, QuietHours
from cjo_cli.model.clock import HOUR, SECOND
from tests.engine.funnel_helpers import EPOCH, ev, load
from tests.engine.replay_helpers import journey, load_workspace, policy, replay_each

DAY = 24 * HOUR


def test_priority_from_the_policy(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, *(journey(j) for j in "abcd"), policy(priority="[b, c]"))
    journeys = list(ws.journeys.values())
    # Listed first, in the policy's order; the rest in the order given.
    plan = build_plan(ws, journeys)
    assert [(j.id, j.rank) for j in plan.journeys] == [("b", 0), ("c", 1), ("a", 2), ("d", 3)]
    subset = build_plan(ws, [ws.journeys[j] for j in "dca"])
    assert [(j.id, j.rank) for j in subset.journeys] == [("c", 0), ("d", 1), ("a", 2)]


def test_without_a_policy_the_order_given(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, *(journey(j) for j in "abc"))
    plan = build_plan(ws, [ws.journeys[j] for j in "cab"])
    assert [(j.id, j.rank) for j in plan.journeys] == [("c", 0), ("a", 1), ("b", 2)]


SHARING = [
    journey("a", goal="{event: buy}", exit_on="[{event: unsub}]"),
    journey(
        "b",
        exit_on="[{event: buy}]",
        steps="""
            wait: {wait_for: {event: unsub}, timeout: 1h, next: push, on_timeout: push}
            push: {send: push, next: done}
        """,
    ),
    journey("c", entry="{event: cart, where: {v: 1}}", exit_on="[{event: buy}]"),
    journey("d", entry="{event: cart, where: {v: 1}}"),
]


def test_equal_filters_share_a_bit(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, *SHARING)
    plan = build_plan(ws, list(ws.journeys.values()))
    # In the order first asked for: a's entry, goal, exit; b's wait_for reuses unsub and
    # its touchpoint's message events come next; c's filtered cart is new.
    assert plan.filters == (
        EventFilter("cart"),
        EventFilter("buy"),
        EventFilter("unsub"),
        EventFilter("push_delivered"),
        EventFilter("push_click"),
        EventFilter("cart", (PropertyFilter("v", "eq", 1),)),
    )
    a, b, c, d = plan.journeys
    assert (a.entry_bit, a.goal_bit, a.exit_bits, a.bits) == (1, 2, 4, 7)
    assert (b.entry_bit, b.goal_bit, b.exit_bits) == (1, 0, 2)
    assert b.steps[0].kind == WAIT_FOR and b.steps[0].bit == 4
    assert b.bits == 7
    assert (c.entry_bit, c.exit_bits, c.bits) == (32, 2, 34)
    assert (d.entry_bit, d.bits) == (32, 32)
    assert plan.touchpoints == {"push": PlanTouchpoint("push", "web_push", 8, 0, 16)}
    assert plan.observe_bits == 24
    assert plan.event_names() == ["buy", "cart", "push_click", "push_delivered", "unsub"]


def test_routes(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, *SHARING)
    plan = build_plan(ws, list(ws.journeys.values()))
    a, b, c, d = plan.journeys
    # A filtered cart (bits 1 and 32) concerns and may enter all four.
    assert plan.routes(1 | 32) == ((a, b, c, d), (a, b, c, d))
    # buy: a's goal, b's and c's exit; enters nothing.
    assert plan.routes(2) == ((a, b, c), ())
    assert plan.routes(8) == ((), ())


ENTRY_READS = [
    # A split on the entry event's property: read.
    journey(
        "split_property",
        "split: {split: [{if: {property: value, op: gte, value: 10}, next: done}, {else: done}]}",
    ),
    # The entry `if` on a property: read.
    journey("if_property", entry="{event: signup, if: {property: plan, op: eq, value: pro}}"),
    # A split counting events: not read.
    journey(
        "split_event",
        "split: {split: [{if: {event: signup, count: {min: 2}}, next: done}, {else: done}]}",
        entry="{event: visit}",
    ),
    # `where` is part of the filter (SQL): not read.
    journey("where", entry="{event: order, where: {value: {gte: 10}}}"),
    journey("attribute", entry="{event: login, if: {attribute: tier, op: eq, value: gold}}"),
]


def test_entry_reads_properties(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, *ENTRY_READS)
    plan = build_plan(ws, list(ws.journeys.values()))
    assert {j.id: j.entry_reads_properties for j in plan.journeys} == {
        "split_property": True,
        "if_property": True,
        "split_event": False,
        "where": False,
        "attribute": False,
    }
    assert plan.property_events() == ["cart", "signup"]
    assert plan.reads_properties
    assert plan.reads_traits
    # The split's counted events are kept in the history.
    signup = 1 << plan.filters.index(EventFilter("signup"))
    assert plan.counted == (signup,)
    assert plan.history_bits == signup


def test_nothing_read(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, ENTRY_READS[3])
    plan = build_plan(ws, list(ws.journeys.values()))
    assert plan.property_events() == []
    assert (plan.reads_properties, plan.reads_traits, plan.counted, plan.history_bits) == (
        False,
        False,
        (),
        0,
    )


def test_steps_limits_quiet_hours_and_caps(tmp_path: Path) -> None:
    paris = journey(
        "j",
        re_entry="{after: 7d}",
        goal="{event: buy, within: 2d}",
        limits="{per_customer: {max: 2, per: 1d},"
        ' quiet_hours: {from: "21:00", to: "09:00", tz: Europe/Paris}}',
        holdout="10%",
        start="push",
        steps="""
            wait: {wait: 1h, next: done}
            push: {send: mail, next: wait}
        """,
    )
    tokyo = policy(
        frequency_caps="[{channel: any, max: 3, per: 1d}, {channel: email, max: 1, per: 1w}]",
        quiet_hours='{from: "22:00", to: "08:00", tz: Asia/Tokyo}',
    )
    ws = load_workspace(tmp_path, paris, tokyo)
    plan = build_plan(ws, list(ws.journeys.values()))
    (j,) = plan.journeys
    assert [(s.id, s.kind, s.next) for s in j.steps] == [
        ("wait", WAIT, 2),
        ("push", SEND, 0),
        ("done", EXIT, -1),
    ]
    assert j.steps[0].seconds == HOUR
    assert (j.steps[1].touchpoint, j.steps[1].channel) == ("mail", "email")
    assert j.start == 1
    assert (j.re_entry, j.re_entry_after, j.re_entry_text) == ("after", 7 * DAY, "7d")
    assert j.goal_within == 2 * DAY
    assert j.holdout_percent == 10.0
    assert j.limit == JourneyLimit(2, DAY, "2 per 1d")
    # The journey's window, then the policy's.
    assert [(q.start.hour, q.end.hour, q.tz) for q in j.quiet_hours] == [
        (21, 9, "Europe/Paris"),
        (22, 8, "Asia/Tokyo"),
    ]
    assert all(isinstance(q, QuietHours) for q in j.quiet_hours)
    assert plan.caps == (Cap("any", 3, DAY, "3 per 1d"), Cap("email", 1, 7 * DAY, "1 per 1w"))
    assert SPLIT not in [s.kind for s in j.steps]


# ---- more than 62 filters ---------------------------------------------------------


def many_exits(count: int) -> str:
    """A journey with `count` distinct exit_on filters (x with n = 0, 1, ...): with its
    entry, count + 1 filters."""
    exits = ", ".join(f"{{event: x, where: {{n: {i}}}}}" for i in range(count))
    return journey("big", "wait: {wait: 1d, next: done}", entry="{event: e}", exit_on=f"[{exits}]")


def combined(values: Sequence[int]) -> int:
    """The mask of a row from its columns: column n holds bits 62n .. 62n + 61."""
    return sum(int(v) << (62 * n) for n, v in enumerate(values))


@pytest.mark.parametrize(("exits", "columns"), [(61, 1), (62, 2), (124, 3)])
def test_mask_sql_over_many_filters(tmp_path: Path, exits: int, columns: int) -> None:
    ws = load_workspace(tmp_path, many_exits(exits))
    plan = build_plan(ws, list(ws.journeys.values()))
    assert len(plan.filters) == exits + 1
    masks = plan.mask_sql()
    assert len(masks) == columns
    # Filter i is x with n = i - 1 (filter 0 is the entry).
    picked = sorted({0, 1, 60, 61, 62, 63, exits - 1, exits} & set(range(exits + 1)))
    log = [ev("c", "e", 0)] + [ev("c", "x", i, n=i - 1) for i in picked if i]
    log.append(ev("c", "x", 999, n=10_000))  # matches no filter
    con = load(log)
    params = [p for m in masks for p in m.params]
    select = ", ".join(m.text for m in masks)
    rows = con.execute(
        f'SELECT epoch_us(ts), {select} FROM events ORDER BY "row"', params
    ).fetchall()
    base = rows[0][0]
    got = {(ts - base) // SECOND: combined(row) for ts, *row in rows}
    assert got == {**{i: 1 << i for i in picked}, 999: 0}


def test_a_high_bit_exit_ends_the_journey(tmp_path: Path) -> None:
    ws = load_workspace(tmp_path, many_exits(70))
    plan: Plan = build_plan(ws, list(ws.journeys.values()))
    (big,) = plan.journeys
    bit = 1 << plan.filters.index(EventFilter("x", (PropertyFilter("n", "eq", 65),)))
    assert bit == 1 << 66 and big.exit_bits & bit
    # The feed puts the two mask columns back together.
    log = [
        ev("a", "e", 0),
        ev("a", "x", 3600, n=65),
        ev("b", "e", 0),
        ev("b", "x", 3600, n=500),
        ev("z", "e", 7200),
    ]
    con = load(log)
    assert [rows.masks for rows in customer_rows(con, plan)] == [[1, bit], [1], [1]]
    # a leaves at the x with n = 65 (filter 66, bit 4 of the second column); b's x
    # matches no filter, so b is still waiting when the log ends.
    found, _ = replay_each(con, plan)
    start = int(EPOCH.timestamp()) * SECOND
    assert [(e.exit_reason, e.exit_ts - start) for e in found["a"].entries] == [
        ("exit_event", HOUR)
    ]
    assert [(e.exit_reason, e.exit_ts - start) for e in found["b"].entries] == [
        ("censored", 2 * HOUR)
    ]
