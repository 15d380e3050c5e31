"""Running a replay over the `events` relation (`engine.simulate`): the log's span,
one callback per customer with relevant events, the progress callback, `explain` and
`relevant_events`.

The journey reads `cart` with ok = true (entry) and `buy` (goal); `page_view` is no
event of the plan. Log (June 1, UTC):

    a: cart (ok) 00:00, page_view 00:30, buy 01:00
    b: cart (not ok) 00:00              a cart row without a bit
    c: page_view 00:00, 03:00           nothing relevant (03:00 is the log's end)
    d: cart (ok) 02:00                  waits until the log's end: censored at 03:00
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from cjo_cli.engine.replay_plan import Plan, build_plan
from cjo_cli.engine.replay_records import CustomerReplay
from cjo_cli.engine.simulate import explain, relevant_events, simulate
from cjo_cli.model.clock import parse_instant
from tests.engine.replay_helpers import event, journey, load_workspace, log_connection

JOURNEY = journey(
    "j",
    entry="{event: cart, where: {ok: true}}",
    goal="{event: buy, within: 1d}",
    steps="wait: {wait: 2h, next: done}",
)

EVENTS = [
    event("a", "cart", "2026-06-01T00:00:00Z", ok=True),
    event("a", "page_view", "2026-06-01T00:30:00Z"),
    event("a", "buy", "2026-06-01T01:00:00Z"),
    event("b", "cart", "2026-06-01T00:00:00Z", ok=False),
    event("c", "page_view", "2026-06-01T00:00:00Z"),
    event("c", "page_view", "2026-06-01T03:00:00Z"),
    event("d", "cart", "2026-06-01T02:00:00Z", ok=True),
]


def at(text: str) -> int:
    return parse_instant(text)


def setup(
    tmp_path: Path, events: list[dict[str, Any]] = EVENTS
) -> tuple[duckdb.DuckDBPyConnection, Plan]:
    ws = load_workspace(tmp_path, JOURNEY)
    return log_connection(tmp_path, events), build_plan(ws, list(ws.journeys.values()))


def test_simulate(tmp_path: Path) -> None:
    con, plan = setup(tmp_path)
    seen: list[CustomerReplay] = []
    progress: list[int] = []
    simulation = simulate(con, plan, on_customer=seen.append, progress=progress.append)
    # The span is the whole log's, page views included.
    assert (simulation.log_start, simulation.log_end) == (
        at("2026-06-01T00:00:00Z"),
        at("2026-06-01T03:00:00Z"),
    )
    assert simulation.plan is plan
    assert simulation.explained is None
    # Once per customer with a row that has bits: a (cart, buy) and d (cart); b's
    # cart does not pass its filter and c has only page views.
    assert [r.customer for r in seen] == ["a", "d"]
    assert simulation.totals.customers == 2
    assert simulation.totals.events == 3
    # One progress call at the end, with the rows read.
    assert progress == [3]
    a, d = seen
    assert [(e.exit_reason, e.converted_ts) for e in a.entries] == [
        ("goal", at("2026-06-01T01:00:00Z"))
    ]
    assert [(e.exit_reason, e.exit_ts) for e in d.entries] == [
        ("censored", at("2026-06-01T03:00:00Z"))
    ]
    j = simulation.totals.journeys["j"]
    assert (j.treated.entered, j.treated.converted) == (2, 1)
    assert j.exits == {"goal": 1, "exit_event": 0, "end": 0, "censored": 1}


def test_no_tables_unless_asked(tmp_path: Path) -> None:
    con, plan = setup(tmp_path)
    simulate(con, plan)
    tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == {"events", "rejects"}
    simulate(con, plan, keep_tables=True)
    assert con.execute("SELECT customer_id FROM entries ORDER BY 1").fetchall() == [
        ("a",),
        ("d",),
    ]


def test_an_empty_log(tmp_path: Path) -> None:
    con, plan = setup(tmp_path, [])
    seen: list[CustomerReplay] = []
    progress: list[int] = []
    simulation = simulate(
        con, plan, keep_tables=True, on_customer=seen.append, progress=progress.append
    )
    assert (simulation.log_start, simulation.log_end) == (None, None)
    assert (simulation.totals.customers, simulation.totals.events) == (0, 0)
    assert simulation.totals.journeys["j"].treated.entered == 0
    assert (seen, progress) == ([], [])
    assert relevant_events(con, plan) == 0
    assert explain(con, plan, "a") is None


def test_progress_every_1024_customers(tmp_path: Path) -> None:
    # 2,050 customers with one cart each, and one with two: after 1,024 customers
    # 1,024 rows were read, after 2,048 2,048 (the two-row one is last), at the end 2,052.
    events = [event(f"c{i:05d}", "cart", "2026-06-01T00:00:00Z", ok=True) for i in range(2_050)]
    events += [event("zz", "cart", "2026-06-01T00:00:00Z", ok=True)] * 2
    con, plan = setup(tmp_path, events)
    progress: list[int] = []
    calls: list[str] = []
    simulation = simulate(
        con, plan, on_customer=lambda r: calls.append(r.customer), progress=progress.append
    )
    assert progress == [1_024, 2_048, 2_052]
    assert len(calls) == len(set(calls)) == 2_051
    assert simulation.totals.customers == 2_051


def test_explain(tmp_path: Path) -> None:
    con, plan = setup(tmp_path)
    a = explain(con, plan, "a")
    assert a is not None and a.customer == "a"
    assert [(t.ts, t.text) for t in a.trace] == [
        (at("2026-06-01T00:00:00Z"), "entered on 'cart' (entry 1)"),
        (at("2026-06-01T00:00:00Z"), "wait: wait until 2026-06-01T02:00:00Z"),
        (at("2026-06-01T01:00:00Z"), "goal 'buy': converted"),
        (at("2026-06-01T01:00:00Z"), "exit: goal at step wait"),
    ]
    # explain replays the customer as simulate does.
    seen: dict[str, CustomerReplay] = {}
    simulate(con, plan, on_customer=lambda r: seen.__setitem__(r.customer, r))
    assert (a.entries, a.visits, a.sends) == (seen["a"].entries, seen["a"].visits, seen["a"].sends)


def test_explain_a_customer_without_relevant_events(tmp_path: Path) -> None:
    con, plan = setup(tmp_path)
    for customer in ("b", "c"):
        replay = explain(con, plan, customer)
        assert replay is not None
        assert (replay.customer, replay.entries, replay.visits, replay.trace) == (
            customer,
            [],
            [],
            [],
        )


def test_explain_an_unknown_customer(tmp_path: Path) -> None:
    con, plan = setup(tmp_path)
    assert explain(con, plan, "nobody") is None
    assert explain(con, plan, "A") is None  # ids are case-sensitive


def test_relevant_events(tmp_path: Path) -> None:
    con, plan = setup(tmp_path)
    # Rows of the plan's event names (cart, buy), with bits or not: a's 2, b's cart,
    # d's cart.
    assert plan.event_names() == ["buy", "cart"]
    assert relevant_events(con, plan) == 4
    ws = load_workspace(tmp_path, JOURNEY)
    assert relevant_events(con, build_plan(ws, [])) == 0
