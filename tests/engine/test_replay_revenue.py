"""Revenue goals: `goal.value` names the goal event's property; each converting entry
adds the value of the goal event that converted it (within the window, also after
the exit); revenue per entrant divides by the entered customers. Worked by hand."""

from __future__ import annotations

from pathlib import Path

from cjo_cli.engine.replay_plan import build_plan
from cjo_cli.output.simulate_report import to_json_data
from tests.engine.replay_helpers import event, journey, load_workspace, log_connection, replay_each

SHOP = journey(
    "shop",
    entry="{event: cart}",
    goal="{event: buy, within: 1d, value: amount}",
    steps="""
        ask: {send: mail, next: done}
    """,
)


def test_revenue_of_the_converting_goal_events(tmp_path: Path) -> None:
    log = [
        # converts after the exit step, within the day: 1,200
        event("a", "cart", "2026-06-01T10:00:00Z"),
        event("a", "buy", "2026-06-01T12:00:00Z", amount=1200),
        event("a", "buy", "2026-06-01T13:00:00Z", amount=999),  # the first goal counted
        # text that is a number counts: 800.5
        event("b", "cart", "2026-06-01T10:00:00Z"),
        event("b", "buy", "2026-06-01T11:00:00Z", amount="800.5"),
        # after the window: no conversion, no revenue
        event("c", "cart", "2026-06-01T10:00:00Z"),
        event("c", "buy", "2026-06-03T10:00:00Z", amount=5000),
        # converts without a number: converted, no revenue
        event("d", "cart", "2026-06-01T10:00:00Z"),
        event("d", "buy", "2026-06-01T10:30:00Z", amount="free"),
    ]
    ws = load_workspace(tmp_path, SHOP)
    con = log_connection(tmp_path, log)
    _, simulation = replay_each(con, build_plan(ws, list(ws.journeys.values())))
    (shop,) = to_json_data(simulation.totals, {}, {}, [])["journeys"]
    assert (shop["entered"], shop["converted"]) == (4, 3)
    assert shop["revenue"] == {
        "property": "amount",
        "treated": 2000.5,
        "per_entrant": 500.12,
        "holdout": None,  # simulated: no holdout revenue to compare
        "holdout_per_entrant": None,
    }


def test_no_value_no_revenue(tmp_path: Path) -> None:
    plain = SHOP.replace(", value: amount", "")
    ws = load_workspace(tmp_path, plain)
    con = log_connection(tmp_path, [event("a", "cart", "2026-06-01T10:00:00Z")])
    _, simulation = replay_each(con, build_plan(ws, list(ws.journeys.values())))
    assert to_json_data(simulation.totals, {}, {}, [])["journeys"][0]["revenue"] is None


# ---- several goal events ---------------------------------------------------------------

SEVERAL = journey(
    "shop",
    entry="{event: cart}",
    goal=(
        "{any: [{event: buy}, {event: subscribe, where: {plan: paid}}], within: 1d, value: amount}"
    ),
    steps="""
        ask: {send: mail, next: pause}
        pause: {wait: 2h, next: done}
    """,
)


def test_the_first_goal_event_of_any_kind_converts(tmp_path: Path) -> None:
    log = [
        # subscribes (paid) in the wait, then buys: the subscription converts, 30
        event("a", "cart", "2026-06-01T10:00:00Z"),
        event("a", "subscribe", "2026-06-01T11:00:00Z", plan="paid", amount=30),
        event("a", "buy", "2026-06-01T11:30:00Z", amount=1000),
        # a free subscription is no goal; the purchase after it is: 500
        event("b", "cart", "2026-06-01T10:00:00Z"),
        event("b", "subscribe", "2026-06-01T10:30:00Z", plan="free", amount=0),
        event("b", "buy", "2026-06-01T11:00:00Z", amount=500),
        # neither: no conversion (still waiting when the log ends at 11:30: censored)
        event("c", "cart", "2026-06-01T10:00:00Z"),
    ]
    ws = load_workspace(tmp_path, SEVERAL)
    con = log_connection(tmp_path, log)
    found, simulation = replay_each(con, build_plan(ws, list(ws.journeys.values())))
    assert [(e.exit_reason, e.converted_value) for e in found["a"].entries] == [("goal", 30)]
    assert [(e.exit_reason, e.converted_value) for e in found["b"].entries] == [("goal", 500)]
    assert [(e.exit_reason, e.converted_ts) for e in found["c"].entries] == [("censored", None)]
    (shop,) = to_json_data(simulation.totals, {}, {}, [])["journeys"]
    assert (shop["entered"], shop["converted"], shop["revenue"]["treated"]) == (3, 2, 530)
